package policies

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/abi"
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
		"libfoo: add foo":          "review [stable-fixes-only]", // no evidence either way
		"libfoo: fix foo":          "review [bug-not-present]",   // its bug is in a commit in review
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
	// Plans list what to apply first, in apply order (a prerequisite in
	// review before the commit that needs it), then review by rank, then
	// the rest in apply order.
	var order []string
	for _, v := range plan.Commits {
		order = append(order, v.Subject)
	}
	wantOrder := []string{"libfoo: add foo", "libfoo: fix close", "libfoo: tidy", "libfoo: fix foo",
		"libfoo: fix open", "libfoo: export foo_get", "libfoo: add bar", `Revert "libfoo: add bar"`, "libfoo: fix leak"}
	if d := cmp.Diff(wantOrder, order); d != "" {
		t.Errorf("plan order mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[VerdictKind]int{Review: 2, AlreadyApplied: 1, Forbidden: 3, NotNeeded: 1, Eligible: 1, NeedsPrerequisites: 1}, plan.Counts); d != "" {
		t.Errorf("plan counts mismatch (-want +got):\n%s", d)
	}
	var apply []string
	for _, v := range plan.ApplyOrder(nil) {
		apply = append(apply, v.Subject)
	}
	if d := cmp.Diff([]string{"libfoo: add foo", "libfoo: fix close", "libfoo: tidy"}, apply); d != "" {
		t.Errorf("ApplyOrder(nil) mismatch (-want +got):\n%s", d)
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
		"libfoo: add foo2":   "review [stable-fixes-only]",
		"libfoo: fix foo2":   "review [bug-not-present]",
		"libfoo: fix import": "eligible []",
		"libfoo: fix own":    "eligible []",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Plan() verdicts mismatch (-want +got):\n%s", d)
	}
	wantReasons := []string{fmt.Sprintf("fixes %s %q, which 1.0.0 lacks and which is itself in review: take both or neither", r.short("add"), "libfoo: add foo2")}
	if d := cmp.Diff(wantReasons, reasons["libfoo: fix foo2"]); d != "" {
		t.Errorf("fix foo2 reasons mismatch (-want +got):\n%s", d)
	}
}

