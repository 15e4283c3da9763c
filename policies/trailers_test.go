package policies

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/quick"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/versioning"
)

// kernelEqual compares kernel versions for cmp, which cannot see inside them.
var kernelEqual = cmp.Comparer(func(a, b versioning.Kernel) bool { return a.Compare(b) == 0 && a.IsZero() == b.IsZero() })

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
		Evidence: []string{
			`Fixes: 1a2b3c4d5e6f ("libbpf: a long subject that wraps onto the next line")`,
			`Fixes: abcdef0 (libbpf: unquoted)`,
			`Cc: stable@vger.kernel.org # 6.1.x: 0123456789ab: libbpf: prep work`,
		},
		StableSince: versioning.MustParseKernel("6.1"),
	}
	if d := cmp.Diff(want, got, kernelEqual); d != "" {
		t.Errorf("ParseTrailers mismatch (-want +got):\n%s", d)
	}
	rev := ParseTrailers(`Revert "libbpf: add bar"`, "Revert \"libbpf: add bar\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n", nil)
	if rev.Reverts == nil || rev.Reverts.SHA != "0123456789abcdef0123456789abcdef01234567" || rev.Reverts.Subject != "libbpf: add bar" {
		t.Errorf("revert = %+v", rev.Reverts)
	}
}

// Fix evidence in every form projects write it, and what is not evidence.
func TestFixEvidence(t *testing.T) {
	nominate := []string{"Cc: stable@vger.kernel.org"}
	for _, tc := range []struct {
		subject, body string
		evidence      string // Evidence joined by " | "
		since         string // StableSince
		feature       string
	}{
		{"x: fix", "Fixes: https://github.com/org/repo/issues/3046", "Fixes: https://github.com/org/repo/issues/3046", "", ""},
		{"x: fix", "Fixes: #3046", "Fixes: #3046", "", ""},
		{"x: fix", "Closes: https://github.com/org/repo/issues/12", "Closes: https://github.com/org/repo/issues/12", "", ""},
		{"x: fix", "Resolves: RHEL-1234", "Resolves: RHEL-1234", "", ""},
		{"x: fix", "Addresses: https://bugzilla.redhat.com/show_bug.cgi?id=1", "Addresses: https://bugzilla.redhat.com/show_bug.cgi?id=1", "", ""},
		{"x: fix", "Bug: 123456", "Bug: 123456", "", ""},
		{"x: fix", "The splat:\n  BUG: KASAN: slab-out-of-bounds in foo", "", "", ""},
		{"lsfd: support pidfs", "Fixes #2865.", "Fixes #2865", "", ""},
		{"x: y", "This closes util-linux/util-linux#12 for good.", "closes util-linux/util-linux#12", "", ""},
		{"x: y", "Add #include <stdio.h> to fix the build.", "", "", ""},
		{"x: y", "Cc: <stable@vger.kernel.org>", "Cc: <stable@vger.kernel.org>", "", ""},
		{"x: y", "Cc: stable@vger.kernel.org # 6.1+", "Cc: stable@vger.kernel.org # 6.1+", "6.1", ""},
		{"x: y", "Cc: <stable@vger.kernel.org> # v6.1.x", "Cc: <stable@vger.kernel.org> # v6.1.x", "6.1", ""},
		{"x: y", "CC: stable@vger.kernel.org # 5.10.x: 1a2b3c4d5e6f: x: prep\nCc: stable@vger.kernel.org # 6.6+",
			"CC: stable@vger.kernel.org # 5.10.x: 1a2b3c4d5e6f: x: prep | Cc: stable@vger.kernel.org # 6.6+", "5.10", ""},
		{"x: y", "Cc: <stable+noautosel@kernel.org> # needs a rework", "", "", ""},
		{"x: y", `Stable-dep-of: 1a2b3c4d5e6f ("x: the fix")`, `Stable-dep-of: 1a2b3c4d5e6f ("x: the fix")`, "", ""},
		{"fix: handle EOF", "", `subject "fix: handle EOF"`, "", ""},
		{"fix(lsblk)!: handle EOF", "", `subject "fix(lsblk)!: handle EOF"`, "", ""},
		{"feat(lsblk): add --json", "Closes: #7", "Closes: #7", "", `subject "feat(lsblk): add --json"`},
		{"libfoo: fix the prefix handling", "Some prose about fixes.", "", "", ""},
	} {
		got := ParseTrailers(tc.subject, tc.subject+"\n\n"+tc.body+"\n", nominate)
		if ev := strings.Join(got.Evidence, " | "); ev != tc.evidence {
			t.Errorf("%q: Evidence = %q, want %q", tc.body, ev, tc.evidence)
		}
		since := ""
		if !got.StableSince.IsZero() {
			since = got.StableSince.String()
		}
		if since != tc.since || got.Feature != tc.feature {
			t.Errorf("%q: StableSince %q Feature %q, want %q %q", tc.body, since, got.Feature, tc.since, tc.feature)
		}
	}
}

