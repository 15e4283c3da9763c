package abi

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExportsRoundTrip(t *testing.T) {
	e := &Exports{Soname: "libfoo.so.1", Set: map[Export]bool{
		{"foo_open", "LIBFOO_1.0.0"}: true, {"foo_map", "LIBFOO_1.4.0"}: true, {"foo_old", ""}: true,
	}}
	annotation := "libfoo 1.4.1.0\n\nTier: feature\n\n" + FormatAnnotation(e) + "\nSigned-off-by: x\n"
	got, ok := ParseAnnotation(annotation, "tag")
	if !ok {
		t.Fatalf("ParseAnnotation found no block in:\n%s", annotation)
	}
	if d := cmp.Diff(e.Sorted(), got.Sorted()); d != "" || got.Soname != e.Soname {
		t.Errorf("round trip (-want +got):\n%s (soname %q)", d, got.Soname)
	}
	if _, ok := ParseAnnotation("libfoo 1.4.0.0\n\nTier: kernel\n", "tag"); ok {
		t.Error("ParseAnnotation found a block where there is none")
	}
}

// A library built with a version script: every global symbol under its
// node, nothing local, no node definition symbols, the soname.
func TestLoadLibraryExports(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("needs cc to build a shared library")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "foo.c"), []byte("int foo_open(void) { return 0; }\nint foo_map(void) { return 1; }\nint foo_internal(void) { return 2; }\nint foo_data = 3;\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "foo.map"), []byte("LIBFOO_1.0.0 {\n\tglobal: foo_open; foo_data;\n\tlocal: *;\n};\nLIBFOO_1.4.0 {\n\tglobal: foo_map;\n} LIBFOO_1.0.0;\n"), 0o644)
	lib := filepath.Join(dir, "libfoo.so.1")
	out, err := exec.Command(cc, "-shared", "-fPIC", "-o", lib, "-Wl,-soname,libfoo.so.1",
		"-Wl,--version-script="+filepath.Join(dir, "foo.map"), filepath.Join(dir, "foo.c")).CombinedOutput()
	if err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	e, err := LoadLibrary(lib)
	if err != nil {
		t.Fatal(err)
	}
	want := []Export{{"foo_data", "LIBFOO_1.0.0"}, {"foo_open", "LIBFOO_1.0.0"}, {"foo_map", "LIBFOO_1.4.0"}}
	if d := cmp.Diff(want, e.Sorted()); d != "" || e.Soname != "libfoo.so.1" {
		t.Errorf("exports (-want +got):\n%s (soname %q)", d, e.Soname)
	}
	if _, err := LoadLibrary(filepath.Join(dir, "foo.c")); err == nil {
		t.Error("LoadLibrary(a C file) succeeded")
	}
}
