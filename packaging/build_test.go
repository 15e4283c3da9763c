package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/internal/pkgcheck"
)

var update = flag.Bool("update", false, "rewrite golden files")

const mitLicense = `Copyright (c) 2024 The libfoo authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software, to deal in the Software without restriction.
`

// installTree builds what make install DESTDIR=root leaves for libfoo
// 1.4.2.1, as make install leaves it, unstripped: a shared library
// (built with -g) with two version nodes that uses glibc 2.25's
// getrandom, its soname and link symlinks, a static archive, a header
// and a pkg-config file that requires zlib privately. It skips without cc.
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
	write(filepath.Join(src, "foo.c"), "#include <string.h>\n#include <sys/random.h>\nint foo_open(const char *p) { return (int)strlen(p); }\nint foo_map(void) { char c; return (int)getrandom(&c, 1, 0); }\n")
	write(filepath.Join(src, "foo.map"), "LIBFOO_1.0.0 {\n\tglobal: foo_open;\n\tlocal: *;\n};\nLIBFOO_1.4.0 {\n\tglobal: foo_map;\n} LIBFOO_1.0.0;\n")
	build := func(args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	build(cc, "-shared", "-fPIC", "-g", "-O2", "-Wl,--build-id", "-o", filepath.Join(lib, "libfoo.so.1.4.2.1"), "-Wl,-soname,libfoo.so.1",
		"-Wl,--version-script=foo.map", "foo.c")
	build(cc, "-c", "-fPIC", "-g", "-O2", "-o", "foo.o", "foo.c")
	build("ar", "rcD", filepath.Join(lib, "libfoo.a"), "foo.o")
	for link, target := range map[string]string{"libfoo.so.1": "libfoo.so.1.4.2.1", "libfoo.so": "libfoo.so.1"} {
		if err := os.Symlink(target, filepath.Join(lib, link)); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, prefix, "include", "foo", "foo.h"), "int foo_open(const char *path);\nint foo_map(void);\n")
	write(filepath.Join(lib, "pkgconfig", "libfoo.pc"), "prefix=/"+prefix+"\nlibdir=/"+prefix+"/lib64\nincludedir=${prefix}/include\n\nName: libfoo\nDescription: a small BPF loader\nVersion: 1.4.2.1\nLibs: -L${libdir} -lfoo\nRequires.private: zlib >= 1.2\nCflags: -I${includedir}\n")
	return root
}

