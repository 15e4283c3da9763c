package image

import (
	"errors"
	"slices"
	"syscall"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// A directory laid out as /sys/kernel/btf: raw BTF for the kernel, raw
// split BTF per module.
func TestLoadDirSysfs(t *testing.T) {
	dir := t.TempDir()
	raw := kernelBTF(t)
	writeFile(t, dir, "vmlinux", raw)
	writeFile(t, dir, "nf_conntrack", splitBTF(t, raw, "bpf_skb_ct_lookup"))
	writeFile(t, dir, "fou", splitBTF(t, raw, "bpf_skb_set_fou_encap"))
	writeFile(t, dir, "README.md", []byte("not read"))
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range set.All() {
		names = append(names, name)
	}
	if want := []string{"vmlinux", "fou", "nf_conntrack"}; !slices.Equal(names, want) {
		t.Errorf("LoadDir: All yields %v, want %v", names, want)
	}
	checkKfunc(t, set, "nf_conntrack", "bpf_skb_ct_lookup")
	checkKfunc(t, set, "fou", "bpf_skb_set_fou_encap")
}

// A directory as .ci/kernels.sh leaves it: a bzImage and .ko files, one
// of them compressed.
func TestLoadDirImage(t *testing.T) {
	dir := t.TempDir()
	raw := kernelBTF(t)
	const release = "6.1.0-28-amd64"
	writeFile(t, dir, "vmlinuz-"+release, bzImageFile(t, "zstd", release+" (debian-kernel@lists.debian.org) #1 SMP", vmlinuxELF(raw)))
	writeFile(t, dir, "nf_conntrack.ko", moduleELF(splitBTF(t, raw, "bpf_skb_ct_lookup"), "nf_conntrack", release))
	writeFile(t, dir, "fou.ko.xz", compress(t, "xz", moduleELF(splitBTF(t, raw, "bpf_skb_set_fou_encap"), "fou", release)))
	writeFile(t, dir, "package.txt", []byte("package linux-image-6.1.0-28-amd64\n"))
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if set.Kernel.Version != release {
		t.Errorf("kernel version %q, want %q", set.Kernel.Version, release)
	}
	for _, m := range set.Modules {
		if m.Version != release {
			t.Errorf("module %s: version %q, want %q", m.Name, m.Version, release)
		}
	}
	if m := set.Module("fou"); m == nil || m.Compression != "xz" {
		t.Errorf("Module(fou) = %+v, want one compressed with xz", m)
	}
	checkKfunc(t, set, "nf_conntrack", "bpf_skb_ct_lookup")
	checkKfunc(t, set, "fou", "bpf_skb_set_fou_encap")
}

// checkKfunc checks that fn is in module's BTF only, and that its
// prototype resolves into the kernel's types.
func checkKfunc(t *testing.T, set *Set, module, fn string) {
	t.Helper()
	for name, spec := range set.All() {
		var f *btf.Func
		err := spec.TypeByName(fn, &f)
		if name != module {
			if err == nil {
				t.Errorf("%s: has %s, which only %s has", name, fn, module)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %s: %v", module, fn, err)
			continue
		}
		proto, ok := f.Type.(*btf.FuncProto)
		if !ok {
			t.Errorf("%s: %s has type %T, want a prototype", module, fn, f.Type)
			continue
		}
		if ret, ok := proto.Return.(*btf.Int); !ok || ret.Name != "int" {
			t.Errorf("%s: %s returns %v, want the kernel's int", module, fn, proto.Return)
		}
	}
}

func TestLoadModuleRefuses(t *testing.T) {
	dir := t.TempDir()
	raw := kernelBTF(t)
	base, err := Load(writeFile(t, dir, "vmlinux", vmlinuxELF(raw)))
	if err != nil {
		t.Fatal(err)
	}
	split := splitBTF(t, raw, "bpf_skb_ct_lookup")
	// Split BTF whose prototype refers to a type the base does not have.
	dangling := splitBTF(t, raw, "bpf_skb_ct_lookup")
	dangling[24+8] = 200
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"built for another kernel", moduleELF(split, "nf_conntrack", "6.1.0-27-amd64"), ErrMismatch},
		{"compressed, built for another kernel", compress(t, "gzip", moduleELF(split, "nf_conntrack", "6.1.0-27-amd64")), ErrMismatch},
		{"no BTF", buildELF([]section{{name: ".modinfo", typ: 1, data: []byte("name=x\x00")}}, false), ErrNoBTF},
		{"junk", []byte("junk junk junk junk"), ErrUnknownFormat},
		{"dangling type", dangling, nil},
	} {
		path := writeFile(t, dir, "m.ko", tc.data)
		m, err := LoadModule(path, base)
		if err == nil {
			t.Errorf("LoadModule(%s) = %+v, want an error", tc.name, m)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("LoadModule(%s) = %v, want an error wrapping %v", tc.name, err, tc.want)
		}
	}
}

func TestLoadDirRefuses(t *testing.T) {
	raw := kernelBTF(t)
	for _, tc := range []struct {
		name  string
		files map[string][]byte
	}{
		{"no kernel", map[string][]byte{"fou": splitBTF(t, raw, "f")}},
		{"two kernels", map[string][]byte{"vmlinux": raw, "vmlinuz-6.1": raw}},
		{"two modules of one name", map[string][]byte{"vmlinux": raw, "nf-conntrack.ko": moduleELF(splitBTF(t, raw, "f"), "nf_conntrack", ""), "nf_conntrack": splitBTF(t, raw, "f")}},
	} {
		dir := t.TempDir()
		for name, data := range tc.files {
			writeFile(t, dir, name, data)
		}
		if set, err := LoadDir(dir); err == nil {
			t.Errorf("LoadDir(%s) = %+v, want an error", tc.name, set)
		}
	}
	if _, err := LoadDir(writeFile(t, t.TempDir(), "vmlinux", raw)); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("LoadDir(a file) = %v, want an error wrapping ENOTDIR", err)
	}
}
