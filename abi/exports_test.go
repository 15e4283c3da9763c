package abi

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

func exports(from string, xs ...Export) *Exports {
	e := &Exports{Set: map[Export]bool{}, From: from}
	for _, x := range xs {
		e.Set[x] = true
	}
	return e
}

func TestExportString(t *testing.T) {
	for _, tt := range []struct {
		x    Export
		want string
	}{
		{Export{"bpf_object__open", "LIBBPF_0.0.1"}, "bpf_object__open@LIBBPF_0.0.1"},
		{Export{"foo_old", ""}, "foo_old"},
	} {
		if got := tt.x.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.x, got, tt.want)
		}
	}
}

// Sorted orders by node, then symbol: unversioned symbols first. Missing
// keeps that order and compares symbol and node together.
func TestExportsSortedMissing(t *testing.T) {
	a := exports("a", Export{"foo_map", "LIBFOO_1.4.0"}, Export{"foo_open", "LIBFOO_1.0.0"}, Export{"foo_close", "LIBFOO_1.0.0"}, Export{"foo_old", ""})
	want := []Export{{"foo_old", ""}, {"foo_close", "LIBFOO_1.0.0"}, {"foo_open", "LIBFOO_1.0.0"}, {"foo_map", "LIBFOO_1.4.0"}}
	if d := cmp.Diff(want, a.Sorted()); d != "" {
		t.Errorf("Sorted() mismatch (-want +got):\n%s", d)
	}
	// b moved foo_map to another node, dropped foo_old, added foo_new.
	b := exports("b", Export{"foo_map", "LIBFOO_1.5.0"}, Export{"foo_open", "LIBFOO_1.0.0"}, Export{"foo_close", "LIBFOO_1.0.0"}, Export{"foo_new", "LIBFOO_1.5.0"})
	tests := []struct {
		name   string
		e, oth *Exports
		want   []Export
	}{
		{"a lacks in b", a, b, []Export{{"foo_old", ""}, {"foo_map", "LIBFOO_1.4.0"}}},
		{"b lacks in a", b, a, []Export{{"foo_map", "LIBFOO_1.5.0"}, {"foo_new", "LIBFOO_1.5.0"}}},
		{"same", a, a, nil},
		{"against nothing", a, exports("none"), want},
		{"nothing against a", exports("none"), a, nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.e.Missing(tt.oth)); d != "" {
			t.Errorf("%s: Missing() mismatch (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestFromMap(t *testing.T) {
	got := FromMap(SymbolMap{"foo_open": "LIBFOO_1.0.0", "foo_map": "LIBFOO_1.4.0"}, "src/libfoo.map at v1.4.0.0")
	want := exports("src/libfoo.map at v1.4.0.0", Export{"foo_open", "LIBFOO_1.0.0"}, Export{"foo_map", "LIBFOO_1.4.0"})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("FromMap mismatch (-want +got):\n%s", d)
	}
	if e := FromMap(nil, "empty"); e.Set == nil || len(e.Set) != 0 || e.Soname != "" {
		t.Errorf("FromMap(nil) = %+v, want an empty, usable set", e)
	}
}

// FirstExported gives each export the oldest release that has it: a
// symbol dropped later keeps its first release, a release without data
// (nil) neither adds nor hides anything.
func TestFirstExported(t *testing.T) {
	open, close := Export{"foo_open", "LIBFOO_1.0.0"}, Export{"foo_close", "LIBFOO_1.0.0"}
	mapx, lookup := Export{"foo_map", "LIBFOO_1.2.0"}, Export{"foo_lookup", "LIBFOO_1.3.0"}
	rels := []Release{
		{"1.0.0.0", exports("v1.0.0.0", open, close)},
		{"1.1.0.0", nil},
		{"1.2.0.0", exports("v1.2.0.0", open, close, mapx)},
		{"1.3.0.0", exports("v1.3.0.0", open, mapx, lookup)}, // drops foo_close
	}
	want := map[Export]string{open: "1.0.0.0", close: "1.0.0.0", mapx: "1.2.0.0", lookup: "1.3.0.0"}
	if d := cmp.Diff(want, FirstExported(rels)); d != "" {
		t.Errorf("FirstExported mismatch (-want +got):\n%s", d)
	}
	if got := FirstExported(nil); got == nil || len(got) != 0 {
		t.Errorf("FirstExported(nil) = %#v, want an empty map", got)
	}
}

func TestParseAnnotationEdges(t *testing.T) {
	tests := []struct {
		name       string
		annotation string
		ok         bool
		soname     string
		want       []Export
	}{
		{"no soname, no exports", "libfoo 1.0.0.0\n\nExports:\n", true, "", []Export{}},
		{"unversioned symbol", "Exports: libfoo.so.1\n  - foo_old\n  LIBFOO_1.0.0 foo_open\n", true, "libfoo.so.1", []Export{{"foo_old", ""}, {"foo_open", "LIBFOO_1.0.0"}}},
		{"ends at a blank line", "Exports: libfoo.so.1\n  LIBFOO_1.0.0 foo_open\n\n  LIBFOO_1.0.0 foo_after\n", true, "libfoo.so.1", []Export{{"foo_open", "LIBFOO_1.0.0"}}},
		{"ends at an unindented line", "Exports:\n  LIBFOO_1.0.0 foo_open\nSigned-off-by: A <a@example.org>\n", true, "", []Export{{"foo_open", "LIBFOO_1.0.0"}}},
		{"ends at a one-space indent", "Exports:\n  LIBFOO_1.0.0 foo_open\n LIBFOO_1.0.0 foo_after\n", true, "", []Export{{"foo_open", "LIBFOO_1.0.0"}}},
		{"ends at a line of three words", "Exports:\n  LIBFOO_1.0.0 foo_open\n  LIBFOO_1.0.0 foo_after extra\n  LIBFOO_1.0.0 foo_more\n", true, "", []Export{{"foo_open", "LIBFOO_1.0.0"}}},
		{"tab indent is not the block", "Exports:\n\tLIBFOO_1.0.0 foo_open\n", true, "", []Export{}},
		{"the first block wins", "Exports: libfoo.so.1\n  LIBFOO_1.0.0 foo_open\nExports: libfoo.so.2\n  LIBFOO_2.0.0 foo_two\n", true, "libfoo.so.1", []Export{{"foo_open", "LIBFOO_1.0.0"}}},
		{"CRLF line ends", "Exports: libfoo.so.1\r\n  LIBFOO_1.0.0 foo_open\r\n", true, "libfoo.so.1", []Export{{"foo_open", "LIBFOO_1.0.0"}}},
		{"header inside a line", "See Exports: below\n  LIBFOO_1.0.0 foo_open\n", false, "", nil},
		{"indented header", "  Exports: libfoo.so.1\n  LIBFOO_1.0.0 foo_open\n", false, "", nil},
		{"empty", "", false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := ParseAnnotation(tt.annotation, "tag v1")
			if ok != tt.ok {
				t.Fatalf("ParseAnnotation(%q) ok = %v, want %v", tt.annotation, ok, tt.ok)
			}
			if !ok {
				if e != nil {
					t.Errorf("ParseAnnotation(%q) = %+v with ok false, want nil", tt.annotation, e)
				}
				return
			}
			if e.Soname != tt.soname || e.From != "tag v1" {
				t.Errorf("ParseAnnotation(%q): Soname %q, From %q; want %q, %q", tt.annotation, e.Soname, e.From, tt.soname, "tag v1")
			}
			if d := cmp.Diff(tt.want, e.Sorted()); d != "" {
				t.Errorf("ParseAnnotation(%q) exports mismatch (-want +got):\n%s", tt.annotation, d)
			}
		})
	}
}

// A FIFO or a directory where a library is wanted is refused at once,
// never read.
func TestLoadLibraryNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, p := range []string{fifo, dir, "/dev/zero"} {
		_, err := LoadLibrary(p)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadLibrary(%s) = %v, want a refusal", p, err)
		}
	}
}
