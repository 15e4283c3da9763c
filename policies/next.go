package policies

import (
	"fmt"
	"slices"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// Bump names what the next release of a line changes.
type Bump string

// The bumps [Next] reports.
const (
	BumpNone    Bump = "none"    // nothing to release
	BumpABI     Bump = "abi"     // a new ABI generation
	BumpKernel  Bump = "kernel"  // a new kernel line
	BumpFeature Bump = "feature" // a feature release
	BumpStable  Bump = "stable"  // a fix release
	BumpFinal   Bump = "final"   // the final of a pre-release
	BumpRefused Bump = "refused" // the line holds what its tier forbids
)

// NextPlan is what the next release of a line would be, and why.
type NextPlan struct {
	Line    string   `json:"line"`
	Current string   `json:"current"`
	Next    string   `json:"next"`
	Bump    Bump     `json:"bump"`
	Reasons []string `json:"reasons"`
	// Rules are the rules that refuse the release, when Bump is
	// BumpRefused.
	Rules []RuleID `json:"rules"`
	// Version is Next as a value; zero when nothing is to be released.
	Version versioning.Version `json:"-"`
	// Commits are the facts of the commits since the last release.
	Commits []Facts `json:"-"`
	// undecided are, on a line that takes fixes only, the commits that
	// carry no evidence either way, described for a reason.
	undecided []string
}

// Next computes the next version of line from what it holds since its last
// release: an ABI break opens a new ABI on trunk and is refused elsewhere;
// on trunk a release opens a new kernel line; a kernel line releases
// features; a stable line takes fixes only. The version is above every
// release of the line's prefix in the repository, so lines never collide.
func Next(h History, p *Policy, st *branches.Status, line *branches.Line) (*NextPlan, error) {
	np, err := planNext(h, p, st, line)
	if err != nil {
		return nil, err
	}
	if np.Bump == BumpKernel || np.Bump == BumpABI {
		if kl := versioning.PrefixOf(np.Version, versioning.TierKernel).Format(st.Scheme); st.Scheme.Has(versioning.TierKernel) {
			if _, ok := p.Kernels[kl]; !ok {
				np.Reasons = append(np.Reasons, fmt.Sprintf("kernel line %s has no baseline yet: cut it with --kernel VERSION", kl))
			}
		}
	}
	return np, nil
}

// planNext is [Next] without the hint that a new kernel line needs its
// baseline: the hint a cut answers with --kernel.
func planNext(h History, p *Policy, st *branches.Status, line *branches.Line) (*NextPlan, error) {
	np := &NextPlan{Line: line.Name, Reasons: []string{}, Rules: []RuleID{}}
	scheme := st.Scheme
	var from []string
	if line.Latest != nil {
		np.Current = line.Latest.Name
		from = []string{line.Latest.Commit}
	}
	commits, err := h.Between(from, line.Tip)
	if err != nil {
		return nil, err
	}
	net, err := ABIBetween(h, p, firstOr(from), line.Tip)
	if err != nil {
		return nil, err
	}
	idx, err := indexSymbols(h, p, from, line.Tip, commits)
	if err != nil {
		return nil, err
	}
	for _, c := range commits {
		if c.IsMerge() {
			continue
		}
		f, err := readFacts(h, p, c, idx)
		if err != nil {
			return nil, err
		}
		f.ABI = f.ABI.Within(net)
		np.Commits = append(np.Commits, f)
	}
	if line.Latest != nil && line.Latest.Version.IsPrerelease() {
		np.Version = line.Latest.Version.Release()
		np.Bump = BumpFinal
		np.Reasons = append(np.Reasons, fmt.Sprintf("%s is a pre-release: its final drops the suffix", line.Latest.Name))
		np.Next = scheme.Format(np.Version)
		return np, nil
	}
	if len(np.Commits) == 0 {
		np.Bump = BumpNone
		np.Reasons = append(np.Reasons, "no commits since "+refOr(line.Latest, "the start"))
		return np, nil
	}

	var breaks, additions, features, fixes, undecided []Facts
	var refusals []string
	t := targetOf(line, scheme)
	for _, f := range np.Commits {
		for _, x := range tierFindings(f, t, false) {
			refusals = append(refusals, fmt.Sprintf("%s %q %s", f.Commit.Short(), f.Commit.Subject, x.Reason))
			if !slices.Contains(np.Rules, x.Rule) {
				np.Rules = append(np.Rules, x.Rule)
			}
		}
		switch {
		case f.ABI.IsBreak():
			breaks = append(breaks, f)
		case len(f.ABI.Added) > 0:
			additions = append(additions, f)
		case f.IsFix():
			fixes = append(fixes, f)
		case len(tierUndecided(f, t)) > 0:
			// A stable line refuses only positive evidence of a feature;
			// a commit without evidence either way (a version bump, a
			// translation update, a fix someone took on their word) is
			// released, and named so that a person sees it.
			undecided = append(undecided, f)
			np.undecided = append(np.undecided, fmt.Sprintf("%s %q has no fix evidence: taken on a person's word", f.Commit.Short(), f.Commit.Subject))
		default:
			features = append(features, f)
		}
	}
	say := func(format string, args ...any) { np.Reasons = append(np.Reasons, fmt.Sprintf(format, args...)) }
	describe := func(kind string, fs []Facts) {
		for _, f := range fs {
			say("%s %s %q", kind, f.Commit.Short(), f.Commit.Subject)
		}
	}
	base := versioning.Version{}
	if line.Latest != nil {
		base = line.Latest.Version
	}
	top := func(prefix versioning.Prefix) versioning.Version {
		v := base
		for _, r := range st.Releases {
			if prefix.Contains(r.Version) && r.Version.Compare(v) > 0 {
				v = r.Version
			}
		}
		return v.Release()
	}
	bumpIn := func(t versioning.Tier, prefix versioning.Prefix) versioning.Version {
		return top(prefix).Bump(t)
	}

	switch {
	case len(refusals) > 0:
		np.Bump = BumpRefused
		np.Reasons = append(np.Reasons, refusals...)
	case line.Tier == branches.TierTrunk && len(breaks) > 0:
		np.Bump, np.Version = BumpABI, bumpIn(versioning.TierABI, versioning.TrunkPrefix)
		describe("ABI break:", breaks)
	case (line.Tier == branches.TierTrunk || line.Tier == branches.TierABI) && !scheme.Has(versioning.TierKernel):
		// Plain semver on trunk, and on an ABI line: no kernel tier to open.
		abi := versioning.PrefixOf(base, versioning.TierABI)
		if line.Tier == branches.TierABI {
			abi = line.Prefix
		}
		if len(additions)+len(features) > 0 {
			np.Bump, np.Version = BumpFeature, bumpIn(versioning.TierFeature, abi)
		} else {
			np.Bump, np.Version = BumpStable, bumpIn(versioning.TierStable, versioning.PrefixOf(base, versioning.TierFeature))
		}
		describe("ABI addition:", additions)
		describe("feature:", features)
		describe("fix:", fixes)
	case line.Tier == branches.TierTrunk || line.Tier == branches.TierABI:
		abi := versioning.PrefixOf(base, versioning.TierABI)
		if line.Tier == branches.TierABI {
			abi = line.Prefix
		}
		np.Bump, np.Version = BumpKernel, bumpIn(versioning.TierKernel, abi)
		say("%d commit(s) since %s open a new kernel line", len(np.Commits), refOr(line.Latest, "the start"))
		describe("ABI addition:", additions)
	case t.stable:
		np.Bump, np.Version = BumpStable, bumpIn(versioning.TierStable, line.Prefix)
		describe("fix:", fixes)
		describe("no fix evidence:", undecided)
	default: // a four-tier kernel line releases features
		np.Bump, np.Version = BumpFeature, bumpIn(versioning.TierFeature, line.Prefix)
		if len(additions)+len(features) == 0 {
			say("%s", fixesAloneHint(p, st, top(line.Prefix)))
		}
		describe("ABI addition:", additions)
		describe("feature:", features)
		describe("fix:", fixes)
	}
	if np.Bump != BumpRefused {
		np.Next = scheme.Format(np.Version)
	}
	return np, nil
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func refOr(r *branches.Release, none string) string {
	if r == nil {
		return none
	}
	return r.Ref()
}

// fixesAloneHint tells a four-tier kernel line holding only fixes where
// they could be released alone: on the stable line of its latest feature
// release, if it exists, or on the branch that would open it.
func fixesAloneHint(p *Policy, st *branches.Status, latest versioning.Version) string {
	stable := versioning.PrefixOf(latest, versioning.TierFeature).Format(st.Scheme)
	hint := "only fixes: a kernel line releases A.K.(F+1).0; to ship fixes alone, release them on the stable line " + stable
	if _, err := st.FindLine(stable); err == nil {
		return hint
	}
	if pat := p.Branches.Stable; !pat.IsZero() && pat.String() != "" && !pat.HasVersion() {
		return fmt.Sprintf("%s, which does not exist yet: create branch %s at %s", hint, pat.Expand(st.Scheme, latest), p.Tags.Expand(st.Scheme, latest))
	}
	return hint + ", which does not exist"
}
