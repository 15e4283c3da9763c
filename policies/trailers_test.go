package policies

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTrailers(t *testing.T) {
	msg := `libbpf: fix the thing

Fixes: 1a2b3c4d5e6f ("libbpf: a long subject that
wraps onto the next line")
Fixes: abcdef0 (libbpf: unquoted)
Cc: stable@vger.kernel.org # 6.1.x: 0123456789ab: libbpf: prep work
Cc: <stable+noautosel@kernel.org> # needs manual review
(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)
[ Upstream commit fedcba9876543210fedcba9876543210fedcba98 ]
`
	got := ParseTrailers("libbpf: fix the thing", msg, []string{"Cc: stable@vger.kernel.org"})
	want := Trailers{
		Fixes: []Ref{
			{SHA: "1a2b3c4d5e6f", Subject: "libbpf: a long subject that wraps onto the next line"},
			{SHA: "abcdef0", Subject: "libbpf: unquoted"},
		},
		BackportOf: []string{"0123456789abcdef0123456789abcdef01234567", "fedcba9876543210fedcba9876543210fedcba98"},
		Nominated:  true,
		Prereqs:    []Ref{{SHA: "0123456789ab", Subject: "libbpf: prep work"}},
		NoAutoSel:  "needs manual review",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseTrailers mismatch (-want +got):\n%s", d)
	}
	rev := ParseTrailers(`Revert "libbpf: add bar"`, "Revert \"libbpf: add bar\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n", nil)
	if rev.Reverts == nil || rev.Reverts.SHA != "0123456789abcdef0123456789abcdef01234567" || rev.Reverts.Subject != "libbpf: add bar" {
		t.Errorf("revert = %+v", rev.Reverts)
	}
}

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

func FuzzParseTrailers(f *testing.F) {
	f.Add("Fixes: 1a2b3c4 (\"x\ny\")\n(cherry picked from commit 1a2b3c4)")
	f.Add("Revert \"x\"")
	f.Fuzz(func(t *testing.T, msg string) {
		subject := msg
		if i := len(msg); i > 80 {
			subject = msg[:80]
		}
		ParseTrailers(subject, msg, []string{"Cc: stable@vger.kernel.org"})
		ParseSymbolMap([]byte(msg))
	})
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
