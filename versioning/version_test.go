package versioning

import (
	"errors"
	"testing"

	"github.com/Masterminds/semver/v3"
)

// ordered lists versions in strictly increasing order; every pair is compared.
var ordered = []string{
	"0.0.0.0",
	"0.0.0.1",
	"0.0.1.0-rc.1",
	"0.0.1.0",
	"1.3.0.0",
	"1.3.9.9",
	"1.4.0.0-alpha",
	"1.4.0.0-rc.1",
	"1.4.0.0-rc.2",
	"1.4.0.0-rc.10",
	"1.4.0.0",
	"1.4.0.9",
	"1.4.0.10",
	"1.4.2.1",
	"1.10.0.0",
	"2.0.0.0",
}

func TestCompare(t *testing.T) {
	for i, a := range ordered {
		for j, b := range ordered {
			va, vb := MustParse(a), MustParse(b)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := va.Compare(vb); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Version
	}{
		{"1.4.2.1", Version{1, 4, 2, 1, ""}},
		{"1.4", Version{1, 4, 0, 0, ""}},
		{"1.5.0.0-rc.1", Version{1, 5, 0, 0, "rc.1"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1", "1.4.x.0", "1.4.2.1.0", "01.2.3.4", "1.2.3.4-", "1.2.3.4+meta", "1..2.3", "v1.2.3.4", "1.2.3.4-rc..1"} {
		if _, err := Parse(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) err = %v, want ErrSyntax", bad, err)
		}
	}
	_, err := Parse("1.4.x.0")
	if want := `parse version "1.4.x.0": feature tier "x" is not a number`; err == nil || err.Error() != want {
		t.Errorf("Parse(1.4.x.0) err = %v, want %s", err, want)
	}
}

func TestBump(t *testing.T) {
	v := MustParse("1.4.2.1-rc.1")
	tests := []struct {
		t    Tier
		want string
	}{
		{TierABI, "2.0.0.0"},
		{TierKernel, "1.5.0.0"},
		{TierFeature, "1.4.3.0"},
		{TierStable, "1.4.2.2"},
	}
	for _, tt := range tests {
		if got := v.Bump(tt.t); got != MustParse(tt.want) {
			t.Errorf("Bump(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	if got := MustParse("1.5.0.0-rc.2").Release(); got != MustParse("1.5.0.0") {
		t.Errorf("Release() = %v", got)
	}
}

func TestScheme(t *testing.T) {
	tests := []struct {
		scheme Scheme
		in     string
		want   string // four-number form
		out    string // formatted back
	}{
		{SchemeKernel, "1.4.7", "1.4.0.7", "1.4.7"},
		{SchemeKernel, "0.2", "0.2.0.0", "0.2.0"},
		{SchemeKernel, "1.5.0-rc.1", "1.5.0.0-rc.1", "1.5.0-rc.1"},
		{SchemeSemver, "2.3.1", "2.0.3.1", "2.3.1"},
		{SchemeFour, "1.4.2.1", "1.4.2.1", "1.4.2.1"},
	}
	for _, tt := range tests {
		got, err := tt.scheme.Parse(tt.in)
		if err != nil || got != MustParse(tt.want) {
			t.Errorf("%s.Parse(%q) = %v, %v, want %v", tt.scheme, tt.in, got, err, tt.want)
			continue
		}
		if s := tt.scheme.Format(got); s != tt.out {
			t.Errorf("%s.Format(%v) = %q, want %q", tt.scheme, got, s, tt.out)
		}
	}
	for _, bad := range []string{"1.4.2.1", "v1.4.7", "1.x", "1.4.7+b1"} {
		if _, err := SchemeKernel.Parse(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("SchemeKernel.Parse(%q) err = %v, want ErrSyntax", bad, err)
		}
	}
	if SchemeKernel.Fits(MustParse("1.4.2.0")) {
		t.Errorf("SchemeKernel.Fits(1.4.2.0) = true")
	}
	if _, err := ParseScheme("abi.kernel"); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseScheme(abi.kernel) err = %v", err)
	}
}

func TestKernelOrder(t *testing.T) {
	order := []string{"5.10-rc1", "5.10-rc2", "5.10-rc10", "5.10", "5.10.3", "6.2-rc9", "6.2", "6.10-rc2", "6.10-rc10", "6.10"}
	for i := range order {
		for j := range order {
			a, b := MustParseKernel(order[i]), MustParseKernel(order[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("Kernel %s vs %s = %d, want %d", order[i], order[j], got, want)
			}
		}
		if got := MustParseKernel(order[i]).String(); got != order[i] {
			t.Errorf("ParseKernel(%q).String() = %q", order[i], got)
		}
	}
	if MustParseKernel("6.9-rc3").Final().String() != "6.9" {
		t.Errorf("Final of 6.9-rc3 wrong")
	}
	for _, bad := range []string{"", "six", "6.9-next", "6.9+x"} {
		if _, err := ParseKernel(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseKernel(%q) err = %v, want ErrSyntax", bad, err)
		}
	}
}

func TestPrefix(t *testing.T) {
	p, err := ParsePrefix(SchemeFour, "1.4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Tier != TierKernel || !p.Contains(MustParse("1.4.9.9")) || p.Contains(MustParse("1.5.0.0")) {
		t.Errorf("ParsePrefix(1.4) = %+v", p)
	}
	if got := p.Format(SchemeFour); got != "1.4" {
		t.Errorf("Format = %q", got)
	}
	p, _ = ParsePrefix(SchemeSemver, "2.3")
	if p.Tier != TierFeature || !p.Contains(MustParse("2.0.3.7")) {
		t.Errorf("ParsePrefix(semver 2.3) = %+v", p)
	}
	if _, err := ParsePrefix(SchemeKernel, "1.4.7"); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParsePrefix(kernel, 1.4.7) err = %v: a full version is not a line", err)
	}
	if PrefixOf(MustParse("1.4.2.1"), TierFeature) != (Prefix{TierFeature, MustParse("1.4.2.0")}) {
		t.Errorf("PrefixOf wrong")
	}
}

func TestPattern(t *testing.T) {
	for _, bad := range []string{"", "v", "v{minor}", "v{version", "{abi}.{abi}", "{version}-{abi}"} {
		if _, err := ParsePattern(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParsePattern(%q) err = %v, want ErrSyntax", bad, err)
		}
	}
	p := MustParsePattern("release/v{abi}.{kernel}")
	v, ok, err := p.Match(SchemeFour, "release/v1.4")
	if !ok || err != nil || v != MustParse("1.4.0.0") || p.Tier() != TierKernel {
		t.Errorf("Match(release/v1.4) = %v, %v, %v", v, ok, err)
	}
	if _, ok, _ := p.Match(SchemeFour, "release/v1.4.2"); ok {
		t.Errorf("release/v{abi}.{kernel} matched release/v1.4.2")
	}
	if got := p.Expand(SchemeFour, MustParse("1.4.2.0")); got != "release/v1.4" {
		t.Errorf("Expand = %q", got)
	}
	tag := MustParsePattern("v{version}")
	v, ok, err = tag.Match(SchemeKernel, "v0.2")
	if !ok || err != nil || v != MustParse("0.2.0.0") {
		t.Errorf("Match(v0.2) = %v, %v, %v", v, ok, err)
	}
	if _, ok, err := tag.Match(SchemeKernel, "vfoo"); ok || err != nil {
		t.Errorf("Match(vfoo) = %v, %v: not a version-shaped tag", ok, err)
	}
	if _, ok, err := tag.Match(SchemeKernel, "v1.x"); ok || !errors.Is(err, ErrSyntax) {
		t.Errorf("Match(v1.x) = %v, %v, want a syntax error", ok, err)
	}
	if _, ok, err := tag.Match(SchemeKernel, "v1.4.7.1"); ok || !errors.Is(err, ErrSyntax) {
		t.Errorf("Match(v1.4.7.1) = %v, %v, want a syntax error", ok, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range ordered {
		f.Add(s)
	}
	f.Add("1.4")
	f.Add("1.2.3-rc.1")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err == nil {
			w, err := Parse(v.String())
			if err != nil || w != v {
				t.Fatalf("Parse(String(%v)) = %v, %v", v, w, err)
			}
			if v.Compare(w) != 0 {
				t.Fatalf("Compare not reflexive for %v", v)
			}
			for _, o := range ordered {
				u := MustParse(o)
				if v.Compare(u) != -u.Compare(v) {
					t.Fatalf("Compare(%v, %v) not antisymmetric", v, u)
				}
			}
		}
		// Differential: a plain three-number version compares like semver.
		sv, err := semver.StrictNewVersion(s)
		if err != nil {
			return
		}
		v3, err := SchemeSemver.Parse(s)
		if sv.Metadata() != "" {
			if err == nil {
				t.Fatalf("SchemeSemver.Parse(%q) accepted build metadata", s)
			}
			return
		}
		if err != nil {
			t.Fatalf("SchemeSemver.Parse(%q): %v, but semver accepts it", s, err)
		}
		for _, o := range []string{"0.0.0", "1.2.3", "1.2.3-rc.1", "1.10.0", "2.0.0-alpha.10"} {
			so := semver.MustParse(o)
			vo, _ := SchemeSemver.Parse(o)
			if got, want := v3.Compare(vo), sv.Compare(so); got != want {
				t.Fatalf("Compare(%s, %s) = %d, semver says %d", s, o, got, want)
			}
		}
	})
}