// A subject a candidate has resolves to the latest candidate with it,
// whatever other commits have it too, without searching the whole
// history; a subject no candidate has is searched for.
func TestBackportSubjectOfACandidate(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("own", "libfoo: add foo2", map[string]string{"src/own.c": "int own;\n"}, "root")
	line := r.line("1.0.0", "own")
	r.commit("add", "libfoo: add foo2", map[string]string{"src/foo2.c": "int foo2;\n"}, "root")
	r.commit("fix", "libfoo: fix foo2\n\nFixes: 0123456789ab (\"libfoo: add foo2\")\n", map[string]string{"src/fix.c": "int fix;\n"}, "add")
	trunk := r.line("trunk", "fix")
	b, err := NewBackport(r, Default(), r.st, line, trunk, "", "")
	if err != nil {
		t.Fatal(err)
	}
	got, reasons := backportPlan(t, r, b)
	if got["libfoo: fix foo2"] != "review [bug-not-present]" {
		t.Errorf("fix foo2: %s, want review [bug-not-present] (the candidate add, not the line's own commit)", got["libfoo: fix foo2"])
	}
	want := fmt.Sprintf("fixes %s %q, which 1.0.0 lacks and which is itself in review: take both or neither", r.short("add"), "libfoo: add foo2")
	if len(reasons["libfoo: fix foo2"]) == 0 || reasons["libfoo: fix foo2"][0] != want {
		t.Errorf("fix foo2 reasons %q, want %q first", reasons["libfoo: fix foo2"], want)
	}
	if r.found != 0 {
		t.Errorf("FindBySubject asked %d times for a subject a candidate has", r.found)
	}

	r.commit("fixown", "libfoo: fix own\n\nFixes: 0123456789ab (\"libfoo: initial import\")\n", map[string]string{"src/fixown.c": "int y;\n"}, "fix")
	trunk = r.line("trunk", "fixown")
	if b, err = NewBackport(r, Default(), r.st, line, trunk, "", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := backportPlan(t, r, b); got["libfoo: fix own"] != "eligible []" {
		t.Errorf("fix own: %s, want eligible [] (its bug, the import, is on the line)", got["libfoo: fix own"])
	}
	if r.found == 0 {
		t.Errorf("FindBySubject never asked for a subject no candidate has")
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
	wantGhost := []string{"fix evidence: Cc: stable@vger.kernel.org # 6.1.x: 0123456789ab: libfoo: never was",
		`names prerequisite 0123456789ab ("libfoo: never was"), which resolves to no commit: check it by hand`, "its patch applies on 1.0.0"}
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

// lineFixture is a small history for one rule at a time: a root commit,
// a stable line forked there (with commits of its own) and trunk.
type lineFixture struct {
	t            *testing.T
	h            *fakeHistory
	root         string
	trunk, line  string
	policy       *Policy
	target       *branches.Line
	sourceLine   *branches.Line
	kernel       string
	targetCommit func(msg string, files map[string]string) string
}

func newLineFixture(t *testing.T, files map[string]string) *lineFixture {
	h := newFake()
	root := h.add("libfoo: initial import", files)
	fx := &lineFixture{t: t, h: h, root: root, trunk: root, line: root, policy: Default()}
	fx.policy.ABI.SymbolMap = "src/libfoo.map"
	return fx
}

// onTrunk commits on trunk and returns the commit.
func (fx *lineFixture) onTrunk(msg string, files map[string]string) string {
	fx.trunk = fx.h.add(msg, files, fx.trunk)
	return fx.trunk
}

// onLine commits on the stable line and returns the commit.
func (fx *lineFixture) onLine(msg string, files map[string]string) string {
	fx.line = fx.h.add(msg, files, fx.line)
	return fx.line
}

// judge builds the judge for the line at its tip from trunk at its tip.
func (fx *lineFixture) judge() *Backport {
	fx.t.Helper()
	target := &branches.Line{Name: "1.0.0", Tier: branches.TierStable, Tip: fx.line}
	if fx.kernel != "" {
		target.Kernel = versioning.MustParseKernel(fx.kernel)
	}
	source := &branches.Line{Name: "trunk", Tier: branches.TierTrunk, Tip: fx.trunk}
	b, err := NewBackport(fx.h, fx.policy, &branches.Status{Scheme: versioning.SchemeFour}, target, source, "", "")
	if err != nil {
		fx.t.Fatal(err)
	}
	return b
}

// check judges one commit.
func (fx *lineFixture) check(sha string) *Verdict {
	fx.t.Helper()
	v, err := fx.judge().Check(sha)
	if err != nil {
		fx.t.Fatal(err)
	}
	return v
}

// is reports a verdict as "verdict [rules]".
func is(v *Verdict) string { return fmt.Sprint(v.Verdict, " ", v.Rules) }

func hasReason(v *Verdict, substr string) bool {
	for _, r := range v.Reasons {
		if strings.Contains(r, substr) {
			return true
		}
	}
	return false
}

var fooC = "int foo_open(void) {\n\treturn 0;\n}\nint foo_close(void) {\n\treturn 0;\n}\n"

// Fix evidence in every form makes a commit eligible, and the reason
// names it; no evidence at all leaves it to a person; a feat: subject
// forbids it.
func TestBackportEvidence(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string
		why  string // a reason that must be there
	}{
		{"Fixes: https://github.com/org/repo/issues/3046", "eligible []", "fix evidence: Fixes: https://github.com/org/repo/issues/3046"},
		{"Fixes: #12", "eligible []", "fix evidence: Fixes: #12"},
		{"Closes: https://github.com/org/repo/issues/7", "eligible []", "fix evidence: Closes: https://github.com/org/repo/issues/7"},
		{"Cc: <stable@vger.kernel.org>", "eligible []", "fix evidence: Cc: <stable@vger.kernel.org>"},
		{"Cc: stable@vger.kernel.org # 5.10+", "eligible []", "fix evidence: Cc: stable@vger.kernel.org # 5.10+"},
		{"Cc: stable@vger.kernel.org # 6.1+", "not-needed [bug-not-present]", "kernel 6.1 and later have the bug; 1.0.0 targets kernel 5.15"},
		{`Stable-dep-of: 0123456789ab ("libfoo: the real fix")`, "eligible []", "fix evidence: Stable-dep-of:"},
		{"Addresses: RHBZ#1", "eligible []", "fix evidence: Addresses: RHBZ#1"},
		{"Just a change.", "review [stable-fixes-only]", "no fix evidence: a person decides"},
	} {
		fx := newLineFixture(t, map[string]string{"src/foo.c": fooC})
		fx.kernel = "5.15"
		c := fx.onTrunk("libfoo: change open\n\n"+tc.body+"\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
		v := fx.check(c)
		if is(v) != tc.want || !hasReason(v, tc.why) {
			t.Errorf("%q: %s %q, want %s with %q", tc.body, is(v), v.Reasons, tc.want, tc.why)
		}
	}
	for _, tc := range []struct{ subject, want, why string }{
		{"fix(open): return -1", "eligible []", `fix evidence: subject "fix(open): return -1"`},
		{"feat(open): return -1", "forbidden [stable-fixes-only]", `a feature (subject "feat(open): return -1"): stable line 1.0.0 takes fixes only`},
	} {
		fx := newLineFixture(t, map[string]string{"src/foo.c": fooC})
		c := fx.onTrunk(tc.subject+"\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
		if v := fx.check(c); is(v) != tc.want || !hasReason(v, tc.why) {
			t.Errorf("%q: %s %q, want %s with %q", tc.subject, is(v), v.Reasons, tc.want, tc.why)
		}
	}
	// A project's own pattern is evidence too.
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC})
	e, err := ParseEvidencePattern(`\[BUGFIX\]`)
	if err != nil {
		t.Fatal(err)
	}
	fx.policy.Fixes.Evidence = []EvidencePattern{e}
	c := fx.onTrunk("[BUGFIX] open returns -1\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	if v := fx.check(c); is(v) != "eligible []" || !hasReason(v, "fix evidence: [BUGFIX] open returns -1") {
		t.Errorf("policy pattern: %s %q", is(v), v.Reasons)
	}
}

// A fix whose pre-image only a commit the line may not take introduced
// needs adaptation, naming that commit and the hunk; one whose
// pre-image a commit the line may take introduced needs it first.
func TestBackportAdaptation(t *testing.T) {
	mapV1 := "LIBFOO_1.0.0 {\n\tglobal:\n\t\tfoo_open;\n\tlocal:\n\t\t*;\n};\n"
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC, "src/libfoo.map": mapV1})
	withGet := fooC + "int foo_get(void) {\n\treturn 0;\n}\n"
	feature := fx.onTrunk("libfoo: add foo_get()\n", map[string]string{"src/foo.c": withGet,
		"src/libfoo.map": "LIBFOO_1.0.0 {\n\tglobal:\n\t\tfoo_open;\n\t\tfoo_get;\n\tlocal:\n\t\t*;\n};\n"})
	fix := fx.onTrunk(fmt.Sprintf("libfoo: fix foo_get()\n\nFixes: %s (\"libfoo: initial import\")\n", fx.root[:12]),
		map[string]string{"src/foo.c": strings.Replace(withGet, "int foo_get(void) {\n\treturn 0;", "int foo_get(void) {\n\treturn 1;", 1)})
	b := fx.judge()
	v, err := b.Check(fix)
	if err != nil {
		t.Fatal(err)
	}
	if is(v) != "needs-adaptation [needs-adaptation]" || !slices.Equal(v.Blockers, []string{feature}) || !slices.Equal(v.Hunks, []string{"src/foo.c:5"}) ||
		!hasReason(v, `needs lines that `+feature[:12]+` "libfoo: add foo_get()" (forbidden on 1.0.0: abi-addition) introduced, which 1.0.0 may not take`) {
		t.Errorf("Check(fix) = %s blockers %v hunks %v %q", is(v), v.Blockers, v.Hunks, v.Reasons)
	}
	// A pre-image no commit of the source introduced (the line changed
	// it) needs adaptation too.
	fx = newLineFixture(t, map[string]string{"src/foo.c": fooC})
	fx.onLine("libfoo: line-only tweak\n", map[string]string{"src/foo.c": strings.Replace(fooC, "foo_close", "foo_shut", 2)})
	fix = fx.onTrunk("libfoo: fix close\n\nCloses: #3\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0;\n}\n", "return 0; /* x */\n}\n", 2)})
	if v := fx.check(fix); is(v) != "needs-adaptation [needs-adaptation]" || !hasReason(v, "no earlier commit of trunk introduces what it needs") {
		t.Errorf("Check(fix of a line-changed file) = %s %q", is(v), v.Reasons)
	}
}

