package policies

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTrailers(t *testing.T) {
	msg := `libbpf: fix the thing

Fixes: 1a2b3c4d5e6f ("libbpf: a long subject that
wraps onto the next line")
Fixes: abcdef0 (libbpf: unquoted)
Cc: stable@vger.kernel.org # 6.1.x: 0123456789ab: libbpf: prep work
Cc: <stable+noautosel@kernel.org> # needs manual review
(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)
[ Upstream commit fedcba9876543210fedcba9876543210fedcba98 ]
`
	got := ParseTrailers("libbpf: fix the thing", msg, []string{"Cc: stable@vger.kernel.org"})
	want := Trailers{
		Fixes: []Ref{
			{SHA: "1a2b3c4d5e6f", Subject: "libbpf: a long subject that wraps onto the next line"},
			{SHA: "abcdef0", Subject: "libbpf: unquoted"},
		},
		BackportOf: []string{"0123456789abcdef0123456789abcdef01234567", "fedcba9876543210fedcba9876543210fedcba98"},
		Nominated:  true,
		Prereqs:    []Ref{{SHA: "0123456789ab", Subject: "libbpf: prep work"}},
		NoAutoSel:  "needs manual review",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseTrailers mismatch (-want +got):\n%s", d)
	}
	rev := ParseTrailers(`Revert "libbpf: add bar"`, "Revert \"libbpf: add bar\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n", nil)
	if rev.Reverts == nil || rev.Reverts.SHA != "0123456789abcdef0123456789abcdef01234567" || rev.Reverts.Subject != "libbpf: add bar" {
		t.Errorf("revert = %+v", rev.Reverts)
	}
}

func FuzzParseTrailers(f *testing.F) {
	f.Add("Fixes: 1a2b3c4 (\"x\ny\")\n(cherry picked from commit 1a2b3c4)")
	f.Add("Revert \"x\"")
	f.Fuzz(func(t *testing.T, msg string) {
		subject := msg
		if i := len(msg); i > 80 {
			subject = msg[:80]
		}
		ParseTrailers(subject, msg, []string{"Cc: stable@vger.kernel.org"})
	})
}