// fakeSystem is a build machine's root with a dpkg database that knows
// libc6 (its libc.so.6 and the symbols libfoo uses) and zlib1g-dev (its
// zlib.pc): the dependencies are the same on every machine.
func fakeSystem(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		// /lib is a symlink to usr/lib on the machine; dpkg knows the /lib path.
		"lib/x86_64-linux-gnu/libc.so.6":             "",
		"usr/lib/x86_64-linux-gnu/libc.so.6":         "",
		"usr/lib/x86_64-linux-gnu/pkgconfig/zlib.pc": "",
		"var/lib/dpkg/info/libc6:amd64.list":         "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n",
		"var/lib/dpkg/info/libc6:amd64.symbols":      "libc.so.6 libc6 #MINVER#\n| libc6 (>> 2.36), libc6 (<< 2.37)\n* Build-Depends-Package: libc6-dev\n GLIBC_2.2.5@GLIBC_2.2.5 2.2.5\n __cxa_finalize@GLIBC_2.2.5 2.2.5\n getrandom@GLIBC_2.25 2.25\n strlen@GLIBC_2.2.5 2.2.5\n _dl_private@GLIBC_PRIVATE 2.36 1\n",
		"var/lib/dpkg/info/libc6:amd64.shlibs":       "libc 6 libc6 (>= 2.36)\n",
		"var/lib/dpkg/info/zlib1g-dev:amd64.list":    "/usr/lib/x86_64-linux-gnu/pkgconfig/zlib.pc\n",
		"var/lib/dpkg/info/unrelated:amd64.list":     "/usr/bin/unrelated\n",
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func testBuild(t *testing.T, root, out string) *Build {
	return &Build{
		Root: root, Out: out, Library: "libfoo", ABI: 1, System: fakeSystem(t),
		Version:    Version{Upstream: "1.4.2.1", Revision: "1"},
		Maintainer: "Rel Manager <rm@example.org>", Summary: "small BPF loader library",
		Description: "libfoo loads BPF programs and reads and writes BPF maps from user space.",
		Homepage:    "https://libfoo.example", LicenseFiles: []LicenseFile{{"LICENSE", []byte(mitLicense)}},
		Changes: []Change{
			{"0123456789abcdef0123456789abcdef01234567", "libfoo: fix map size"},
			{"89abcdef0123456789abcdef0123456789abcdef", "libfoo: open with O_CLOEXEC"},
		},
		Earlier: []Release{
			{Version: Version{Upstream: "1.4.0.0", Revision: "1"}, Date: time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), Maintainer: "Old Manager <om@example.org>",
				Changes: []Change{{"fedcba9876543210fedcba9876543210fedcba98", "libfoo: add foo_map()"}}, More: 3},
			{Version: Version{Upstream: "1.3.0.0", Revision: "1"}, Date: time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC),
				Changes: []Change{{"00112233445566778899aabbccddeeff00112233", "libfoo: first release"}}},
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

// treeSum hashes every path, mode, link and content of a tree.
func treeSum(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v\n", p, fi.Mode())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			fmt.Fprintln(h, l)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// debFile reads one file of a .deb's data.
func debFile(t *testing.T, deb, name string) []byte {
	t.Helper()
	out, err := exec.Command("sh", "-c", `dpkg-deb --fsys-tarfile "$1" | tar -xO "$2"`, "sh", deb, name).Output()
	if err != nil {
		t.Fatalf("%s from %s: %v", name, deb, err)
	}
	return out
}

// sections lists an ELF file's section names.
func sections(t *testing.T, data []byte) []string {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ef.Sections {
		names = append(names, s.Name)
	}
	return names
}

func TestBuild(t *testing.T) {
	root := installTree(t, "usr/local")
	before := treeSum(t, root)
	out := t.TempDir()
	b := testBuild(t, root, out)
	b.Version.Epoch = 1
	b.Static = true
	b.UpgradeFrom = []string{"1.4.2.1-9", "deb=1:1.4.2.0-0+deb12u1", "rpm=1:1.4.0.0-3.fc40"}
	res, err := b.Run()
	if err != nil {
		t.Fatal(err)
	}
	if treeSum(t, root) != before {
		t.Error("the build changed the install tree")
	}
	pkgs := map[string]string{}
	var names []string
	for _, p := range res.Packages {
		names = append(names, filepath.Base(p.Path))
		pkgs[p.Format+" "+p.Name] = p.Path
	}
	want := "libfoo1_1.4.2.1-1_amd64.deb libfoo-dev_1.4.2.1-1_amd64.deb libfoo1-dbgsym_1.4.2.1-1_amd64.deb " +
		"libfoo-1.4.2.1-1.x86_64.rpm libfoo-devel-1.4.2.1-1.x86_64.rpm libfoo-static-1.4.2.1-1.x86_64.rpm libfoo-debuginfo-1.4.2.1-1.x86_64.rpm"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("packages = %s, want %s", got, want)
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
	if err := json.Unmarshal(data, &manifest); err != nil || len(manifest.Packages) != 7 {
		t.Errorf("manifest.json: %v, %d packages\n%s", err, len(manifest.Packages), data)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left in the output: %s", e.Name())
		}
	}

	// Control files, the copyright file and the changelog, in Go;
	// Installed-Size and the build ids depend on the compiler.
	for _, p := range res.Packages {
		if p.Format != "deb" {
			continue
		}
		data, err := os.ReadFile(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		ctl := controlFiles(t, data)
		var kept []string
		for _, l := range strings.Split(ctl["control"], "\n") {
			if !strings.HasPrefix(l, "Installed-Size:") && !strings.HasPrefix(l, "Build-Ids:") {
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

	deb, dev, dbgsym := pkgs["deb libfoo1"], pkgs["deb libfoo-dev"], pkgs["deb libfoo1-dbgsym"]
	if _, err := exec.LookPath("dpkg-deb"); err == nil {
		golden(t, "libfoo1.copyright", string(debFile(t, deb, "./usr/share/doc/libfoo1/copyright")))
		zr, err := gzip.NewReader(bytes.NewReader(debFile(t, deb, "./usr/share/doc/libfoo1/changelog.Debian.gz")))
		if err != nil {
			t.Fatal(err)
		}
		changelog, _ := io.ReadAll(zr)
		golden(t, "libfoo1.changelog", string(changelog))

		contents := run(t, "dpkg-deb", "--contents", deb)
		for _, w := range []string{"-rw-r--r-- root/root", "./usr/lib/x86_64-linux-gnu/libfoo.so.1.4.2.1", "./usr/lib/x86_64-linux-gnu/libfoo.so.1 -> libfoo.so.1.4.2.1", "./usr/share/doc/libfoo1/copyright", "./usr/share/doc/libfoo1/changelog.Debian.gz"} {
			if !strings.Contains(contents, w) {
				t.Errorf("dpkg-deb --contents lacks %q:\n%s", w, contents)
			}
		}
		devContents := run(t, "dpkg-deb", "--contents", dev)
		for _, w := range []string{"./usr/include/foo/foo.h", "./usr/lib/x86_64-linux-gnu/libfoo.so -> libfoo.so.1", "./usr/lib/x86_64-linux-gnu/pkgconfig/libfoo.pc", "./usr/lib/x86_64-linux-gnu/libfoo.a"} {
			if !strings.Contains(devContents, w) {
				t.Errorf("dpkg-deb --contents of the dev package lacks %q:\n%s", w, devContents)
			}
		}
		pc := string(debFile(t, dev, "./usr/lib/x86_64-linux-gnu/pkgconfig/libfoo.pc"))
		if !strings.Contains(pc, "libdir=/usr/lib/x86_64-linux-gnu\n") || !strings.Contains(pc, "prefix=/usr\n") {
			t.Errorf("libfoo.pc not relocated:\n%s", pc)
		}

		// The library is stripped, with a link to its debug file; the
		// debug file is in the dbgsym package under the library's build id.
		lib := debFile(t, deb, "./usr/lib/x86_64-linux-gnu/libfoo.so.1.4.2.1")
		secs := sections(t, lib)
		if slices.Contains(secs, ".symtab") || slices.ContainsFunc(secs, func(s string) bool { return strings.HasPrefix(s, ".debug_") }) || !slices.Contains(secs, ".gnu_debuglink") {
			t.Errorf("the packaged library is not stripped with a debug link: sections %v", secs)
		}
		id := buildID(lib)
		if len(id) != 40 {
			t.Fatalf("build id %q", id)
		}
		dbg := debFile(t, dbgsym, "./usr/lib/debug/.build-id/"+id[:2]+"/"+id[2:]+".debug")
		if buildID(dbg) != id || !slices.ContainsFunc(sections(t, dbg), func(s string) bool {
			return strings.HasPrefix(s, ".debug_info") || strings.HasPrefix(s, ".zdebug_info")
		}) {
			t.Errorf("the dbgsym package's debug file does not match the library (build id %s, sections %v)", buildID(dbg), sections(t, dbg))
		}
		if ids := run(t, "dpkg-deb", "-f", dbgsym, "Build-Ids"); strings.TrimSpace(ids) != id {
			t.Errorf("Build-Ids = %q, want %s", ids, id)
		}
		ar := debFile(t, dev, "./usr/lib/x86_64-linux-gnu/libfoo.a")
		if bytes.Contains(ar, []byte(".debug_info")) {
			t.Errorf("the dev package's static archive keeps its debug info")
		}
	} else {
		t.Log("dpkg-deb not found: .deb contents not checked by dpkg")
	}

	rpmRT, rpmDev, rpmStatic, rpmDebug := pkgs["rpm libfoo"], pkgs["rpm libfoo-devel"], pkgs["rpm libfoo-static"], pkgs["rpm libfoo-debuginfo"]
	if _, err := exec.LookPath("rpm"); err == nil {
		qpi := run(t, "rpm", "-qpi", rpmRT)
		for _, w := range []string{"Name        : libfoo", "Epoch       : 1", "Version     : 1.4.2.1", "Release     : 1", "License     : MIT", "Build Host  : tiered", "URL         : https://libfoo.example", "Summary     : Small BPF loader library (shared library)",
			"Description :\nlibfoo loads BPF programs and reads and writes BPF maps from user space.\n\nThis package contains the shared library libfoo.so.1.\n"} {
			if !strings.Contains(qpi, w) {
				t.Errorf("rpm -qpi lacks %q:\n%s", w, qpi)
			}
		}
		if got := run(t, "rpm", "-qp", "--qf", "%{SOURCERPM}\n", rpmRT, rpmDev, rpmStatic, rpmDebug); got != strings.Repeat("libfoo-1.4.2.1-1.src.rpm\n", 4) {
			t.Errorf("source rpms:\n%s", got)
		}
		// Libraries executable, as rpm has them; nfpm writes a symlink's
		// mode as 0 (S_IFLNK alone), which the kernel ignores.
		if got := run(t, "rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]", rpmRT); got != "l--------- /usr/lib64/libfoo.so.1\n-rwxr-xr-x /usr/lib64/libfoo.so.1.4.2.1\ndrwxr-xr-x /usr/share/licenses/libfoo\n-rw-r--r-- /usr/share/licenses/libfoo/LICENSE\n" {
			t.Errorf("rpm files of libfoo:\n%s", got)
		}
		if got := run(t, "rpm", "-qpl", rpmDev); got != "/usr/include/foo\n/usr/include/foo/foo.h\n/usr/lib64/libfoo.so\n/usr/lib64/pkgconfig/libfoo.pc\n/usr/share/licenses/libfoo-devel\n/usr/share/licenses/libfoo-devel/LICENSE\n" {
			t.Errorf("rpm -qpl libfoo-devel:\n%s", got)
		}
		rel := map[string][]string{
			rpmRT: {"P libfoo.so.1()(64bit)", "P libfoo.so.1(LIBFOO_1.0.0)(64bit)", "P libfoo.so.1(LIBFOO_1.4.0)(64bit)", "P libfoo = 1:1.4.2.1-1", "P libfoo(x86-64) = 1:1.4.2.1-1",
				"R libc.so.6()(64bit)", "R libc.so.6(GLIBC_2.25)(64bit)", "R rtld(GNU_HASH)"},
			rpmDev:    {"P pkgconfig(libfoo) = 1.4.2.1", "P libfoo-devel(x86-64) = 1:1.4.2.1-1", "R libfoo(x86-64) = 1:1.4.2.1-1", "R pkgconfig(zlib) >= 1.2", "R /usr/bin/pkg-config"},
			rpmStatic: {"R libfoo-devel(x86-64) = 1:1.4.2.1-1"},
			rpmDebug:  {"P debuginfo(build-id) = "},
		}
		for p, want := range rel {
			got := run(t, "rpm", "-qp", "--qf", "[P %{PROVIDENEVRS}\n][R %{REQUIRENEVRS}\n]", p)
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s lacks %q:\n%s", filepath.Base(p), w, got)
				}
			}
			if strings.Contains(got, "libc6") {
				t.Errorf("%s names a Debian package:\n%s", filepath.Base(p), got)
			}
		}
		if got := run(t, "rpm", "-qpl", rpmStatic); !strings.Contains(got, "/usr/lib64/libfoo.a\n") {
			t.Errorf("libfoo-static:\n%s", got)
		}
		cl := run(t, "rpm", "-qp", "--changelog", rpmRT)
		for _, w := range []string{"Rel Manager <rm@example.org> - 1:1.4.2.1-1\n- libfoo: fix map size", "Old Manager <om@example.org> - 1:1.4.0.0-1\n- libfoo: add foo_map()\n- … and 3 earlier commits.", "- 1:1.3.0.0-1\n- libfoo: first release"} {
			if !strings.Contains(cl, w) {
				t.Errorf("rpm --changelog lacks %q:\n%s", w, cl)
			}
		}
		run(t, "rpm", "-K", "--nosignature", rpmRT, rpmDev, rpmStatic, rpmDebug)
		scratch := t.TempDir()
		run(t, "rpm", "--root", scratch, "--initdb")
		run(t, "rpm", "-i", "--root", scratch, "--nodeps", "--noscripts", "--ignorearch", rpmRT, rpmDev, rpmStatic, rpmDebug)
		if target, err := os.Readlink(filepath.Join(scratch, "usr/lib64/libfoo.so.1")); err != nil || target != "libfoo.so.1.4.2.1" {
			t.Errorf("installed soname link: %q, %v", target, err)
		}
	} else {
		t.Log("rpm not found: .rpm files not checked by rpm")
	}
}

// lintian finds nothing to report on the debs.
func TestBuildLintian(t *testing.T) {
	res := buildFixture(t, installTree(t, "usr"))
	var debs []string
	for _, p := range res.Packages {
		if p.Format == "deb" {
			debs = append(debs, p.Path)
		}
	}
	for _, l := range pkgcheck.Lintian(t, debs...) {
		t.Errorf("lintian: %s", l)
	}
}

// rpmlint, with Fedora's configuration, finds no error in the rpms but
// the linker's missing-hash-section (pkgcheck.HashWaiver), waived only
// for a library that has no SysV hash table indeed.
func TestBuildRPMLint(t *testing.T) {
	root := installTree(t, "usr")
	res := buildFixture(t, root)
	var rpms []string
	for _, p := range res.Packages {
		if p.Format == "rpm" {
			rpms = append(rpms, p.Path)
		}
	}
	lines := pkgcheck.RPMLint(t, rpms...)
	lib, err := os.ReadFile(filepath.Join(root, "usr/lib64/libfoo.so.1.4.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range pkgcheck.Errors(lines) {
		if strings.Contains(l, ": E: missing-hash-section /usr/lib64/libfoo.so.1.4.2.1") && pkgcheck.OnlyGNUHash(lib) {
			t.Logf("waived: %s: %s", l, pkgcheck.HashWaiver)
			continue
		}
		t.Errorf("rpmlint: %s", l)
	}
	t.Logf("rpmlint:\n%s", strings.Join(lines, "\n"))
}

func buildFixture(t *testing.T, root string) *Result {
	t.Helper()
	b := testBuild(t, root, t.TempDir())
	b.Static = true
	res, err := b.Run()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Two builds of the same inputs are byte-identical.
func TestBuildReproducible(t *testing.T) {
	root := installTree(t, "usr")
	a, err := testBuild(t, root, t.TempDir()).Run()
	if err != nil {
		t.Fatal(err)
	}
	b, err := testBuild(t, root, t.TempDir()).Run()
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
	apache, err := os.ReadFile("../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, root string, b *Build)
		want    string
		wantErr error // nil: an *UpgradeError
	}{
		{"no install tree", func(t *testing.T, root string, b *Build) { b.Root = filepath.Join(root, "nope") }, "bad install tree: stat ", ErrBadTree},
		{"no soname link", func(t *testing.T, root string, b *Build) {
			os.Remove(filepath.Join(root, "usr/lib64/libfoo.so.1"))
			os.Remove(filepath.Join(root, "usr/lib64/libfoo.so"))
		}, "usr/lib64/libfoo.so.1.4.2.1: has soname libfoo.so.1, but the tree has no usr/lib64/libfoo.so.1", ErrBadTree},
		{"symlink out of the tree", func(t *testing.T, root string, b *Build) {
			os.Symlink("../../../../etc/passwd", filepath.Join(root, "usr/include/foo/passwd.h"))
		}, "usr/include/foo/passwd.h: symlink to ../../../../etc/passwd escapes the install tree", ErrBadTree},
		{"dangling symlink", func(t *testing.T, root string, b *Build) {
			os.Remove(filepath.Join(root, "usr/lib64/libfoo.so.1"))
			os.Symlink("libfoo.so.1.4.2.9", filepath.Join(root, "usr/lib64/libfoo.so.1"))
		}, "usr/lib64/libfoo.so.1: symlink to libfoo.so.1.4.2.9 names nothing in the install tree", ErrBadTree},
		{"pattern leaving the tree", func(t *testing.T, root string, b *Build) {
			b.Specs = []Spec{{Name: "libfoo{abi}", Kind: "runtime", Files: []string{"../etc/*"}}}
		}, `package libfoo{abi}: file pattern "../etc/*" leaves the install tree`, ErrBadTree},
		{"unclaimed files", func(t *testing.T, root string, b *Build) {
			b.Specs = []Spec{{Name: "libfoo{abi}", Kind: "runtime", Files: []string{"usr/lib64/libfoo.so.*"}}}
		}, "no package takes usr/include/foo/foo.h, usr/lib64/libfoo.a, usr/lib64/libfoo.so, usr/lib64/pkgconfig/libfoo.pc", ErrBadTree},
		{"wrong ABI", func(t *testing.T, root string, b *Build) { b.ABI = 2 }, "soname libfoo.so.1 is ABI 1, but the release is ABI 2", ErrBadTree},
		{"two packages with one name", func(t *testing.T, root string, b *Build) {
			b.Specs = []Spec{
				{Name: "libfoo-dev", Kind: "dev", Files: []string{"usr/include/**"}},
				{Name: "libfoo-dev", Kind: "dev", Files: []string{"usr/lib64/**"}},
			}
		}, "two packages are named libfoo-dev in deb", nil},
		{"unstripped with --no-strip", func(t *testing.T, root string, b *Build) { b.NoStrip = true },
			"usr/lib64/libfoo.so.1.4.2.1: is not stripped, and --no-strip says not to strip it", ErrBadTree},
		{"no binutils", func(t *testing.T, root string, b *Build) { t.Setenv("PATH", t.TempDir()) }, "stripping needs objcopy and strip from binutils", ErrNoBinutils},
		{"no license", func(t *testing.T, root string, b *Build) { b.LicenseFiles = nil },
			"no license: the repository has no license file (LICENSE, LICENSE.*, COPYING*) and tiered.yaml no packaging.license", ErrNeedsPolicy},
		{"two licenses, no expression", func(t *testing.T, root string, b *Build) {
			b.LicenseFiles = append(b.LicenseFiles, LicenseFile{"LICENSE.BSD", []byte("Copyright (c) 2020 X\n\nRedistribution and use in source and binary forms, with or without modification, are permitted.\n")})
		}, `the license files hold MIT, BSD-2-Clause: set packaging.license in tiered.yaml to say how they combine (e.g. "MIT OR BSD-2-Clause")`, ErrNeedsPolicy},
		{"no copyright holder", func(t *testing.T, root string, b *Build) { b.LicenseFiles = []LicenseFile{{"LICENSE", apache}} },
			"no copyright holder: the license files (LICENSE) name none (set packaging.copyright in tiered.yaml", ErrNeedsPolicy},
		{"no text of a license Debian lacks", func(t *testing.T, root string, b *Build) { b.License = "LGPL-2.1-only OR BSD-2-Clause" },
			"no text for license BSD-2-Clause: Debian's copyright file must carry it in full, and no license file (LICENSE) holds it (add LICENSE.BSD-2-Clause", ErrNeedsPolicy},
		{"a library the machine lacks", func(t *testing.T, root string, b *Build) {
			b.System = t.TempDir()
			os.MkdirAll(filepath.Join(b.System, "var/lib/dpkg/info"), 0o755)
		}, `usr/lib64/libfoo.so.1.4.2.1 needs libc.so.6, and no package of this machine ships it (install it, or name its package in packaging.deb_packages in tiered.yaml: "libc.so.6": "PACKAGE (>= VERSION)")`, ErrNeedsPolicy},
		{"a pkg-config module the machine lacks", func(t *testing.T, root string, b *Build) {
			os.WriteFile(filepath.Join(root, "usr/lib64/pkgconfig/libfoo.pc"), []byte("Name: libfoo\nVersion: 1\nRequires.private: libquux\n"), 0o644)
		}, "usr/lib64/pkgconfig/libfoo.pc requires the pkg-config module libquux, and no package of this machine ships libquux.pc (install its -dev package, or name it in packaging.deb_packages in tiered.yaml: libquux: PACKAGE-dev)", ErrNeedsPolicy},
		{"--out inside --root", func(t *testing.T, root string, b *Build) { b.Out = filepath.Join(root, "usr/share/dist") },
			"is inside the install tree", ErrBadRequest},
		{"a glob character in a name", func(t *testing.T, root string, b *Build) {
			os.WriteFile(filepath.Join(root, "usr/include/foo/a*b.h"), nil, 0o644)
		}, `"usr/include/foo/a*b.h": the name has a glob character`, ErrBadTree},
		{"a newline in a name", func(t *testing.T, root string, b *Build) {
			os.WriteFile(filepath.Join(root, "usr/include/foo/a\nb.h"), nil, 0o644)
		}, `"usr/include/foo/a\nb.h": the name has a control character`, ErrBadTree},
		{"a name that is not UTF-8", func(t *testing.T, root string, b *Build) {
			os.WriteFile(filepath.Join(root, "usr/include/foo/\xff.h"), nil, 0o644)
		}, `"usr/include/foo/\xff.h": the name is not UTF-8`, ErrBadTree},
		{"a version that does not upgrade", func(t *testing.T, root string, b *Build) {
			b.UpgradeFrom = []string{"rpm=1.4.2.0", "1:1.1.2-0+deb12u1"}
		},
			"deb version 1.4.2.1-1 does not upgrade 1:1.1.2-0+deb12u1 (dpkg sorts it lower or equal: raise packaging.epoch in tiered.yaml, or the version)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := installTree(t, "usr")
			out := filepath.Join(t.TempDir(), "out")
			b := testBuild(t, root, out)
			tt.setup(t, root, b)
			_, err := b.Run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run() = %v, want an error containing %q", err, tt.want)
			}
			var ue *UpgradeError
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			case strings.Contains(tt.name, "upgrade") && !errors.As(err, &ue):
				t.Errorf("error %v is not an *UpgradeError", err)
			}
			if _, err := os.Stat(b.Out); !os.IsNotExist(err) {
				t.Errorf("a refused build wrote %s", b.Out)
			}
		})
	}
}

// A libbpf-style repository: LICENSE is an SPDX expression, the texts
// are in LICENSE.BSD-2-Clause and LICENSE.LGPL-2.1 under kernel-style
// headers. The copyright file points to common-licenses for the LGPL,
// carries the BSD text in full, and names the holder of the BSD file,
// not the FSF of the LGPL text nor its "year  name of author" template.
func TestCopyrightLibbpf(t *testing.T) {
	b := &Build{Library: "libbpf", Homepage: "https://github.com/libbpf/libbpf", LicenseFiles: []LicenseFile{
		{"LICENSE", []byte("LGPL-2.1 OR BSD-2-Clause\n")},
		{"LICENSE.BSD-2-Clause", []byte("Valid-License-Identifier: BSD-2-Clause\nSPDX-URL: https://spdx.org/licenses/BSD-2-Clause.html\nUsage-Guide:\n  To use the BSD 2-clause \"Simplified\" License put the following SPDX\n    SPDX-License-Identifier: BSD-2-Clause\nLicense-Text:\n\nCopyright (c) 2015 The Libbpf Authors. All rights reserved.\n\nRedistribution and use in source and binary forms, with or without\nmodification, are permitted provided that the following conditions are met:\n\n1. Redistributions of source code must retain the above copyright notice,\n   this list of conditions and the following disclaimer.\n")},
		{"LICENSE.LGPL-2.1", []byte("Valid-License-Identifier: LGPL-2.1\nValid-License-Identifier: LGPL-2.1+\nLicense-Text:\n\nGNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999\n\nCopyright (C) 1991, 1999 Free Software Foundation, Inc.\n\n    Copyright (C) year  name of author\n")},
	}}
	l, err := b.license()
	if err != nil {
		t.Fatal(err)
	}
	if got := l.expr.String(); got != "LGPL-2.1-only OR BSD-2-Clause" {
		t.Errorf("license = %s", got)
	}
	golden(t, "libbpf.copyright", string(l.copyright))
}

// The Depends tiered works out from the build machine's dpkg database
// are the ones dpkg-shlibdeps writes.
func TestShlibDepsDpkg(t *testing.T) {
	shlibdeps, err := exec.LookPath("dpkg-shlibdeps")
	if err != nil {
		t.Skip("dpkg-shlibdeps (dpkg-dev) is needed to compare Depends with")
	}
	if _, err := os.Stat("/var/lib/dpkg/info"); err != nil {
		t.Skip("no dpkg database on this machine")
	}
	root := installTree(t, "usr")
	tree, err := readTree(root)
	if err != nil {
		t.Fatal(err)
	}
	b := &Build{}
	deps := newDebDeps()
	for _, f := range tree {
		if f.ELF != nil {
			if err := b.shlibDeps(f, newDpkgDB("/", archOf(tree)), nil, deps); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "debian"), 0o755)
	os.WriteFile(filepath.Join(dir, "debian/control"), []byte("Source: libfoo\n\nPackage: libfoo1\nArchitecture: any\n"), 0o644)
	cmd := exec.Command(shlibdeps, "-O", filepath.Join(root, "usr/lib64/libfoo.so.1.4.2.1"))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-shlibdeps: %v", err)
	}
	want := strings.TrimPrefix(strings.TrimSpace(string(out)), "shlibs:Depends=")
	if got := strings.Join(deps.list(), ", "); got != want {
		t.Errorf("Depends = %q, dpkg-shlibdeps says %q", got, want)
	}
}

// A build whose writing fails part-way (a full disk) leaves the output
// directory as it was: no package of the set, no checksums, no staging
// directory.
func TestWriteAllOrNothing(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "old.deb"), []byte("old"), 0o644)
	files := map[string][]byte{"a.deb": []byte("a"), "b.rpm": []byte("b"), "SHA256SUMS": []byte("s"), "manifest.json": []byte("{}")}
	for fail := range len(files) {
		failWrite = func(n int) error {
			if n == fail {
				return errors.New("no space left on device")
			}
			return nil
		}
		err := writeAll(out, files)
		failWrite = nil
		if err == nil || !strings.Contains(err.Error(), "nothing written: no space left on device") {
			t.Fatalf("writeAll failing at file %d = %v", fail, err)
		}
		entries, _ := os.ReadDir(out)
		if len(entries) != 1 || entries[0].Name() != "old.deb" {
			t.Fatalf("after a failure at file %d the output holds %v", fail, entries)
		}
	}
	if err := writeAll(out, files); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 5 {
		t.Errorf("after a whole write the output holds %v", entries)
	}
}