// A file the source renamed is the same file: a fix of the new path
// applies to the old one on the line, and the lines a fix needs are
// traced to the commit that added them before the rename.
func TestBackportRename(t *testing.T) {
	body := strings.Repeat("int pad;\n", 8) + fooC
	fx := newLineFixture(t, map[string]string{"src/features.c": body})
	rename := fx.onTrunk("libfoo: move features.c to lib/\n", map[string]string{"src/features.c": "", "lib/features.c": body})
	fix := fx.onTrunk("libfoo: fix open\n\nCloses: #1\n", map[string]string{"lib/features.c": strings.Replace(body, "return 0", "return -1", 1)})
	v := fx.check(fix)
	if is(v) != "eligible []" || !hasReason(v, "lib/features.c is src/features.c on 1.0.0 (renamed by "+rename[:12]+")") {
		t.Errorf("Check(fix after rename) = %s %q", is(v), v.Reasons)
	}
	// Lines added under the old name, then renamed: the adder is the
	// prerequisite, not the rename.
	fx = newLineFixture(t, map[string]string{"src/features.c": body})
	withLimit := strings.Replace(body, "int foo_close", "int foo_limit;\nint foo_close", 1)
	adder := fx.onTrunk("libfoo: add a limit\n\nCloses: #2\n", map[string]string{"src/features.c": withLimit})
	fx.onTrunk("libfoo: move features.c to lib/\n", map[string]string{"src/features.c": "", "lib/features.c": withLimit})
	fix = fx.onTrunk("libfoo: fix the limit\n\nCloses: #3\n", map[string]string{"lib/features.c": strings.Replace(withLimit, "int foo_limit;", "int foo_limit = 1;", 1)})
	if v := fx.check(fix); is(v) != "needs-prerequisites [prerequisites]" || !slices.Equal(v.Prerequisites, []string{adder}) {
		t.Errorf("Check(fix of lines added before a rename) = %s %v %q", is(v), v.Prerequisites, v.Reasons)
	}
}

