package policies

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// ExportsSince gives each export of an ABI's releases below a version the
// first release that exported it: its tag's export list when it carries
// one, else the symbol map at its commit. Pre-releases, other ABIs and
// releases from the version up do not count.
func TestExportsSince(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Map}, "root")
	r.tag("1.0.1.0-rc.1", "map", "")
	r.tag("1.0.1.0", "map", "")
	// The tag's list wins over the map: the library's real exports.
	r.commit("lookup", "libfoo: add foo_lookup", map[string]string{"src/lookup.c": "int lookup;\n"}, "map")
	r.tag("1.1.0.0", "lookup", "libfoo 1.1.0.0\n\nExports: libfoo.so.1\n  LIBFOO_1.0.0 foo_close\n  LIBFOO_1.0.0 foo_open\n  LIBFOO_1.0.1 foo_map\n  LIBFOO_1.1.0 foo_lookup\n")
	r.commit("later", "libfoo: add foo_later", map[string]string{mapPath: symbolMap("LIBFOO_1.0.0 foo_open foo_close", "LIBFOO_1.2.0 foo_later")}, "lookup")
	r.tag("1.2.0.0", "later", "")
	r.commit("two", "libfoo: drop foo_close", map[string]string{mapPath: symbolMap("LIBFOO_2.0.0 foo_open")}, "later")
	r.tag("2.0.0.0", "two", "")
	p := Default()
	p.ABI.SymbolMap = mapPath

	lookup := abi.Export{Symbol: "foo_lookup", Node: "LIBFOO_1.1.0"}
	tests := []struct {
		v    string
		want map[abi.Export]string
	}{
		{"1.0.0.0", map[abi.Export]string{}},
		{"1.0.0.1", map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0"}},
		{"1.0.1.0", map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0"}},
		{"1.2.0.0", map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0", fooMap: "1.0.1.0", lookup: "1.1.0.0"}},
		{"1.3.0.0-rc.1", map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0", fooMap: "1.0.1.0", lookup: "1.1.0.0",
			{Symbol: "foo_later", Node: "LIBFOO_1.2.0"}: "1.2.0.0"}},
		{"2.0.0.1", map[abi.Export]string{{Symbol: "foo_open", Node: "LIBFOO_2.0.0"}: "2.0.0.0"}},
		{"3.0.0.0", map[abi.Export]string{}},
	}
	for _, tt := range tests {
		got, err := ExportsSince(r, p, r.st, versioning.MustParse(tt.v))
		if err != nil {
			t.Fatalf("ExportsSince(%s) err = %v", tt.v, err)
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("ExportsSince(%s) mismatch (-want +got):\n%s", tt.v, d)
		}
	}
}

// In a three-number scheme the first release is named as the scheme
// writes it; without a symbol map only tags' export lists count.
func TestExportsSinceScheme(t *testing.T) {
	r := libfoo(t, versioning.SchemeKernel, "1.4.0")
	r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
	r.tag("1.4.1", "fix", "libbpf 1.4.1\n\nExports: libbpf.so.1\n  LIBBPF_1.4.0 bpf_open\n")
	got, err := ExportsSince(r, Default(), r.st, versioning.Version{ABI: 1, Kernel: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := map[abi.Export]string{{Symbol: "bpf_open", Node: "LIBBPF_1.4.0"}: "1.4.1"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ExportsSince(1.5.0) mismatch (-want +got):\n%s", d)
	}
}

func TestExportsOf(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	p := Default()
	p.ABI.SymbolMap = mapPath
	rel := r.st.Releases[0]
	got, err := exportsOf(r, p, rel)
	if err != nil {
		t.Fatal(err)
	}
	want := &abi.Exports{Set: map[abi.Export]bool{fooOpen: true, fooClose: true}, From: "src/libfoo.map at v1.0.0.0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("exportsOf(v1.0.0.0) mismatch (-want +got):\n%s", d)
	}
	// A release whose commit is gone cannot be read.
	rel.Commit = "0000000000000000000000000000000000000bad"
	if _, err := exportsOf(r, p, rel); !errors.Is(err, branches.ErrUnknownRef) {
		t.Errorf("exportsOf(unknown commit) err = %v, want ErrUnknownRef", err)
	}
	// No symbol map, no list in the tag: unknown, not empty.
	if e, err := exportsOf(r, Default(), r.st.Releases[0]); e != nil || err != nil {
		t.Errorf("exportsOf(no data) = %+v, %v; want nil, nil", e, err)
	}
}
