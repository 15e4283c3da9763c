package report

import (
	"strings"
	"testing"

	"github.com/tiered-release/tiered/policies"
)

func sampleCheck() *policies.PullRequestCheck {
	return &policies.PullRequestCheck{
		Line: "1.4", From: "trunk", Range: "aaaaaaaaaaaa..bbbbbbbbbbbb", Failed: true,
		Commits: []policies.PullRequestCommit{
			{Commit: "1111111111111111", Upstream: "2222222222222222", Verdict: policies.Verdict{Commit: "1111111111111111", Subject: "libfoo: fix, with a comma", Verdict: policies.Eligible}},
			{Commit: "3333333333333333", Verdict: policies.Verdict{Commit: "3333333333333333", Subject: "libfoo: 100% new", Verdict: policies.Forbidden,
				Rules: []policies.RuleID{policies.RuleABIAddition}, Reasons: []string{"adds exported symbols [x]:\nstable line 1.4 takes no new symbols"}}},
		},
		Release: &policies.NextReport{NextPlan: &policies.NextPlan{Current: "1.4.0", Next: "1.4.1", Bump: policies.BumpStable},
			Gates: []policies.Gate{
				{Name: "abi", Status: policies.GateFailed, Rules: []policies.RuleID{policies.RuleABIAddition}, Reasons: []string{"adds x"}},
				{Name: "features", Status: policies.GateSkipped, Rules: []policies.RuleID{policies.RuleKernelFeatureMissing}, Reasons: []string{"no kernel BTF"}},
			}},
	}
}

func TestAnnotations(t *testing.T) {
	got := string(Annotations(sampleCheck()))
	want := "::error title=333333333333 forbidden (abi-addition)::libfoo: 100%25 new: adds exported symbols [x]:%0Astable line 1.4 takes no new symbols\n" +
		"::error title=gate abi failed (abi-addition)::adds x\n"
	if got != want {
		t.Errorf("Annotations:\n%s\nwant:\n%s", got, want)
	}
}

func TestJUnit(t *testing.T) {
	x, err := JUnit(sampleCheck())
	if err != nil {
		t.Fatal(err)
	}
	s := string(x)
	for _, want := range []string{
		`<testsuite name="tiered ci aaaaaaaaaaaa..bbbbbbbbbbbb into 1.4" tests="4" failures="2" skipped="1">`,
		`<failure message="forbidden (abi-addition)" type="forbidden">`,
		`<testcase name="features" classname="gate.1.4">`,
		`<skipped message="no kernel BTF"></skipped>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JUnit lacks %q:\n%s", want, s)
		}
	}
}

func TestCIMarkdown(t *testing.T) {
	md := string(CIMarkdown(sampleCheck()))
	for _, want := range []string{
		"## tiered ci: aaaaaaaaaaaa..bbbbbbbbbbbb into 1.4 **fails**",
		"| `111111111111` | `222222222222` | eligible | - | libfoo: fix, with a comma |",
		"| `333333333333` | - | **forbidden** | abi-addition | libfoo: 100% new |",
		"| abi | failed | abi-addition | adds x |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("CIMarkdown lacks %q:\n%s", want, md)
		}
	}
}
