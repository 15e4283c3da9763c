package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiered-release/tiered/abi"
)

var update = flag.Bool("update", false, "rewrite golden files")

const mitLicense = `Copyright (c) 2024 The libfoo authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software, to deal in the Software without restriction.
`

// installTree builds what make install DESTDIR=root leaves for libfoo
// 1.4.2.1: a stripped shared library with two version nodes, its soname
// and link symlinks, a header and a pkg-config file. It skips without cc.
func installTree(t *testing.T, prefix string) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("cc is needed to build the library to package")
	}
	src := t.TempDir()
	root := filepath.Join(t.TempDir(), "root")
	lib := filepath.Join(root, prefix, "lib64")
	for _, d := range []string{filepath.Join(lib, "pkgconfig"), filepath.Join(root, prefix, "include", "foo")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(src, "foo.c"), "#include <string.h>\nint foo_open(const char *p) { return (int)strlen(p); }\nint foo_map(void) { return 1; }\n")
	write(filepath.Join(src, "foo.map"), "LIBFOO_1.0.0 {\n\tglobal: foo_open;\n\tlocal: *;\n};\nLIBFOO_1.4.0 {\n\tglobal: foo_map;\n} LIBFOO_1.0.0;\n")
	out, err := exec.Command(cc, "-shared", "-fPIC", "-s", "-o", filepath.Join(lib, "libfoo.so.1.4.2.1"), "-Wl,-soname,libfoo.so.1",
		"-Wl,--version-script="+filepath.Join(src, "foo.map"), filepath.Join(src, "foo.c")).CombinedOutput()
	if err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	for link, target := range map[string]string{"libfoo.so.1": "libfoo.so.1.4.2.1", "libfoo.so": "libfoo.so.1"} {
		if err := os.Symlink(target, filepath.Join(lib, link)); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, prefix, "include", "foo", "foo.h"), "int foo_open(const char *path);\nint foo_map(void);\n")
	write(filepath.Join(lib, "pkgconfig", "libfoo.pc"), "prefix=/"+prefix+"\nlibdir=/"+prefix+"/lib64\nincludedir=${prefix}/include\n\nName: libfoo\nDescription: a small BPF loader\nVersion: 1.4.2.1\nLibs: -L${libdir} -lfoo\nCflags: -I${includedir}\n")
	return root
}

func testBuild(root, out string) *Build {
	return &Build{
		Root: root, Out: out, Library: "libfoo", ABI: 1,
		Version:    Version{Upstream: "1.4.2.1", Revision: "1"},
		Maintainer: "Rel Manager <rm@example.org>", Summary: "small BPF loader library",
		Homepage: "https://libfoo.example", License: []byte(mitLicense),
		Changes: []Change{
			{"0123456789abcdef0123456789abcdef01234567", "libfoo: fix map size"},
			{"89abcdef0123456789abcdef0123456789abcdef", "libfoo: open with O_CLOEXEC"},
		},
		Date:  time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Since: map[abi.Export]string{{Symbol: "foo_open", Node: "LIBFOO_1.0.0"}: "1.3.0.0", {Symbol: "foo_map", Node: "LIBFOO_1.4.0"}: "1.4.0.0"},
	}
}

