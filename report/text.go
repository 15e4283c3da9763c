package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
)

// StatusLine is one line of `tiered status --json` (DESIGN §9).
type StatusLine struct {
	Name       string   `json:"name"`
	Tier       string   `json:"tier"`
	Branch     string   `json:"branch"`
	Kernel     string   `json:"kernel"`
	KernelFrom string   `json:"kernel_from,omitempty"`
	Latest     string   `json:"latest"`
	Releases   []string `json:"releases"`
	Unreleased int      `json:"unreleased"`
	Parent     string   `json:"parent,omitempty"`
	ForkPoint  string   `json:"fork_point,omitempty"`
}

// StatusReport is `tiered status --json`: every line and the anomalies.
type StatusReport struct {
	Lines     []StatusLine       `json:"lines"`
	Anomalies []branches.Anomaly `json:"anomalies"`
}

// StatusOf is what `tiered status` shows of a repository.
func StatusOf(st *branches.Status) StatusReport {
	rep := StatusReport{Lines: []StatusLine{}, Anomalies: st.Anomalies}
	if rep.Anomalies == nil {
		rep.Anomalies = []branches.Anomaly{}
	}
	for _, l := range st.Lines {
		sl := StatusLine{
			Name: l.Name, Tier: l.Tier, Branch: l.Branch, Kernel: l.Kernel.String(), KernelFrom: l.KernelFrom,
			Releases: []string{}, Unreleased: l.Unreleased, Parent: l.Parent, ForkPoint: l.ForkPoint,
		}
		if l.Latest != nil {
			sl.Latest = l.Latest.Name
		}
		for _, r := range l.Releases {
			sl.Releases = append(sl.Releases, r.Name)
		}
		rep.Lines = append(rep.Lines, sl)
	}
	return rep
}

// Status writes the status as a table, then the anomalies.
func Status(w io.Writer, rep StatusReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tTIER\tBRANCH\tKERNEL\tLATEST\tRELEASES\tUNRELEASED\tFORK POINT")
	for _, l := range rep.Lines {
		fork := "-"
		if l.ForkPoint != "" {
			fork = branches.Short(l.ForkPoint) + " from " + l.Parent
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", l.Name, l.Tier, dash(l.Branch), dash(l.Kernel), dash(l.Latest),
			len(l.Releases), l.Unreleased, fork)
	}
	tw.Flush()
	if len(rep.Anomalies) > 0 {
		fmt.Fprintf(w, "\n%d anomalies:\n", len(rep.Anomalies))
		for _, a := range rep.Anomalies {
			fmt.Fprintf(w, "  %-20s %s\n", a.Kind, a.Message)
		}
	}
}

