package kernel

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/klauspost/compress/zstd"
	"github.com/tiered-release/tiered/versioning"
	"github.com/ulikunitz/xz"
)

// ErrNoBTF reports that no BTF is known for a kernel the check needs.
var ErrNoBTF = errors.New("no kernel BTF")

// Availability is what one kernel's BTF says about a feature.
type Availability string

// Availabilities.
const (
	Present      Availability = "present"
	Missing      Availability = "missing"
	Unverifiable Availability = "unverifiable"
	// Renamed is an enum constant the kernel has under another name with
	// the same value: built code works, source using the name does not
	// compile against the kernel's headers.
	Renamed Availability = "renamed"
)

// BTF is one kernel's BTF, indexed by the names features ask for.
// Build it with [NewBTF]; it holds no file.
type BTF struct {
	// Version is the kernel's version, zero when the source does not say.
	Version versioning.Kernel
	// Source is where the BTF came from, for messages.
	Source string

	enums      map[string]bool             // named enums
	values     map[string]string           // enum constant → its enum ("" anonymous)
	byValue    map[string]map[int64]string // named enum → value → constant
	composites map[string][]btf.Type       // struct and union by name
	funcs      map[string]bool             // function → carries the bpf_kfunc decl tag
	kfuncTags  bool                        // some function carries bpf_kfunc
}

// kfuncTag is the decl tag the kernel puts on kfuncs (BTF_KFUNC, pahole ≥ 1.25).
const kfuncTag = "bpf_kfunc"

// NewBTF indexes spec. It reads nothing.
func NewBTF(spec *btf.Spec, version versioning.Kernel, source string) (*BTF, error) {
	k := &BTF{
		Version: version, Source: source,
		enums: map[string]bool{}, values: map[string]string{}, byValue: map[string]map[int64]string{},
		composites: map[string][]btf.Type{}, funcs: map[string]bool{},
	}
	for typ, err := range spec.All() {
		if err != nil {
			return nil, fmt.Errorf("%s: read BTF: %w", source, err)
		}
		switch t := typ.(type) {
		case *btf.Enum:
			if t.Name != "" {
				k.enums[t.Name] = true
				if k.byValue[t.Name] == nil {
					k.byValue[t.Name] = map[int64]string{}
				}
			}
			for _, v := range t.Values {
				if t.Name != "" {
					val := int64(v.Value)
					if t.Size == 4 && t.Signed {
						val = int64(int32(v.Value))
					}
					k.byValue[t.Name][val] = v.Name
				}
				if _, ok := k.values[v.Name]; !ok || t.Name != "" {
					k.values[v.Name] = t.Name
				}
			}
		case *btf.Struct:
			if t.Name != "" {
				k.composites[t.Name] = append(k.composites[t.Name], t)
			}
		case *btf.Union:
			if t.Name != "" {
				k.composites[t.Name] = append(k.composites[t.Name], t)
			}
		case *btf.Func:
			tagged := slices.Contains(t.Tags, kfuncTag)
			k.funcs[t.Name] = k.funcs[t.Name] || tagged
			k.kfuncTags = k.kfuncTags || tagged
		}
	}
	return k, nil
}

// Label names the kernel for messages: its version, else its source.
func (k *BTF) Label() string {
	if !k.Version.IsZero() {
		return k.Version.String()
	}
	return k.Source
}

