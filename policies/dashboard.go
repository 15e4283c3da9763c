package policies

import (
	"errors"
	"slices"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
)

// NextReport is `tiered next`: the next release of a line and the gates
// `cut` would run for it (DESIGN §9).
type NextReport struct {
	*NextPlan
	Gates   []Gate `json:"gates"`
	Refused bool   `json:"refused"`
}

// No reports whether the line cannot release: its tier rules or a gate
// refuse.
func (r *NextReport) No() bool { return r.Bump == BumpRefused || r.Refused }

// NextWithGates computes the next release of line and, when its version
// is decided (a new kernel line waits for its baseline), runs the gates
// cut would run, all but the tier rules Next already applied. kernels may
// be nil: the features gate is then skipped. refExists may be nil.
func NextWithGates(h History, p *Policy, st *branches.Status, line *branches.Line, kernels *kernel.Index, refExists func(string) (string, bool)) (*NextReport, error) {
	np, err := Next(h, p, st, line)
	if err != nil {
		return nil, err
	}
	rep := &NextReport{NextPlan: np, Gates: []Gate{}}
	if np.Bump == BumpRefused || np.Bump == BumpNone {
		return rep, nil
	}
	c, err := PlanCut(h, p, st, CutRequest{Line: line, Kernels: kernels, RefExists: refExists})
	switch {
	case errors.Is(err, ErrNeedKernel):
		return rep, nil
	case err != nil:
		return nil, err
	}
	for _, g := range c.Gates {
		if g.Name != GateTiers {
			rep.Gates = append(rep.Gates, g)
		}
	}
	rep.Refused = c.Refused
	return rep, nil
}

// Dashboard is everything a release dashboard shows of a repository:
// every line with its next release and gates, the pending backports of
// the newest lines, and the anomalies of its history.
type Dashboard struct {
	Scheme string `json:"scheme"`
	Trunk  string `json:"trunk"`
	// Releases names every release, oldest first.
	Releases  []string           `json:"releases"`
	Lines     []LineReport       `json:"lines"`
	Anomalies []branches.Anomaly `json:"anomalies"`
	// Matrix is trunk's kernel features against every kernel of the BTF
	// the policy names; nil without BTF or declared features.
	Matrix *kernel.Matrix `json:"matrix,omitempty"`
}

// LineReport is one line of a [Dashboard].
type LineReport struct {
	Name       string   `json:"name"`
	Tier       string   `json:"tier"`
	Branch     string   `json:"branch"`
	Kernel     string   `json:"kernel"`
	Latest     string   `json:"latest"`
	Releases   []string `json:"releases"`
	Unreleased int      `json:"unreleased"`
	Parent     string   `json:"parent,omitempty"`
	ForkPoint  string   `json:"fork_point,omitempty"`
	// Next is what `tiered next` says of the line.
	Next *NextReport `json:"next"`
	// Backports summarizes the plan from the line's parent; nil for trunk
	// and for lines older than the dashboard plans.
	Backports *BackportSummary `json:"backports,omitempty"`
}

// BackportSummary is a backport plan in short: how many commits have each
// verdict, and the first candidates to apply.
type BackportSummary struct {
	From   string              `json:"from"`
	Counts map[VerdictKind]int `json:"counts"`
	Top    []Verdict           `json:"top"`
}

// DashboardOptions bound the work of a dashboard.
type DashboardOptions struct {
	// Kernels is the kernel BTF for the features gate; nil skips it.
	Kernels *kernel.Index
	// RefExists reports a ref's target, for the refs gate; nil: none exist.
	RefExists func(string) (string, bool)
	// PlanLines is how many of the newest non-trunk lines get a backport
	// plan (each plan reads every commit trunk has beyond the line).
	PlanLines int
	// Top is how many candidates a summary lists.
	Top int
	// Memory and MemoryKey, if set, let each plan reuse the verdicts of
	// the last one of its line ([Backport.Remember]).
	Memory    PlanMemory
	MemoryKey string
}

// BuildDashboard gathers a [Dashboard]: for every line, its status and
// what next would say; for the PlanLines newest lines but trunk, the
// backport plan from trunk, in short.
func BuildDashboard(h History, p *Policy, st *branches.Status, o DashboardOptions) (*Dashboard, error) {
	d := &Dashboard{Scheme: string(st.Scheme), Trunk: p.Trunk, Releases: []string{}, Lines: []LineReport{}, Anomalies: st.Anomalies}
	for _, r := range st.Releases {
		d.Releases = append(d.Releases, r.Name)
	}
	if d.Anomalies == nil {
		d.Anomalies = []branches.Anomaly{}
	}
	// The newest lines: by their latest release, newest first.
	var newest []*branches.Line
	for _, l := range st.Lines {
		if l.Tier != branches.TierTrunk && l.Latest != nil {
			newest = append(newest, l)
		}
	}
	slices.SortStableFunc(newest, func(a, b *branches.Line) int { return b.Latest.Version.Compare(a.Latest.Version) })
	if len(newest) > o.PlanLines {
		newest = newest[:o.PlanLines]
	}
	var trunk *branches.Line
	for _, l := range st.Lines {
		if l.Tier == branches.TierTrunk {
			trunk = l
		}
	}
	for _, l := range st.Lines {
		lr := LineReport{Name: l.Name, Tier: l.Tier, Branch: l.Branch, Kernel: l.Kernel.String(), Releases: []string{},
			Unreleased: l.Unreleased, Parent: l.Parent, ForkPoint: l.ForkPoint}
		if l.Latest != nil {
			lr.Latest = l.Latest.Name
		}
		for _, r := range l.Releases {
			lr.Releases = append(lr.Releases, r.Name)
		}
		next, err := NextWithGates(h, p, st, l, o.Kernels, o.RefExists)
		if err != nil {
			return nil, err
		}
		lr.Next = next
		if trunk != nil && slices.Contains(newest, l) {
			b, err := NewBackport(h, p, st, l, trunk, "", "")
			if err != nil {
				return nil, err
			}
			b.Remember(o.Memory, o.MemoryKey)
			pl, err := b.Plan()
			if err != nil {
				return nil, err
			}
			lr.Backports = summarizePlan(pl, o.Top)
		}
		d.Lines = append(d.Lines, lr)
	}
	if o.Kernels != nil && trunk != nil && (len(p.UAPI.Headers) > 0 || p.Features.Manifest != "") {
		m, err := FeaturesMatrix(h, p, o.Kernels, p.Trunk, trunk.Tip)
		if err != nil {
			return nil, err
		}
		d.Matrix = m
	}
	return d, nil
}

// summarizePlan counts a plan's verdicts and keeps the first candidates to
// apply: eligible ones, then those needing prerequisites.
func summarizePlan(pl *Plan, top int) *BackportSummary {
	s := &BackportSummary{From: pl.From, Counts: map[VerdictKind]int{}, Top: []Verdict{}}
	for _, v := range pl.Commits {
		s.Counts[v.Verdict]++
	}
	for _, kind := range []VerdictKind{Eligible, NeedsPrerequisites} {
		for _, v := range pl.Commits {
			if v.Verdict == kind && len(s.Top) < top {
				s.Top = append(s.Top, v)
			}
		}
	}
	return s
}
