package policies

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

const mapPath = "src/libfoo.map"

// The symbol maps of libfoo's history.
var (
	mapV1     = symbolMap("LIBFOO_1.0.0 foo_open foo_close")
	mapOpen   = symbolMap("LIBFOO_1.0.0 foo_open")
	mapV1Map  = symbolMap("LIBFOO_1.0.0 foo_open foo_close", "LIBFOO_1.0.1 foo_map")
	mapV1Tmp  = symbolMap("LIBFOO_1.0.0 foo_open foo_close foo_tmp")
	mapV1Get  = symbolMap("LIBFOO_1.0.0 foo_open foo_close foo_get")
	mapV1Kern = symbolMap("LIBFOO_1.0.0 foo_open foo_close", "LIBFOO_1.1.0 foo_map")
)

// fixes is a message with a Fixes: trailer naming the commit name of r.
func fixes(r *repo, subject, name string) string {
	return fmt.Sprintf("%s\n\nFixes: %s (\"libfoo: initial import\")\n", subject, r.short(name))
}

// libfoo starts a four-tier history: the initial import, released as
// 1.0.0.0, exporting foo_open and foo_close.
func libfoo(t *testing.T, scheme versioning.Scheme, version string) *repo {
	r := newRepo(t, scheme)
	r.commit("root", "libfoo: initial import", map[string]string{mapPath: mapV1, "src/foo.c": "int foo;\n"})
	r.tag(version, "root", "")
	return r
}

