package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/tiered-release/tiered/policies"
)

// Markdown renders the dashboard as Markdown tables, for a pull-request
// comment or $GITHUB_STEP_SUMMARY: the lines with their next release and
// gates, the pending backports, and the anomalies.
func Markdown(title string, d *policies.Dashboard) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## %s: releases\n\n", cell(title))
	fmt.Fprintf(&b, "Scheme `%s`, trunk `%s`, %d lines, %d releases.\n\n", d.Scheme, d.Trunk, len(d.Lines), len(d.Releases))
	b.WriteString("| line | kernel | latest | unreleased | next | gates |\n|---|---|---|---:|---|---|\n")
	for _, l := range d.Lines {
		next, gates := "", ""
		if n := l.Next; n != nil {
			switch n.Bump {
			case policies.BumpRefused:
				next = "**refused** (" + rules(n.Rules) + ")"
			case policies.BumpNone:
				next = "nothing to release"
			default:
				next = fmt.Sprintf("%s → **%s** (%s)", or(n.Current, "none"), n.Next, n.Bump)
			}
			var gs []string
			for _, g := range n.Gates {
				s := fmt.Sprintf("%s %s", g.Name, g.Status)
				if g.Status == policies.GateFailed {
					s = fmt.Sprintf("**%s failed** (%s)", g.Name, rules(g.Rules))
				}
				gs = append(gs, s)
			}
			gates = strings.Join(gs, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s |\n", cell(l.Name), cell(or(l.Kernel, "-")), cell(or(l.Latest, "-")), l.Unreleased, cell(next), cell(gates))
	}
	var planned bool
	for _, l := range d.Lines {
		s := l.Backports
		if s == nil {
			continue
		}
		if !planned {
			b.WriteString("\n### Pending backports\n\n| line | from | verdicts | apply first |\n|---|---|---|---|\n")
			planned = true
		}
		var cs, top []string
		for _, c := range counts(s.Counts) {
			cs = append(cs, fmt.Sprintf("%d %s", c.N, c.Verdict))
		}
		for _, v := range s.Top {
			top = append(top, fmt.Sprintf("`%s` %s", short(v.Commit), v.Subject))
		}
		if len(cs) == 0 {
			cs = []string{"nothing pending"}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(l.Name), cell(s.From), cell(strings.Join(cs, ", ")), cell(strings.Join(top, "<br>")))
	}
	if x := d.Matrix; x != nil {
		fmt.Fprintf(&b, "\n### Kernel features of trunk\n\n%d features; ", x.Checked)
		if x.Oldest != "" {
			fmt.Fprintf(&b, "the oldest kernel with every required feature: **%s**; ", x.Oldest)
		}
		fmt.Fprintf(&b, "no kernel has %d.\n\n| kernel | has | missing | unverifiable |\n|---|---:|---:|---:|\n", len(x.Nowhere))
		for _, k := range x.Kernels {
			fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", cell(k.Kernel), k.Has, k.Missing, k.Unverifiable)
		}
	}
	if len(d.Anomalies) > 0 {
		b.WriteString("\n### Anomalies\n\n")
		for _, a := range d.Anomalies {
			fmt.Fprintf(&b, "- `%s` %s\n", a.Kind, a.Message)
		}
	}
	return b.Bytes()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
