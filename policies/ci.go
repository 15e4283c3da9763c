package policies

import (
	"fmt"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
)

// PullRequest is what `tiered ci` checks: the commits a pull request adds
// to a line (Base..Head, Base on the line), judged as backports from the
// source line, then the gates a release of the result would pass.
type PullRequest struct {
	Target, Source *branches.Line
	Base, Head     string // full shas
	// Kernels is the kernel BTF for kernel-too-new and the features gate;
	// nil skips both.
	Kernels *kernel.Index
	// RefExists reports a ref's target, for the refs gate.
	RefExists func(string) (string, bool)
}

// PullRequestCheck is the answer of `tiered ci`.
type PullRequestCheck struct {
	Line  string `json:"line"`
	From  string `json:"from"`
	Range string `json:"range"`
	// Commits are the pull request's commits in apply order, each with the
	// verdict of the upstream commit it backports (or its own, when it
	// names none) and the rules that decided it.
	Commits []PullRequestCommit `json:"commits"`
	// Release is what a release of the line with the pull request merged
	// would be, and its gates.
	Release *NextReport `json:"release"`
	// Failed reports a forbidden commit or a refusing gate.
	Failed bool `json:"failed"`
}

// PullRequestCommit is one commit of a pull request and its verdict.
type PullRequestCommit struct {
	// Commit is the pull request's commit; Upstream the source commit it
	// names as its origin, "" when it names none.
	Commit   string `json:"commit"`
	Upstream string `json:"upstream,omitempty"`
	Verdict
}

// CheckPullRequest judges the commits of a pull request for its target
// line. A commit that names its upstream commit (cherry-pick -x and the
// kernel's markers) is judged as that commit: its tier rules, whether it
// was reverted upstream, whether the line already has it, whether its bug
// is on the line; prerequisites the pull request itself brings earlier
// count as brought. A commit that names none is judged itself, and the
// upstream-first rule decides. Then the gates of the line at Head.
func CheckPullRequest(h History, p *Policy, st *branches.Status, pr PullRequest) (*PullRequestCheck, error) {
	c := &PullRequestCheck{Line: pr.Target.Name, From: pr.Source.Name, Range: branches.Short(pr.Base) + ".." + branches.Short(pr.Head), Commits: []PullRequestCommit{}}
	commits, err := h.Between([]string{pr.Base}, pr.Head)
	if err != nil {
		return nil, err
	}
	b, err := NewBackport(h, p, st, pr.Target, pr.Source, pr.Base, "")
	if err != nil {
		return nil, err
	}
	if pr.Kernels != nil && !pr.Target.Kernel.IsZero() {
		needs, err := pr.Kernels.Needs()
		if err != nil {
			return nil, err
		}
		b.UseKernels(needs)
	}
	brought := map[string]bool{} // upstream commits earlier commits of the PR bring
	for _, x := range commits {
		if x.IsMerge() {
			continue
		}
		brought[x.Hash] = true
		pc := PullRequestCommit{Commit: x.Hash}
		judged := x.Hash
		for _, sha := range ParseTrailers(x.Subject, x.Message, nil).BackportOf {
			full, ok := h.ResolveSHA(sha)
			if !ok {
				continue
			}
			if on, err := h.IsAncestor(full, pr.Source.Tip); err != nil {
				return nil, err
			} else if on {
				judged, pc.Upstream = full, full
				break
			}
		}
		v, err := b.Check(judged)
		if err != nil {
			return nil, err
		}
		pc.Verdict = *v
		pc.Verdict.Commit, pc.Verdict.Subject = x.Hash, x.Subject
		if pc.Verdict.Verdict == NeedsPrerequisites {
			var missing []string
			for _, pre := range v.Prerequisites {
				if !brought[pre] {
					missing = append(missing, pre)
				}
			}
			if len(missing) == 0 {
				pc.Verdict.Verdict = Eligible
				pc.Verdict.Reasons = append(append([]string{}, v.Reasons...), "its prerequisites come earlier in this pull request")
			}
			pc.Verdict.Prerequisites = missing
		}
		if pc.Upstream != "" {
			brought[pc.Upstream] = true
		}
		if pc.Verdict.Verdict == Forbidden {
			c.Failed = true
		}
		c.Commits = append(c.Commits, pc)
	}
	// The line with the pull request merged: its tip is Head.
	merged := *pr.Target
	merged.Tip = pr.Head
	if c.Release, err = NextWithGates(h, p, st, &merged, pr.Kernels, pr.RefExists); err != nil {
		return nil, fmt.Errorf("gates of %s at %s: %w", pr.Target.Name, branches.Short(pr.Head), err)
	}
	if c.Release.No() {
		c.Failed = true
	}
	return c, nil
}
