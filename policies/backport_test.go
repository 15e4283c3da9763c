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

// backportPlan judges every trunk commit for the stable line 1.0.0 of r
// and returns each commit's verdict and rules, and its reasons.
func backportPlan(t *testing.T, r *repo, b *Backport) (map[string]string, map[string][]string) {
	t.Helper()
	plan, err := b.Plan()
	if err != nil {
		t.Fatal(err)
	}
	verdicts, reasons := map[string]string{}, map[string][]string{}
	for _, v := range plan.Commits {
		verdicts[v.Subject] = fmt.Sprint(v.Verdict, " ", v.Rules)
		reasons[v.Subject] = v.Reasons
	}
	return verdicts, reasons
}

// Fixes: targets resolve by sha, else (a mirror rewrote the sha) by exact
// subject: the commit of the source line, else one the source reaches,
// else any.
func TestBackportFixesBySubject(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("own", "libfoo: line-only change\n\nCc: stable@vger.kernel.org\n", map[string]string{"src/own.c": "int own;\n"}, "root")
	line := r.line("1.0.0", "own")
	r.commit("add", "libfoo: add foo2", map[string]string{"src/foo2.c": "int foo2;\n"}, "root")
	r.commit("fix2", "libfoo: fix foo2\n\nFixes: 0123456789ab (\"libfoo: add foo2\")\n", map[string]string{"src/fix2.c": "int fix2;\n"}, "add")
	r.commit("fixroot", "libfoo: fix import\n\nFixes: 0123456789ab (\"libfoo: initial import\")\n", map[string]string{"src/fixroot.c": "int x;\n"}, "fix2")
	r.commit("fixown", "libfoo: fix own\n\nFixes: 0123456789ab (\"libfoo: line-only change\")\n", map[string]string{"src/fixown.c": "int y;\n"}, "fixroot")
	trunk := r.line("trunk", "fixown")
	b, err := NewBackport(r, Default(), r.st, line, trunk, "", "")
	if err != nil {
		t.Fatal(err)
	}
	got, reasons := backportPlan(t, r, b)
	want := map[string]string{
		"libfoo: add foo2":   "forbidden [stable-fixes-only]",
		"libfoo: fix foo2":   "not-needed [bug-not-present]",
		"libfoo: fix import": "eligible []",
		"libfoo: fix own":    "eligible []",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Plan() verdicts mismatch (-want +got):\n%s", d)
	}
	wantReasons := []string{fmt.Sprintf("fixes %s %q, which 1.0.0 does not contain", r.short("add"), "libfoo: add foo2")}
	if d := cmp.Diff(wantReasons, reasons["libfoo: fix foo2"]); d != "" {
		t.Errorf("fix foo2 reasons mismatch (-want +got):\n%s", d)
	}
}