// An edited backport counts as applied only when its changed lines are
// alike enough (backport.similarity); below, the commit is judged anew
// and the reason says why the look-alike does not count.
func TestBackportEdited(t *testing.T) {
	lines := func(n int, word string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "int %s%d;\n", word, i)
		}
		return b.String()
	}
	base := lines(10, "a")
	for _, tc := range []struct {
		name     string
		lineEdit string // the line's version of the change
		want     string
		why      string
	}{
		{"alike", strings.Replace(lines(10, "b"), "int b9;", "int b9x;", 1), "already-applied", "same subject and author, 95% of changed lines alike"},
		{"different", strings.Replace(base, "int a0;", "int z0;", 1), "needs-adaptation", "only 9% of changed lines alike (backport.similarity: 60%): a different change"},
	} {
		fx := newLineFixture(t, map[string]string{"src/foo.c": base})
		c := fx.onTrunk("libfoo: rename the a's\n\nCloses: #4\n", map[string]string{"src/foo.c": lines(10, "b")})
		fx.onLine("libfoo: rename the a's\n\nCloses: #4\n", map[string]string{"src/foo.c": tc.lineEdit})
		if v := fx.check(c); string(v.Verdict) != tc.want || !hasReason(v, tc.why) {
			t.Errorf("%s: %s %q, want %s with %q", tc.name, is(v), v.Reasons, tc.want, tc.why)
		}
	}
	// Translations count for nothing: a backport that differs only there
	// is alike.
	fx := newLineFixture(t, map[string]string{"src/foo.c": base, "po/de.po": "msgid \"a\"\n"})
	c := fx.onTrunk("libfoo: fix a0\n\nCloses: #5\n", map[string]string{"src/foo.c": strings.Replace(base, "a0", "z0", 1), "po/de.po": "msgid \"b\"\n"})
	fx.onLine("libfoo: fix a0\n\nCloses: #5\n", map[string]string{"src/foo.c": strings.Replace(base, "a0", "z0", 1), "po/de.po": strings.Repeat("msgid \"c\"\n", 50)})
	if v := fx.check(c); is(v) != "already-applied [already-applied]" || !hasReason(v, "100% of changed lines alike") {
		t.Errorf("translations differ: %s %q", is(v), v.Reasons)
	}
}

