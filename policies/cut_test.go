package policies

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// The rules each gate reports when it passes or is skipped.
var (
	tiersRules    = "[abi-break abi-addition stable-fixes-only nothing-to-release]"
	versionRules  = "[version-order version-form]"
	featuresRules = "[kernel-feature-missing]"
	revertsRules  = "[reverted-upstream]"
	abiRules      = "[abi-break abi-addition abi-soname abi-order]"
	refsRules     = "[refs-exist]"
)

// allPassed are the gates of a cut that passes everything it can judge
// without kernel BTF.
var allPassed = []string{
	"tiers passed " + tiersRules,
	"version passed " + versionRules,
	"features skipped " + featuresRules,
	"reverts passed " + revertsRules,
	"abi passed " + abiRules,
	"refs passed " + refsRules,
}

// withGate is gates with the one named like g replaced by g.
func withGate(gates []string, g string) []string {
	out := make([]string, len(gates))
	for i, x := range gates {
		if name(x) == name(g) {
			x = g
		}
		out[i] = x
	}
	return out
}

func name(gate string) string {
	for i, c := range gate {
		if c == ' ' {
			return gate[:i]
		}
	}
	return gate
}

// cutSummary is what a test asserts of a Cut: every gate with its status
// and rules, the reasons of the gates a case is about.
type cutSummary struct {
	Version, Tag, Kernel, Previous string
	Bump                           Bump
	Branches                       []string
	Refused                        bool
	Gates                          []string            // "name status [rules]"
	Reasons                        map[string][]string // gate name → reasons
}

func summarize(c *Cut, reasonsOf map[string][]string) cutSummary {
	s := cutSummary{Version: c.Version, Tag: c.Tag, Kernel: c.Kernel, Previous: c.Previous, Bump: c.Bump,
		Branches: c.Branches, Refused: c.Refused, Reasons: map[string][]string{}}
	for _, g := range c.Gates {
		s.Gates = append(s.Gates, fmt.Sprintf("%s %s %v", g.Name, g.Status, g.Rules))
		if _, ok := reasonsOf[g.Name]; ok {
			s.Reasons[g.Name] = g.Reasons
		}
	}
	return s
}

// cutPolicy is the policy of the cut tests: the default with libfoo's
// symbol map, no UAPI headers.
func cutPolicy() *Policy {
	p := Default()
	p.ABI.Library = "libfoo"
	p.ABI.SymbolMap = mapPath
	p.UAPI.Headers = nil
	return p
}

func kernelOf(s string) versioning.Kernel { return versioning.MustParseKernel(s) }

