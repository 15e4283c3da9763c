package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tiered-release/tiered/branches"
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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMMIT\tVERDICT\tRULES\tSUBJECT")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", branches.Short(v.Commit), v.Verdict, dash(JoinRules(v.Rules)), v.Subject)
		for _, r := range v.Reasons {
			fmt.Fprintf(tw, "\t\t\t  %s\n", r)
		}
		if long && len(v.Prerequisites) > 0 {
			fmt.Fprintf(tw, "\t\t\t  apply first: %s\n", strings.Join(v.Prerequisites, " "))
		}
	}
	tw.Flush()
}