// controlFiles reads the control archive of a .deb.
func controlFiles(t *testing.T, deb []byte) map[string]string {
	t.Helper()
	members, err := readAr(deb)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.name != "control.tar.gz" {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(tr)
			out[strings.TrimPrefix(h.Name, "./")] = string(data)
		}
	}
	t.Fatal("no control.tar.gz")
	return nil
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./packaging -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s mismatch:\n--- want\n%s\n--- got\n%s", file, want, got)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestBuild(t *testing.T) {
	root := installTree(t, "usr/local")
	out := t.TempDir()
	res, err := testBuild(root, out).Run()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range res.Packages {
		names = append(names, filepath.Base(p.Path))
	}
	want := "libfoo1_1.4.2.1-1_amd64.deb libfoo-dev_1.4.2.1-1_amd64.deb libfoo-1.4.2.1-1.x86_64.rpm libfoo-devel-1.4.2.1-1.x86_64.rpm"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("packages = %s, want %s", got, want)
	}

	// Control files, in Go; Installed-Size depends on the compiler.
	for _, p := range res.Packages[:2] {
		data, err := os.ReadFile(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		ctl := controlFiles(t, data)
		var kept []string
		for _, l := range strings.Split(ctl["control"], "\n") {
			if !strings.HasPrefix(l, "Installed-Size:") {
				kept = append(kept, l)
			}
		}
		text := strings.Join(kept, "\n")
		for _, f := range []string{"shlibs", "symbols", "triggers"} {
			if ctl[f] != "" {
				text += "--- " + f + "\n" + ctl[f]
			}
		}
		golden(t, p.Name+".control", text)
	}

	// SHA256SUMS and the manifest describe the files.
	sums, _ := os.ReadFile(res.Checksums)
	for _, p := range res.Packages {
		data, _ := os.ReadFile(p.Path)
		sum := sha256.Sum256(data)
		if line := hex.EncodeToString(sum[:]) + "  " + filepath.Base(p.Path); !strings.Contains(string(sums), line+"\n") || p.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("SHA256SUMS lacks %q:\n%s", line, sums)
		}
	}
	var manifest Result
	data, _ := os.ReadFile(res.Manifest)
	if err := json.Unmarshal(data, &manifest); err != nil || len(manifest.Packages) != 4 {
		t.Errorf("manifest.json: %v, %d packages\n%s", err, len(manifest.Packages), data)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left in the output: %s", e.Name())
		}
	}

	deb, dev := res.Packages[0].Path, res.Packages[1].Path
	rpmRT, rpmDev := res.Packages[2].Path, res.Packages[3].Path
	if _, err := exec.LookPath("dpkg-deb"); err == nil {
		info := run(t, "dpkg-deb", "--info", deb)
		for _, w := range []string{"Package: libfoo1", "Version: 1.4.2.1-1", "Depends: libc6", "Multi-Arch: same", " shlibs", " symbols", " triggers"} {
			if !strings.Contains(info, w) {
				t.Errorf("dpkg-deb --info lacks %q:\n%s", w, info)
			}
		}
		contents := run(t, "dpkg-deb", "--contents", deb)
		for _, w := range []string{"./usr/lib/x86_64-linux-gnu/libfoo.so.1.4.2.1", "./usr/lib/x86_64-linux-gnu/libfoo.so.1 -> libfoo.so.1.4.2.1", "./usr/share/doc/libfoo1/copyright", "./usr/share/doc/libfoo1/changelog.Debian.gz"} {
			if !strings.Contains(contents, w) {
				t.Errorf("dpkg-deb --contents lacks %q:\n%s", w, contents)
			}
		}
		devContents := run(t, "dpkg-deb", "--contents", dev)
		for _, w := range []string{"./usr/include/foo/foo.h", "./usr/lib/x86_64-linux-gnu/libfoo.so -> libfoo.so.1", "./usr/lib/x86_64-linux-gnu/pkgconfig/libfoo.pc"} {
			if !strings.Contains(devContents, w) {
				t.Errorf("dpkg-deb --contents of the dev package lacks %q:\n%s", w, devContents)
			}
		}
		if d := run(t, "dpkg-deb", "-f", dev, "Depends"); strings.TrimSpace(d) != "libfoo1 (= 1.4.2.1-1)" {
			t.Errorf("libfoo-dev Depends = %q", d)
		}
		pc := run(t, "sh", "-c", "dpkg-deb --fsys-tarfile "+dev+" | tar -xO ./usr/lib/x86_64-linux-gnu/pkgconfig/libfoo.pc")
		if !strings.Contains(pc, "libdir=/usr/lib/x86_64-linux-gnu\n") || !strings.Contains(pc, "prefix=/usr\n") {
			t.Errorf("libfoo.pc not relocated:\n%s", pc)
		}
	} else {
		t.Log("dpkg-deb not found: .deb contents not checked by dpkg")
	}
	if _, err := exec.LookPath("rpm"); err == nil {
		qpi := run(t, "rpm", "-qpi", rpmRT)
		for _, w := range []string{"Name        : libfoo", "Version     : 1.4.2.1", "Release     : 1", "License     : MIT", "Build Host  : tiered"} {
			if !strings.Contains(qpi, w) {
				t.Errorf("rpm -qpi lacks %q:\n%s", w, qpi)
			}
		}
		if got := run(t, "rpm", "-qpl", rpmRT); got != "/usr/lib64/libfoo.so.1\n/usr/lib64/libfoo.so.1.4.2.1\n/usr/share/licenses/libfoo/LICENSE\n" {
			t.Errorf("rpm -qpl:\n%s", got)
		}
		prov := run(t, "rpm", "-qp", "--provides", rpmRT)
		for _, w := range []string{"libfoo.so.1()(64bit)", "libfoo.so.1(LIBFOO_1.0.0)(64bit)", "libfoo.so.1(LIBFOO_1.4.0)(64bit)", "libfoo = 1.4.2.1-1"} {
			if !strings.Contains(prov, w+"\n") {
				t.Errorf("rpm --provides lacks %q:\n%s", w, prov)
			}
		}
		req := run(t, "rpm", "-qp", "--requires", rpmRT)
		if !strings.Contains(req, "libc.so.6()(64bit)\n") || strings.Contains(req, "libc6") {
			t.Errorf("rpm --requires: want ELF requirements, no Debian names:\n%s", req)
		}
		devReq := run(t, "rpm", "-qp", "--requires", "--provides", rpmDev)
		for _, w := range []string{"libfoo = 1.4.2.1-1", "pkgconfig(libfoo) = 1.4.2.1"} {
			if !strings.Contains(devReq, w) {
				t.Errorf("libfoo-devel lacks %q:\n%s", w, devReq)
			}
		}
		if cl := run(t, "rpm", "-qp", "--changelog", rpmRT); !strings.Contains(cl, "- libfoo: fix map size") {
			t.Errorf("rpm --changelog:\n%s", cl)
		}
		run(t, "rpm", "-K", "--nosignature", rpmRT, rpmDev)
		scratch := t.TempDir()
		run(t, "rpm", "--root", scratch, "--initdb")
		run(t, "rpm", "-i", "--root", scratch, "--nodeps", "--noscripts", "--ignorearch", rpmRT, rpmDev)
		if target, err := os.Readlink(filepath.Join(scratch, "usr/lib64/libfoo.so.1")); err != nil || target != "libfoo.so.1.4.2.1" {
			t.Errorf("installed soname link: %q, %v", target, err)
		}
	} else {
		t.Log("rpm not found: .rpm files not checked by rpm")
	}
	if _, err := exec.LookPath("lintian"); err == nil {
		// Waived: a package built outside a Debian source upload closes no
		// bug in the archive's bug tracker.
		waived := []string{"initial-upload-closes-no-bugs"}
		outp, _ := exec.Command("lintian", "--allow-root", deb, dev).CombinedOutput()
		for _, l := range strings.Split(strings.TrimSpace(string(outp)), "\n") {
			if l == "" {
				continue
			}
			ok := false
			for _, w := range waived {
				ok = ok || strings.Contains(l, " "+w)
			}
			if !ok {
				t.Errorf("lintian: %s", l)
			}
		}
	} else {
		t.Log("lintian not found: .deb files not linted")
	}
}

