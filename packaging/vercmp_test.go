package packaging

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// versions holds the cases that tell dpkg's and rpm's orders apart and
// the ones tiered writes: epochs, revisions, "~" and "^", leading zeros,
// letters against digits, separators, and Debian's own libbpf.
var versions = []string{
	"0", "1", "1.0", "1.0-1", "1.0-0+deb12u1", "1.00", "01.0", "1.0~rc1", "1.0~rc1-1", "1.0~~", "1.0~", "1.0^",
	"1.0^git1", "1.0a", "1.0.a", "1.0+b1", "1.0-1.1", "1.0-1~bpo", "1.0-a", "1.0.0", "1.0_1", "1a", "a", "A", "1.0-",
	"1.1.2", "1.1.2-0+deb12u1", "1:1.1.2-0+deb12u1", "1:1.1.2-1", "2:1.1.2-1", "1:1.1.10-1", "0:1.1.2-1",
	"1.5.0.0~dev.12.g1a2b3c4-1", "1.5.0.0~rc.1-1", "1.5.0.0~rc.1+dev.3.gabcdef0-1", "1.5.0.0-1", "1.10.0.0-1",
	"10", "9", "099", "1.0.9999999999999999999999", "1.0.10000000000000000000000", "1:0", "10:1", "2:0.1",
	"1.0+dfsg", "1.0.dfsg", "1.0-1+b2", "1.0-1build1", "1.0-10", "1.0-9",
}

// CompareDeb agrees with dpkg --compare-versions: it is a total order
// (checked on every pair), and dpkg agrees with each neighbour of the
// sorted list, which for a total order is every pair, at one dpkg run a
// version.
func TestCompareDebDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg is needed to check Debian version comparison")
	}
	vs := testVersions(debValid)
	checkTotalOrder(t, CompareDeb, vs)
	slices.SortStableFunc(vs, CompareDeb)
	for i := 0; i+1 < len(vs); i++ {
		a, b := vs[i], vs[i+1]
		op := map[int]string{-1: "lt", 0: "eq"}[CompareDeb(a, b)]
		if err := exec.Command(dpkg, "--compare-versions", a, op, b).Run(); err != nil {
			t.Errorf("CompareDeb: %s %s %s, dpkg disagrees", a, op, b)
		}
	}
}

// checkTotalOrder checks that cmp is antisymmetric and transitive on vs.
func checkTotalOrder(t *testing.T, cmp func(a, b string) int, vs []string) {
	t.Helper()
	for _, a := range vs {
		for _, b := range vs {
			if cmp(a, b) != -cmp(b, a) {
				t.Errorf("compare(%q, %q) = %d, but compare(%q, %q) = %d", a, b, cmp(a, b), b, a, cmp(b, a))
			}
			for _, c := range vs {
				if cmp(a, b) <= 0 && cmp(b, c) <= 0 && cmp(a, c) > 0 {
					t.Errorf("compare: %q <= %q <= %q, but %q > %q", a, b, c, a, c)
				}
			}
		}
	}
}

// debValid leaves out what dpkg refuses to compare (no digit first, an
// empty revision).
func debValid(v string) bool {
	_, up, _ := splitDeb(v)
	return up != "" && isDigit(up[0]) && !strings.HasSuffix(v, "-") && !strings.ContainsAny(v, "_^")
}

// testVersions is versions, and some random ones made of the pieces
// that matter, that ok accepts.
func testVersions(ok func(string) bool) []string {
	var vs []string
	for _, v := range versions {
		if ok(v) {
			vs = append(vs, v)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"0", "1", "2", "10", "01", ".", "~", "+", "a", "b", "rc", "-", "^"}
	for n := len(vs) + 40; len(vs) < n; {
		s := pieces[r.IntN(3)]
		for k := r.IntN(6); k > 0; k-- {
			s += pieces[r.IntN(len(pieces))]
		}
		if r.IntN(4) == 0 {
			s = fmt.Sprint(r.IntN(3)) + ":" + s
		}
		if ok(s) {
			vs = append(vs, s)
		}
	}
	return vs
}

// CompareRPM agrees with rpm's own rpm.vercmp on every pair, all asked
// in one rpm run.
func TestCompareRPMVercmp(t *testing.T) {
	if _, err := exec.LookPath("rpm"); err != nil {
		t.Skip("rpm is needed to check rpm version comparison")
	}
	vs := testVersions(func(v string) bool { return v != "" })
	checkTotalOrder(t, CompareRPM, vs)
	var lua strings.Builder
	for _, a := range vs {
		for _, b := range vs {
			fmt.Fprintf(&lua, "print(tostring(rpm.vercmp(%q, %q)) .. \" \")\n", a, b)
		}
	}
	script := filepath.Join(t.TempDir(), "vercmp.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("rpm", "--eval", `%{lua: dofile("`+script+`")}`).CombinedOutput()
	if err != nil {
		t.Fatalf("rpm --eval: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	if len(got) != len(vs)*len(vs) {
		t.Fatalf("rpm printed %d results for %d pairs:\n%s", len(got), len(vs)*len(vs), out)
	}
	for i, a := range vs {
		for j, b := range vs {
			if c, want := fmt.Sprint(CompareRPM(a, b)), got[i*len(vs)+j]; c != want {
				t.Errorf("CompareRPM(%q, %q) = %s, rpm.vercmp says %s", a, b, c, want)
			}
		}
	}
}

// Debian's libbpf is 1:1.1.2-0+deb12u1, Fedora's 2:1.1.0-2.fc38: without
// an epoch, tiered's 1.1.2-1 is a downgrade in both.
func TestUpgradeOrder(t *testing.T) {
	for _, tt := range []struct {
		cmp        func(a, b string) int
		ours, from string
		want       int
	}{
		{CompareDeb, "1.1.2-1", "1:1.1.2-0+deb12u1", -1},
		{CompareDeb, "1:1.1.2-1", "1:1.1.2-0+deb12u1", 1},
		{CompareDeb, "1:1.1.2~rc.1-1", "1:1.1.2-0+deb12u1", -1},
		{CompareRPM, "1.1.2-1", "2:1.1.0-2.fc38", -1},
		{CompareRPM, "2:1.1.2-1", "2:1.1.0-2.fc38", 1},
		{CompareRPM, "1:1.1.2-1", "1:1.1.2-0+deb12u1", 1},
	} {
		if got := tt.cmp(tt.ours, tt.from); got != tt.want {
			t.Errorf("compare(%q, %q) = %d, want %d", tt.ours, tt.from, got, tt.want)
		}
	}
}