func TestPlanCut(t *testing.T) {
	lib := func(soname string, syms ...string) *abi.Exports {
		e := &abi.Exports{Soname: soname, Set: map[abi.Export]bool{}, From: "build/" + soname}
		for _, s := range syms {
			sym, node, _ := cutAt(s, "@")
			e.Set[abi.Export{Symbol: sym, Node: node}] = true
		}
		return e
	}
	tests := []struct {
		name   string
		scheme versioning.Scheme
		first  string // the first release, at root
		build  func(r *repo, p *Policy) CutRequest
		want   func(r *repo) cutSummary
	}{
		{
			name: "kernel line from trunk, --kernel",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Kern}, "root")
				return CutRequest{Line: r.line("trunk", "map"), Kernel: kernelOf("6.10")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0", Tag: "v1.1.0.0", Kernel: "6.10", Previous: "1.0.0.0", Bump: BumpKernel,
					Branches: []string{"release/v1.1", "release/v1.1.0"}, Gates: allPassed,
					Reasons: map[string][]string{
						GateFeatures: {"no kernel BTF (set features.btf in tiered.yaml or pass --btf PATH)"},
						GateReverts:  {"trunk has every revert it made"},
						GateABI:      {"3 export(s) (src/libfoo.map at the line's tip), kept from v1.0.0.0 to the last"},
					}}
			},
		},
		{
			name: "kernel line from trunk, baseline from the policy",
			build: func(r *repo, p *Policy) CutRequest {
				p.Kernels["1.1"] = kernelOf("6.11")
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return CutRequest{Line: r.line("trunk", "feat")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0", Tag: "v1.1.0.0", Kernel: "6.11", Previous: "1.0.0.0", Bump: BumpKernel,
					Branches: []string{"release/v1.1", "release/v1.1.0"}, Gates: allPassed, Reasons: map[string][]string{}}
			},
		},
		{
			name: "new ABI from trunk opens the old ABI's branch",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("drop", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				return CutRequest{Line: r.line("trunk", "drop"), Kernel: kernelOf("6.12")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "2.0.0.0", Tag: "v2.0.0.0", Kernel: "6.12", Previous: "1.0.0.0", Bump: BumpABI,
					Branches: []string{"release/v2.0", "release/v2.0.0", "release/v1"}, Gates: allPassed,
					Reasons: map[string][]string{GateABI: {"ABI 2 starts a new ABI generation"}}}
			},
		},
		{
			// The same branches as a cut of the new ABI without an rc.
			name: "the final of a new ABI's rc opens the old ABI's branch",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("drop", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				r.tag("2.0.0.0-rc.1", "drop", "libfoo 2.0.0.0-rc.1\n\nKernel-Baseline: 6.12\n")
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "drop")
				return CutRequest{Line: r.line("trunk", "fix")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "2.0.0.0", Tag: "v2.0.0.0", Kernel: "6.12", Previous: "2.0.0.0-rc.1", Bump: BumpFinal,
					Branches: []string{"release/v2.0", "release/v2.0.0", "release/v1"}, Gates: allPassed, Reasons: map[string][]string{}}
			},
		},
		{
			name: "feature release on a kernel line opens its stable branch",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				l := r.line("1.0", "feat")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l, Kernel: kernelOf("6.9")} // the line's own baseline is no change
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.1.0", Tag: "v1.0.1.0", Kernel: "6.9", Previous: "1.0.0.0", Bump: BumpFeature,
					Branches: []string{"release/v1.0.1"}, Gates: allPassed,
					Reasons: map[string][]string{GateABI: {"2 export(s) (src/libfoo.map at the line's tip), kept from v1.0.0.0 to the last"}}}
			},
		},
		{
			name: "stable release exports exactly what its predecessor does",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				r.line("trunk", "root")
				l := r.line("1.0.0", "fix")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.0.1", Tag: "v1.0.0.1", Kernel: "6.9", Previous: "1.0.0.0", Bump: BumpStable,
					Branches: []string{}, Gates: allPassed,
					Reasons: map[string][]string{
						GateReverts: {},
						GateABI:     {"exports exactly what 1.0.0.0 does (2 symbol(s), src/libfoo.map at v1.0.0.0)"},
					}}
			},
		},
		{
			// Before the fix of planNext, a kernel bump to 1.1.0.0, which
			// the scheme writes 1.0.0: it passed every gate (1.1.0.0 sorts
			// above 1.0.4.0) and would have tagged v1.0.0 after v1.4.0.
			name:   "semver ABI line releases a feature",
			scheme: versioning.SchemeSemver,
			first:  "1.4.0",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("two", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
				r.tag("2.0.0", "two", "")
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.line("trunk", "two")
				return CutRequest{Line: r.line("1", "feat")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.5.0", Tag: "v1.5.0", Previous: "1.4.0", Bump: BumpFeature,
					Branches: []string{}, Gates: allPassed,
					Reasons: map[string][]string{GateABI: {"2 export(s) (src/libfoo.map at the line's tip), kept from v1.4.0 to the last"}}}
			},
		},
		{
			name: "nothing-to-release",
			build: func(r *repo, p *Policy) CutRequest {
				return CutRequest{Line: r.line("1.0.0", "root")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Previous: "1.0.0.0", Bump: BumpNone, Branches: []string{}, Refused: true,
					Gates:   []string{"tiers failed [nothing-to-release]"},
					Reasons: map[string][]string{GateTiers: {"nothing to release: no commits since v1.0.0.0"}}}
			},
		},
		{
			name: "tiers: a feature on a stable line",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "feat: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return CutRequest{Line: r.line("1.0.0", "feat")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Previous: "1.0.0.0", Bump: BumpRefused, Branches: []string{}, Refused: true,
					Gates: []string{"tiers failed [stable-fixes-only]"},
					Reasons: map[string][]string{GateTiers: {fmt.Sprintf("%s %q a feature (subject %q): stable line 1.0.0 takes fixes only",
						r.short("feat"), "feat: add foo_bar", "feat: add foo_bar")}}}
			},
		},
		{
			// The rc's tag says its baseline; 1.1.0.0 was tagged elsewhere.
			name: "version-order: the final is already released",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.tag("1.1.0.0-rc.1", "feat", "libfoo 1.1.0.0-rc.1\n\nKernel-Baseline: 6.10\n")
				r.commit("other", "libfoo: elsewhere", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.tag("1.1.0.0", "other", "")
				return CutRequest{Line: r.line("trunk", "feat")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0", Tag: "v1.1.0.0", Kernel: "6.10", Previous: "1.1.0.0-rc.1", Bump: BumpFinal,
					Branches: []string{"release/v1.1", "release/v1.1.0"}, Refused: true,
					Gates:   withGate(allPassed, "version failed [version-order]"),
					Reasons: map[string][]string{GateVersion: {"1.1.0.0 is already released (v1.1.0.0)"}}}
			},
		},
		{
			name: "version-order: below a release of the line",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.tag("1.0.1.0-rc.1", "feat", "")
				r.commit("other", "libfoo: elsewhere", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				r.tag("1.0.2.0", "other", "")
				l := r.line("1.0", "feat")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.1.0", Tag: "v1.0.1.0", Kernel: "6.9", Previous: "1.0.1.0-rc.1", Bump: BumpFinal,
					Branches: []string{"release/v1.0.1"}, Refused: true,
					Gates:   withGate(allPassed, "version failed [version-order]"),
					Reasons: map[string][]string{GateVersion: {"1.0.1.0 is below 1.0.2.0, already released on the line"}}}
			},
		},
		{
			name:  "version-form: a three-number tag among four",
			first: "1.0.0",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return CutRequest{Line: r.line("trunk", "feat"), Kernel: kernelOf("6.10")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0", Tag: "v1.1.0.0", Kernel: "6.10", Previous: "1.0.0.0", Bump: BumpKernel,
					Branches: []string{"release/v1.1", "release/v1.1.0"}, Refused: true,
					Gates: withGate(allPassed, "version failed [version-form]"),
					Reasons: map[string][]string{GateVersion: {
						"the line's tag v1.0.0 is not written as v1.0.0.0: mixing 3- and 4-number versions breaks dpkg and rpm order (1.4.7 sorts above 1.4.1.0); retag in one form"}}}
			},
		},
		{
			name:   "version-form: a two-number tag in a three-number scheme",
			scheme: versioning.SchemeKernel,
			first:  "1.4",
			build: func(r *repo, p *Policy) CutRequest {
				p.Branches = BranchPatterns{Stable: versioning.MustParsePattern("libbpf-{version}")}
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				l := r.line("1.4", "fix")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.4.1", Tag: "v1.4.1", Kernel: "6.9", Previous: "1.4.0", Bump: BumpStable,
					Branches: []string{"libbpf-1.4.1"}, Refused: true,
					Gates: withGate(allPassed, "version failed [version-form]"),
					Reasons: map[string][]string{GateVersion: {
						"the line's tag v1.4 is not written as v1.4.0: mixing 2- and 3-number versions breaks dpkg and rpm order (1.4.7 sorts above 1.4.1.0); retag in one form"}}}
			},
		},
		{
			name: "refs-exist",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				at := map[string]string{"refs/heads/release/v1.1": r.at("root"), "refs/tags/v1.1.0.0": r.at("feat")}
				return CutRequest{Line: r.line("trunk", "feat"), Kernel: kernelOf("6.10"),
					RefExists: func(name string) (string, bool) { sha, ok := at[name]; return sha, ok }}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0", Tag: "v1.1.0.0", Kernel: "6.10", Previous: "1.0.0.0", Bump: BumpKernel,
					Branches: []string{"release/v1.1", "release/v1.1.0"}, Refused: true,
					Gates: withGate(allPassed, "refs failed [refs-exist]"),
					Reasons: map[string][]string{GateRefs: {
						"branch release/v1.1 already exists (at " + r.short("root") + ")",
						"tag v1.1.0.0 already exists (at " + r.short("feat") + ")",
					}}}
			},
		},
		{
			name: "refs free",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return CutRequest{Line: r.line("trunk", "feat"), Kernel: kernelOf("6.10"),
					RefExists: func(name string) (string, bool) { return "", false }}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0", Tag: "v1.1.0.0", Kernel: "6.10", Previous: "1.0.0.0", Bump: BumpKernel,
					Branches: []string{"release/v1.1", "release/v1.1.0"}, Gates: allPassed,
					Reasons: map[string][]string{GateRefs: {}}}
			},
		},
		{
			name: "abi: a stable release's library drops and adds exports",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return CutRequest{Line: r.line("1.0.0", "fix"),
					Library: lib("libfoo.so.1", "foo_open@LIBFOO_1.0.0", "foo_extra@LIBFOO_1.0.0")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.0.1", Tag: "v1.0.0.1", Previous: "1.0.0.0", Bump: BumpStable, Branches: []string{}, Refused: true,
					Gates: withGate(allPassed, "abi failed [abi-break abi-addition]"),
					Reasons: map[string][]string{GateABI: {
						"drops foo_close@LIBFOO_1.0.0, which 1.0.0.0 exports (src/libfoo.map at v1.0.0.0): a stable release exports exactly what its predecessor does",
						"adds foo_extra@LIBFOO_1.0.0, which 1.0.0.0 does not export (src/libfoo.map at v1.0.0.0): a stable release exports exactly what its predecessor does",
					}}}
			},
		},
		{
			name: "abi: the library's soname is not the release's ABI",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return CutRequest{Line: r.line("1.0.0", "fix"),
					Library: lib("libfoo.so.2", "foo_open@LIBFOO_1.0.0", "foo_close@LIBFOO_1.0.0")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.0.1", Tag: "v1.0.0.1", Previous: "1.0.0.0", Bump: BumpStable, Branches: []string{}, Refused: true,
					Gates:   withGate(allPassed, "abi failed [abi-soname]"),
					Reasons: map[string][]string{GateABI: {"build/libfoo.so.2 has soname libfoo.so.2; ABI 1 needs libfoo.so.1"}}}
			},
		},
		{
			// The lower neighbour is the stable release 1.0.0.1 of another
			// line, known by the exports its tag carries.
			name: "abi: drops an export of the lower release",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("stable", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				r.tag("1.0.0.1", "stable", "libfoo 1.0.0.1\n\nExports: libfoo.so.1\n  LIBFOO_1.0.0 foo_close\n  LIBFOO_1.0.0 foo_open\n")
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				l := r.line("1.0", "feat")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l, Library: lib("libfoo.so.1", "foo_open@LIBFOO_1.0.0")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.1.0", Tag: "v1.0.1.0", Kernel: "6.9", Previous: "1.0.0.0", Bump: BumpFeature,
					Branches: []string{"release/v1.0.1"}, Refused: true,
					Gates: withGate(allPassed, "abi failed [abi-break]"),
					Reasons: map[string][]string{GateABI: {
						"drops foo_close@LIBFOO_1.0.0, which the lower release 1.0.0.1 exports (tag v1.0.0.1): an upgrade from 1.0.0.1 would lose it",
					}}}
			},
		},
		{
			name: "abi-order: exports what the higher release does not",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("next", "libfoo: next kernel", map[string]string{"src/next.c": "int next;\n"}, "root")
				r.tag("1.1.0.0", "next", "libfoo 1.1.0.0\n\nExports: libfoo.so.1\n  LIBFOO_1.0.0 foo_close\n  LIBFOO_1.0.0 foo_open\n")
				r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Map}, "root")
				l := r.line("1.0", "map")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.1.0", Tag: "v1.0.1.0", Kernel: "6.9", Previous: "1.0.0.0", Bump: BumpFeature,
					Branches: []string{"release/v1.0.1"}, Refused: true,
					Gates: withGate(allPassed, "abi failed [abi-order]"),
					Reasons: map[string][]string{GateABI: {
						"exports foo_map@LIBFOO_1.0.1, which the higher release 1.1.0.0 does not (tag v1.1.0.0): an upgrade to 1.1.0.0 would lose it",
					}}}
			},
		},
		{
			name: "abi: between its neighbours",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("next", "libfoo: next kernel", map[string]string{mapPath: mapV1Map}, "root")
				r.tag("1.1.0.0", "next", "")
				r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Map}, "root")
				l := r.line("1.0", "map")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.1.0", Tag: "v1.0.1.0", Kernel: "6.9", Previous: "1.0.0.0", Bump: BumpFeature,
					Branches: []string{"release/v1.0.1"}, Gates: allPassed,
					Reasons: map[string][]string{GateABI: {"3 export(s) (src/libfoo.map at the line's tip), kept from v1.0.0.0 to v1.1.0.0"}}}
			},
		},
		{
			name: "abi: no data",
			build: func(r *repo, p *Policy) CutRequest {
				p.ABI.SymbolMap = ""
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return CutRequest{Line: r.line("1.0.0", "fix")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.0.1", Tag: "v1.0.0.1", Previous: "1.0.0.0", Bump: BumpStable, Branches: []string{},
					Gates:   withGate(allPassed, "abi skipped "+abiRules),
					Reasons: map[string][]string{GateABI: {"no ABI data (pass --lib PATH to a built library, or set abi.symbol_map in tiered.yaml)"}}}
			},
		},
		{
			// Without a symbol map nor an export list in its tag, the
			// predecessor's exports are unknown: nothing to compare.
			name: "abi: a library, the predecessor's exports unknown",
			build: func(r *repo, p *Policy) CutRequest {
				p.ABI.SymbolMap = ""
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return CutRequest{Line: r.line("1.0.0", "fix"), Library: lib("libfoo.so.1", "foo_open@LIBFOO_1.0.0")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.0.1", Tag: "v1.0.0.1", Previous: "1.0.0.0", Bump: BumpStable, Branches: []string{},
					Gates:   allPassed,
					Reasons: map[string][]string{GateABI: {"1 export(s) (build/libfoo.so.1), kept from v1.0.0.0 to the last"}}}
			},
		},
		{
			name: "--pre rc: the first",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				return CutRequest{Line: r.line("trunk", "feat"), Pre: "rc", Kernel: kernelOf("6.10")}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0-rc.1", Tag: "v1.1.0.0-rc.1", Kernel: "6.10", Previous: "1.0.0.0", Bump: BumpKernel,
					Branches: []string{}, Gates: allPassed, Reasons: map[string][]string{}}
			},
		},
		{
			// rc.10 sorts above rc.9 by number; a beta does not count.
			name: "--pre rc: after rc.10",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
				for _, rc := range []string{"beta.12", "rc.2", "rc.9", "rc.10"} {
					r.tag("1.1.0.0-"+rc, "feat", "libfoo\n\nKernel-Baseline: 6.10\n")
				}
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "feat")
				return CutRequest{Line: r.line("trunk", "fix"), Pre: "rc"}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.1.0.0-rc.11", Tag: "v1.1.0.0-rc.11", Kernel: "6.10", Previous: "1.1.0.0-rc.10", Bump: BumpFinal,
					Branches: []string{}, Gates: allPassed, Reasons: map[string][]string{}}
			},
		},
		{
			name: "features: no features declared",
			build: func(r *repo, p *Policy) CutRequest {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				l := r.line("1.0.0", "fix")
				l.Kernel = kernelOf("6.9")
				return CutRequest{Line: l, Kernels: bpfKernels(t)}
			},
			want: func(r *repo) cutSummary {
				return cutSummary{Version: "1.0.0.1", Tag: "v1.0.0.1", Kernel: "6.9", Previous: "1.0.0.0", Bump: BumpStable, Branches: []string{},
					Gates:   allPassed,
					Reasons: map[string][]string{GateFeatures: {"no kernel features declared (set uapi.headers or features.manifest in tiered.yaml)"}}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme, first := tt.scheme, tt.first
			if scheme == "" {
				scheme = versioning.SchemeFour
			}
			if first == "" {
				first = "1.0.0.0"
			}
			r := libfoo(t, scheme, first)
			p := cutPolicy()
			p.Scheme = scheme
			req := tt.build(r, p)
			got, err := PlanCut(r, p, r.st, req)
			if err != nil {
				t.Fatalf("PlanCut(%s) err = %v", req.Line.Name, err)
			}
			want := tt.want(r)
			if d := cmp.Diff(want, summarize(got, want.Reasons)); d != "" {
				t.Errorf("PlanCut(%s) mismatch (-want +got):\n%s", req.Line.Name, d)
			}
			if got.Commit != req.Line.Tip || got.Line != req.Line.Name {
				t.Errorf("PlanCut(%s): Line %q, Commit %s; want the line and its tip %s", req.Line.Name, got.Line, got.Commit, req.Line.Tip)
			}
			if !got.Refused && got.Bump != BumpNone && got.TagObject == nil {
				t.Errorf("PlanCut(%s): no tag object to write", req.Line.Name)
			}
		})
	}
}

