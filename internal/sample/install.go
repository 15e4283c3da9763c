package sample

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// InstallTree does for the demo what make install DESTDIR=root does for a
// real library: it compiles a libfoo.so.1 that exports, under their
// version nodes, the symbols the version script src/libfoo.map of the
// repository's work tree lists (stub bodies), strips it, and installs it
// with its soname and link symlinks, a header and a pkg-config file. It
// needs a C compiler, cc; upstream is the library's version.
func InstallTree(repo, root, upstream string) error {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return fmt.Errorf("no C compiler (cc) to build libfoo: %w", err)
	}
	script := filepath.Join(repo, "src", "libfoo.map")
	data, err := os.ReadFile(script)
	if err != nil {
		return err
	}
	var syms []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, ";") && !strings.ContainsAny(l, "{}:*") {
			syms = append(syms, strings.TrimSuffix(l, ";"))
		}
	}
	slices.Sort(syms)
	var c, h strings.Builder
	c.WriteString("#include <string.h>\n")
	for i, s := range syms {
		fmt.Fprintf(&c, "int %s(const char *arg) { return (int)strlen(arg) + %d; }\n", s, i)
		fmt.Fprintf(&h, "int %s(const char *arg);\n", s)
	}
	build, err := os.MkdirTemp("", "libfoo-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(build)
	src := filepath.Join(build, "foo.c")
	if err := os.WriteFile(src, []byte(c.String()), 0o644); err != nil {
		return err
	}
	lib := filepath.Join(root, "usr", "lib64")
	inc := filepath.Join(root, "usr", "include", "foo")
	for _, d := range []string{filepath.Join(lib, "pkgconfig"), inc} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	real := "libfoo.so." + upstream
	out, err := exec.Command(cc, "-shared", "-fPIC", "-s", "-O2", "-o", filepath.Join(lib, real),
		"-Wl,-soname,libfoo.so.1", "-Wl,--version-script="+script, src).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cc: %v\n%s", err, out)
	}
	for link, target := range map[string]string{"libfoo.so.1": real, "libfoo.so": "libfoo.so.1"} {
		if err := os.Symlink(target, filepath.Join(lib, link)); err != nil {
			return err
		}
	}
	pc := fmt.Sprintf("prefix=/usr\nlibdir=/usr/lib64\nincludedir=${prefix}/include\n\nName: libfoo\nDescription: a small BPF loader\nVersion: %s\nLibs: -L${libdir} -lfoo\nCflags: -I${includedir}/foo\n", upstream)
	if err := os.WriteFile(filepath.Join(lib, "pkgconfig", "libfoo.pc"), []byte(pc), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(inc, "foo.h"), []byte(h.String()), 0o644)
}
