package main

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tiered-release/tiered/internal/pkgcheck"
)

// libbpfPolicy is tiered.yaml for libbpf: its scheme, tags and branches,
// and what packaging needs beyond them, Debian's epoch among it.
const libbpfPolicy = `scheme: abi.kernel.stable
trunk: master
tags: "v{version}"
branches:
  abi: ""
  kernel: ""
  stable: "libbpf-{version}"
abi:
  library: libbpf
  symbol_map: src/libbpf.map
packaging:
  epoch: 1
  homepage: https://github.com/libbpf/libbpf
  summary: eBPF helper library
  description: |
    libbpf is a library for loading eBPF programs and reading and
    manipulating eBPF objects from user-space.
`

// debianLibbpf is the version of Debian bookworm's libbpf1 and libbpf-dev.
const debianLibbpf = "1:1.1.2-0+deb12u1"

// TestPackageLibbpf builds libbpf v1.1.2 from a clone of the real
// repository (TIERED_LIBBPF: a libbpf/libbpf clone with its tags; it is
// cloned again, never changed), packages it with tiered, and holds the
// debs to Debian bookworm's own libbpf1 and libbpf-dev of the same
// release (apt-get download, or TIERED_LIBBPF_DEBS: a directory holding
// them): no more lintian errors and warnings than Debian's, the same
// files apart from documentation, the same versioned Depends, the same
// exported symbols, a dbgsym package whose debug file is the library's
// by build id, and a version that upgrades over Debian's; built twice,
// the same bytes. The rpms must pass rpmlint (Fedora's configuration,
// run unprivileged).
func TestPackageLibbpf(t *testing.T) {
	repo := os.Getenv("TIERED_LIBBPF")
	if repo == "" {
		t.Skip("set TIERED_LIBBPF to a clone of github.com/libbpf/libbpf (with tags) to package a real libbpf release")
	}
	if testing.Short() {
		t.Skip("builds libbpf: not in -short")
	}
	for _, tool := range []string{"git", "make", "cc", "pkg-config", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is needed to build and inspect libbpf", tool)
		}
	}
	if err := exec.Command("pkg-config", "--exists", "libelf", "zlib").Run(); err != nil {
		t.Skip("libelf-dev and zlib1g-dev are needed to build libbpf")
	}
	tmp := t.TempDir()
	step := func(name string, start time.Time) { t.Logf("%-28s %5.1fs", name, time.Since(start).Seconds()) }
	sh := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	start := time.Now()
	src := filepath.Join(tmp, "libbpf")
	sh(tmp, "git", "clone", "-q", repo, src)
	sh(src, "git", "checkout", "-q", "v1.1.2")
	step("clone and checkout v1.1.2", start)

	start = time.Now()
	root := filepath.Join(tmp, "root")
	sh(src, "make", "-s", "-j2", "-C", "src", "install", "DESTDIR="+root)
	step("make install", start)

	start = time.Now()
	config := filepath.Join(tmp, "tiered.yaml")
	if err := os.WriteFile(config, []byte(libbpfPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(tmp, "dist")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--repo", src, "--config", config, "--no-cache", "package", "--release", "v1.1.2", "--root", root, "--out", dist, "--upgrade-from", "deb=" + debianLibbpf}, &stdout, &stderr); code != 0 {
		t.Fatalf("tiered package: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	step("tiered package", start)
	t.Logf("tiered package:\n%s", stdout.String())
	// Again: the same bytes.
	stdout.Reset()
	if code := run([]string{"--repo", src, "--config", config, "--no-cache", "package", "--release", "v1.1.2", "--root", root, "--out", dist + "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("tiered package, again: exit %d\n%s", code, stderr.String())
	}
	a, _ := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
	b, _ := os.ReadFile(filepath.Join(dist+"2", "SHA256SUMS"))
	if !bytes.Equal(a, b) || len(a) == 0 {
		t.Errorf("two builds differ:\n%s\n%s", a, b)
	}
	ours := func(name string) string {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dist, name))
		if len(files) != 1 {
			t.Fatalf("%s in %s: %v", name, dist, files)
		}
		return files[0]
	}
	lib, dev, dbgsym := ours("libbpf1_1.1.2-1_amd64.deb"), ours("libbpf-dev_1.1.2-1_amd64.deb"), ours("libbpf1-dbgsym_1.1.2-1_amd64.deb")

	debs := os.Getenv("TIERED_LIBBPF_DEBS")
	if debs == "" {
		if _, err := exec.LookPath("apt-get"); err != nil {
			t.Skip("apt-get is needed to download Debian's libbpf packages (or set TIERED_LIBBPF_DEBS)")
		}
		debs = filepath.Join(tmp, "debian")
		os.MkdirAll(debs, 0o755)
		cmd := exec.Command("apt-get", "download", "-q", "libbpf1="+debianLibbpf, "libbpf-dev="+debianLibbpf)
		cmd.Dir = debs
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("apt-get download of Debian's libbpf %s failed (not bookworm? set TIERED_LIBBPF_DEBS): %v\n%s", debianLibbpf, err, out)
		}
	}
	theirs := func(name string) string {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(debs, name+"_*1.1.2-0+deb12u1_amd64.deb"))
		if len(files) != 1 {
			t.Fatalf("Debian's %s in %s: %v", name, debs, files)
		}
		return files[0]
	}
	debLib, debDev := theirs("libbpf1"), theirs("libbpf-dev")

	// lintian: no more errors and warnings than Debian's own.
	start = time.Now()
	our, their := pkgcheck.Lintian(t, lib, dev, dbgsym), pkgcheck.Lintian(t, debLib, debDev)
	step("lintian, both", start)
	t.Logf("lintian on tiered's: %d lines\n%s", len(our), strings.Join(our, "\n"))
	t.Logf("lintian on Debian's: %d lines\n%s", len(their), strings.Join(their, "\n"))
	for _, level := range []string{"E", "W"} {
		if n, m := count(our, level), count(their, level); n > m {
			t.Errorf("lintian: %d %s on tiered's packages, %d on Debian's", n, level, m)
		}
	}

	// The same files, modes and links, documentation aside.
	for _, p := range [][2]string{{lib, debLib}, {dev, debDev}} {
		if a, b := contents(t, p[0]), contents(t, p[1]); !slices.Equal(a, b) {
			t.Errorf("%s holds\n%s\nDebian's holds\n%s", filepath.Base(p[0]), strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	}
	// The same Depends: versioned from the symbols libbpf uses.
	for _, p := range [][2]string{{lib, debLib}, {dev, debDev}} {
		a, b := field(t, p[0], "Depends"), field(t, p[1], "Depends")
		a = strings.ReplaceAll(a, "1:1.1.2-1", debianLibbpf)
		if a != b {
			t.Errorf("%s Depends: %s; Debian's: %s", filepath.Base(p[0]), a, b)
		}
	}
	// The same exports in the symbols file.
	if a, b := symbols(t, lib), symbols(t, debLib); !slices.Equal(a, b) || len(a) < 300 {
		t.Errorf("symbols: %d exports, Debian's %d", len(a), len(b))
	}
	// Upgrades over Debian's.
	if err := exec.Command("dpkg", "--compare-versions", field(t, lib, "Version"), "gt", debianLibbpf).Run(); err != nil {
		t.Errorf("version %s does not upgrade %s", field(t, lib, "Version"), debianLibbpf)
	}
	// The debug file is the stripped library's, by build id.
	so := debData(t, lib, "./usr/lib/x86_64-linux-gnu/libbpf.so.1.1.2")
	id := noteBuildID(t, so)
	if got := field(t, dbgsym, "Build-Ids"); got != id {
		t.Errorf("dbgsym Build-Ids %s, library's build id %s", got, id)
	}
	dbg := debData(t, dbgsym, "./usr/lib/debug/.build-id/"+id[:2]+"/"+id[2:]+".debug")
	if noteBuildID(t, dbg) != id {
		t.Errorf("the debug file's build id is not the library's")
	}
	t.Logf("library %d bytes stripped (Debian's %d), debug file %d bytes", len(so), len(debData(t, debLib, "./usr/lib/x86_64-linux-gnu/libbpf.so.1.1.2")), len(dbg))

	// rpmlint: no errors but the linker's (pkgcheck.HashWaiver).
	start = time.Now()
	rpms, _ := filepath.Glob(filepath.Join(dist, "*.rpm"))
	lines := pkgcheck.RPMLint(t, rpms...)
	step("rpmlint", start)
	t.Logf("rpmlint:\n%s", strings.Join(lines, "\n"))
	built, err := os.ReadFile(filepath.Join(root, "usr/lib64/libbpf.so.1.1.2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range pkgcheck.Errors(lines) {
		if strings.Contains(l, ": E: missing-hash-section /usr/lib64/libbpf.so.1.1.2") && pkgcheck.OnlyGNUHash(built) {
			t.Logf("waived: %s: %s", l, pkgcheck.HashWaiver)
			continue
		}
		t.Errorf("rpmlint: %s", l)
	}
}

func count(lines []string, level string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, level+": ") || strings.Contains(l, ": "+level+": ") {
			n++
		}
	}
	return n
}

