package policies

// RuleID names a rule of backport eligibility (DESIGN §4). Each literal
// appears once in Go code, here.
type RuleID string

const (
	// RuleStableFixesOnly forbids a non-fix on a stable line: a fix has a
	// Fixes: trailer, reverts a commit, is a backport, or is nominated by a
	// configured trailer (Cc: stable@vger.kernel.org).
	RuleStableFixesOnly RuleID = "stable-fixes-only"
	// RuleBugNotPresent makes a fix not needed when none of its Fixes
	// targets, nor an equivalent, is on the line.
	RuleBugNotPresent RuleID = "bug-not-present"
	// RuleFixesUnresolved warns of a Fixes: target that resolves to nothing,
	// by sha or by subject; it never decides a verdict.
	RuleFixesUnresolved RuleID = "fixes-unresolved"
	// RuleRevertedUpstream forbids a commit reverted on the source line
	// (the revert not itself reverted), and makes the revert of a commit the
	// line never had not needed.
	RuleRevertedUpstream RuleID = "reverted-upstream"
	// RuleABIBreak forbids removing or moving an exported symbol on every
	// line but trunk.
	RuleABIBreak RuleID = "abi-break"
	// RuleABIAddition forbids adding an exported symbol on a stable line.
	RuleABIAddition RuleID = "abi-addition"
	// RulePrerequisites reports a patch whose pre-image is not on the line,
	// naming the source commits that introduced the missing lines.
	RulePrerequisites RuleID = "prerequisites"
	// RuleAlreadyApplied reports a commit the line has: reachable, named by
	// a backport marker, with an equal patch-id, or (edited) with the same
	// subject and author.
	RuleAlreadyApplied RuleID = "already-applied"
	// RuleKernelTooNew forbids a commit needing a kernel feature newer than
	// the line's baseline: an identifier its added lines use (an enum
	// constant, a kfunc) that the baseline kernel's BTF lacks. The message
	// names the feature and the kernel that has it.
	RuleKernelTooNew RuleID = "kernel-too-new"
	// RuleNoAutoSel forbids automatic selection of a commit that carries
	// Cc: <stable+noautosel@kernel.org>, with the reason it gives.
	RuleNoAutoSel RuleID = "no-autosel"
)

// Verdicts of backport eligibility.
type VerdictKind string

const (
	Eligible           VerdictKind = "eligible"
	NeedsPrerequisites VerdictKind = "needs-prerequisites"
	AlreadyApplied     VerdictKind = "already-applied"
	NotNeeded          VerdictKind = "not-needed"
	Forbidden          VerdictKind = "forbidden"
)