// dash writes "-" for an empty field.
func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// Cut writes a planned or written cut: the version, why, the gates, and
// what was (or would be) written.
func Cut(w io.Writer, c *policies.Cut) {
	at := branches.Short(c.Commit)
	switch {
	case c.Version == "":
		fmt.Fprintf(w, "cut on line %s at %s: refused\n", c.Line, at)
	default:
		fmt.Fprintf(w, "cut %s on line %s (%s bump) at %s\n", c.Version, c.Line, c.Bump, at)
	}
	for _, r := range c.Reasons {
		fmt.Fprintf(w, "  %s\n", r)
	}
	Gates(w, c.Gates)
	switch {
	case c.Refused:
		fmt.Fprintln(w, "refused: nothing written")
		return
	case c.DryRun:
		fmt.Fprintln(w, "would write (dry run):")
	default:
		fmt.Fprintln(w, "wrote:")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, u := range c.Updates {
		if strings.HasPrefix(u.Name, "refs/tags/") {
			fmt.Fprintf(tw, "  %s\ttag %s -> %s\n", u.Name, branches.Short(u.New), at)
		} else {
			fmt.Fprintf(tw, "  %s\t%s\n", u.Name, branches.Short(u.New))
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "annotation:")
	for _, l := range strings.Split(strings.TrimRight(c.Annotation, "\n"), "\n") {
		fmt.Fprintf(w, "  | %s\n", l)
	}
}

// Gates lists gates, one line each, a failed gate with the rules that
// refused, further reasons indented below.
func Gates(w io.Writer, gates []policies.Gate) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, g := range gates {
		status := string(g.Status)
		if g.Status == policies.GateFailed && len(g.Rules) > 0 {
			status += ": " + JoinRules(g.Rules)
		}
		if len(g.Reasons) == 0 {
			fmt.Fprintf(tw, "gate %s\t%s\n", g.Name, status)
			continue
		}
		fmt.Fprintf(tw, "gate %s\t%s\t%s\n", g.Name, status, g.Reasons[0])
		for _, r := range g.Reasons[1:] {
			fmt.Fprintf(tw, "\t\t%s\n", r)
		}
	}
	tw.Flush()
}

// JoinRules writes rule IDs as a comma-separated list.
func JoinRules(rules []policies.RuleID) string {
	s := make([]string, len(rules))
	for i, r := range rules {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// Next writes what the next release of a line would be, and why.
func Next(w io.Writer, np *policies.NextPlan) {
	cur := np.Current
	if cur == "" {
		cur = "(none)"
	}
	switch np.Bump {
	case policies.BumpNone:
		fmt.Fprintf(w, "line %s: at %s, nothing to release\n", np.Line, cur)
	case policies.BumpRefused:
		fmt.Fprintf(w, "line %s: at %s, no release possible (%s)\n", np.Line, cur, JoinRules(np.Rules))
	default:
		fmt.Fprintf(w, "line %s: %s -> %s (%s bump)\n", np.Line, cur, np.Next, np.Bump)
	}
	for _, r := range np.Reasons {
		fmt.Fprintf(w, "  %s\n", r)
	}
}

// CI writes a pull request check: the verdicts, then the release.
func CI(w io.Writer, c *policies.PullRequestCheck) {
	verdict := "passes"
	if c.Failed {
		verdict = "fails"
	}
	fmt.Fprintf(w, "pull request %s into %s (from %s): %s\n", c.Range, c.Line, c.From, verdict)
	vs := make([]policies.Verdict, len(c.Commits))
	for i, x := range c.Commits {
		vs[i] = x.Verdict
		if x.Upstream != "" {
			vs[i].Reasons = append([]string{"backports " + x.Upstream[:12]}, x.Reasons...)
		}
	}
	Verdicts(w, vs, true)
	if r := c.Release; r != nil {
		Next(w, r.NextPlan)
		Gates(w, r.Gates)
	}
}

// Verdicts writes a table of verdicts, each with its rules and reasons;
// long adds the prerequisites to apply first.
func Verdicts(w io.Writer, vs []policies.Verdict, long bool) {
	rows := verdictRows(vs, long)
	if !alignedAlone(rows) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			io.WriteString(tw, r[0]+"\t"+r[1]+"\t"+r[2]+"\t"+r[3]+"\n")
		}
		tw.Flush()
		return
	}
	// The columns aligned here, as tabwriter (padding 2, spaces) would:
	// a plan at 1M commits writes 65k lines, a third of its time after
	// one new commit in tabwriter's cell bookkeeping.
	var width [3]int
	for _, r := range rows {
		for j := range width {
			width[j] = max(width[j], utf8.RuneCountInString(r[j]))
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	spaces := strings.Repeat(" ", max(width[0], width[1], width[2])+2)
	for _, r := range rows {
		for j := range width {
			bw.WriteString(r[j])
			bw.WriteString(spaces[:width[j]+2-utf8.RuneCountInString(r[j])])
		}
		bw.WriteString(r[3])
		bw.WriteByte('\n')
	}
	bw.Flush()
}

// verdictRows lays out a verdict table: per line, three aligned cells
// and the rest of the line.
func verdictRows(vs []policies.Verdict, long bool) [][4]string {
	rows := make([][4]string, 0, 1+3*len(vs))
	rows = append(rows, [4]string{"COMMIT", "VERDICT", "RULES", "SUBJECT"})
	for _, v := range vs {
		rows = append(rows, [4]string{branches.Short(v.Commit), string(v.Verdict), dash(JoinRules(v.Rules)), v.Subject})
		for _, r := range v.Reasons {
			rows = append(rows, [4]string{3: "  " + r})
		}
		if len(v.Signals) > 0 {
			rows = append(rows, [4]string{3: "  rank " + rankOf(v) + ": " + strings.Join(v.Signals, "; ")})
		}
		if long && len(v.Prerequisites) > 0 {
			rows = append(rows, [4]string{3: "  apply first: " + strings.Join(v.Prerequisites, " ")})
		}
	}
	return rows
}

// alignedAlone reports whether no cell holds a byte tabwriter treats
// specially (cell and line ends, its escape), so that padding each
// column to its widest cell is what tabwriter would write.
func alignedAlone(rows [][4]string) bool {
	for _, r := range rows {
		for _, c := range r {
			for i := 0; i < len(c); i++ {
				switch c[i] {
				case '\t', '\v', '\f', '\n', tabwriter.Escape:
					return false
				}
			}
		}
	}
	return true
}

// Features writes a features check: what was checked against which
// kernel, each missing feature with why and the commits that added and
// removed it (describe names a commit), renames, and the unverifiable
// features grouped by why.
func Features(w io.Writer, rev string, r *kernel.Report, describe func(sha string) string) {
	against := "kernel " + r.Kernel
	switch {
	case r.Provisional:
		against += " (provisional: no final BTF yet, checked against its newest -rc)"
	case r.Stable && r.Baseline != "":
		against += fmt.Sprintf(" (a stable update of %s)", r.Baseline)
	case r.KernelBy == kernel.ByRunning || r.KernelBy == kernel.ByBanner:
		against += fmt.Sprintf(" (%s)", r.KernelBy)
	}
	if r.Headers != "" {
		against += ", with its headers " + r.Headers
	}
	for _, sk := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", sk.Path, sk.Reason)
	}
	fmt.Fprintf(w, "%s (%s) against %s: %d needed, %d missing, %d unverifiable\n",
		rev, r.Commit[:12], against, r.Checked, len(r.Missing), len(r.Unverifiable))
	for _, m := range r.Missing {
		fmt.Fprintf(w, "missing %s (%s, %s)\n", m.Feature, m.Kind, m.Source)
		fmt.Fprintf(w, "  %s\n", m.Reason)
		for _, sha := range m.IntroducedBy {
			fmt.Fprintf(w, "  added by    %s\n", describe(sha))
		}
		for _, sha := range m.RevertedBy {
			fmt.Fprintf(w, "  reverted by %s\n", describe(sha))
		}
		for _, sha := range m.RemovedBy {
			fmt.Fprintf(w, "  removed by  %s\n", describe(sha))
		}
	}
	for _, m := range r.Renamed {
		fmt.Fprintf(w, "renamed %s: %s\n", m.Feature, m.Reason)
	}
	// Unverifiable features, grouped by why, with a few examples each.
	byReason := map[string][]string{}
	for _, u := range r.Unverifiable {
		byReason[u.Reason] = append(byReason[u.Reason], u.Feature)
	}
	reasons := make([]string, 0, len(byReason))
	for k := range byReason {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if a, b := len(byReason[reasons[i]]), len(byReason[reasons[j]]); a != b {
			return a > b
		}
		return reasons[i] < reasons[j]
	})
	for _, why := range reasons {
		ids := byReason[why]
		ex := ids
		if len(ex) > 3 {
			ex = append(ex[:3:3], "…")
		}
		fmt.Fprintf(w, "unverifiable %d: %s (%s)\n", len(ids), why, strings.Join(ex, ", "))
	}
	if r.OK() {
		fmt.Fprintf(w, "ok: every verifiable feature is in %s\n", against)
	}
}

// Matrix writes a features matrix: per kernel what a release needs that
// it has, misses or cannot verify, then the features no kernel has and
// the oldest kernel with every required feature.
func Matrix(w io.Writer, rev, source string, m *kernel.Matrix) {
	for _, sk := range m.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", sk.Path, sk.Reason)
	}
	fmt.Fprintf(w, "%s (%s) needs %d kernel features; %d kernels in %s\n", rev, short(m.Commit), m.Checked, len(m.Kernels), source)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "KERNEL\tHAS\tMISSING\tUNVERIFIABLE\tFIRST HERE")
	if len(m.Required) > 0 {
		fmt.Fprint(tw, "\tREQUIRED")
	}
	fmt.Fprintln(tw)
	for _, k := range m.Kernels {
		name := k.Kernel
		if k.Headers != "" {
			name += " +headers"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d", name, k.Has, k.Missing, k.Unverifiable, k.First)
		if len(m.Required) > 0 {
			fmt.Fprintf(tw, "\t%s", map[bool]string{true: "all", false: "no"}[k.Required])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(m.Nowhere) > 0 {
		fmt.Fprintf(w, "no released kernel has %d: %s\n", len(m.Nowhere), examples(m.Nowhere, 8))
	} else {
		fmt.Fprintln(w, "no feature is missing from every kernel")
	}
	if len(m.Unknown) > 0 {
		fmt.Fprintf(w, "in no kernel, and the newest cannot say for %d: %s\n", len(m.Unknown), examples(m.Unknown, 3))
	}
	switch {
	case len(m.Required) == 0:
	case m.Oldest != "":
		fmt.Fprintf(w, "oldest kernel with all %d required features: %s\n", len(m.Required), m.Oldest)
	default:
		fmt.Fprintf(w, "no kernel has all %d required features (%s)\n", len(m.Required), examples(m.Required, 8))
	}
}

// examples joins the first n of ids, and says how many more there are.
func examples(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}

// summaryTop is how many candidates a plan's summary names: eligible
// ones first, at most summaryEligible of them, then review by rank.
const (
	summaryTop      = 10
	summaryEligible = 6
)

// Summary writes a plan's first screen: the count of each verdict
// and the top candidates, eligible first, then review by rank.
func Summary(w io.Writer, pl *policies.Plan) {
	fmt.Fprintf(w, "plan for %s from %s: %d commits\n", pl.Line, pl.From, len(pl.Commits))
	var counts []string
	for _, k := range policies.Verdicts {
		if n := pl.Counts[k]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(counts) > 0 {
		fmt.Fprintf(w, "  %s\n", strings.Join(counts, ", "))
	}
	eligible := pl.ApplyOrder(nil)
	var review []policies.Verdict
	for _, v := range pl.Commits {
		if v.Verdict == policies.Review && v.Rank > 0 {
			review = append(review, v)
		}
	}
	ne := min(len(eligible), summaryEligible)
	nr := min(len(review), summaryTop-ne)
	ne = min(len(eligible), summaryTop-nr)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if ne > 0 {
		fmt.Fprintf(tw, "to apply, in order (%d of %d):\n", ne, len(eligible))
		for _, v := range eligible[:ne] {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", branches.Short(v.Commit), v.Verdict, v.Subject)
		}
	}
	if nr > 0 {
		fmt.Fprintf(tw, "to review, by rank (%d of %d):\n", nr, len(review))
		for _, v := range review[:nr] {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", branches.Short(v.Commit), rankOf(v), v.Subject)
		}
	}
	tw.Flush()
}

// CherryPicks writes the commands that apply a plan's commits to
// take (with show nil, the eligible ones and their prerequisites), in
// apply order.
func CherryPicks(w io.Writer, pl *policies.Plan, show map[policies.VerdictKind]bool) {
	for _, v := range pl.ApplyOrder(show) {
		fmt.Fprintf(w, "git cherry-pick -x %s  # %s\n", v.Commit, v.Subject)
	}
}

// rankOf writes a review verdict's place and score: "#3 (+5)", or the
// score alone outside a plan.
func rankOf(v policies.Verdict) string {
	if v.Rank > 0 {
		return fmt.Sprintf("#%d (%+d)", v.Rank, v.Score)
	}
	return fmt.Sprintf("%+d", v.Score)
}

// Replay writes a replay: per release of the line, how the plan as of
// that release rated what the line took next, then the misses.
func Replay(w io.Writer, r *policies.ReplayReport) {
	fmt.Fprintf(w, "replay of %s from %s: %d release(s) planned, %d picks\n", r.Line, r.From, len(r.Steps), r.Picks)
	fmt.Fprintf(w, "  recall %.2f (%d of %d picks not rated forbidden or not-needed); %d forbidden, %d not-needed\n", r.Recall, r.Recalled, r.Picks, r.Forbidden, r.NotNeeded)
	fmt.Fprintf(w, "  eligible precision %.2f before the next release, %.2f by the line's last\n", r.Precision, r.PrecisionLater)
	fmt.Fprintf(w, "  picks rated needs-adaptation: %d, taken edited: %d\n", r.Adaptations, r.Adapted)
	fmt.Fprintf(w, "  picks rated review: median rank %g in review lists of median length %g\n", r.MedianRank, r.MedianReview)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RELEASE\tNEXT\tCANDIDATES\tPICKS\tLINE-ONLY\tRECALLED\tFORBIDDEN\tNOT-NEEDED\tELIGIBLE\tTAKEN\tREVIEW\tPICK RANKS")
	for _, s := range r.Steps {
		ranks := make([]string, len(s.ReviewRanks))
		for i, x := range s.ReviewRanks {
			ranks[i] = fmt.Sprint(x)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", s.Release, s.Next, s.Candidates, s.Picks, s.LineOnly, s.Recalled,
			s.Verdicts[policies.Forbidden], s.Verdicts[policies.NotNeeded], s.Eligible, s.Picked, s.Review, dash(strings.Join(ranks, " ")))
	}
	tw.Flush()
	for _, s := range r.Steps {
		for _, m := range s.Missed {
			fmt.Fprintf(w, "missed at %s: %s %q (taken as %s) %s %s: %s\n", s.Release, branches.Short(m.Source), m.Subject, branches.Short(m.Commit), m.Verdict, JoinRules(m.Rules), strings.Join(m.Reasons, "; "))
		}
	}
}