func cutAt(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// The reverts gate: trunk reverted "libfoo: add bar"; a line holding that
// commit, from shared history or backported, must hold the revert too.
func TestPlanCutReverts(t *testing.T) {
	revertMsg := func(r *repo, of string) string {
		c, _ := r.Commit(r.at(of))
		return fmt.Sprintf("Revert %q\n\nThis reverts commit %s.\n", c.Subject, r.at(of))
	}
	pick := func(r *repo, of, name, parent string) {
		c, _ := r.Commit(r.at(of))
		r.commit(name, fmt.Sprintf("%s\n\n(cherry picked from commit %s)\n", c.Message, r.at(of)), map[string]string{"src/bar.c": r.commits[r.at(of)].files["src/bar.c"]}, parent)
	}
	tests := []struct {
		name  string
		build func(r *repo) *branches.Line // the line to cut; trunk is added
		// bad names the line's commit and the trunk revert it lacks.
		bad [][2]string
	}{
		{
			name: "a backport whose revert the line lacks",
			build: func(r *repo) *branches.Line {
				pick(r, "bar", "pick", "root")
				return r.line("1.0.0", "pick")
			},
			bad: [][2]string{{"pick", "rev"}},
		},
		{
			name: "shared history whose revert the line lacks",
			build: func(r *repo) *branches.Line {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "bar")
				return r.line("1.0.0", "fix")
			},
			bad: [][2]string{{"bar", "rev"}},
		},
		{
			// Under another subject: only the marker says what it is.
			name: "the revert backported with a marker",
			build: func(r *repo) *branches.Line {
				pick(r, "bar", "pick", "root")
				r.commit("unpick", fmt.Sprintf("libfoo: take bar out of 1.0.0\n\n(cherry picked from commit %s)\n", r.at("rev")), map[string]string{"src/bar.c": "int bar;\n"}, "pick")
				return r.line("1.0.0", "unpick")
			},
		},
		{
			name: "the revert applied edited: same subject, no marker",
			build: func(r *repo) *branches.Line {
				pick(r, "bar", "pick", "root")
				r.commit("unpick", revertMsg(r, "pick"), map[string]string{"src/bar.c": "int bar;\n"}, "pick")
				return r.line("1.0.0", "unpick")
			},
		},
		{
			name: "the line never had it",
			build: func(r *repo) *branches.Line {
				r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
				return r.line("1.0.0", "fix")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
			r.commit("bar", fixes(r, "libfoo: add bar", "root"), map[string]string{"src/bar.c": "int bar = 2;\n"}, "root")
			r.commit("rev", revertMsg(r, "bar"), map[string]string{"src/bar.c": "int bar;\n"}, "bar")
			line := tt.build(r)
			r.line("trunk", "rev")
			got, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: line})
			if err != nil {
				t.Fatal(err)
			}
			g := gateOf(t, got, GateReverts)
			want := Gate{Name: GateReverts, Status: GatePassed, Rules: []RuleID{RuleRevertedUpstream}, Reasons: []string{}}
			if tt.bad != nil {
				want = Gate{Name: GateReverts, Status: GateFailed, Rules: []RuleID{RuleRevertedUpstream}}
				for _, b := range tt.bad {
					c, _ := r.Commit(r.at(b[0]))
					rc, _ := r.Commit(r.at(b[1]))
					want.Reasons = append(want.Reasons, fmt.Sprintf("%s %q was reverted on trunk by %s %q, which 1.0.0 lacks: backport the revert first",
						r.short(b[0]), c.Subject, r.short(b[1]), rc.Subject))
				}
			}
			if d := cmp.Diff(want, g); d != "" {
				t.Errorf("reverts gate mismatch (-want +got):\n%s", d)
			}
			if got.Refused != (tt.bad != nil) {
				t.Errorf("Refused = %v, want %v", got.Refused, tt.bad != nil)
			}
		})
	}
}