// Has says whether the kernel has f, with the reason when it is not
// simply present.
func (k *BTF) Has(f Feature) (Availability, string) {
	switch f.Kind {
	case KindEnumValue:
		if _, ok := k.values[f.Name]; ok {
			return Present, ""
		}
		if name, ok := strings.CutPrefix(f.Container, "enum "); ok {
			if k.enums[name] {
				if other, ok := k.byValue[name][f.Value]; ok && f.HasValue {
					return Renamed, fmt.Sprintf("enum %s has %s with the same value %d in its place", name, other, f.Value)
				}
				return Missing, fmt.Sprintf("enum %s has no %s", name, f.Name)
			}
			return Unverifiable, fmt.Sprintf("enum %s is not in the BTF (a kernel built without its subsystem, or one that never uses it, has no BTF for it)", name)
		}
		if f.Group != "" && f.Group != f.Name {
			if _, ok := k.values[f.Group]; ok {
				return Missing, fmt.Sprintf("the enum of %s has no %s", f.Group, f.Name)
			}
		}
		return Unverifiable, "no constant of its anonymous enum is in the BTF (an enum the kernel never uses has no BTF)"
	case KindType:
		if k.enums[f.Name] || len(k.composites[f.Name]) > 0 {
			return Present, ""
		}
		return Unverifiable, "the type is not in the BTF (a type the kernel never uses has no BTF)"
	case KindMember:
		return k.hasMember(f)
	case KindFunc:
		if _, ok := k.funcs[f.Name]; ok {
			return Present, ""
		}
		return Missing, fmt.Sprintf("no function %s", f.Name)
	case KindKfunc:
		tagged, ok := k.funcs[f.Name]
		switch {
		case ok && tagged:
			return Present, ""
		case !ok && k.kfuncTags:
			return Missing, fmt.Sprintf("no kfunc %s", f.Name)
		case !ok:
			return Missing, fmt.Sprintf("no function %s", f.Name)
		case k.kfuncTags:
			return Missing, fmt.Sprintf("%s is a function but not a kfunc", f.Name)
		}
		return Unverifiable, fmt.Sprintf("%s exists, but this BTF has no %s decl tags (pahole before 1.25)", f.Name, kfuncTag)
	case KindDefine:
		return Unverifiable, "#define constants are not in BTF"
	}
	return Unverifiable, fmt.Sprintf("unknown feature kind %q", f.Kind)
}

func (k *BTF) hasMember(f Feature) (Availability, string) {
	if len(f.Path) < 2 {
		return Unverifiable, "no member path"
	}
	roots := k.composites[f.Path[0]]
	kind, _, _ := strings.Cut(f.Container, " ")
	var root btf.Type
	for _, r := range roots {
		if root == nil || kind == "struct" && isStruct(r) || kind == "union" && !isStruct(r) {
			root = r
		}
	}
	if root == nil {
		return Unverifiable, fmt.Sprintf("%s is not in the BTF (a type the kernel never uses has no BTF)", strings.TrimSpace(kind+" "+f.Path[0]))
	}
	cur := root
	for i, name := range f.Path[1:] {
		m, ok := findMember(cur, name, 0)
		if !ok {
			return Missing, fmt.Sprintf("%s has no member %s", strings.Join(f.Path[:i+1], "."), name)
		}
		if i == len(f.Path)-2 {
			break
		}
		next, ok := composite(m.Type)
		if !ok {
			return Missing, fmt.Sprintf("%s is not a struct or union", strings.Join(f.Path[:i+2], "."))
		}
		cur = next
	}
	return Present, ""
}

func isStruct(c btf.Type) bool {
	_, ok := c.(*btf.Struct)
	return ok
}

// findMember finds name among c's members, walking into unnamed struct
// and union members as C does (bpf_attr.link_create.kprobe_multi).
func findMember(c btf.Type, name string, depth int) (btf.Member, bool) {
	if depth > 32 {
		return btf.Member{}, false
	}
	for _, m := range members(c) {
		if m.Name == name {
			return m, true
		}
		if m.Name == "" {
			if inner, ok := composite(m.Type); ok {
				if found, ok := findMember(inner, name, depth+1); ok {
					return found, true
				}
			}
		}
	}
	return btf.Member{}, false
}

func members(t btf.Type) []btf.Member {
	switch c := t.(type) {
	case *btf.Struct:
		return c.Members
	case *btf.Union:
		return c.Members
	}
	return nil
}

// composite peels typedefs, qualifiers and arrays down to a struct or union.
func composite(t btf.Type) (btf.Type, bool) {
	for range 32 {
		t = btf.UnderlyingType(t)
		if a, ok := t.(*btf.Array); ok {
			t = a.Type
			continue
		}
		switch c := t.(type) {
		case *btf.Struct:
			return c, true
		case *btf.Union:
			return c, true
		}
		return nil, false
	}
	return nil, false
}

// Index is a set of kernels' BTF ordered by version: the baseline
// a check runs against, and the history that explains a missing feature.
type Index struct {
	// Source is the file or directory it came from.
	Source  string
	entries []*kernelEntry
}

