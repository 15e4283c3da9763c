package report

import (
	"strings"
	"testing"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
)

func sampleDashboard() *policies.Dashboard {
	return &policies.Dashboard{
		Scheme: "abi.kernel.stable", Trunk: "master",
		Releases: []string{"1.3.0", "1.4.0", "1.4.1"},
		Lines: []policies.LineReport{
			{Name: "trunk", Tier: "trunk", Branch: "master", Latest: "1.4.0", Releases: []string{"1.3.0", "1.4.0"}, Unreleased: 3,
				Next: &policies.NextReport{NextPlan: &policies.NextPlan{Current: "1.4.0", Next: "1.5.0", Bump: policies.BumpKernel, Reasons: []string{"3 commit(s)"}}}},
			{Name: "1.4", Tier: "kernel", Branch: "libbpf-1.4.1", Kernel: "6.9", Latest: "1.4.1", Releases: []string{"1.4.0", "1.4.1"}, Unreleased: 1,
				Parent: "trunk", ForkPoint: "0123456789abcdef",
				Next: &policies.NextReport{NextPlan: &policies.NextPlan{Current: "1.4.1", Bump: policies.BumpRefused, Rules: []policies.RuleID{policies.RuleABIAddition},
					Reasons: []string{`abc "x" adds <script>alert(1)</script> | y`}}},
				Backports: &policies.BackportSummary{From: "trunk", Counts: map[policies.VerdictKind]int{policies.Eligible: 2, policies.Forbidden: 5},
					Top: []policies.Verdict{{Commit: "fedcba9876543210", Subject: "libbpf: fix | pipes", Verdict: policies.Eligible}}}},
			{Name: "1.3", Tier: "kernel", Latest: "1.3.0", Releases: []string{"1.3.0"}, Parent: "trunk",
				Next: &policies.NextReport{NextPlan: &policies.NextPlan{Current: "1.3.0", Bump: policies.BumpNone}}},
		},
		Anomalies: []branches.Anomaly{{Kind: "not-descendant", Message: "release 1.2.2 does not descend from 1.2.1"}},
		Matrix: &kernel.Matrix{Commit: "abcdef0123456789", Checked: 12, Oldest: "6.9", Nowhere: []string{"BPF_MAP_TYPE_RING_POOL"},
			Kernels: []kernel.MatrixKernel{{Kernel: "6.9", Has: 11, Missing: 1}, {Kernel: "6.10", Has: 11, Missing: 1}}},
	}
}

func TestHTML(t *testing.T) {
	page, err := HTML("libbpf", sampleDashboard())
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		`<svg xmlns="http://www.w3.org/2000/svg" class="tree"`,
		`data-line="1.4"`, `data-line="trunk"`, `data-line="1.3"`,
		`<line class="line kernel refused"`, // a refused line is drawn as such
		`1.4 · Linux 6.9`,
		`&lt;script&gt;alert(1)&lt;/script&gt;`, // reasons are escaped
		`<span class="verdict-eligible">2 eligible</span>`,
		`not-descendant`,
		`Lines with nothing to release`,
		`<tr data-kernel="6.10"><td>6.10</td><td>11</td><td>1</td><td>0</td><td>0</td></tr>`,
		`the oldest kernel with every required feature: <strong>6.9</strong>`,
		`no kernel has 1</span> <code>BPF_MAP_TYPE_RING_POOL</code>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(s, "<script>") || strings.Contains(s, "http://") && !strings.Contains(s, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("the page has a script or a link to fetch")
	}
	if n := strings.Count(s, `<circle class="release`); n != 5 {
		t.Errorf("%d release dots, want 5 (two on trunk, two on 1.4, one on 1.3)", n)
	}
}

func TestMarkdown(t *testing.T) {
	md := string(Markdown("libbpf", sampleDashboard()))
	for _, want := range []string{
		"| line | kernel | latest | unreleased | next | gates |",
		"| trunk | - | 1.4.0 | 3 | 1.4.0 → **1.5.0** (kernel) |  |",
		"| 1.4 | 6.9 | 1.4.1 | 1 | **refused** (abi-addition) |  |",
		"| 1.3 | - | 1.3.0 | 0 | nothing to release |  |",
		"| 1.4 | trunk | 2 eligible, 5 forbidden | `fedcba987654` libbpf: fix \\| pipes |",
		"- `not-descendant` release 1.2.2 does not descend from 1.2.1",
		"12 features; the oldest kernel with every required feature: **6.9**; no kernel has 1.",
		"| 6.10 | 11 | 1 | 0 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}
