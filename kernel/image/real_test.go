package image

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// These tests read real kernels, and skip when they are absent: this
// machine's /sys/kernel/btf, and the Debian kernels .ci/kernels.sh puts
// in the directory $TIERED_KERNELS names. bpftool, when installed, is
// their oracle: it must count as many types, and find the same enum
// constants and functions.

// probes are names whose presence differs across the kernels tested:
// enum constants, then functions (kfuncs among them).
var probes = struct{ enums, funcs []string }{
	enums: []string{
		"BPF_PROG_TYPE_XDP",         // 4.8
		"BPF_MAP_TYPE_USER_RINGBUF", // 6.1
		"BPF_PROG_TYPE_NETFILTER",   // 6.4
		"BPF_LINK_TYPE_NETKIT",      // 6.7
		"BPF_TOKEN_CREATE",          // 6.9
	},
	funcs: []string{
		"bpf_map_lookup_elem",
		"bpf_dynptr_from_skb",   // kfunc, 6.3
		"bpf_obj_new_impl",      // kfunc, 6.2
		"bpf_cpumask_create",    // kfunc, 6.3
		"bpf_skb_ct_lookup",     // nf_conntrack's kfunc
		"bpf_skb_set_fou_encap", // fou's kfunc, 6.5
	},
}

// found lists which probes spec has, as "enum NAME" and "func NAME".
// A module's spec iterates its own types only.
func found(spec *btf.Spec) []string {
	var out []string
	have := map[string]bool{}
	for typ, err := range spec.All() {
		if err != nil {
			break
		}
		switch t := typ.(type) {
		case *btf.Enum:
			for _, v := range t.Values {
				have["enum "+v.Name] = true
			}
		case *btf.Func:
			have["func "+t.Name] = true
		}
	}
	for _, e := range probes.enums {
		if have["enum "+e] {
			out = append(out, "enum "+e)
		}
	}
	for _, f := range probes.funcs {
		if have["func "+f] {
			out = append(out, "func "+f)
		}
	}
	return out
}

// bpftool dumps file (on top of base, if not "") and returns how many
// types it lists and which probes it finds.
func bpftool(t *testing.T, file, base string) (int, []string) {
	t.Helper()
	args := []string{"btf", "dump", "file", file, "format", "raw"}
	if base != "" {
		args = append([]string{"-B", base}, args...)
	}
	out, err := exec.Command("bpftool", args...).Output()
	if err != nil {
		t.Fatalf("bpftool %s: %v", strings.Join(args, " "), err)
	}
	n := 0
	have := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "[") {
			n++
			// [42] FUNC 'bpf_map_lookup_elem' type_id=41 linkage=static
			if f := strings.Fields(line); len(f) >= 3 && f[1] == "FUNC" {
				have["func "+strings.Trim(f[2], "'")] = true
			}
			continue
		}
		// 	'BPF_PROG_TYPE_XDP' val=6
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[1], "val=") {
			have["enum "+strings.Trim(f[0], "'")] = true
		}
	}
	var probed []string
	for _, e := range probes.enums {
		if have["enum "+e] {
			probed = append(probed, "enum "+e)
		}
	}
	for _, f := range probes.funcs {
		if have["func "+f] {
			probed = append(probed, "func "+f)
		}
	}
	return n, probed
}

func haveBpftool(t *testing.T) bool {
	if _, err := exec.LookPath("bpftool"); err != nil {
		t.Log("bpftool is not installed: no oracle, only loading is tested")
		return false
	}
	return true
}