func TestNext(t *testing.T) {
	tests := []struct {
		name   string
		scheme versioning.Scheme
		// build writes the history and returns the line to plan.
		build   func(r *repo, p *Policy) *branches.Line
		want    func(r *repo) NextPlan
		commits []string // the subjects of NextPlan.Commits
	}{
		{
			name: "abi on trunk with a break",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("drop", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				return r.line("trunk", "drop")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "trunk", Current: "1.0.0.0", Next: "2.0.0.0", Bump: BumpABI, Rules: []RuleID{},
					Version: versioning.MustParse("2.0.0.0"),
					Reasons: []string{
						fmt.Sprintf("ABI break: %s %q", r.short("drop"), "libfoo: drop foo_close"),
						"kernel line 2.0 has no baseline yet: cut it with --kernel VERSION",
					}}
			},
			commits: []string{"libfoo: drop foo_close"},
		},
		{
			// 1.1.0.0 was cut from a branch trunk does not reach: trunk's
			// next kernel line is 1.2, not a second 1.1. The merge is not a
			// commit of its own.
			name: "kernel on trunk, above every release of the ABI",
			build: func(r *repo, p *Policy) *branches.Line {
				p.Kernels["1.2"] = versioning.MustParseKernel("6.10")
				r.commit("side", "libfoo: side work", map[string]string{"src/side.c": "int side;\n"}, "root")
				r.tag("1.1.0.0", "side", "")
				r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Kern}, "root")
				r.commit("topic", "libfoo: tidy", map[string]string{"src/foo.c": "int foo; /* tidy */\n"}, "root")
				r.commit("merge", "Merge branch 'topic'", nil, "map", "topic")
				return r.line("trunk", "merge")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "trunk", Current: "1.0.0.0", Next: "1.2.0.0", Bump: BumpKernel, Rules: []RuleID{},
					Version: versioning.MustParse("1.2.0.0"),
					Reasons: []string{
						"2 commit(s) since v1.0.0.0 open a new kernel line",
						fmt.Sprintf("ABI addition: %s %q", r.short("map"), "libfoo: add foo_map"),
					}}
			},
			commits: []string{"libfoo: add foo_map", "libfoo: tidy"},
		},
		{
			name: "kernel on an ABI line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("v2", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				r.tag("2.0.0.0", "v2", "")
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return r.line("1", "feat")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1", Current: "1.0.0.0", Next: "1.1.0.0", Bump: BumpKernel, Rules: []RuleID{},
					Version: versioning.MustParse("1.1.0.0"),
					Reasons: []string{
						"1 commit(s) since v1.0.0.0 open a new kernel line",
						"kernel line 1.1 has no baseline yet: cut it with --kernel VERSION",
					}}
			},
			commits: []string{"libfoo: add foo_bar"},
		},
		{
			name: "feature on a four-tier kernel line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Map}, "root")
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "map")
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "feat")
				return r.line("1.0", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0", Current: "1.0.0.0", Next: "1.0.1.0", Bump: BumpFeature, Rules: []RuleID{},
					Version: versioning.MustParse("1.0.1.0"),
					Reasons: []string{
						fmt.Sprintf("ABI addition: %s %q", r.short("map"), "libfoo: add foo_map"),
						fmt.Sprintf("feature: %s %q", r.short("feat"), "libfoo: add foo_bar"),
						fmt.Sprintf("fix: %s %q", r.short("fix"), "libfoo: fix open"),
					}}
			},
			commits: []string{"libfoo: add foo_map", "libfoo: add foo_bar", "libfoo: fix open"},
		},
		{
			name: "only fixes on a four-tier kernel line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return r.line("1.0", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0", Current: "1.0.0.0", Next: "1.0.1.0", Bump: BumpFeature, Rules: []RuleID{},
					Version: versioning.MustParse("1.0.1.0"),
					Reasons: []string{
						"only fixes: a kernel line releases A.K.(F+1).0; to ship fixes alone, release them on the stable line 1.0.0, which does not exist yet: create branch release/v1.0.0 at v1.0.0.0",
						fmt.Sprintf("fix: %s %q", r.short("fix"), "libfoo: fix open"),
					}}
			},
			commits: []string{"libfoo: fix open"},
		},
		{
			name: "stable on a stable line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("fix1", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				r.tag("1.0.0.1", "fix1", "")
				r.commit("fix2", "libfoo: fix close\n\nCc: stable@vger.kernel.org\n", map[string]string{"src/foo.c": "int foo = 2;\n"}, "fix1")
				return r.line("1.0.0", "fix2")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0.0", Current: "1.0.0.1", Next: "1.0.0.2", Bump: BumpStable, Rules: []RuleID{},
					Version: versioning.MustParse("1.0.0.2"),
					Reasons: []string{fmt.Sprintf("fix: %s %q", r.short("fix2"), "libfoo: fix close")}}
			},
			commits: []string{"libfoo: fix close"},
		},
		{
			// A symbol added and removed again between two releases never
			// shipped: neither commit changes the ABI of the release.
			name: "stable, an addition and its removal cancel",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("add", fixes(r, "libfoo: export foo_tmp", "root"), map[string]string{mapPath: mapV1Tmp}, "root")
				r.commit("drop", fixes(r, "libfoo: unexport foo_tmp", "root"), map[string]string{mapPath: mapV1}, "add")
				return r.line("1.0.0", "drop")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0.0", Current: "1.0.0.0", Next: "1.0.0.1", Bump: BumpStable, Rules: []RuleID{},
					Version: versioning.MustParse("1.0.0.1"),
					Reasons: []string{
						fmt.Sprintf("fix: %s %q", r.short("add"), "libfoo: export foo_tmp"),
						fmt.Sprintf("fix: %s %q", r.short("drop"), "libfoo: unexport foo_tmp"),
					}}
			},
			commits: []string{"libfoo: export foo_tmp", "libfoo: unexport foo_tmp"},
		},
		{
			name:   "stable on a three-number kernel line",
			scheme: versioning.SchemeKernel,
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return r.line("1.4", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.4", Current: "1.4.0", Next: "1.4.1", Bump: BumpStable, Rules: []RuleID{},
					Version: versioning.Version{ABI: 1, Kernel: 4, Stable: 1},
					Reasons: []string{fmt.Sprintf("fix: %s %q", r.short("fix"), "libfoo: fix open")}}
			},
			commits: []string{"libfoo: fix open"},
		},
		{
			name:   "semver trunk, features",
			scheme: versioning.SchemeSemver,
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "feat")
				return r.line("trunk", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "trunk", Current: "1.4.0", Next: "1.5.0", Bump: BumpFeature, Rules: []RuleID{},
					Version: versioning.Version{ABI: 1, Feature: 5},
					Reasons: []string{
						fmt.Sprintf("feature: %s %q", r.short("feat"), "libfoo: add foo_bar"),
						fmt.Sprintf("fix: %s %q", r.short("fix"), "libfoo: fix open"),
					}}
			},
			commits: []string{"libfoo: add foo_bar", "libfoo: fix open"},
		},
		{
			name:   "semver trunk, fixes only",
			scheme: versioning.SchemeSemver,
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return r.line("trunk", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "trunk", Current: "1.4.0", Next: "1.4.1", Bump: BumpStable, Rules: []RuleID{},
					Version: versioning.Version{ABI: 1, Feature: 4, Stable: 1},
					Reasons: []string{fmt.Sprintf("fix: %s %q", r.short("fix"), "libfoo: fix open")}}
			},
			commits: []string{"libfoo: fix open"},
		},
		{
			// The branch of ABI 1, which the cut of 2.0.0 opened: semver
			// has no kernel tier, so it releases features as trunk does.
			name:   "semver ABI line, features",
			scheme: versioning.SchemeSemver,
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("two", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				r.tag("2.0.0", "two", "")
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return r.line("1", "feat")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1", Current: "1.4.0", Next: "1.5.0", Bump: BumpFeature, Rules: []RuleID{},
					Version: versioning.Version{ABI: 1, Feature: 5},
					Reasons: []string{fmt.Sprintf("feature: %s %q", r.short("feat"), "libfoo: add foo_bar")}}
			},
			commits: []string{"libfoo: add foo_bar"},
		},
		{
			name:   "semver ABI line, fixes only",
			scheme: versioning.SchemeSemver,
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("two", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				r.tag("2.0.0", "two", "")
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return r.line("1", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1", Current: "1.4.0", Next: "1.4.1", Bump: BumpStable, Rules: []RuleID{},
					Version: versioning.Version{ABI: 1, Feature: 4, Stable: 1},
					Reasons: []string{fmt.Sprintf("fix: %s %q", r.short("fix"), "libfoo: fix open")}}
			},
			commits: []string{"libfoo: fix open"},
		},
		{
			name: "final after a pre-release",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.tag("1.1.0.0-rc.1", "feat", "")
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "feat")
				return r.line("trunk", "fix")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "trunk", Current: "1.1.0.0-rc.1", Next: "1.1.0.0", Bump: BumpFinal, Rules: []RuleID{},
					Version: versioning.MustParse("1.1.0.0"),
					Reasons: []string{"1.1.0.0-rc.1 is a pre-release: its final drops the suffix"}}
			},
			commits: []string{"libfoo: fix open"},
		},
		{
			name: "none",
			build: func(r *repo, p *Policy) *branches.Line {
				return r.line("1.0.0", "root")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0.0", Current: "1.0.0.0", Bump: BumpNone, Rules: []RuleID{},
					Reasons: []string{"no commits since v1.0.0.0"}}
			},
		},
		{
			name: "refused: abi-break on a kernel line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("drop", fixes(r, "libfoo: drop foo_close", "root"), map[string]string{mapPath: mapOpen}, "root")
				return r.line("1.0", "drop")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0", Current: "1.0.0.0", Bump: BumpRefused, Rules: []RuleID{RuleABIBreak},
					Reasons: []string{fmt.Sprintf("%s %q removes or moves exported symbols [foo_close]: only trunk may break the ABI", r.short("drop"), "libfoo: drop foo_close")}}
			},
			commits: []string{"libfoo: drop foo_close"},
		},
		{
			name: "refused: abi-addition on a stable line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("get", fixes(r, "libfoo: export foo_get", "root"), map[string]string{mapPath: mapV1Get}, "root")
				return r.line("1.0.0", "get")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0.0", Current: "1.0.0.0", Bump: BumpRefused, Rules: []RuleID{RuleABIAddition},
					Reasons: []string{fmt.Sprintf("%s %q adds exported symbols [foo_get]: stable line 1.0.0 takes no new symbols", r.short("get"), "libfoo: export foo_get")}}
			},
			commits: []string{"libfoo: export foo_get"},
		},
		{
			name: "refused: stable-fixes-only on a stable line",
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				r.commit("feat", "feat: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "fix")
				return r.line("1.0.0", "feat")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.0.0", Current: "1.0.0.0", Bump: BumpRefused, Rules: []RuleID{RuleStableFixesOnly},
					Reasons: []string{fmt.Sprintf("%s %q a feature (subject %q): stable line 1.0.0 takes fixes only", r.short("feat"), "feat: add foo_bar", "feat: add foo_bar")}}
			},
			commits: []string{"libfoo: fix open", "feat: add foo_bar"},
		},
		{
			// A three-number kernel line is a stable line: a feature with
			// a new symbol breaks two rules, each named once.
			name:   "refused: two rules on a three-number kernel line",
			scheme: versioning.SchemeKernel,
			build: func(r *repo, p *Policy) *branches.Line {
				r.commit("get", "libfoo: export foo_get", map[string]string{mapPath: mapV1Get}, "root")
				r.commit("feat", "feat: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "get")
				return r.line("1.4", "feat")
			},
			want: func(r *repo) NextPlan {
				return NextPlan{Line: "1.4", Current: "1.4.0", Bump: BumpRefused, Rules: []RuleID{RuleABIAddition, RuleStableFixesOnly},
					Reasons: []string{
						fmt.Sprintf("%s %q adds exported symbols [foo_get]: stable line 1.4 takes no new symbols", r.short("get"), "libfoo: export foo_get"),
						fmt.Sprintf("%s %q a feature (subject %q): stable line 1.4 takes fixes only", r.short("feat"), "feat: add foo_bar", "feat: add foo_bar"),
					}}
			},
			commits: []string{"libfoo: export foo_get", "feat: add foo_bar"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme, first := tt.scheme, "1.0.0.0"
			switch scheme {
			case "":
				scheme = versioning.SchemeFour
			case versioning.SchemeKernel, versioning.SchemeSemver:
				first = "1.4.0"
			}
			r := libfoo(t, scheme, first)
			p := Default()
			p.Scheme = scheme
			p.ABI.SymbolMap = mapPath
			line := tt.build(r, p)
			got, err := Next(r, p, r.st, line)
			if err != nil {
				t.Fatalf("Next(%s) err = %v", line.Name, err)
			}
			if d := cmp.Diff(tt.want(r), *got, cmpopts.IgnoreFields(NextPlan{}, "Commits"), cmpopts.IgnoreUnexported(NextPlan{})); d != "" {
				t.Errorf("Next(%s) mismatch (-want +got):\n%s", line.Name, d)
			}
			var subjects []string
			for _, f := range got.Commits {
				subjects = append(subjects, f.Commit.Subject)
			}
			if d := cmp.Diff(tt.commits, subjects); d != "" {
				t.Errorf("Next(%s).Commits mismatch (-want +got):\n%s", line.Name, d)
			}
		})
	}
}

