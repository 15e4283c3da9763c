package policies

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// A replay over a line with two releases after its first: the picks are
// matched by marker and by subject, the source state is the oldest that
// holds them, and the picks' verdicts give recall, the forbidden pick and
// the precision of eligible.
func TestReplay(t *testing.T) {
	fx := newLineFixture(t, map[string]string{"src/foo.c": fooC, "src/bar.c": "int bar;\n"})
	fixOpen := fx.onTrunk("libfoo: fix open\n\nCloses: #1\n", map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	feat := fx.onTrunk("feat: bar knob\n", map[string]string{"src/bar.c": "int bar = 1;\n"})
	tweak := fx.onTrunk("libfoo: tweak bar\n", map[string]string{"src/baz.c": "int baz;\n"})
	fx.onTrunk("libfoo: fix close\n\nCloses: #2\n", map[string]string{"src/foo.c": strings.Replace(strings.Replace(fooC, "return 0", "return -1", 1), "return 0", "return 1", 1)})

	r0 := fx.root
	fx.onLine(fmt.Sprintf("libfoo: fix open\n\nCloses: #1\n(cherry picked from commit %s)\n", fixOpen), map[string]string{"src/foo.c": strings.Replace(fooC, "return 0", "return -1", 1)})
	fx.onLine("libfoo: tweak bar\n", map[string]string{"src/baz.c": "int baz;\n"})
	r1 := fx.onLine("libfoo: release 1.0.0.1\n", map[string]string{"VERSION": "1.0.0.1\n"})
	fx.onLine(fmt.Sprintf("feat: bar knob\n\n(cherry picked from commit %s)\n", feat), map[string]string{"src/bar.c": "int bar = 1;\n"})
	r2 := fx.line
	rel := func(v, commit string) branches.Release {
		return branches.Release{Version: versioning.MustParse(v), Name: v, Commit: commit}
	}
	line := &branches.Line{Name: "1.0.0", Tier: branches.TierStable, Tip: r2,
		Releases: []branches.Release{rel("1.0.0.0", r0), rel("1.0.0.1", r1), rel("1.0.0.2", r2)}}
	source := &branches.Line{Name: "trunk", Tier: branches.TierTrunk, Tip: fx.trunk}
	rep, err := Replay(fx.h, fx.policy, &branches.Status{Scheme: versioning.SchemeFour}, line, source, nil)
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Release, Until                         string
		Picks, LineOnly, Recalled              int
		Verdicts                               map[VerdictKind]int
		Eligible, Picked, PickedLater, Reviews int
		Ranks                                  []int
	}
	var got []step
	for _, s := range rep.Steps {
		got = append(got, step{s.Release, s.Until, s.Picks, s.LineOnly, s.Recalled, s.Verdicts, s.Eligible, s.Picked, s.PickedLater, s.Review, s.ReviewRanks})
	}
	want := []step{
		// As of 1.0.0.0, from trunk up to the tweak: fix open eligible
		// and taken, the tweak in review and taken (rank 1), the feature
		// forbidden.
		{"1.0.0.0", tweak, 2, 1, 2, map[VerdictKind]int{Eligible: 1, Review: 1}, 1, 1, 1, 1, []int{1}},
		// As of 1.0.0.1: the line took the forbidden feature.
		{"1.0.0.1", tweak, 1, 0, 0, map[VerdictKind]int{Forbidden: 1}, 0, 0, 0, 0, []int{}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Replay steps mismatch (-want +got):\n%s", d)
	}
	if rep.Picks != 3 || rep.Recalled != 2 || rep.Forbidden != 1 || rep.Precision != 1 || rep.MedianRank != 1 {
		t.Errorf("Replay totals = %+v", rep)
	}
	for _, s := range rep.Steps {
		for _, pk := range s.Taken {
			if pk.Edited {
				t.Errorf("%s taken as %s: Edited, want a clean pick", pk.Subject, pk.Commit)
			}
		}
	}
	if m := rep.Steps[1].Missed; len(m) != 1 || m[0].Source != feat || m[0].Match != "marker" || m[0].Rules[0] != RuleStableFixesOnly {
		t.Errorf("missed = %+v", m)
	}
}
