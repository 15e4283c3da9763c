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

// Within keeps what one commit contributed to the net change of a range:
// an addition that did not survive is no addition, a removal counts when
// the symbol is gone or moved at the end, a move when the symbol's node
// differs at the end (from any old node to any new one).
func TestSymbolDiffWithin(t *testing.T) {
	tests := []struct {
		name   string
		d, net SymbolDiff
		want   SymbolDiff
	}{
		{"no net change", SymbolDiff{Added: []string{"a"}, Removed: []string{"b"}, Moved: []string{"c: N1 -> N2"}}, SymbolDiff{}, SymbolDiff{}},
		{"addition that stayed", SymbolDiff{Added: []string{"a", "tmp"}}, SymbolDiff{Added: []string{"a"}}, SymbolDiff{Added: []string{"a"}}},
		{"removal that stayed", SymbolDiff{Removed: []string{"b", "c"}}, SymbolDiff{Removed: []string{"b"}}, SymbolDiff{Removed: []string{"b"}}},
		{"removal re-added elsewhere is a move", SymbolDiff{Removed: []string{"b"}}, SymbolDiff{Moved: []string{"b: N1 -> N2"}}, SymbolDiff{Removed: []string{"b"}}},
		{"move, net from another node", SymbolDiff{Moved: []string{"c: N2 -> N3"}}, SymbolDiff{Moved: []string{"c: N1 -> N3"}}, SymbolDiff{Moved: []string{"c: N2 -> N3"}}},
		{"move of a symbol later removed", SymbolDiff{Moved: []string{"c: N1 -> N2"}}, SymbolDiff{Removed: []string{"c"}}, SymbolDiff{Moved: []string{"c: N1 -> N2"}}},
		{"move of a new symbol never shipped", SymbolDiff{Moved: []string{"n: N2 -> N3"}}, SymbolDiff{Added: []string{"n"}}, SymbolDiff{}},
		{"moved back", SymbolDiff{Moved: []string{"c: N1 -> N2"}}, SymbolDiff{Moved: []string{"d: N1 -> N2"}}, SymbolDiff{}},
	}
	for _, tt := range tests {
		got := tt.d.Within(tt.net)
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: %+v.Within(%+v) mismatch (-want +got):\n%s", tt.name, tt.d, tt.net, d)
		}
	}
}