// A commit on no source line that names no upstream commit is forbidden
// by upstream-first, unless it names one or the policy turns it off.
func TestBackportUpstreamFirst(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC})
	fx.onTrunk("libfoo: unrelated\n", map[string]string{"src/bar.c": "int bar;\n"})
	side := fx.h.add("libfoo: fix open on the PR branch\n\nCloses: #9\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)}, fx.root)
	if v := fx.check(side); is(v) != "forbidden [upstream-first]" || !hasReason(v, "on no source line (trunk) and names no upstream commit") {
		t.Errorf("Check(PR commit) = %s %q", is(v), v.Reasons)
	}
	picked := fx.h.add("libfoo: fix open\n\nCloses: #9\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)}, fx.root)
	if v := fx.check(picked); v.Verdict != Eligible {
		t.Errorf("Check(PR commit naming its upstream) = %s %q", is(v), v.Reasons)
	}
	fx.policy.Backport.UpstreamFirst = false
	if v := fx.check(side); v.Verdict != Eligible {
		t.Errorf("Check(PR commit, upstream_first off) = %s %q", is(v), v.Reasons)
	}
}

// The review list ranks by the signals shown: a small crash fix that
// applies first, a sibling of an eligible commit above a look-alike,
// documentation last whatever its words.
func TestBackportReviewRank(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC, "README.md": "# libfoo\n", "src/big.c": strings.Repeat("int x;\n", 300)})
	series := "\nLink: https://lore.kernel.org/r/20240507001335.1445325-%d-dev@example.org\n"
	docs := fx.onTrunk("docs: fix crash in the README example\n", map[string]string{"README.md": "# libfoo, fixed\n"})
	big := fx.onTrunk("libfoo: add a big feature\n", map[string]string{"src/big.c": strings.Repeat("int y;\n", 300)})
	crash := fx.onTrunk("libfoo: avoid crash on close\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0;\n}\nint foo_close(void) {\n\treturn 0;", "return 0;\n}\nint foo_close(void) {\n\treturn 1;", 1)})
	sibling := fx.onTrunk("libfoo: prepare open"+fmt.Sprintf(series, 1), map[string]string{"src/foo.c": strings.Replace(fooC, "int foo_open(void) {", "int foo_open(void)\n{", 1)})
	fx.onTrunk("libfoo: fix open"+fmt.Sprintf(series, 2)+"Closes: #1\n", map[string]string{"src/foo.c": strings.Replace(strings.Replace(fooC, "int foo_open(void) {", "int foo_open(void)\n{", 1), "return 0;\n}\nint foo_close", "return -1;\n}\nint foo_close", 1)})
	plan, err := fx.judge().Plan()
	if err != nil {
		t.Fatal(err)
	}
	var ranked []string
	for _, v := range plan.Commits {
		if v.Verdict == Review && v.Rank > 0 {
			ranked = append(ranked, v.Commit)
			if len(v.Signals) == 0 {
				t.Errorf("%s: review without signals", v.Subject)
			}
		}
	}
	// The sibling is a prerequisite of the eligible fix: it is planned
	// with it, not in the review list.
	if d := cmp.Diff([]string{crash, big, docs}, ranked); d != "" {
		t.Errorf("review ranks mismatch (-want +got):\n%s", d)
	}
	v := fx.check(crash)
	for _, want := range []string{"+3 subject names a bug: crash", "+2 subject says fix: avoid", "+2 small: 2 changed line(s)", "+2 applies on 1.0.0"} {
		if !slices.Contains(v.Signals, want) {
			t.Errorf("crash fix signals %q lack %q", v.Signals, want)
		}
	}
	if v := fx.check(docs); !slices.Contains(v.Signals, "-6 documentation only") {
		t.Errorf("docs signals %q", v.Signals)
	}
	if v := fx.check(sibling); v.Verdict != Review || !slices.ContainsFunc(v.Signals, func(s string) bool { return strings.HasPrefix(s, "+4 same series as ") }) {
		t.Errorf("sibling: %s %q", is(v), v.Signals)
	}
}