type kernelEntry struct {
	version versioning.Kernel
	source  string
	load    func() (*BTF, error)
	k       *BTF
	err     error
}

func (e *kernelEntry) get() (*BTF, error) {
	if e.k == nil && e.err == nil {
		e.k, e.err = e.load()
	}
	return e.k, e.err
}

// NewIndex orders kernels into an index. It reads nothing.
func NewIndex(source string, kernels ...*BTF) *Index {
	idx := &Index{Source: source}
	for _, k := range kernels {
		idx.entries = append(idx.entries, &kernelEntry{version: k.Version, source: k.Source, k: k})
	}
	idx.sort()
	return idx
}

func (idx *Index) sort() {
	slices.SortStableFunc(idx.entries, func(a, b *kernelEntry) int { return a.version.Compare(b.version) })
}

// Versions lists the kernels with a version, oldest first.
func (idx *Index) Versions() []versioning.Kernel {
	var out []versioning.Kernel
	for _, e := range idx.entries {
		if !e.version.IsZero() {
			out = append(out, e.version)
		}
	}
	return out
}

// Baseline returns the BTF to check a line with baseline v against: the
// kernel v itself; or, when v has no final BTF yet, its newest -rc, with
// provisional set; or, for an index of one file that names no version,
// that file. It returns an error wrapping [ErrNoBTF] otherwise.
func (idx *Index) Baseline(v versioning.Kernel) (k *BTF, provisional bool, err error) {
	if len(idx.entries) == 1 && idx.entries[0].version.IsZero() {
		k, err := idx.entries[0].get()
		return k, false, err
	}
	var rc *kernelEntry
	for _, e := range idx.entries {
		if e.version.Compare(v) == 0 {
			k, err := e.get()
			return k, false, err
		}
		if !v.IsZero() && !v.IsRC() && e.version.IsRC() && e.version.Final().Compare(v) == 0 {
			rc = e
		}
	}
	if rc != nil {
		k, err := rc.get()
		return k, true, err
	}
	have := make([]string, 0, len(idx.entries))
	for _, e := range idx.entries {
		have = append(have, e.source)
	}
	if v.IsZero() {
		return nil, false, fmt.Errorf("%w: the line has no kernel baseline and %s holds %d kernels (set kernels: in tiered.yaml, or pass one BTF file)", ErrNoBTF, idx.Source, len(idx.entries))
	}
	return nil, false, fmt.Errorf("%w for kernel %s in %s (have %s)", ErrNoBTF, v, idx.Source, strings.Join(versionsOf(idx.entries), ", "))
}