// A revert of the revert makes the original live again; a revert named
// by its subject alone is resolved by subject.
func TestPlanCutRevertOfRevert(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("bar", fixes(r, "libfoo: add bar", "root"), map[string]string{"src/bar.c": "int bar = 2;\n"}, "root")
	r.commit("rev", "Revert \"libfoo: add bar\"\n\nIt broke the build.\n", map[string]string{"src/bar.c": "int bar;\n"}, "bar")
	r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "bar")
	line := r.line("1.0.0", "fix")
	trunk := r.line("trunk", "rev")

	got, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: line})
	if err != nil {
		t.Fatal(err)
	}
	if g := gateOf(t, got, GateReverts); g.Status != GateFailed {
		t.Fatalf("reverts gate with a revert by subject = %+v, want failed", g)
	}

	r.commit("reland", fmt.Sprintf("Revert \"Revert \\\"libfoo: add bar\\\"\"\n\nThis reverts commit %s.\n", r.at("rev")), map[string]string{"src/bar.c": "int bar = 2;\n"}, "rev")
	trunk.Tip = r.at("reland")
	got, err = PlanCut(r, cutPolicy(), r.st, CutRequest{Line: line})
	if err != nil {
		t.Fatal(err)
	}
	if g := gateOf(t, got, GateReverts); g.Status != GatePassed {
		t.Errorf("reverts gate after the revert was reverted = %+v, want passed", g)
	}
}

