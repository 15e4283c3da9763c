package policies

import (
	"fmt"
	"testing"

	"github.com/tiered-release/tiered/versioning"
)

// A pull request to a stable line: a cherry-picked fix is judged as its
// upstream commit, and its prerequisite, brought earlier by the same pull
// request, counts as brought; a commit with a new symbol is forbidden,
// and the release of the result is refused.
func TestCheckPullRequest(t *testing.T) {
	r := newRepo(t, versioning.SchemeKernel)
	m := symbolMap("LIBFOO_1.0 foo_open")
	r.commit("root", "libfoo: start", map[string]string{"src/libfoo.map": m, "src/foo.c": "a\nb\nc\n"})
	r.tag("1.4.0", "root", "")
	r.commit("prep", "libfoo: prepare the fix\n\nFixes: "+r.short("root")+" (\"libfoo: start\")\n", map[string]string{"src/foo.c": "a\nB\nc\n"}, "root")
	r.commit("fix", "libfoo: fix open\n\nFixes: "+r.short("root")+" (\"libfoo: start\")\n", map[string]string{"src/foo.c": "a\nB\nC\n"}, "prep")
	trunk := r.line("trunk", "fix")
	line := r.line("1.4", "root")
	r.commit("pick-prep", fmt.Sprintf("libfoo: prepare the fix\n\n(cherry picked from commit %s)\n", r.at("prep")), map[string]string{"src/foo.c": "a\nB\nc\n"}, "root")
	r.commit("pick-fix", fmt.Sprintf("libfoo: fix open\n\n(cherry picked from commit %s)\n", r.at("fix")), map[string]string{"src/foo.c": "a\nB\nC\n"}, "pick-prep")
	r.commit("export", "libfoo: export foo_debug", map[string]string{"src/libfoo.map": symbolMap("LIBFOO_1.0 foo_open foo_debug")}, "pick-fix")
	p := Default()
	p.Scheme, p.Tags = versioning.SchemeKernel, versioning.MustParsePattern("v{version}")
	p.ABI.SymbolMap = "src/libfoo.map"

	c, err := CheckPullRequest(r, p, r.st, PullRequest{Target: line, Source: trunk, Base: r.at("root"), Head: r.at("pick-fix")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Failed || len(c.Commits) != 2 {
		t.Fatalf("fixes only: failed %v, %d commits: %+v", c.Failed, len(c.Commits), c.Commits)
	}
	for i, want := range []string{"prep", "fix"} {
		x := c.Commits[i]
		if x.Upstream != r.at(want) || x.Verdict.Verdict != Eligible {
			t.Errorf("commit %d: upstream %s, verdict %s (%v); want %s eligible", i, x.Upstream, x.Verdict.Verdict, x.Reasons, want)
		}
	}
	if c.Release.Bump != BumpStable || c.Release.Next != "1.4.1" || c.Release.No() {
		t.Errorf("release: %s %s, refused %v", c.Release.Bump, c.Release.Next, c.Release.No())
	}

	c, err = CheckPullRequest(r, p, r.st, PullRequest{Target: line, Source: trunk, Base: r.at("root"), Head: r.at("export")})
	if err != nil {
		t.Fatal(err)
	}
	last := c.Commits[len(c.Commits)-1]
	if !c.Failed || last.Verdict.Verdict != Forbidden || last.Upstream != "" || !contains(last.Rules, RuleABIAddition) {
		t.Errorf("with a new symbol: failed %v, last %s %v", c.Failed, last.Verdict.Verdict, last.Rules)
	}
	if c.Release.Bump != BumpRefused || !contains(c.Release.Rules, RuleABIAddition) {
		t.Errorf("release with a new symbol: %s %v", c.Release.Bump, c.Release.Rules)
	}
}

func contains(rules []RuleID, id RuleID) bool {
	for _, r := range rules {
		if r == id {
			return true
		}
	}
	return false
}
