package sample

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// KernelBTF builds raw kernel BTF, as /sys/kernel/btf/vmlinux holds it,
// from a description of one declaration per line:
//
//	enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP
//	enum - BPF_F_ANY BPF_F_NOEXIST        (an anonymous enum)
//	union bpf_attr map_type link_create.kprobe_multi.flags
//	struct bpf_map_info type id
//	func bpf_map_lookup_elem
//	kfunc bpf_obj_new_impl                (a function tagged bpf_kfunc)
//
// A dotted member path nests named struct members; each nested struct
// holds its members behind an anonymous union, as union bpf_attr does, so
// readers must walk into unnamed members to find them. Blank lines and
// lines starting with # are skipped.
func KernelBTF(desc string) ([]byte, error) {
	u32 := &btf.Int{Name: "unsigned int", Size: 4}
	proto := &btf.FuncProto{Return: u32}
	var types []btf.Type
	sc := bufio.NewScanner(strings.NewReader(desc))
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: want KIND NAME …", n)
		}
		switch f[0] {
		case "enum":
			e := &btf.Enum{Name: f[1], Size: 4}
			if e.Name == "-" {
				e.Name = ""
			}
			for i, v := range f[2:] {
				e.Values = append(e.Values, btf.EnumValue{Name: v, Value: uint64(i)})
			}
			types = append(types, e)
		case "struct", "union":
			root := &node{}
			for _, path := range f[2:] {
				root.add(strings.Split(path, "."))
			}
			members := root.members(u32)
			if f[0] == "struct" {
				types = append(types, &btf.Struct{Name: f[1], Size: 64, Members: members})
			} else {
				types = append(types, &btf.Union{Name: f[1], Size: 64, Members: members})
			}
		case "func", "kfunc":
			fn := &btf.Func{Name: f[1], Type: proto, Linkage: btf.GlobalFunc}
			if f[0] == "kfunc" {
				fn.Tags = []string{"bpf_kfunc"}
			}
			types = append(types, fn)
		default:
			return nil, fmt.Errorf("line %d: unknown kind %q (use enum, struct, union, func or kfunc)", n, f[0])
		}
	}
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		return nil, err
	}
	return b.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian})
}

// node is a member tree; its children keep the order they were added in.
type node struct {
	names    []string
	children map[string]*node
}

func (n *node) add(path []string) {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c, ok := n.children[path[0]]
	if !ok {
		c = &node{}
		n.children[path[0]] = c
		n.names = append(n.names, path[0])
	}
	if len(path) > 1 {
		c.add(path[1:])
	}
}

func (n *node) members(leaf btf.Type) []btf.Member {
	var out []btf.Member
	for _, name := range n.names {
		c := n.children[name]
		typ := leaf
		if len(c.names) > 0 {
			// name is a struct whose members sit behind an unnamed union.
			inner := &btf.Union{Size: 64, Members: c.members(leaf)}
			typ = &btf.Struct{Size: 64, Members: []btf.Member{{Name: "", Type: inner}}}
		}
		out = append(out, btf.Member{Name: name, Type: typ})
	}
	return out
}