func gateOf(t *testing.T, c *Cut, name string) Gate {
	t.Helper()
	for _, g := range c.Gates {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no %s gate in %+v", name, c.Gates)
	return Gate{}
}

// The features gate proves the release's kernel needs against its
// baseline's BTF: a feature the baseline lacks fails it, naming the
// commit that added it; a baseline without BTF skips it.
func TestPlanCutFeatures(t *testing.T) {
	tests := []struct {
		name    string
		tip     string // the line's tip in bpfRepo
		kernel  string // the line's baseline
		kernels map[string]string
		want    func(r *repo) Gate
	}{
		{
			name: "present", tip: "root", kernel: "6.9",
			want: func(r *repo) Gate {
				return Gate{Name: GateFeatures, Status: GatePassed, Rules: []RuleID{RuleKernelFeatureMissing}, Reasons: []string{"3 features, all in kernel 6.9"}}
			},
		},
		{
			name: "missing", tip: "add", kernel: "6.10",
			want: func(r *repo) Gate {
				return Gate{Name: GateFeatures, Status: GateFailed, Rules: []RuleID{RuleKernelFeatureMissing}, Reasons: []string{
					"needs BPF_PROG_TYPE_NEW (" + headerPath + ":4): not in kernel 6.10: enum bpf_prog_type has no BPF_PROG_TYPE_NEW; kernel 6.10-rc2 had it, so it was reverted before 6.10 was released; added by " +
						r.short("add") + "; reverted by " + r.short("rev"),
				}}
			},
		},
		{
			name: "provisional", tip: "add", kernel: "6.11",
			kernels: map[string]string{"6.11-rc1": "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_NEW\n"},
			want: func(r *repo) Gate {
				return Gate{Name: GateFeatures, Status: GatePassed, Rules: []RuleID{RuleKernelFeatureMissing},
					Reasons: []string{"4 features, all in kernel 6.11-rc1 (provisional: no final BTF yet, checked against its newest -rc)"}}
			},
		},
		{
			name: "unverifiable", tip: "root", kernel: "6.9",
			kernels: map[string]string{"6.9": "func bpf_map_lookup_elem\n"},
			want: func(r *repo) Gate {
				return Gate{Name: GateFeatures, Status: GatePassed, Rules: []RuleID{RuleKernelFeatureMissing},
					Reasons: []string{"0 features, all in kernel 6.9; 3 unverifiable in BTF"}}
			},
		},
		{
			name: "no BTF for the baseline", tip: "root", kernel: "6.1",
			want: func(r *repo) Gate {
				return Gate{Name: GateFeatures, Status: GateSkipped, Rules: []RuleID{RuleKernelFeatureMissing},
					Reasons: []string{"kernels/: no kernel BTF for kernel 6.1 (have 6.9, 6.10-rc2, 6.10; add kernel 6.1's BTF, named by its version, or pass --btf 6.1=PATH)"}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := bpfRepo(t)
			r.commit("fix", "bpf: fix\n\nCc: stable@vger.kernel.org\n", map[string]string{"src/fix.c": "int fix;\n"}, tt.tip)
			l := r.line(kernelLineOf(tt.tip), "fix")
			l.Kernel = kernelOf(tt.kernel)
			p := Default()
			idx := bpfKernels(t)
			if tt.kernels != nil {
				idx = kernelIndex(t, tt.kernels)
			}
			got, err := PlanCut(r, p, r.st, CutRequest{Line: l, Kernels: idx})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want(r), gateOf(t, got, GateFeatures)); d != "" {
				t.Errorf("features gate mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// kernelLineOf names the stable line of bpfRepo's release at tip.
func kernelLineOf(tip string) string {
	if tip == "root" {
		return "1.0.0"
	}
	return "1.1.0"
}

func TestPlanCutErrors(t *testing.T) {
	feature := func(t *testing.T) (*repo, *branches.Line) {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
		return r, r.line("trunk", "feat")
	}
	t.Run("a kernel line without a baseline", func(t *testing.T) {
		r, trunk := feature(t)
		c, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: trunk})
		if !errors.Is(err, ErrNeedKernel) {
			t.Errorf("PlanCut(kernel line, no baseline) = %+v, %v; want ErrNeedKernel", c, err)
		}
	})
	t.Run("a new ABI without a baseline", func(t *testing.T) {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("drop", "libfoo: drop foo_close", map[string]string{mapPath: mapOpen}, "root")
		c, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: r.line("trunk", "drop")})
		if !errors.Is(err, ErrNeedKernel) {
			t.Errorf("PlanCut(new ABI, no baseline) = %+v, %v; want ErrNeedKernel", c, err)
		}
	})
	for _, pre := range []string{"1rc", "r c", "rc.1", "rc+1", "ß"} {
		t.Run("--pre "+pre, func(t *testing.T) {
			r, trunk := feature(t)
			c, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: trunk, Kernel: kernelOf("6.10"), Pre: pre})
			if !errors.Is(err, ErrBadCut) {
				t.Errorf("PlanCut(--pre %q) = %+v, %v; want ErrBadCut", pre, c, err)
			}
		})
	}
	t.Run("--kernel on a line that has one", func(t *testing.T) {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
		l := r.line("1.0", "feat")
		l.Kernel = kernelOf("6.9")
		c, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: l, Kernel: kernelOf("6.10")})
		if !errors.Is(err, ErrBadCut) {
			t.Errorf("PlanCut(--kernel 6.10 on a 6.9 line) = %+v, %v; want ErrBadCut", c, err)
		}
	})
	t.Run("an unreadable line", func(t *testing.T) {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		l := &branches.Line{Name: "1.0", Tier: branches.TierKernel, Tip: "0000000000000000000000000000000000000bad"}
		if _, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: l}); !errors.Is(err, branches.ErrUnknownRef) {
			t.Errorf("PlanCut(unknown tip) err = %v, want ErrUnknownRef", err)
		}
	})
}

