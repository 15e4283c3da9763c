package kernel

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/tiered-release/tiered/internal/sample"
	"github.com/tiered-release/tiered/versioning"
)

const kernelDesc = `
enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP
enum - BPF_ANY BPF_NOEXIST
union bpf_attr map_type link_create.target_fd link_create.kprobe_multi.flags
struct bpf_map_info type id
func bpf_map_lookup_elem
kfunc bpf_obj_new_impl
`

func buildKernel(t *testing.T, desc string, version string) *BTF {
	t.Helper()
	raw, err := sample.KernelBTF(desc)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var v versioning.Kernel
	if version != "" {
		v = versioning.MustParseKernel(version)
	}
	k, err := NewBTF(spec, v, "test")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func member(container string, path ...string) Feature {
	return Feature{ID: "m", Kind: KindMember, Path: path, Container: container}
}

func TestKernelHas(t *testing.T) {
	k := buildKernel(t, kernelDesc, "6.9")
	tests := []struct {
		name string
		f    Feature
		want Availability
	}{
		{"enum value", Feature{Kind: KindEnumValue, Name: "BPF_PROG_TYPE_XDP", Container: "enum bpf_prog_type"}, Present},
		{"enum value missing from its enum", Feature{Kind: KindEnumValue, Name: "BPF_PROG_TYPE_FOO", Container: "enum bpf_prog_type"}, Missing},
		{"enum not in BTF", Feature{Kind: KindEnumValue, Name: "GENEVE_DF_SET", Container: "enum ifla_geneve_df"}, Unverifiable},
		{"anonymous enum value", Feature{Kind: KindEnumValue, Name: "BPF_NOEXIST", Container: "enum", Group: "BPF_ANY"}, Present},
		{"anonymous enum lacks it", Feature{Kind: KindEnumValue, Name: "BPF_EXIST", Container: "enum", Group: "BPF_ANY"}, Missing},
		{"anonymous enum absent", Feature{Kind: KindEnumValue, Name: "BPF_F_X", Container: "enum", Group: "BPF_F_W"}, Unverifiable},
		{"member", member("union bpf_attr", "bpf_attr", "map_type"), Present},
		{"member behind unnamed members", member("union bpf_attr", "bpf_attr", "link_create", "kprobe_multi", "flags"), Present},
		{"intermediate member", member("union bpf_attr", "bpf_attr", "link_create", "kprobe_multi"), Present},
		{"missing member", member("union bpf_attr", "bpf_attr", "link_create", "uprobe_multi", "flags"), Missing},
		{"missing leaf", member("union bpf_attr", "bpf_attr", "link_create", "kprobe_multi", "cookies"), Missing},
		{"member of a scalar", member("union bpf_attr", "bpf_attr", "map_type", "x"), Missing},
		{"type absent", member("struct bpf_lpm_trie_key", "bpf_lpm_trie_key", "data"), Unverifiable},
		{"type", Feature{Kind: KindType, Name: "bpf_map_info"}, Present},
		{"enum type", Feature{Kind: KindType, Name: "bpf_prog_type"}, Present},
		{"func", Feature{Kind: KindFunc, Name: "bpf_map_lookup_elem"}, Present},
		{"func missing", Feature{Kind: KindFunc, Name: "bpf_nope"}, Missing},
		{"kfunc", Feature{Kind: KindKfunc, Name: "bpf_obj_new_impl"}, Present},
		{"func is no kfunc", Feature{Kind: KindKfunc, Name: "bpf_map_lookup_elem"}, Missing},
		{"define", Feature{Kind: KindDefine, Name: "BPF_JMP32"}, Unverifiable},
	}
	for _, tt := range tests {
		if got, why := k.Has(tt.f); got != tt.want {
			t.Errorf("%s: Has(%+v) = %s (%s), want %s", tt.name, tt.f, got, why, tt.want)
		}
	}
}

// A kernel built with a pahole that writes no decl tags cannot say what
// is a kfunc.
func TestKernelHasNoKfuncTags(t *testing.T) {
	k := buildKernel(t, "func bpf_obj_new_impl\n", "6.1")
	if got, _ := k.Has(Feature{Kind: KindKfunc, Name: "bpf_obj_new_impl"}); got != Unverifiable {
		t.Errorf("kfunc without decl tags = %s, want %s", got, Unverifiable)
	}
	if got, _ := k.Has(Feature{Kind: KindKfunc, Name: "bpf_nope"}); got != Missing {
		t.Errorf("absent kfunc = %s, want %s", got, Missing)
	}
}

func writeCompressed(t *testing.T, path string, data []byte, kind string) {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	var err error
	switch kind {
	case "gz":
		w = gzip.NewWriter(&buf)
	case "xz":
		w, err = xz.NewWriter(&buf)
	case "zst":
		w, err = zstd.NewWriter(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadKernelIndexDirectory(t *testing.T) {
	dir := t.TempDir()
	raw := func(desc string) []byte {
		b, err := sample.KernelBTF(desc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// 6.8 lacks FOO; 6.9-rc1 adds it; 6.9 final reverted it; 6.10 has it.
	base := "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\n"
	foo := "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_FOO\n"
	os.WriteFile(filepath.Join(dir, "6.8.btf"), raw(base), 0o644)
	writeCompressed(t, filepath.Join(dir, "6.9-rc1.btf.gz"), raw(foo), "gz")
	writeCompressed(t, filepath.Join(dir, "6.9.btf.xz"), raw(base), "xz")
	writeCompressed(t, filepath.Join(dir, "vmlinux-6.10.zst"), raw(foo), "zst")
	writeCompressed(t, filepath.Join(dir, "6.11-rc10.btf.gz"), raw(foo), "gz")
	writeCompressed(t, filepath.Join(dir, "6.11-rc2.btf.gz"), raw(base), "gz")
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a kernel"), 0o644)

	idx, err := Load(LoadOptions{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range idx.Versions() {
		got = append(got, v.String())
	}
	want := "6.8 6.9-rc1 6.9 6.10 6.11-rc2 6.11-rc10"
	if g := join(got); g != want {
		t.Errorf("Versions() = %s, want %s", g, want)
	}
	fooF := Feature{Kind: KindEnumValue, Name: "BPF_PROG_TYPE_FOO", Container: "enum bpf_prog_type"}
	trace, err := idx.Trace(fooF)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, s := range trace {
		seen = append(seen, s.Kernel.String()+"="+string(s.Availability))
	}
	if g, w := join(seen), "6.8=missing 6.9-rc1=present 6.9=missing 6.10=present 6.11-rc2=missing 6.11-rc10=present"; g != w {
		t.Errorf("Trace = %s, want %s", g, w)
	}

	k, prov, err := idx.Baseline(versioning.MustParseKernel("6.9"))
	if err != nil || prov || k.Version.String() != "6.9" {
		t.Errorf("Baseline(6.9) = %v, %v, %v; want 6.9, final", k, prov, err)
	}
	// 6.11 has no final BTF: its newest -rc stands in, provisionally.
	k, prov, err = idx.Baseline(versioning.MustParseKernel("6.11"))
	if err != nil || !prov || k.Version.String() != "6.11-rc10" {
		t.Errorf("Baseline(6.11) = %v, %v, %v; want 6.11-rc10, provisional", k, prov, err)
	}
	if _, _, err = idx.Baseline(versioning.MustParseKernel("6.12")); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Baseline(6.12) error = %v, want ErrNoBTF", err)
	}
}

func join(xs []string) string {
	var b bytes.Buffer
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

func TestLoadKernelBTFErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "6.8.btf")
	os.WriteFile(junk, []byte("definitely not BTF"), 0o644)
	if _, err := LoadBTF(junk); err == nil {
		t.Error("LoadBTF(junk) succeeded")
	}
	if _, err := Load(LoadOptions{}, filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
	empty := t.TempDir()
	if _, err := Load(LoadOptions{}, empty); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Load(empty dir) = %v, want ErrNoBTF", err)
	}
}

// An ELF vmlinux carries BTF in its .BTF section; a stripped one has no
// symbol table. objcopy builds both from an empty object.
func TestLoadKernelBTFFromELF(t *testing.T) {
	cc, err1 := exec.LookPath("cc")
	objcopy, err2 := exec.LookPath("objcopy")
	if err1 != nil || err2 != nil {
		t.Skip("needs cc and objcopy to build an ELF vmlinux")
	}
	dir := t.TempDir()
	raw, err := sample.KernelBTF(kernelDesc)
	if err != nil {
		t.Fatal(err)
	}
	btfFile := filepath.Join(dir, "btf.raw")
	os.WriteFile(btfFile, raw, 0o644)
	os.WriteFile(filepath.Join(dir, "empty.c"), []byte("int vmlinux_marker;\n"), 0o644)
	obj := filepath.Join(dir, "empty.o")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run(cc, "-c", "-o", obj, filepath.Join(dir, "empty.c"))
	vmlinux := filepath.Join(dir, "vmlinux-6.9")
	run(objcopy, "--add-section", ".BTF="+btfFile, obj, vmlinux)
	stripped := filepath.Join(dir, "vmlinux-6.9.stripped.elf")
	run(objcopy, "--strip-all", vmlinux, stripped)
	for _, f := range []string{vmlinux, stripped} {
		k, err := LoadBTF(f)
		if err != nil {
			t.Errorf("LoadBTF(%s): %v", filepath.Base(f), err)
			continue
		}
		if a, why := k.Has(member("union bpf_attr", "bpf_attr", "link_create", "kprobe_multi", "flags")); a != Present {
			t.Errorf("%s: kprobe_multi.flags = %s (%s)", filepath.Base(f), a, why)
		}
	}
	if _, err := LoadBTF(obj); !errors.Is(err, ErrNoBTF) {
		t.Errorf("LoadBTF(ELF without .BTF) = %v, want ErrNoBTF", err)
	}
	// A vmlinux whose name says nothing is the kernel its banner names.
	bannerFile := filepath.Join(dir, "banner")
	os.WriteFile(bannerFile, []byte("Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian 6.1.119-1\n\x00"), 0o644)
	plain := filepath.Join(dir, "kernel.elf")
	run(objcopy, "--add-section", ".rodata="+bannerFile, "--set-section-flags", ".rodata=alloc,readonly", vmlinux, plain)
	k, err := LoadBTF(plain)
	if err != nil || k.By != ByBanner || k.Label() != "6.1.0-28-amd64" || k.Release().String() != "6.1" {
		t.Errorf("LoadBTF(unnamed with banner) = %+v, %v", k, err)
	}
	idx, err := Load(LoadOptions{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := idx.Baseline(versioning.MustParseKernel("6.1")); err != nil {
		t.Errorf("a directory's unnamed vmlinux is the kernel its banner names: %v", err)
	}
}

// The running kernel's BTF, where there is one: the real thing must load,
// and the features every BPF-capable kernel has must be found.
func TestRunningKernelBTF(t *testing.T) {
	const vmlinux = "/sys/kernel/btf/vmlinux"
	if _, err := os.Stat(vmlinux); err != nil {
		t.Skipf("no %s on this machine", vmlinux)
	}
	start := time.Now()
	k, err := LoadBTF(vmlinux)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded and indexed %s in %v", vmlinux, time.Since(start))
	for _, f := range []Feature{
		{Kind: KindEnumValue, Name: "BPF_PROG_TYPE_SOCKET_FILTER", Container: "enum bpf_prog_type"},
		{Kind: KindEnumValue, Name: "BPF_MAP_CREATE", Container: "enum bpf_cmd"},
		member("union bpf_attr", "bpf_attr", "map_type"),
		member("union bpf_attr", "bpf_attr", "insn_cnt"),
		{Kind: KindFunc, Name: "bpf_prog_load"},
	} {
		if a, why := k.Has(f); a != Present {
			t.Errorf("running kernel: %+v = %s (%s)", f, a, why)
		}
	}
}

func TestParseManifest(t *testing.T) {
	fs, err := ParseManifest("m.yaml", []byte(`ringbuf: {enum: BPF_MAP_TYPE_RINGBUF}
kprobe-multi: {member: bpf_attr.link_create.kprobe_multi}
dynptr: {kfunc: bpf_dynptr_from_skb}
ktime: {func: bpf_ktime_get_ns}
order: {type: enum bpf_cgroup_iter_order}
`))
	if err != nil {
		t.Fatal(err)
	}
	k := buildKernel(t, "enum bpf_map_type BPF_MAP_TYPE_RINGBUF\nenum bpf_cgroup_iter_order BPF_ITER_ORDER_UNSPEC\nunion bpf_attr link_create.kprobe_multi.flags\nkfunc bpf_dynptr_from_skb\n", "6.9")
	var got []string
	for _, f := range fs {
		a, why := k.Has(f)
		got = append(got, f.ID+"="+string(a)+" "+why)
	}
	want := []string{"ringbuf=present ", "kprobe-multi=present ", "dynptr=present ", "ktime=missing no function bpf_ktime_get_ns", "order=present "}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("manifest features (-want +got):\n%s", d)
	}

	_, err = ParseManifest("m.yaml", []byte("a: {enum: X}\nb: {member: nodot}\nc: [x]\nd: {typo: Y}\n"))
	var list []*ManifestError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var me *ManifestError
			if errors.As(e, &me) {
				list = append(list, me)
			}
		}
	}
	if len(list) != 3 {
		t.Fatalf("ParseManifest(bad) = %v, want 3 errors", err)
	}
	for i, line := range []int{2, 3, 4} {
		if list[i].Line != line {
			t.Errorf("error %d at line %d, want %d: %v", i, list[i].Line, line, list[i])
		}
	}
}

// libbpf v0.2 shipped the 5.10-rc name BPF_FUNC_bpf_per_cpu_ptr; Linux
// 5.10 final calls helper 153 BPF_FUNC_per_cpu_ptr. BTF alone cannot tell
// a rename from a value reused for something else: it says missing, and
// what the value means there; the check asks history (TestCheckRename).
func TestKernelHasSameValue(t *testing.T) {
	var desc strings.Builder
	desc.WriteString("enum bpf_func_id")
	for i := range 154 {
		name := fmt.Sprintf("BPF_FUNC_h%d", i)
		if i == 153 {
			name = "BPF_FUNC_per_cpu_ptr"
		}
		desc.WriteString(" " + name)
	}
	desc.WriteString(" __BPF_FUNC_MAX_ID\n")
	k := buildKernel(t, desc.String(), "5.10")
	f := Feature{Kind: KindEnumValue, Name: "BPF_FUNC_bpf_per_cpu_ptr", Container: "enum bpf_func_id", Value: 153, HasValue: true}
	a := k.answer(f)
	if a.Availability != Missing || a.Same != "BPF_FUNC_per_cpu_ptr" || a.Bound || !strings.Contains(a.Reason, "its value 153 means BPF_FUNC_per_cpu_ptr there") {
		t.Errorf("answer(%s = 153) = %+v, want missing, same BPF_FUNC_per_cpu_ptr", f.Name, a)
	}
	f.Value = 154
	if a := k.answer(f); a.Availability != Missing || !a.Bound || !strings.Contains(a.Reason, "its value 154 is __BPF_FUNC_MAX_ID there, the enum's bound") {
		t.Errorf("answer(%s = 154) = %+v, want missing at the bound", f.Name, a)
	}
	f.Value = 155
	if a := k.answer(f); a.Availability != Missing || a.Same != "" {
		t.Errorf("answer(%s = 155) = %+v, want missing", f.Name, a)
	}
}

func TestBoundary(t *testing.T) {
	for n := 0; n < 70; n++ {
		for k := 0; k <= n; k++ {
			calls := 0
			got, err := boundary(n, func(i int) (bool, error) {
				calls++
				if i < 0 || i >= n {
					t.Fatalf("boundary(%d) asked about %d", n, i)
				}
				return i >= k, nil
			})
			if err != nil || got != k {
				t.Errorf("boundary(%d) with the change at %d = %d, %v", n, k, got, err)
			}
			if calls > 2*bitsLen(n)+2 {
				t.Errorf("boundary(%d, %d) asked %d times", n, k, calls)
			}
		}
	}
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}
