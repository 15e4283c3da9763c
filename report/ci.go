package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/tiered-release/tiered/policies"
)

// CIMarkdown renders a pull request check as Markdown: a table of the
// commits with their verdicts and rules, then the gates of the release.
func CIMarkdown(c *policies.PullRequestCheck) []byte {
	var b bytes.Buffer
	status := "passes"
	if c.Failed {
		status = "**fails**"
	}
	fmt.Fprintf(&b, "## tiered ci: %s into %s %s\n\n", cell(c.Range), cell(c.Line), status)
	b.WriteString("| commit | upstream | verdict | rules | subject |\n|---|---|---|---|---|\n")
	for _, x := range c.Commits {
		up := "-"
		if x.Upstream != "" {
			up = "`" + short(x.Upstream) + "`"
		}
		verdict := string(x.Verdict.Verdict)
		if x.Verdict.Verdict == policies.Forbidden {
			verdict = "**forbidden**"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", short(x.Commit), up, verdict, cell(or(rules(x.Rules), "-")), cell(x.Subject))
	}
	for _, x := range c.Commits {
		if len(x.Reasons) == 0 || x.Verdict.Verdict == policies.Eligible {
			continue
		}
		fmt.Fprintf(&b, "\n`%s` %s:\n", short(x.Commit), x.Verdict.Verdict)
		for _, r := range x.Reasons {
			fmt.Fprintf(&b, "- %s\n", r)
		}
	}
	if r := c.Release; r != nil {
		b.WriteString("\n### The line with this pull request\n\n")
		switch r.Bump {
		case policies.BumpRefused:
			fmt.Fprintf(&b, "No release possible (%s):\n", rules(r.Rules))
			for _, x := range r.Reasons {
				fmt.Fprintf(&b, "- %s\n", x)
			}
		case policies.BumpNone:
			b.WriteString("Nothing to release.\n")
		default:
			fmt.Fprintf(&b, "Next release: %s → **%s** (%s).\n\n| gate | status | rules | reasons |\n|---|---|---|---|\n", or(r.Current, "none"), r.Next, r.Bump)
			for _, g := range r.Gates {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", g.Name, g.Status, cell(rules(g.Rules)), cell(strings.Join(g.Reasons, "; ")))
			}
		}
	}
	return b.Bytes()
}

// Annotations renders a pull request check as GitHub Actions workflow
// commands: an error for each forbidden commit and refusing gate, a
// warning for each commit that needs a person (prerequisites, review).
func Annotations(c *policies.PullRequestCheck) []byte {
	var b bytes.Buffer
	for _, x := range c.Commits {
		level := ""
		switch x.Verdict.Verdict {
		case policies.Forbidden:
			level = "error"
		case policies.Eligible, policies.AlreadyApplied:
		default:
			level = "warning"
		}
		if level == "" {
			continue
		}
		fmt.Fprintf(&b, "::%s title=%s::%s\n", level, escapeProperty(fmt.Sprintf("%s %s (%s)", short(x.Commit), x.Verdict.Verdict, rules(x.Rules))),
			escapeData(x.Subject+": "+strings.Join(x.Reasons, "; ")))
	}
	if r := c.Release; r != nil {
		if r.Bump == policies.BumpRefused {
			fmt.Fprintf(&b, "::error title=%s::%s\n", escapeProperty("release of "+c.Line+" refused ("+rules(r.Rules)+")"), escapeData(strings.Join(r.Reasons, "; ")))
		}
		for _, g := range r.Gates {
			if g.Status == policies.GateFailed {
				fmt.Fprintf(&b, "::error title=%s::%s\n", escapeProperty("gate "+g.Name+" failed ("+rules(g.Rules)+")"), escapeData(strings.Join(g.Reasons, "; ")))
			}
		}
	}
	return b.Bytes()
}

// escapeData escapes a workflow command's message, as GitHub's toolkit does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// JUnit renders a pull request check as a JUnit XML report: one test case
// per commit and per gate, failed when forbidden or refusing.
func JUnit(c *policies.PullRequestCheck) ([]byte, error) {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped,omitempty"`
		SystemOut string `xml:"system-out,omitempty"`
	}
	type suite struct {
		XMLName  xml.Name   `xml:"testsuite"`
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	s := suite{Name: "tiered ci " + c.Range + " into " + c.Line}
	for _, x := range c.Commits {
		tc := testcase{Name: short(x.Commit) + " " + x.Subject, Classname: "backport." + c.Line,
			SystemOut: fmt.Sprintf("%s (rules: %s)\n%s", x.Verdict.Verdict, or(rules(x.Rules), "none"), strings.Join(x.Reasons, "\n"))}
		if x.Verdict.Verdict == policies.Forbidden {
			tc.Failure = &failure{Message: fmt.Sprintf("forbidden (%s)", rules(x.Rules)), Type: "forbidden", Text: strings.Join(x.Reasons, "\n")}
			s.Failures++
		}
		s.Cases = append(s.Cases, tc)
	}
	if r := c.Release; r != nil {
		if r.Bump == policies.BumpRefused {
			s.Cases = append(s.Cases, testcase{Name: "tiers", Classname: "gate." + c.Line,
				Failure: &failure{Message: "refused (" + rules(r.Rules) + ")", Type: "refused", Text: strings.Join(r.Reasons, "\n")}})
			s.Failures++
		}
		for _, g := range r.Gates {
			tc := testcase{Name: g.Name, Classname: "gate." + c.Line, SystemOut: strings.Join(g.Reasons, "\n")}
			switch g.Status {
			case policies.GateFailed:
				tc.Failure = &failure{Message: "failed (" + rules(g.Rules) + ")", Type: "failed", Text: strings.Join(g.Reasons, "\n")}
				s.Failures++
			case policies.GateSkipped:
				tc.Skipped = &struct {
					Message string `xml:"message,attr"`
				}{strings.Join(g.Reasons, "; ")}
				s.Skipped++
			}
			s.Cases = append(s.Cases, tc)
		}
	}
	s.Tests = len(s.Cases)
	out, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