// next and cut read a stable line with the same tier rules: a commit with
// no fix evidence is released and named; a feat: commit refuses the
// release.
func TestNextStableUndecided(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC})
	bump := fx.onLine("libfoo: bump version to 1.0.0.1\n", map[string]string{"VERSION": "1.0.0.1\n"})
	fx.onLine("libfoo: fix open\n\nCloses: #1\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	rel := branches.Release{Version: versioning.MustParse("1.0.0.0"), Name: "1.0.0.0", Tag: "v1.0.0.0", Commit: fx.root}
	line := &branches.Line{Name: "1.0.0", Tier: branches.TierStable, Prefix: versioning.PrefixOf(rel.Version, versioning.TierFeature), Tip: fx.line, Releases: []branches.Release{rel}, Latest: &rel}
	st := &branches.Status{Scheme: versioning.SchemeFour, Releases: []branches.Release{rel}, Lines: []*branches.Line{line}}
	np, err := Next(fx.h, fx.policy, st, line)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("no fix evidence: %s \"libfoo: bump version to 1.0.0.1\"", bump[:12])
	if np.Bump != BumpStable || np.Next != "1.0.0.1" || !slices.Contains(np.Reasons, want) || len(np.undecided) != 1 {
		t.Errorf("Next() = %s %s %q, want a stable bump naming %q", np.Bump, np.Next, np.Reasons, want)
	}
	fx.onLine("feat: a knob\n", map[string]string{"src/knob.c": "int knob;\n"})
	line.Tip = fx.line
	np, err = Next(fx.h, fx.policy, st, line)
	if err != nil {
		t.Fatal(err)
	}
	if np.Bump != BumpRefused || !slices.Equal(np.Rules, []RuleID{RuleStableFixesOnly}) {
		t.Errorf("Next() with a feat: commit = %s %v %q", np.Bump, np.Rules, np.Reasons)
	}
}

// costlyHistory gives up on the diffs of some commits, as a repository
// does on a rewrite of a generated file of megabytes.
type costlyHistory struct {
	*fakeHistory
	costly map[string]bool
	work   []int // the budgets asked for
}

func (h *costlyHistory) PatchWithin(commit string, work int) (*branches.Patch, error) {
	h.work = append(h.work, work)
	if h.costly[commit] {
		return nil, &branches.CostlyError{Commit: commit, Path: "include/vmlinux.h"}
	}
	return h.Patch(commit)
}