// A "Cc: stable@vger.kernel.org # 6.1.x: sha: subject" trailer names a
// prerequisite: the author's word, planned first when the line lacks it.
func TestBackportNamedPrerequisites(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	line := r.line("1.0.0", "root")
	r.commit("helper", "libfoo: add helper\n\nCc: stable@vger.kernel.org\n", map[string]string{"src/helper.c": "int helper;\n"}, "root")
	r.commit("user", fmt.Sprintf("libfoo: use helper\n\nCc: stable@vger.kernel.org # 6.1.x: %s: libfoo: add helper\n", r.short("helper")),
		map[string]string{"src/user.c": "int user;\n"}, "helper")
	r.commit("ghost", "libfoo: use ghost\n\nCc: stable@vger.kernel.org # 6.1.x: 0123456789ab: libfoo: never was\n", map[string]string{"src/ghost.c": "int g;\n"}, "user")
	r.commit("old", fmt.Sprintf("libfoo: use import\n\nCc: stable@vger.kernel.org # 6.1.x: %s: libfoo: initial import\n", r.short("root")),
		map[string]string{"src/old.c": "int old;\n"}, "ghost")
	trunk := r.line("trunk", "old")
	b, err := NewBackport(r, Default(), r.st, line, trunk, "", "")
	if err != nil {
		t.Fatal(err)
	}
	got, reasons := backportPlan(t, r, b)
	want := map[string]string{
		"libfoo: add helper": "eligible []",
		"libfoo: use helper": "needs-prerequisites [prerequisites]",
		"libfoo: use ghost":  "eligible [prerequisites]",
		"libfoo: use import": "eligible []",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Plan() verdicts mismatch (-want +got):\n%s", d)
	}
	v, err := b.Check(r.at("user"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{r.at("helper")}, v.Prerequisites); d != "" {
		t.Errorf("use helper: Prerequisites mismatch (-want +got):\n%s", d)
	}
	wantGhost := []string{`names prerequisite 0123456789ab ("libfoo: never was"), which resolves to no commit: check it by hand`, "its patch applies on 1.0.0"}
	if d := cmp.Diff(wantGhost, reasons["libfoo: use ghost"]); d != "" {
		t.Errorf("use ghost reasons mismatch (-want +got):\n%s", d)
	}
}

// kernel-too-new: an identifier a commit's added lines use that the
// line's baseline kernel lacks forbids it, saying whether the kernel is
// too old or the feature was reverted; the UAPI header copies, lines the
// commit also removes and identifiers no kernel has do not count.
func TestBackportKernelTooNew(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("base", "bpf: import uapi\n\nCc: stable@vger.kernel.org\n", map[string]string{headerPath: headerV1, "src/keep.c": "int k = BPF_PROG_TYPE_NEW2;\n"}, "root")
	line := r.line("1.0.0", "base")
	line.Kernel = kernelOf("6.9")
	nominated := "\n\nCc: stable@vger.kernel.org\n"
	r.commit("new2", "libfoo: use NEW2"+nominated, map[string]string{"src/new2.c": "int f(void) { return BPF_PROG_TYPE_NEW2; }\n"}, "base")
	r.commit("new", "libfoo: use NEW"+nominated, map[string]string{"src/new.c": "int g(void) { return BPF_PROG_TYPE_NEW; }\n"}, "new2")
	r.commit("xdp", "libfoo: use XDP"+nominated, map[string]string{"src/xdp.c": "int h(void) { return BPF_PROG_TYPE_XDP + my_helper(); }\n"}, "new")
	r.commit("uapi", "bpf: sync uapi"+nominated, map[string]string{headerPath: headerV1 + "enum { BPF_PROG_TYPE_NEW2 };\n"}, "xdp")
	r.commit("keep", "libfoo: keep NEW2"+nominated, map[string]string{"src/keep.c": "int k = BPF_PROG_TYPE_NEW2 + 1;\n"}, "uapi")
	trunk := r.line("trunk", "keep")
	idx := kernelIndex(t, map[string]string{
		"6.8":  "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_NEW\n",
		"6.9":  "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\n",
		"6.11": "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_NEW2\n",
	})
	needs, err := idx.Needs()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBackport(r, Default(), r.st, line, trunk, "", "")
	if err != nil {
		t.Fatal(err)
	}
	b.UseKernels(needs)
	got, reasons := backportPlan(t, r, b)
	want := map[string]string{
		"libfoo: use NEW2":  "forbidden [kernel-too-new]",
		"libfoo: use NEW":   "forbidden [kernel-too-new]",
		"libfoo: use XDP":   "eligible []",
		"bpf: sync uapi":    "eligible []",
		"libfoo: keep NEW2": "eligible []",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Plan() verdicts mismatch (-want +got):\n%s", d)
	}
	for subject, want := range map[string]string{
		"libfoo: use NEW2": "src/new2.c uses BPF_PROG_TYPE_NEW2, first in kernel 6.11; 1.0.0 targets kernel 6.9",
		"libfoo: use NEW":  "src/new.c uses BPF_PROG_TYPE_NEW, which kernel 6.9 (the baseline of 1.0.0) does not have: kernel 6.8 had it, so it was reverted",
	} {
		if d := cmp.Diff([]string{want}, reasons[subject]); d != "" {
			t.Errorf("%s: reasons mismatch (-want +got):\n%s", subject, d)
		}
	}

	// A line without a baseline: the rule has nothing to judge by.
	line.Kernel = versioning.Kernel{}
	b, err = NewBackport(r, Default(), r.st, line, trunk, "", "")
	if err != nil {
		t.Fatal(err)
	}
	b.UseKernels(needs)
	if v, err := b.Check(r.at("new2")); err != nil || v.Verdict != Eligible {
		t.Errorf("Check(use NEW2) on a line without a baseline = %+v, %v; want eligible", v, err)
	}
}