// contents lists a .deb's paths with their modes and link targets,
// leaving out directories and /usr/share/doc.
func contents(t *testing.T, deb string) []string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "--contents", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --contents %s: %v", deb, err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || strings.HasPrefix(f[0], "d") || strings.HasPrefix(f[5], "./usr/share/doc/") {
			continue
		}
		lines = append(lines, f[0]+" "+strings.Join(f[5:], " "))
	}
	slices.Sort(lines)
	return lines
}

func field(t *testing.T, deb, name string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "-f", deb, name).Output()
	if err != nil {
		t.Fatalf("dpkg-deb -f %s %s: %v", deb, name, err)
	}
	return strings.TrimSpace(string(out))
}

func debData(t *testing.T, deb, name string) []byte {
	t.Helper()
	out, err := exec.Command("sh", "-c", `dpkg-deb --fsys-tarfile "$1" | tar -xO "$2"`, "sh", deb, name).Output()
	if err != nil {
		t.Fatalf("%s of %s: %v", name, deb, err)
	}
	return out
}

// symbols lists the symbol@version entries of a .deb's symbols file.
func symbols(t *testing.T, deb string) []string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "--control", deb, dir).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --control: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "symbols"))
	if err != nil {
		t.Fatal(err)
	}
	var syms []string
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); strings.HasPrefix(l, " ") && len(f) > 0 {
			syms = append(syms, f[0])
		}
	}
	slices.Sort(syms)
	return syms
}

// noteBuildID reads an ELF file's GNU build id note.
func noteBuildID(t *testing.T, data []byte) string {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s := ef.Section(".note.gnu.build-id")
	if s == nil {
		t.Fatal("no build id")
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		t.Fatalf("build id note: %v", err)
	}
	return hex.EncodeToString(note[16:])
}