// A review commit whose diff is too costly to rank by is ranked large,
// says so, and is not checked against the target; the others are ranked
// by their diffs as ever.
func TestBackportReviewRankCostlyDiff(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC, "include/vmlinux.h": "struct a;\n"})
	gen := fx.onTrunk("ci: regenerate vmlinux.h\n", map[string]string{"include/vmlinux.h": "struct b;\n"})
	crash := fx.onTrunk("libfoo: avoid crash on close\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0;\n}\nint foo_close(void) {\n\treturn 0;", "return 0;\n}\nint foo_close(void) {\n\treturn 1;", 1)})
	h := &costlyHistory{fakeHistory: fx.h, costly: map[string]bool{gen: true}}
	target := &branches.Line{Name: "1.0.0", Tier: branches.TierStable, Tip: fx.line}
	source := &branches.Line{Name: "trunk", Tier: branches.TierTrunk, Tip: fx.trunk}
	b, err := NewBackport(h, fx.policy, &branches.Status{Scheme: versioning.SchemeFour}, target, source, "", "")
	if err != nil {
		t.Fatal(err)
	}
	check := func(sha string) *Verdict {
		v, err := b.Check(sha)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := check(gen)
	want := "-2 large: its diff of include/vmlinux.h is too costly to rank by (a generated file?), so not checked against 1.0.0"
	if v.Verdict != Review || !slices.Contains(v.Signals, want) {
		t.Errorf("costly commit: %s %q, want review with %q", is(v), v.Signals, want)
	}
	if slices.ContainsFunc(v.Signals, func(s string) bool { return strings.Contains(s, "applies on") }) {
		t.Errorf("costly commit checked against the target: %q", v.Signals)
	}
	if v := check(crash); !slices.Contains(v.Signals, "+2 applies on 1.0.0") {
		t.Errorf("crash fix signals %q lack the applies check", v.Signals)
	}
	if !slices.Contains(h.work, rankWork) || slices.Contains(h.work, 0) {
		t.Errorf("PatchWithin budgets %v, want %d for each rank", h.work, rankWork)
	}
}

// A patch-id is compared only with target commits that change the same
// paths and add and remove the same lines (equal line sums): others are
// never diffed for it. Commits that share a subject but change only
// translations are alike nothing, known from their paths.
func TestBackportPatchIDBySum(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC, "po/de.po": "msgid \"a\"\n"})
	same := fx.onTrunk("libfoo: fix open\n\nCloses: #1\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	other := fx.onTrunk("libfoo: tidy open\n", map[string]string{"src/foo.c": strings.Replace(strings.Replace(fooC, "return 0", "return -1", 1), "int foo_open", "int  foo_open2", 1)})
	po := fx.onTrunk("po: update translations\n", map[string]string{"po/de.po": strings.Repeat("msgid \"b\"\n", 40)})
	picked := fx.onLine("libfoo: fix open (backport)\n\nCloses: #1\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	fx.onLine("po: update translations\n", map[string]string{"po/de.po": strings.Repeat("msgid \"c\"\n", 40)})
	b := fx.judge()

	ts := b.byPaths["src/foo.c"]
	if !slices.Equal(ts, []string{picked}) {
		t.Fatalf("target commits changing src/foo.c: %v, want [%s]", ts, picked)
	}
	if got, err := b.samePatchID(same, ts); err != nil || got != picked {
		t.Errorf("samePatchID(same change) = %q, %v; want %s", got, err, picked)
	}
	clear(fx.h.patched)
	if got, err := b.samePatchID(other, ts); err != nil || got != "" {
		t.Errorf("samePatchID(other change) = %q, %v; want none", got, err)
	}
	if fx.h.patched[other] != 0 || fx.h.patched[picked] != 0 {
		t.Errorf("a commit with another line sum was diffed: %v", fx.h.patched)
	}

	clear(fx.h.patched)
	v, err := b.Check(po)
	if err != nil {
		t.Fatal(err)
	}
	if !hasReason(v, "has the same subject and author but only 0% of changed lines alike") {
		t.Errorf("Check(translation update) = %s %q", is(v), v.Reasons)
	}
	if n := fx.h.patched[po]; n != 0 {
		t.Errorf("the translation update was diffed %d times", n)
	}
}