// Two builds of the same inputs are byte-identical.
func TestBuildReproducible(t *testing.T) {
	root := installTree(t, "usr")
	a, err := testBuild(root, t.TempDir()).Run()
	if err != nil {
		t.Fatal(err)
	}
	b, err := testBuild(root, t.TempDir()).Run()
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Packages {
		x, _ := os.ReadFile(a.Packages[i].Path)
		y, _ := os.ReadFile(b.Packages[i].Path)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds", filepath.Base(a.Packages[i].Path))
		}
	}
	x, _ := os.ReadFile(a.Checksums)
	y, _ := os.ReadFile(b.Checksums)
	if !bytes.Equal(x, y) {
		t.Errorf("SHA256SUMS differ:\n%s\n%s", x, y)
	}
}

func TestBuildRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string, b *Build)
		want  string
	}{
		{"no install tree", func(t *testing.T, root string, b *Build) { b.Root = filepath.Join(root, "nope") }, "bad install tree: stat "},
		{"no soname link", func(t *testing.T, root string, b *Build) {
			os.Remove(filepath.Join(root, "usr/lib64/libfoo.so.1"))
			os.Remove(filepath.Join(root, "usr/lib64/libfoo.so"))
		}, "usr/lib64/libfoo.so.1.4.2.1: has soname libfoo.so.1, but the tree has no usr/lib64/libfoo.so.1"},
		{"symlink out of the tree", func(t *testing.T, root string, b *Build) {
			os.Symlink("../../../../etc/passwd", filepath.Join(root, "usr/include/foo/passwd.h"))
		}, "usr/include/foo/passwd.h: symlink to ../../../../etc/passwd escapes the install tree"},
		{"dangling symlink", func(t *testing.T, root string, b *Build) {
			os.Remove(filepath.Join(root, "usr/lib64/libfoo.so.1"))
			os.Symlink("libfoo.so.1.4.2.9", filepath.Join(root, "usr/lib64/libfoo.so.1"))
		}, "usr/lib64/libfoo.so.1: symlink to libfoo.so.1.4.2.9 names nothing in the install tree"},
		{"pattern leaving the tree", func(t *testing.T, root string, b *Build) {
			b.Specs = []Spec{{Name: "libfoo{abi}", Kind: "runtime", Files: []string{"../etc/*"}}}
		}, `package libfoo{abi}: file pattern "../etc/*" leaves the install tree`},
		{"unclaimed files", func(t *testing.T, root string, b *Build) {
			b.Specs = []Spec{{Name: "libfoo{abi}", Kind: "runtime", Files: []string{"usr/lib64/libfoo.so.*"}}}
		}, "no package takes usr/include/foo/foo.h, usr/lib64/libfoo.so, usr/lib64/pkgconfig/libfoo.pc"},
		{"wrong ABI", func(t *testing.T, root string, b *Build) { b.ABI = 2 }, "soname libfoo.so.1 is ABI 1, but the release is ABI 2"},
		{"two packages with one name", func(t *testing.T, root string, b *Build) {
			b.Specs = []Spec{
				{Name: "libfoo-dev", Kind: "dev", Files: []string{"usr/include/**"}},
				{Name: "libfoo-dev", Kind: "dev", Files: []string{"usr/lib64/**"}},
			}
		}, "two packages are named libfoo-dev in deb"},
		{"no license", func(t *testing.T, root string, b *Build) { b.License = nil }, "no license text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := installTree(t, "usr")
			out := filepath.Join(t.TempDir(), "out")
			b := testBuild(root, out)
			tt.setup(t, root, b)
			_, err := b.Run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run() = %v, want an error containing %q", err, tt.want)
			}
			if tt.name != "no license" && tt.name != "two packages with one name" && !errors.Is(err, ErrBadTree) {
				t.Errorf("error %v does not wrap ErrBadTree", err)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused build wrote %s", out)
			}
		})
	}
}

// An unstripped library is refused: Debian ships debug info apart.
func TestBuildRefusesUnstripped(t *testing.T) {
	root := installTree(t, "usr")
	lib := filepath.Join(root, "usr/lib64/libfoo.so.1.4.2.1")
	src := filepath.Join(t.TempDir(), "x.c")
	os.WriteFile(src, []byte("int foo_open(void) { return 0; }\n"), 0o644)
	run(t, "cc", "-shared", "-fPIC", "-g", "-o", lib, "-Wl,-soname,libfoo.so.1", src)
	_, err := testBuild(root, t.TempDir()).Run()
	if err == nil || !strings.Contains(err.Error(), "usr/lib64/libfoo.so.1.4.2.1: is not stripped") {
		t.Fatalf("Run() = %v, want the unstripped library refused", err)
	}
}