func versionsOf(es []*kernelEntry) []string {
	var out []string
	for _, e := range es {
		if e.version.IsZero() {
			out = append(out, e.source)
		} else {
			out = append(out, e.version.String())
		}
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// Seen is one kernel's answer for a feature.
type Seen struct {
	Kernel       versioning.Kernel
	Availability Availability
}

// Trace asks every versioned kernel of the index about f, oldest first.
// It loads each kernel's BTF once.
func (idx *Index) Trace(f Feature) ([]Seen, error) {
	var out []Seen
	for _, e := range idx.entries {
		if e.version.IsZero() {
			continue
		}
		k, err := e.get()
		if err != nil {
			return nil, err
		}
		a, _ := k.Has(f)
		out = append(out, Seen{e.version, a})
	}
	return out, nil
}

// Load reads kernel BTF from path: one file, or a directory of
// files named by kernel version ("6.8.btf", "6.9-rc3.btf.gz",
// "vmlinux-6.10.zst"). Each file is raw BTF (/sys/kernel/btf/vmlinux) or
// an ELF vmlinux with a .BTF section, either of them plain or compressed
// with gzip, xz or zstd. A directory's files are read when first needed.
func Load(path string) (*Index, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	idx := &Index{Source: path}
	if !fi.IsDir() {
		k, err := LoadBTF(path)
		if err != nil {
			return nil, err
		}
		return NewIndex(path, k), nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	for _, de := range ents {
		if de.IsDir() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		v, ok := VersionFromFileName(de.Name())
		if !ok {
			continue
		}
		file := filepath.Join(path, de.Name())
		idx.entries = append(idx.entries, &kernelEntry{
			version: v, source: file,
			load: func() (*BTF, error) { return LoadBTF(file) },
		})
	}
	if len(idx.entries) == 0 {
		return nil, fmt.Errorf("%s: %w: no file named by a kernel version (like 6.8.btf or 6.9-rc3.btf.gz)", path, ErrNoBTF)
	}
	idx.sort()
	return idx, nil
}

// VersionFromFileName reads the kernel version a BTF file is named by:
// "6.8.btf", "6.9-rc3.btf.gz", "vmlinux-6.10.0.xz".
func VersionFromFileName(name string) (versioning.Kernel, bool) {
	for _, ext := range []string{".gz", ".xz", ".zst", ".zstd"} {
		name = strings.TrimSuffix(name, ext)
	}
	for _, ext := range []string{".btf", ".BTF", ".elf", ".raw"} {
		name = strings.TrimSuffix(name, ext)
	}
	name = strings.TrimPrefix(name, "vmlinux-")
	v, err := versioning.ParseKernel(name)
	if err != nil {
		return versioning.Kernel{}, false
	}
	return v, true
}

// LoadBTF reads one kernel's BTF from file (see [Load]
// for the forms) and indexes it. Its version comes from the file name when
// the name is one.
func LoadBTF(file string) (*BTF, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	data, err = decompress(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		// A stripped vmlinux has no symbol table, which cilium's ELF
		// reader wants; the .BTF section alone is all a check needs.
		f, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: read ELF: %w", file, err)
		}
		sec := f.Section(".BTF")
		if sec == nil {
			return nil, fmt.Errorf("%s: %w: the ELF file has no .BTF section (build the kernel with CONFIG_DEBUG_INFO_BTF=y)", file, ErrNoBTF)
		}
		if data, err = sec.Data(); err != nil {
			return nil, fmt.Errorf("%s: read .BTF: %w", file, err)
		}
	}
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not kernel BTF: %w", file, err)
	}
	v, _ := VersionFromFileName(filepath.Base(file))
	return NewBTF(spec, v, file)
}

// maxBTF bounds a decompressed BTF file (vmlinux BTF is about 6 MiB, an
// ELF vmlinux with debug info under 1 GiB).
const maxBTF = 2 << 30

func decompress(data []byte) ([]byte, error) {
	var r io.Reader
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
		r = zr
	case bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		xr, err := xz.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("unxz: %w", err)
		}
		r = xr
	case bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("unzstd: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return data, nil
	}
	out, err := io.ReadAll(io.LimitReader(r, maxBTF+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if len(out) > maxBTF {
		return nil, fmt.Errorf("decompressed BTF exceeds %d bytes", maxBTF)
	}
	return out, nil
}

// Needs maps the identifiers a commit can use (enum constants and
// kfuncs) to the kernels that have them: the index behind the
// kernel-too-new rule.
type Needs struct {
	first map[string]versioning.Kernel // the first release with it; an -rc if no release has it
	index *Index
}

// Needs loads every kernel of the index and maps each enum constant and
// kfunc to the first kernel release that has it.
func (idx *Index) Needs() (*Needs, error) {
	n := &Needs{first: map[string]versioning.Kernel{}, index: idx}
	for _, e := range idx.entries {
		if e.version.IsZero() {
			continue
		}
		k, err := e.get()
		if err != nil {
			return nil, err
		}
		note := func(name string) {
			if old, ok := n.first[name]; !ok || old.IsRC() && !e.version.IsRC() {
				n.first[name] = e.version
			}
		}
		for name := range k.values {
			note(name)
		}
		for name, tagged := range k.funcs {
			if tagged {
				note(name)
			}
		}
	}
	return n, nil
}

// Check says whether baseline has ident. known is false for identifiers
// no kernel of the index has: not a kernel feature, as far as BTF knows.
// first is the first kernel release that has it.
func (n *Needs) Check(ident string, baseline versioning.Kernel) (ok, known bool, first versioning.Kernel) {
	first, known = n.first[ident]
	if !known {
		return true, false, first
	}
	if k, _, err := n.index.Baseline(baseline); err == nil && k.Version.Final().Compare(baseline) == 0 {
		_, enum := k.values[ident]
		return enum || k.funcs[ident], true, first
	}
	return first.Compare(baseline) <= 0, true, first
}