func TestRealSysfs(t *testing.T) {
	const dir = "/sys/kernel/btf"
	if _, err := os.Stat(filepath.Join(dir, "vmlinux")); err != nil {
		t.Skipf("no %s/vmlinux on this machine (a kernel without CONFIG_DEBUG_INFO_BTF, or not Linux)", dir)
	}
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := set.Kernel
	if k.Format != FormatRawBTF || k.Version != "" {
		t.Errorf("%s/vmlinux: format %v, version %q; want raw BTF, no version", dir, k.Format, k.Version)
	}
	checkCount(t, k.Spec, k.Types, 1)
	t.Logf("vmlinux: %d types, %v", k.Types, found(k.Spec))
	if len(set.Modules) == 0 {
		t.Logf("%s has no module BTF (this kernel has no loadable modules): modules are tested on $TIERED_KERNELS", dir)
	}
	oracle := haveBpftool(t)
	if oracle {
		compareOracle(t, "vmlinux", k.Types, found(k.Spec), filepath.Join(dir, "vmlinux"), "")
	}
	for _, m := range set.Modules {
		if oracle {
			compareOracle(t, m.Name, m.Types, found(m.Spec), m.Path, filepath.Join(dir, "vmlinux"))
		}
	}
}

// checkCount checks that cilium sees the n types countTypes counted, from
// type ID first (1 for a kernel, after the kernel's for a module): type
// first+n-1 exists and first+n does not.
func checkCount(t *testing.T, spec *btf.Spec, n int, first int) {
	t.Helper()
	last := btf.TypeID(first + n - 1)
	if _, err := spec.TypeByID(last); err != nil {
		t.Errorf("type %d, the last of %d: %v", last, n, err)
	}
	if _, err := spec.TypeByID(last + 1); err == nil {
		t.Errorf("type %d exists, beyond the %d counted", last+1, n)
	}
}

func compareOracle(t *testing.T, name string, types int, probed []string, file, base string) {
	t.Helper()
	n, want := bpftool(t, file, base)
	if n != types || !slices.Equal(want, probed) {
		t.Errorf("%s: %d types, %v\nbpftool: %d types, %v", name, types, probed, n, want)
		return
	}
	t.Logf("%s: %d types, as bpftool counts; found %v", name, types, probed)
}

// realKernels returns the directories of $TIERED_KERNELS that hold a
// vmlinuz, or skips.
func realKernels(t testing.TB) []string {
	root := os.Getenv("TIERED_KERNELS")
	if root == "" {
		t.Skip("TIERED_KERNELS is not set: run .ci/kernels.sh DIR and set it to DIR")
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "vmlinuz-*"))
	if len(dirs) == 0 {
		t.Skipf("no */vmlinuz-* under TIERED_KERNELS=%s: run .ci/kernels.sh %s", root, root)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}

func TestRealImages(t *testing.T) {
	for _, dir := range realKernels(t) {
		release := filepath.Base(dir)
		t.Run(release, func(t *testing.T) {
			set, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			k := set.Kernel
			if k.Format != FormatBzImage || k.Version != release {
				t.Errorf("%s: format %v, version %q; want a bzImage of %s", k.Path, k.Format, k.Version, release)
			}
			fromName, ok := ParseName(filepath.Base(k.Path))
			if !ok || fromName.Full != release {
				t.Errorf("ParseName(%s) = %v (full %q), %v; want full %s", filepath.Base(k.Path), fromName, fromName.Full, ok, release)
			}
			up, ok := Upstream(k.Banner)
			if pkg, err := os.ReadFile(filepath.Join(dir, "package.txt")); err == nil {
				// "version 6.1.192-3": the package's upstream version.
				if !ok || !bytes.Contains(pkg, []byte("version "+up.String()+"-")) {
					t.Errorf("Upstream(%q) = %v, %v; package.txt says:\n%s", k.Banner, up, ok, pkg)
				}
			}
			t.Logf("%s: %s compressed with %s; release %s, upstream %s (%s from its name)", filepath.Base(k.Path), k.Format, k.Compression, k.Version, up, fromName)
			checkCount(t, k.Spec, k.Types, 1)
			for _, m := range set.Modules {
				checkCount(t, m.Spec, m.Types, k.Types+1)
				if m.Version != release {
					t.Errorf("module %s: built for %q, want %s", m.Name, m.Version, release)
				}
			}
			if m := set.Module("nf_conntrack"); m == nil || !slices.Contains(found(m.Spec), "func bpf_skb_ct_lookup") {
				t.Errorf("nf_conntrack: no bpf_skb_ct_lookup")
			}
			if !haveBpftool(t) {
				return
			}
			// The oracle reads the ELF vmlinux that the xz, zstd, … commands
			// extract, found by its magic as scripts/extract-vmlinux does.
			elfPath := extractVmlinux(t, k.Path)
			compareOracle(t, "vmlinux", k.Types, found(k.Spec), elfPath, "")
			for _, m := range set.Modules {
				ko := m.Path
				if m.Compression != "" {
					ko = decompressCommand(t, m.Path)
				}
				compareOracle(t, m.Name, m.Types, found(m.Spec), ko, elfPath)
			}
			// The extracted ELF, read by debug/elf, is the same kernel.
			elfKernel, err := Load(elfPath)
			if err != nil {
				t.Fatal(err)
			}
			if elfKernel.Types != k.Types || elfKernel.Version != k.Version || !strings.HasPrefix(elfKernel.Banner, bannerPrefix+k.Version+" ") {
				t.Errorf("ELF vmlinux: %d types, version %q, banner %q; bzImage: %d types, version %q",
					elfKernel.Types, elfKernel.Version, elfKernel.Banner, k.Types, k.Version)
			}
		})
	}
}