// Files under etc/ become conffiles (deb) and %config(noreplace) (rpm);
// a symlink to a directory of the tree is packaged as the symlink.
func TestBuildConffilesAndDirectoryLinks(t *testing.T) {
	root := installTree(t, "usr")
	os.MkdirAll(filepath.Join(root, "etc/foo"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/foo/foo.conf"), []byte("level = 1\n"), 0o644)
	os.Symlink("foo", filepath.Join(root, "usr/include/foo-1"))
	b := testBuild(t, root, filepath.Join(t.TempDir(), "out"))
	b.Specs = []Spec{
		{Name: "libfoo{abi}", Kind: "runtime", Files: []string{"usr/lib64/libfoo.so.*", "etc/**"}},
		{Name: "libfoo-dev", Kind: "dev", Files: []string{"usr/include/**", "usr/lib64/libfoo.so", "usr/lib64/libfoo.a", "usr/lib64/pkgconfig/*"}},
	}
	res, err := b.Run()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		switch {
		case p.Format == "deb" && p.Kind == "runtime":
			data, _ := os.ReadFile(p.Path)
			if got := controlFiles(t, data)["conffiles"]; got != "/etc/foo/foo.conf\n" {
				t.Errorf("%s conffiles = %q", p.Name, got)
			}
		case p.Format == "deb" && p.Kind == "dev":
			if _, err := exec.LookPath("dpkg-deb"); err != nil {
				continue
			}
			if list := run(t, "dpkg-deb", "--contents", p.Path); !strings.Contains(list, "./usr/include/foo-1 -> foo") {
				t.Errorf("%s does not hold the directory symlink:\n%s", p.Name, list)
			}
		case p.Format == "rpm" && p.Kind == "runtime":
			if _, err := exec.LookPath("rpm"); err != nil {
				continue
			}
			if got := run(t, "rpm", "-qp", "--configfiles", p.Path); strings.TrimSpace(got) != "/etc/foo/foo.conf" {
				t.Errorf("%s config files = %q", p.Name, got)
			}
		}
	}
}
