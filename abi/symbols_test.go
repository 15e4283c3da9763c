package abi

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSymbolDiff(t *testing.T) {
	old := ParseSymbolMap([]byte("LIBFOO_1.0 {\n global:\n  a;\n  b; /* c; */\n local: *;\n};\nLIBFOO_1.1 {\n  d;\n} LIBFOO_1.0;\n"))
	if d := cmp.Diff(SymbolMap{"a": "LIBFOO_1.0", "b": "LIBFOO_1.0", "d": "LIBFOO_1.1"}, old); d != "" {
		t.Fatalf("ParseSymbolMap mismatch (-want +got):\n%s", d)
	}
	now := SymbolMap{"a": "LIBFOO_1.0", "d": "LIBFOO_1.2", "e": "LIBFOO_1.2"}
	got := DiffSymbols(old, now)
	want := SymbolDiff{Added: []string{"e"}, Removed: []string{"b"}, Moved: []string{"d: LIBFOO_1.1 -> LIBFOO_1.2"}}
	if d := cmp.Diff(want, got); d != "" || !got.IsBreak() {
		t.Errorf("DiffSymbols mismatch (-want +got):\n%s", d)
	}
}

func FuzzParseSymbolMap(f *testing.F) {
	f.Add([]byte("LIBFOO_1.0.0 {\n\tglobal:\n\t\tfoo_open; # comment\n\tlocal:\n\t\t*;\n};\nLIBFOO_1.4.0 {\n\tglobal: foo_map; /* c */\n} LIBFOO_1.0.0;\n"))
	f.Add([]byte("{ global: x; };"))
	f.Add([]byte("A { global: local: y; z; }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := ParseSymbolMap(data)
		for sym, node := range m {
			if sym == "" || node == "" || strings.ContainsAny(sym, " \t\n;{}*") {
				t.Fatalf("bad entry %q -> %q", sym, node)
			}
		}
	})
}

func TestParseSymbolMapForms(t *testing.T) {
	m := ParseSymbolMap([]byte(`/* libfoo */
LIBFOO_1.0.0 {
	global:
		foo_open;
		foo_close; // trailing
	local:
		*;
};

LIBFOO_1.4.0 {
	global: foo_map; foo_map_lookup;
} LIBFOO_1.0.0;
# the next node
LIBFOO_1.5.0 { foo_new; local: foo_hidden; } LIBFOO_1.4.0;
`))
	want := SymbolMap{"foo_open": "LIBFOO_1.0.0", "foo_close": "LIBFOO_1.0.0", "foo_map": "LIBFOO_1.4.0", "foo_map_lookup": "LIBFOO_1.4.0", "foo_new": "LIBFOO_1.5.0"}
	if len(m) != len(want) {
		t.Errorf("ParseSymbolMap = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s in %q, want %q", k, m[k], v)
		}
	}
}