// extractVmlinux extracts the ELF vmlinux from a bzImage the way
// scripts/extract-vmlinux does: at the first offset where a codec's
// magic starts a stream its command decompresses to an ELF file.
func extractVmlinux(t *testing.T, image string) string {
	t.Helper()
	data, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "vmlinux")
	for _, c := range []struct {
		magic string
		cmd   []string
	}{
		{"\xfd7zXZ\x00", []string{"xz", "-dc", "--single-stream"}},
		{"\x28\xb5\x2f\xfd", []string{"zstd", "-dc"}},
		{"\x1f\x8b\x08", []string{"gzip", "-dc"}},
		{"\x02\x21\x4c\x18", []string{"lz4", "-dc"}},
		{"BZh", []string{"bzip2", "-dc"}},
	} {
		for off := 0; ; off++ {
			i := bytes.Index(data[off:], []byte(c.magic))
			if i < 0 {
				break
			}
			off += i
			if _, err := exec.LookPath(c.cmd[0]); err != nil {
				t.Skipf("%s is not installed", c.cmd[0])
			}
			cmd := exec.Command(c.cmd[0], c.cmd[1:]...)
			cmd.Stdin = bytes.NewReader(data[off:])
			// The command may fail on what follows the stream; what
			// it wrote is checked instead.
			elf, _ := cmd.Output()
			if bytes.HasPrefix(elf, []byte("\x7fELF")) {
				if err := os.WriteFile(out, elf, 0o644); err != nil {
					t.Fatal(err)
				}
				return out
			}
		}
	}
	t.Fatalf("%s: no compressed ELF found by magic", image)
	return ""
}

// decompressCommand decompresses a .ko.xz, .ko.zst or .ko.gz with its
// command, into a temporary file.
func decompressCommand(t *testing.T, file string) string {
	t.Helper()
	name := map[string]string{".xz": "xz", ".zst": "zstd", ".gz": "gzip"}[filepath.Ext(file)]
	if name == "" {
		t.Fatalf("%s: no command for its extension", file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	if err := os.WriteFile(out, command(t, data, name, "-dc"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func BenchmarkLoadImage(b *testing.B) {
	for _, dir := range realKernels(b) {
		images, _ := filepath.Glob(filepath.Join(dir, "vmlinuz-*"))
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(images[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoadSysfs(b *testing.B) {
	const file = "/sys/kernel/btf/vmlinux"
	if _, err := os.Stat(file); err != nil {
		b.Skipf("no %s", file)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(file); err != nil {
			b.Fatal(err)
		}
	}
}