// The tag: its annotation carries the tier metadata, the branches the
// release opens and, given a built library, its exports; the tag object
// points at the line's tip, signed by the tagger.
func TestPlanCutAnnotation(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Kern}, "root")
	trunk := r.line("trunk", "map")
	library := &abi.Exports{Soname: "libfoo.so.1", From: "build/libfoo.so.1", Set: map[abi.Export]bool{
		{Symbol: "foo_open", Node: "LIBFOO_1.0.0"}: true, {Symbol: "foo_close", Node: "LIBFOO_1.0.0"}: true, {Symbol: "foo_map", Node: "LIBFOO_1.1.0"}: true,
	}}
	tagger := branches.Signature{Name: "Release Bot", Email: "bot@example.org", When: time.Unix(1700000000, 0).UTC()}
	got, err := PlanCut(r, cutPolicy(), r.st, CutRequest{Line: trunk, Kernel: kernelOf("6.10"), Library: library, Tagger: tagger})
	if err != nil {
		t.Fatal(err)
	}
	want := `libfoo 1.1.0.0

Tier: kernel
Kernel-Baseline: 6.10
ABI: 1
Previous: 1.0.0.0
Line: trunk
Branches: release/v1.1 release/v1.1.0

Exports: libfoo.so.1
  LIBFOO_1.0.0 foo_close
  LIBFOO_1.0.0 foo_open
  LIBFOO_1.1.0 foo_map
`
	if d := cmp.Diff(want, got.Annotation); d != "" {
		t.Errorf("Annotation mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff(&branches.TagObject{Name: "v1.1.0.0", Target: r.at("map"), Message: want, Tagger: tagger}, got.TagObject); d != "" {
		t.Errorf("TagObject mismatch (-want +got):\n%s", d)
	}
	if got.Value != versioning.MustParse("1.1.0.0") {
		t.Errorf("Value = %v, want 1.1.0.0", got.Value)
	}
	// What the tag carries is what the next cut reads back.
	if e, ok := abi.ParseAnnotation(got.Annotation, "tag"); !ok || len(e.Missing(library)) != 0 || len(library.Missing(e)) != 0 || e.Soname != "libfoo.so.1" {
		t.Errorf("ParseAnnotation(Annotation) = %+v, %v; want the library's exports", e, ok)
	}

	// A stable release without a library or a project name.
	r.commit("fix", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
	l := r.line("1.0.0", "fix")
	p := cutPolicy()
	p.ABI.Library = ""
	got, err = PlanCut(r, p, r.st, CutRequest{Line: l})
	if err != nil {
		t.Fatal(err)
	}
	want = "Release 1.0.0.1\n\nTier: stable\nABI: 1\nPrevious: 1.0.0.0\nLine: 1.0.0\n"
	if d := cmp.Diff(want, got.Annotation); d != "" {
		t.Errorf("Annotation(stable) mismatch (-want +got):\n%s", d)
	}
}

// opens lists the branches a release opens, for each scheme and bump.
func TestOpens(t *testing.T) {
	four := Default()
	libbpf := Default()
	libbpf.Scheme = versioning.SchemeKernel
	libbpf.Branches = BranchPatterns{Stable: versioning.MustParsePattern("libbpf-{version}")}
	kernelLines := Default()
	kernelLines.Scheme = versioning.SchemeKernel
	kernelLines.Branches = BranchPatterns{ABI: versioning.MustParsePattern("release/v{abi}"), Kernel: versioning.MustParsePattern("release/v{abi}.{kernel}"),
		Stable: versioning.MustParsePattern("release/v{abi}.{kernel}.{feature}")}
	semver := Default()
	semver.Scheme = versioning.SchemeSemver
	semver.Branches = BranchPatterns{ABI: versioning.MustParsePattern("release/v{abi}"), Stable: versioning.MustParsePattern("release/v{abi}.{feature}")}
	none := Default()
	none.Branches = BranchPatterns{}

	v3 := func(a, k, s uint64) versioning.Version { return versioning.Version{ABI: a, Kernel: k, Stable: s} }
	tests := []struct {
		name string
		p    *Policy
		v    versioning.Version
		bump Bump
		want []string
	}{
		{"four: a kernel line", four, versioning.MustParse("1.5.0.0"), BumpKernel, []string{"release/v1.5", "release/v1.5.0"}},
		{"four: a feature", four, versioning.MustParse("1.5.2.0"), BumpFeature, []string{"release/v1.5.2"}},
		{"four: a stable release", four, versioning.MustParse("1.5.2.1"), BumpStable, []string{}},
		{"four: a new ABI", four, versioning.MustParse("2.0.0.0"), BumpABI, []string{"release/v2.0", "release/v2.0.0", "release/v1"}},
		{"four: a final", four, versioning.MustParse("1.5.0.0"), BumpFinal, []string{"release/v1.5", "release/v1.5.0"}},
		{"four: the final of a new ABI", four, versioning.MustParse("2.0.0.0"), BumpFinal, []string{"release/v2.0", "release/v2.0.0", "release/v1"}},
		{"four: a pre-release", four, versioning.MustParse("1.5.0.0-rc.1"), BumpKernel, []string{}},
		{"four: no branches", none, versioning.MustParse("2.0.0.0"), BumpABI, []string{}},
		{"libbpf: a kernel line", libbpf, v3(1, 5, 0), BumpKernel, []string{"libbpf-1.5.0"}},
		{"libbpf: a stable release", libbpf, v3(1, 5, 1), BumpStable, []string{"libbpf-1.5.1"}},
		{"libbpf: a new ABI", libbpf, v3(2, 0, 0), BumpABI, []string{"libbpf-2.0.0"}},
		{"three numbers, line branches: a kernel line", kernelLines, v3(1, 5, 0), BumpKernel, []string{"release/v1.5"}},
		{"three numbers, line branches: a stable release", kernelLines, v3(1, 5, 1), BumpStable, []string{}},
		{"three numbers, line branches: a new ABI", kernelLines, v3(2, 0, 0), BumpABI, []string{"release/v2.0", "release/v1"}},
		{"semver: a feature", semver, versioning.Version{ABI: 1, Feature: 3}, BumpFeature, []string{}},
		{"semver: a new ABI", semver, versioning.Version{ABI: 2}, BumpABI, []string{"release/v1"}},
		{"semver: the final of a new ABI", semver, versioning.Version{ABI: 2}, BumpFinal, []string{"release/v1"}},
		{"semver: the final of a feature", semver, versioning.Version{ABI: 2, Feature: 1}, BumpFinal, []string{}},
	}
	for _, tt := range tests {
		got := opens(tt.p, tt.p.Scheme, tt.v, tt.bump)
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: opens(%v, %s) mismatch (-want +got):\n%s", tt.name, tt.v, tt.bump, d)
		}
	}
}

func TestTierOf(t *testing.T) {
	tests := []struct {
		bump Bump
		v    string
		want string
	}{
		{BumpKernel, "1.5.0.0", "kernel"},
		{BumpStable, "1.5.0.1", "stable"},
		{BumpFinal, "1.5.2.1", "stable"},
		{BumpFinal, "1.5.2.0", "feature"},
		{BumpFinal, "1.5.0.0", "kernel"},
		{BumpFinal, "2.0.0.0", "abi"},
	}
	for _, tt := range tests {
		if got := tierOf(tt.bump, versioning.MustParse(tt.v)); got != tt.want {
			t.Errorf("tierOf(%s, %s) = %q, want %q", tt.bump, tt.v, got, tt.want)
		}
	}
}
