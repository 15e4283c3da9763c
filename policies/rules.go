package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// RuleID names a rule of tiered's release policy (DESIGN §4, §5, §6). Each
// literal appears once in Go code, here, so that grepping an ID finds its
// code, its tests (through the constant), its testscripts and its docs.
type RuleID string

// Rules of backport eligibility and of the tiers (DESIGN §4). The tier
// rules among them ([tierRules]) are the same for `backport`, `next` and
// `cut`.
const (
	// RuleStableFixesOnly keeps a stable line to fixes. It forbids a
	// commit only on positive evidence of a feature (a feat: subject; ABI
	// additions, kernel needs and noautosel have rules of their own). A
	// commit with no fix evidence either (no Fixes:, Closes:, nomination,
	// fix: subject, revert, backport marker, policy pattern) is left to a
	// person: verdict review, ranked by the signals shown.
	RuleStableFixesOnly RuleID = "stable-fixes-only"
	// RuleBugNotPresent makes a fix not needed when none of its Fixes
	// targets, nor an equivalent, is on the line, or when its stable
	// nomination names a kernel newer than the line's baseline ("# 6.1+"
	// on a line for 5.15). A fix of a commit that is itself in review
	// goes to review with it.
	RuleBugNotPresent RuleID = "bug-not-present"
	// RuleFixesUnresolved warns of a Fixes: target that resolves to nothing,
	// by sha or by subject; it never decides a verdict.
	RuleFixesUnresolved RuleID = "fixes-unresolved"
	// RuleRevertedUpstream forbids a commit reverted on the source line
	// (the revert not itself reverted), and makes the revert of a commit the
	// line never had not needed. As a cut gate it refuses a line that holds
	// a commit trunk reverted while the line lacks the revert.
	RuleRevertedUpstream RuleID = "reverted-upstream"
	// RuleABIBreak forbids removing or moving an exported symbol on every
	// line but trunk; as a cut gate, a release that drops an export its
	// predecessor or a lower release of its ABI has.
	RuleABIBreak RuleID = "abi-break"
	// RuleABIAddition forbids adding an exported symbol on a stable line;
	// as a cut gate, a stable release that exports more than its
	// predecessor.
	RuleABIAddition RuleID = "abi-addition"
	// RulePrerequisites reports a patch whose pre-image is not on the line,
	// naming the source commits that introduced the missing lines (across
	// renames), which the line may take.
	RulePrerequisites RuleID = "prerequisites"
	// RuleNeedsAdaptation reports a patch whose pre-image only commits the
	// line may not take introduced (forbidden there, or not needed), or no
	// commit of the source at all: it names those commits and the hunks
	// that conflict; a person adapts the patch.
	RuleNeedsAdaptation RuleID = "needs-adaptation"
	// RuleAlreadyApplied reports a commit the line has: reachable, named by
	// a backport marker, with an equal patch-id, or (edited) with the same
	// subject and author and changed lines alike at least as much as
	// backport.similarity says.
	RuleAlreadyApplied RuleID = "already-applied"
	// RuleUpstreamFirst forbids a commit that is on no source line and
	// names no upstream commit it was picked from: what lands on a stable
	// line lands upstream first (backport.upstream_first turns it off).
	RuleUpstreamFirst RuleID = "upstream-first"
	// RuleKernelTooNew forbids a commit needing a kernel feature newer than
	// the line's baseline: an identifier its added lines use (an enum
	// constant, a kfunc) that the baseline kernel's BTF lacks. The message
	// names the feature and the kernel that has it.
	RuleKernelTooNew RuleID = "kernel-too-new"
	// RuleNoAutoSel forbids automatic selection of a commit that carries
	// Cc: <stable+noautosel@kernel.org>, with the reason it gives.
	RuleNoAutoSel RuleID = "no-autosel"
)

// Rules of cutting a release (DESIGN §5, §6): each gate of a cut reports
// the rules it checked and, when it refuses, the ones that refused.
const (
	// RuleNothingToRelease refuses a cut of a line with no commit since
	// its last release.
	RuleNothingToRelease RuleID = "nothing-to-release"
	// RuleVersionOrder refuses a version outside its line, already
	// released, or below a release of its line.
	RuleVersionOrder RuleID = "version-order"
	// RuleVersionForm refuses a version written with another count of
	// numbers than the line's tags: dpkg orders 1.4.7 above 1.4.1.0.
	RuleVersionForm RuleID = "version-form"
	// RuleKernelFeatureMissing refuses a release that needs a kernel
	// feature its baseline kernel lacks, reverted before release or not
	// there yet (the features check, DESIGN §5).
	RuleKernelFeatureMissing RuleID = "kernel-feature-missing"
	// RuleABISoname refuses a built library whose soname does not carry
	// the release's ABI (lib{name}.so.A).
	RuleABISoname RuleID = "abi-soname"
	// RuleABIOrder refuses a release that exports what a higher release of
	// its ABI does not: an upgrade to that release would lose it.
	RuleABIOrder RuleID = "abi-order"
	// RuleRefsExist refuses a cut whose tag or branches already exist.
	RuleRefsExist RuleID = "refs-exist"
)

