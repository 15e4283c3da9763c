package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/policies"
)

//go:embed dashboard.html.tmpl
var templates embed.FS

var page = template.Must(template.New("dashboard.html.tmpl").Funcs(template.FuncMap{
	"short":  short,
	"rules":  rules,
	"counts": counts,
}).ParseFS(templates, "dashboard.html.tmpl"))

// HTML renders the dashboard as one self-contained page: the line tree as
// SVG, then a section per line (its latest release, unreleased work, what
// next and cut would do, and why, with rule IDs, and the pending
// backports), then the history's anomalies. title names the repository.
func HTML(title string, d *policies.Dashboard) ([]byte, error) {
	var b bytes.Buffer
	active, quiet := split(d)
	err := page.Execute(&b, struct {
		Title         string
		D             *policies.Dashboard
		Tree          template.HTML
		Active, Quiet []policies.LineReport
	}{title, d, Tree(d), active, quiet})
	if err != nil {
		return nil, fmt.Errorf("render dashboard: %w", err)
	}
	return b.Bytes(), nil
}

// Geometry of the line tree.
const (
	treeLeft  = 150 // room for line names
	treeTop   = 28
	treeRow   = 34   // between lines
	treeWidth = 1000 // the width the releases share, at 20 to 64 pixels each
)

// Tree draws the lines as SVG: trunk on top, each line a row forked from
// its parent at its first release, every release a dot in version order,
// each line labelled with its name, kernel baseline and latest release.
func Tree(d *policies.Dashboard) template.HTML {
	col := map[string]int{}
	for i, r := range d.Releases {
		col[r] = i
	}
	step := min(max(treeWidth/max(len(d.Releases), 1), 20), 64)
	x := func(release string) int { return treeLeft + step/2 + col[release]*step }
	rows := treeRows(d)
	width := treeLeft + max(len(d.Releases), 1)*step + 120
	height := treeTop + len(rows)*treeRow + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="tree" role="img" aria-label="release lines" width="%d" height="%d" viewBox="0 0 %d %d">`, width, height, width, height)
	rowOf := map[string]int{}
	for i, l := range rows {
		rowOf[l.Name] = i
	}
	y := func(i int) int { return treeTop + i*treeRow }
	for i, l := range rows {
		start, end := treeLeft-10, width-110
		if l.Tier != "trunk" && len(l.Releases) > 0 {
			start = x(l.Releases[0])
			end = x(l.Releases[len(l.Releases)-1]) + 14
		}
		class := "line " + template.HTMLEscapeString(l.Tier)
		if l.Next != nil && l.Next.No() {
			class += " refused"
		}
		if p, ok := rowOf[l.Parent]; ok && l.Tier != "trunk" {
			fmt.Fprintf(&b, `<path class="fork" d="M%d %d C%d %d %d %d %d %d"/>`, start-14, y(p), start-4, y(p), start-10, y(i), start, y(i))
		}
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`, class, start, y(i), end, y(i))
		label := l.Name
		if l.Kernel != "" {
			label += " · Linux " + l.Kernel
		}
		fmt.Fprintf(&b, `<text class="name" x="%d" y="%d">%s</text>`, treeLeft-18, y(i)+4, template.HTMLEscapeString(label))
		for _, r := range l.Releases {
			latest := ""
			if r == l.Latest {
				latest = " latest"
			}
			fmt.Fprintf(&b, `<circle class="release%s" cx="%d" cy="%d" r="5"><title>%s</title></circle>`, latest, x(r), y(i), template.HTMLEscapeString(r))
		}
		if l.Latest != "" {
			fmt.Fprintf(&b, `<text class="latest" x="%d" y="%d">%s</text>`, end+6, y(i)+4, template.HTMLEscapeString(l.Latest))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// treeRows orders the lines for the tree: trunk, then each line after
// its parent, children in version order.
func treeRows(d *policies.Dashboard) []policies.LineReport {
	children := map[string][]policies.LineReport{}
	var roots []policies.LineReport
	names := map[string]bool{}
	for _, l := range d.Lines {
		names[l.Name] = true
	}
	for _, l := range d.Lines {
		if l.Parent == "" || !names[l.Parent] || l.Tier == "trunk" {
			roots = append(roots, l)
			continue
		}
		children[l.Parent] = append(children[l.Parent], l)
	}
	var out []policies.LineReport
	var walk func(l policies.LineReport)
	walk = func(l policies.LineReport) {
		out = append(out, l)
		for _, c := range children[l.Name] {
			walk(c)
		}
	}
	slices.SortStableFunc(roots, func(a, b policies.LineReport) int {
		if a.Tier == "trunk" {
			return -1
		}
		if b.Tier == "trunk" {
			return 1
		}
		return 0
	})
	for _, r := range roots {
		walk(r)
	}
	return out
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func rules(ids []policies.RuleID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

// count is how many commits of a plan have one verdict.
type count struct {
	Verdict policies.VerdictKind
	N       int
}

// counts lists a summary's verdict counts in reading order, leaving out
// the verdicts no commit has.
func counts(m map[policies.VerdictKind]int) []count {
	var out []count
	for _, v := range policies.Verdicts {
		if m[v] > 0 {
			out = append(out, count{v, m[v]})
		}
	}
	for v, n := range m {
		if !slices.Contains(policies.Verdicts, v) && n > 0 {
			out = append(out, count{v, n})
		}
	}
	return out
}

// split orders the lines for the page: trunk, then the lines with
// something to say (work to release, a refusal, pending backports),
// newest first; the quiet rest is listed apart.
func split(d *policies.Dashboard) (active, quiet []policies.LineReport) {
	pos := map[string]int{}
	for i, r := range d.Releases {
		pos[r] = i
	}
	lines := slices.Clone(d.Lines)
	slices.SortStableFunc(lines, func(a, b policies.LineReport) int {
		if (a.Tier == "trunk") != (b.Tier == "trunk") {
			if a.Tier == "trunk" {
				return -1
			}
			return 1
		}
		return pos[b.Latest] - pos[a.Latest]
	})
	for _, l := range lines {
		if l.Tier == "trunk" || l.Backports != nil || l.Next != nil && (l.Next.No() || l.Next.Bump != policies.BumpNone) {
			active = append(active, l)
		} else {
			quiet = append(quiet, l)
		}
	}
	return active, quiet
}
