package report

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/tiered-release/tiered/policies"
)

// tabwriterVerdicts is how Verdicts wrote its table before it aligned
// the columns itself: the reference.
func tabwriterVerdicts(vs []policies.Verdict, long bool) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, r := range verdictRows(vs, long) {
		tw.Write([]byte(r[0] + "\t" + r[1] + "\t" + r[2] + "\t" + r[3] + "\n"))
	}
	tw.Flush()
	return b.String()
}

// Verdicts writes what tabwriter would, byte for byte, on random
// verdicts with multi-byte text, empty cells, and the bytes tabwriter
// treats specially (then it is tabwriter that writes).
func TestVerdictsAlignLikeTabwriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"", "a", "fix", "libbpf: fix a leak", "é", "界面", " ", "stable-fixes-only", "x\ty", "\xff", "v\vw", "f\fg", "  two  "}
	text := func(n int) string {
		var b strings.Builder
		for range rng.IntN(n + 1) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for round := range 500 {
		var vs []policies.Verdict
		for range rng.IntN(6) {
			v := policies.Verdict{
				Commit:  strings.Repeat("ab", rng.IntN(25)),
				Verdict: policies.VerdictKind(text(2)),
				Subject: text(4),
				Score:   rng.IntN(9) - 4,
				Rank:    rng.IntN(3),
			}
			for range rng.IntN(3) {
				v.Rules = append(v.Rules, policies.RuleID(text(2)))
			}
			for range rng.IntN(3) {
				v.Reasons = append(v.Reasons, text(3))
			}
			for range rng.IntN(2) {
				v.Signals = append(v.Signals, text(2))
			}
			for range rng.IntN(2) {
				v.Prerequisites = append(v.Prerequisites, text(1))
			}
			vs = append(vs, v)
		}
		long := rng.IntN(2) == 0
		var got bytes.Buffer
		Verdicts(&got, vs, long)
		if want := tabwriterVerdicts(vs, long); got.String() != want {
			t.Fatalf("round %d: Verdicts wrote\n%q\ntabwriter writes\n%q", round, got.String(), want)
		}
	}
}