// Series come from numbered mail ids (git send-email, b4) and pull
// request links; a discussion link is not a series.
func TestSeries(t *testing.T) {
	msg := `libbpf: x

Link: https://lore.kernel.org/bpf/6358db36c5f68b07873a0a5be2d062b1af5ea5f8.camel@gmail.com/
Link: https://lore.kernel.org/r/20240507001335.1445325-5-andrii@kernel.org
Message-Id: <20241002-libbpf-dup-extern-funcs-v4-1-560eb460ff90@hack3r.moe>
Link: https://github.com/org/repo/pull/42
`
	got := ParseTrailers("libbpf: x", msg, nil).Series
	want := []string{"20240507001335.1445325-andrii@kernel.org", "20241002-libbpf-dup-extern-funcs-v4-560eb460ff90@hack3r.moe", "https://github.com/org/repo/pull/42"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Series mismatch (-want +got):\n%s", d)
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

// The guards before the costly regexps never hide a match: on lines that
// match, in any ASCII case or with Unicode case folding, and on lines
// that do not, the guarded match equals the regexp's.
func TestMayMatchHidesNoMatch(t *testing.T) {
	lines := []string{
		"Fixes #12", "FIXES #12", "closed https://github.com/o/r/issues/3046", "Resolved o/r#7",
		"This fixes a crash", "see #12", "fix: https://example.org/bugs/12", "CLOSES: #1",
		"This reverts commit 0123456789abcdef.", "THIS REVERTS COMMIT 0123456", "this reverts commit 0123456",
		"(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
		"commit 0123456789abcdef0123456789abcdef01234567 upstream.", "[ Upstream commit 0123456 ]",
		"\u212aeep: this revert\u017f commit 0123456", // Kelvin sign and long s fold to k and s
		"fi\u212a #3", "clo\u017fes #4", "", "plain text",
	}
	for _, l := range lines {
		for _, c := range []struct {
			re           *regexp.Regexp
			marks, words []string
		}{
			{issueKeyword, issueKeywordNeeds, issueKeywordWords},
			{revertSHA, nil, []string{"reverts commit"}},
			{cherryPick, nil, []string{"commit"}},
			{upstreamCom, nil, []string{"commit"}},
			{upstreamBr, nil, []string{"commit"}},
		} {
			if got, want := mayMatch(l, c.marks, c.words, c.re), c.re.FindStringSubmatch(l); !slices.Equal(got, want) {
				t.Errorf("%s on %q: guarded %q, regexp %q", c.re, l, got, want)
			}
		}
	}
}

// firstNormalized must agree with normalizeTrailer wherever it answers.
func TestFirstNormalized(t *testing.T) {
	lines := []string{"", "   ", "Cc: stable@vger.kernel.org", `  "<CC>": x`, "\t<stable@vger.kernel.org>",
		"Fixes: 123", "\u212a: kelvin", " \u00a0Cc:", "<<>>", "Zz", "9: x", `"`}
	f := func(line string) bool {
		c, ok := firstNormalized(line)
		if !ok {
			return true
		}
		n := normalizeTrailer(line)
		return n == "" && c == 0 || n != "" && n[0] == c
	}
	for _, l := range lines {
		if !f(l) {
			t.Errorf("firstNormalized(%q) disagrees with normalizeTrailer: %q", l, normalizeTrailer(l))
		}
	}
	if err := quick.Check(f, nil); err != nil {
		t.Error(err)
	}
}