// Finding is one rule that decided something about a commit or a
// release, and the reason a person can act on.
type Finding struct {
	Rule   RuleID
	Reason string
}

// target is the line a tier rule judges a commit for.
type target struct {
	line   *branches.Line
	stable bool // takes fixes only: a stable line, or a three-number kernel line
}

func targetOf(line *branches.Line, scheme versioning.Scheme) target {
	return target{line: line, stable: takesFixesOnly(line, scheme)}
}

// takesFixesOnly reports whether a line takes fixes only: a stable line,
// or a kernel line of a scheme without the feature tier (libbpf's).
func takesFixesOnly(line *branches.Line, scheme versioning.Scheme) bool {
	return line.Tier == branches.TierStable || (line.Tier == branches.TierKernel && !scheme.Has(versioning.TierFeature))
}

// tierRule is a rule of the tiers (DESIGN §2, §4) that judges one commit
// by its facts alone: what a line of its tier may hold.
type tierRule struct {
	id RuleID
	// selection marks a rule about choosing commits to backport, not
	// about what a line may hold: `next` and `cut` do not apply it.
	selection bool
	// forbids returns the reason the rule forbids f on t, "" if it does not.
	forbids func(f Facts, t target) string
	// undecided returns why the rule cannot decide f on t without a
	// person, "" if it can: there is no evidence either way.
	undecided func(f Facts, t target) string
}

// tierRules are the tier rules, in the order they are applied.
var tierRules = []tierRule{
	{id: RuleNoAutoSel, selection: true, forbids: func(f Facts, t target) string {
		if f.NoAutoSel == "" {
			return ""
		}
		return "its author forbids automatic selection for stable: " + f.NoAutoSel
	}},
	{id: RuleABIBreak, forbids: func(f Facts, t target) string {
		if !f.ABI.IsBreak() || t.line.Tier == branches.TierTrunk {
			return ""
		}
		return fmt.Sprintf("removes or moves exported symbols %v: only trunk may break the ABI", append(slices.Clone(f.ABI.Removed), f.ABI.Moved...))
	}},
	{id: RuleABIAddition, forbids: func(f Facts, t target) string {
		if len(f.ABI.Added) == 0 || !t.stable {
			return ""
		}
		return fmt.Sprintf("adds exported symbols %v: stable line %s takes no new symbols", f.ABI.Added, t.line.Name)
	}},
	{id: RuleStableFixesOnly, forbids: func(f Facts, t target) string {
		if !t.stable || f.Feature == "" {
			return ""
		}
		return fmt.Sprintf("a feature (%s): stable line %s takes fixes only", f.Feature, t.line.Name)
	}, undecided: func(f Facts, t target) string {
		if !t.stable || f.IsFix() || f.Feature != "" || len(f.ABI.Added) > 0 || f.ABI.IsBreak() {
			return ""
		}
		return "no fix evidence: a person decides"
	}},
}

// tierFindings applies the tier rules to one commit for a line, in order;
// selection rules only when asked for.
func tierFindings(f Facts, t target, selection bool) []Finding {
	var out []Finding
	for _, r := range tierRules {
		if r.selection && !selection {
			continue
		}
		if why := r.forbids(f, t); why != "" {
			out = append(out, Finding{r.id, why})
		}
	}
	return out
}

// tierUndecided returns the tier rules that leave f on t to a person.
func tierUndecided(f Facts, t target) []Finding {
	var out []Finding
	for _, r := range tierRules {
		if r.undecided == nil {
			continue
		}
		if why := r.undecided(f, t); why != "" {
			out = append(out, Finding{r.id, why})
		}
	}
	return out
}

// VerdictKind is a verdict of backport eligibility (DESIGN §4).
type VerdictKind string

// The verdicts, in the order a plan's summary counts them.
const (
	Eligible           VerdictKind = "eligible"
	NeedsPrerequisites VerdictKind = "needs-prerequisites"
	Review             VerdictKind = "review"
	NeedsAdaptation    VerdictKind = VerdictKind(RuleNeedsAdaptation)
	AlreadyApplied     VerdictKind = VerdictKind(RuleAlreadyApplied)
	NotNeeded          VerdictKind = "not-needed"
	Forbidden          VerdictKind = "forbidden"
)

// Verdicts lists every verdict, in the order a plan's summary counts them.
var Verdicts = []VerdictKind{Eligible, NeedsPrerequisites, Review, NeedsAdaptation, AlreadyApplied, NotNeeded, Forbidden}

// ParseVerdicts reads verdict names ("eligible", "review"), for a filter;
// nil names give a nil set: no filter.
func ParseVerdicts(names []string) (map[VerdictKind]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	show := map[VerdictKind]bool{}
	for _, name := range names {
		k := VerdictKind(strings.TrimSpace(name))
		if !slices.Contains(Verdicts, k) {
			all := make([]string, len(Verdicts))
			for i, v := range Verdicts {
				all[i] = string(v)
			}
			return nil, fmt.Errorf("%q: unknown verdict (verdicts: %s)", name, strings.Join(all, ", "))
		}
		show[k] = true
	}
	return show, nil
}
