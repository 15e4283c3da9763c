package packaging

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/tiered-release/tiered/versioning"
)

func TestVersionMapping(t *testing.T) {
	four, three := versioning.SchemeFour, versioning.SchemeKernel
	tests := []struct {
		v         Version
		deb       string
		rpm, rrel string
	}{
		{ReleaseVersion(four, versioning.MustParse("1.4.2.1")), "1.4.2.1-1", "1.4.2.1", "1"},
		{ReleaseVersion(four, versioning.MustParse("1.5.0.0-rc.1")), "1.5.0.0~rc.1-1", "1.5.0.0~rc.1", "1"},
		{ReleaseVersion(three, mustScheme(t, three, "1.4.7")), "1.4.7-1", "1.4.7", "1"},
		{DevVersion(four, versioning.MustParse("1.4.2.1"), versioning.MustParse("1.5.0.0"), 12, "1a2b3c4d5e6f"), "1.5.0.0~dev.12.g1a2b3c4-1", "1.5.0.0~dev.12.g1a2b3c4", "1"},
		{DevVersion(four, versioning.MustParse("1.5.0.0-rc.1"), versioning.MustParse("1.5.0.0-rc.2"), 3, "abcdef0123"), "1.5.0.0~rc.1+dev.3.gabcdef0-1", "1.5.0.0~rc.1+dev.3.gabcdef0", "1"},
		{Version{Upstream: "1.0", Pre: "beta-1", Revision: "2"}, "1.0~beta-1-2", "1.0~beta_1", "2"},
	}
	for _, tt := range tests {
		if got := tt.v.Deb(); got != tt.deb {
			t.Errorf("%+v.Deb() = %q, want %q", tt.v, got, tt.deb)
		}
		if v, r := tt.v.RPM(); v != tt.rpm || r != tt.rrel {
			t.Errorf("%+v.RPM() = %q, %q, want %q, %q", tt.v, v, r, tt.rpm, tt.rrel)
		}
	}
}

func mustScheme(t *testing.T, s versioning.Scheme, v string) versioning.Version {
	t.Helper()
	x, err := s.Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// ordered is what a distribution must see, oldest first: the last
// release, builds after it, the next release's pre-releases with builds
// between them, and the release.
var ordered = []Version{
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.4.2.1")),
	DevVersion(versioning.SchemeFour, versioning.MustParse("1.4.2.1"), versioning.MustParse("1.5.0.0"), 9, "0aaaaaaaa"),
	DevVersion(versioning.SchemeFour, versioning.MustParse("1.4.2.1"), versioning.MustParse("1.5.0.0"), 12, "1a2b3c4d"),
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.5.0.0-rc.1")),
	DevVersion(versioning.SchemeFour, versioning.MustParse("1.5.0.0-rc.1"), versioning.MustParse("1.5.0.0-rc.2"), 3, "abcdef01"),
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.5.0.0-rc.2")),
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.5.0.0-rc.10")),
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.5.0.0")),
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.5.0.1")),
	ReleaseVersion(versioning.SchemeFour, versioning.MustParse("1.10.0.0")),
}

// dpkg --compare-versions agrees with the order, pair by pair, and so
// does tiered's own dpkg comparison (used for the symbols file).
func TestVersionOrderDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg is needed to check Debian version order")
	}
	for i := range ordered {
		for j := range ordered {
			a, b := ordered[i].Deb(), ordered[j].Deb()
			op := map[bool]string{true: "lt", false: "ge"}[i < j]
			if err := exec.Command(dpkg, "--compare-versions", a, op, b).Run(); err != nil {
				t.Errorf("dpkg: not %s %s %s", a, op, b)
			}
			ua, ub := strings.TrimSuffix(a, "-1"), strings.TrimSuffix(b, "-1")
			if got := CompareDeb(ua, ub) < 0; got != (i < j) {
				t.Errorf("CompareDeb(%s, %s) < 0 = %v, want %v", ua, ub, got, i < j)
			}
		}
	}
}

// rpm's own vercmp agrees with the order.
func TestVersionOrderRPM(t *testing.T) {
	if _, err := exec.LookPath("rpm"); err != nil {
		t.Skip("rpm is needed to check rpm version order")
	}
	for i := 0; i+1 < len(ordered); i++ {
		a, b := ordered[i].RPMFull(), ordered[i+1].RPMFull()
		out, err := exec.Command("rpm", "--eval", `%{lua: print(rpm.vercmp("`+a+`", "`+b+`"))}`).Output()
		if err != nil {
			t.Fatalf("rpm --eval: %v", err)
		}
		if got := strings.TrimSpace(string(out)); got != "-1" {
			t.Errorf("rpm.vercmp(%s, %s) = %s, want -1", a, b, got)
		}
	}
}
