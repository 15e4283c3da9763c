package policies

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// The backport rules over a fake history: a stable line forked from trunk
// at its first release, and trunk's commits since, one per rule.
func TestBackportRules(t *testing.T) {
	h := newFake()
	src := func(lines ...string) string {
		out := ""
		for _, l := range lines {
			out += l + "\n"
		}
		return out
	}
	base := []string{"int foo_open(void) {", "\treturn 0;", "}", "int foo_close(void) {", "\treturn 0;", "}"}
	mapV1 := "LIBFOO_1.0.0 {\n\tglobal:\n\t\tfoo_open;\n\tlocal:\n\t\t*;\n};\n"
	root := h.add("libfoo: initial import", map[string]string{"src/foo.c": src(base...), "src/libfoo.map": mapV1, "src/bar.c": "int bar;\n"})
	// The stable line took one trunk fix with -x.
	fork := root
	trunk := fork
	commit := func(msg string, files map[string]string) string {
		trunk = h.add(msg, files, trunk)
		return trunk
	}
	addFoo := commit("libfoo: add foo", map[string]string{"src/feature.c": "int foo;\n"})
	commit(fmt.Sprintf("libfoo: fix foo\n\nFixes: %s (\"libfoo: add foo\")\n", addFoo[:12]), map[string]string{"src/feature.c": "int foo = 1;\n"})
	fixed := src("int foo_open(void) {", "\treturn -1;", "}", "int foo_close(void) {", "\treturn 0;", "}")
	fixBase := commit(fmt.Sprintf("libfoo: fix open\n\nFixes: %s (\"libfoo: initial import\")\n", root[:12]), map[string]string{"src/foo.c": fixed})
	commit(fmt.Sprintf("libfoo: export foo_get\n\nFixes: %s (\"libfoo: initial import\")\n", root[:12]),
		map[string]string{"src/libfoo.map": "LIBFOO_1.0.0 {\n\tglobal:\n\t\tfoo_open;\n\t\tfoo_get;\n\tlocal:\n\t\t*;\n};\n"})
	addBar := commit("libfoo: add bar", map[string]string{"src/bar.c": "int bar = 2;\n"})
	commit(fmt.Sprintf("Revert \"libfoo: add bar\"\n\nThis reverts commit %s.\n", addBar), map[string]string{"src/bar.c": "int bar;\n"})
	closeFix := commit(fmt.Sprintf("libfoo: fix close\n\nFixes: %s (\"libfoo: initial import\")\n", root[:12]),
		map[string]string{"src/foo.c": src("int foo_open(void) {", "\treturn -1;", "}", "int foo_close(void) {", "\treturn 1;", "}")})
	commit(fmt.Sprintf("libfoo: fix leak\n\nFixes: %s (\"libfoo: initial import\")\nCc: <stable+noautosel@kernel.org> # needs a rework first\n", root[:12]),
		map[string]string{"src/bar.c": "int bar; /* leak */\n"})
	commit("libfoo: tidy\n\nFixes: 0123456789ab (\"libfoo: never was\")\n", map[string]string{"src/feature.c": "int foo = 2;\n"})

	// The stable line: fix open, applied with -x.
	line := h.add(fmt.Sprintf("libfoo: fix open\n\nFixes: %s (\"libfoo: initial import\")\n\n(cherry picked from commit %s)\n", root[:12], fixBase),
		map[string]string{"src/foo.c": fixed}, fork)

	p := Default()
	p.ABI.SymbolMap = "src/libfoo.map"
	st := &branches.Status{Scheme: versioning.SchemeFour}
	target := &branches.Line{Name: "1.0.0", Tier: branches.TierStable, Tip: line}
	source := &branches.Line{Name: "trunk", Tier: branches.TierTrunk, Tip: trunk}
	b, err := NewBackport(h, p, st, target, source, "", "")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := b.Plan()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range plan.Commits {
		got[v.Subject] = fmt.Sprint(v.Verdict, " ", v.Rules)
	}
	want := map[string]string{
		"libfoo: add foo":          "forbidden [stable-fixes-only]",
		"libfoo: fix foo":          "not-needed [bug-not-present]",
		"libfoo: fix open":         "already-applied [already-applied]",
		"libfoo: export foo_get":   "forbidden [abi-addition]",
		"libfoo: add bar":          "forbidden [reverted-upstream]",
		`Revert "libfoo: add bar"`: "not-needed [reverted-upstream]",
		"libfoo: fix close":        "eligible []",
		"libfoo: fix leak":         "forbidden [no-autosel]",
		"libfoo: tidy":             "needs-prerequisites [fixes-unresolved prerequisites]", // src/feature.c is not on the line
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Plan() verdicts mismatch (-want +got):\n%s", d)
	}
	// Plans list commits in apply order: parents first.
	if plan.Commits[0].Subject != "libfoo: add foo" || plan.Commits[len(plan.Commits)-1].Subject != "libfoo: tidy" {
		t.Errorf("plan order: first %q, last %q", plan.Commits[0].Subject, plan.Commits[len(plan.Commits)-1].Subject)
	}
	if v, err := b.Check(closeFix); err != nil || v.Verdict != Eligible {
		t.Errorf("Check(fix close) = %+v, %v", v, err)
	}
}