// notedHistory is a fakeHistory that keeps notes on commits, as a
// repository with a cache does.
type notedHistory struct {
	*fakeHistory
	notes map[string][]byte
}

func (n *notedHistory) Note(key, commit string) ([]byte, bool) {
	d, ok := n.notes[key+"\x00"+commit]
	return d, ok
}

func (n *notedHistory) SetNote(key, commit string, data []byte) { n.notes[key+"\x00"+commit] = data }

// A History that keeps notes gets each candidate's facts stored by the
// first plan and read back by the next, which judges the same; the notes
// are what it reads (a forged note changes the verdict), under a key that
// changes with the policy's nominations.
func TestBackportFactsNotes(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC})
	fix := fx.onTrunk("libfoo: fix open\n\nCc: stable@vger.kernel.org # 6.1+\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	plain := fx.onTrunk("libfoo: tidy\n", map[string]string{"src/bar.c": "int bar;\n"})
	nh := &notedHistory{fakeHistory: fx.h, notes: map[string][]byte{}}
	judge := func() *Backport {
		t.Helper()
		target := &branches.Line{Name: "1.0.0", Tier: branches.TierStable, Tip: fx.line}
		source := &branches.Line{Name: "trunk", Tier: branches.TierTrunk, Tip: fx.trunk}
		b, err := NewBackport(nh, fx.policy, &branches.Status{Scheme: versioning.SchemeFour}, target, source, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	verdicts := func(b *Backport) map[string]string {
		t.Helper()
		plan, err := b.Plan()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, v := range plan.Commits {
			out[v.Subject] = fmt.Sprint(v.Verdict, " ", v.Rules, " ", v.Reasons)
		}
		return out
	}
	first := verdicts(judge())
	key := factsKey(fx.policy)
	for _, c := range []string{fix, plain} {
		if _, ok := nh.Note(key, c); !ok {
			t.Fatalf("no facts noted for %.12s", c)
		}
	}
	if d := cmp.Diff(first, verdicts(judge())); d != "" {
		t.Errorf("a plan from noted facts judges otherwise (-first +noted):\n%s", d)
	}
	forged, err := encodeFacts(Facts{Trailers: Trailers{Nominated: true, Evidence: []string{"Cc: stable@vger.kernel.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	nh.SetNote(key, plain, forged)
	if got := verdicts(judge())["libfoo: tidy"]; !strings.HasPrefix(got, "eligible") {
		t.Errorf("a forged note was not read: libfoo: tidy is %s", got)
	}
	fx.policy.Fixes.Nominate = append(fx.policy.Fixes.Nominate, "Backport-To:")
	if factsKey(fx.policy) == key {
		t.Errorf("the facts key does not change with the nominations")
	}
	if got := verdicts(judge())["libfoo: tidy"]; strings.HasPrefix(got, "eligible") {
		t.Errorf("a note under the old policy's key was read: libfoo: tidy is %s", got)
	}
	// Facts round-trip whole, a kernel bound and an ABI change included.
	f := Facts{Commit: branches.Commit{Hash: fix}, Trailers: Trailers{Fixes: []Ref{{SHA: "0123456789ab", Subject: "x"}}, Reverts: &Ref{Subject: "y"},
		StableSince: versioning.MustParseKernel("6.1"), Series: []string{"s"}, Reported: true}, ABI: abi.SymbolDiff{Added: []string{"foo_get"}}}
	data, err := encodeFacts(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := decodeFacts(f.Commit, data)
	if err != nil || !reflect.DeepEqual(f, g) {
		t.Errorf("facts round trip: %+v -> %s -> %+v, %v", f, data, g, err)
	}
}