// The facts Next reads come with each commit's share of the net ABI change.
func TestNextCommitFacts(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Map}, "root")
	r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "map")
	line := r.line("1.0", "fix")
	p := Default()
	p.ABI.SymbolMap = mapPath
	got, err := Next(r, p, r.st, line)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Commits) != 2 {
		t.Fatalf("Next: %d commits, want 2", len(got.Commits))
	}
	if d := cmp.Diff([]string{"foo_map"}, got.Commits[0].ABI.Added); d != "" || got.Commits[0].ABI.IsBreak() {
		t.Errorf("Commits[0].ABI = %+v, want foo_map added (-want +got):\n%s", got.Commits[0].ABI, d)
	}
	if f := got.Commits[1]; !f.IsFix() || len(f.Fixes) != 1 || f.Fixes[0].SHA != r.short("root") {
		t.Errorf("Commits[1] = %+v, want a fix of %s", f.Trailers, r.short("root"))
	}
}

func TestNextErrors(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	p := Default()
	p.ABI.SymbolMap = mapPath
	line := &branches.Line{Name: "1.0", Tier: branches.TierKernel, Tip: "0000000000000000000000000000000000000bad"}
	if np, err := Next(r, p, r.st, line); !errors.Is(err, branches.ErrUnknownRef) {
		t.Errorf("Next(line at an unknown commit) = %+v, %v; want an error wrapping ErrUnknownRef", np, err)
	}
}
