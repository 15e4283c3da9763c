package versioning

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Scheme says which tiers a project writes in its version strings.
type Scheme string

// The schemes of DESIGN §1.
const (
	// SchemeFour writes all four tiers: 1.4.2.1.
	SchemeFour Scheme = "abi.kernel.feature.stable"
	// SchemeKernel writes ABI, kernel line and stable: 1.4.7 (libbpf, bpftool).
	SchemeKernel Scheme = "abi.kernel.stable"
	// SchemeSemver writes ABI, feature and stable: plain semver.
	SchemeSemver Scheme = "abi.feature.stable"
)

// Schemes lists the valid schemes.
var Schemes = []Scheme{SchemeFour, SchemeKernel, SchemeSemver}

// ParseScheme parses a scheme name.
func ParseScheme(s string) (Scheme, error) {
	for _, sc := range Schemes {
		if string(sc) == s {
			return sc, nil
		}
	}
	return "", &SyntaxError{What: "scheme", Input: s, Msg: "use abi.kernel.feature.stable, abi.kernel.stable or abi.feature.stable"}
}

// Tiers returns the tiers the scheme writes, most significant first.
func (s Scheme) Tiers() []Tier {
	switch s {
	case SchemeKernel:
		return []Tier{TierABI, TierKernel, TierStable}
	case SchemeSemver:
		return []Tier{TierABI, TierFeature, TierStable}
	default:
		return []Tier{TierABI, TierKernel, TierFeature, TierStable}
	}
}

// Has reports whether the scheme writes tier t.
func (s Scheme) Has(t Tier) bool {
	for _, u := range s.Tiers() {
		if u == t {
			return true
		}
	}
	return false
}

// Parse parses a version written in the scheme. Three-number schemes are
// parsed as semver, which also reads two-part versions ("0.2" is 0.2.0).
func (s Scheme) Parse(str string) (Version, error) {
	if s == SchemeFour || s == "" {
		return Parse(str)
	}
	fail := func(msg string) (Version, error) {
		return Version{}, &SyntaxError{What: "version", Input: str, Msg: msg}
	}
	if str == "" || str[0] < '0' || str[0] > '9' {
		return fail("must start with a digit")
	}
	if strings.Count(strings.SplitN(str, "-", 2)[0], ".") > 2 {
		return fail(fmt.Sprintf("scheme %s has three numbers", s))
	}
	sv, err := semver.NewVersion(str)
	if err != nil {
		return fail(err.Error())
	}
	if sv.Metadata() != "" {
		return fail("build metadata is not allowed")
	}
	t := s.Tiers()
	var v Version
	v.set(t[0], sv.Major())
	v.set(t[1], sv.Minor())
	v.set(t[2], sv.Patch())
	v.Pre = sv.Prerelease()
	return v, nil
}

// Format writes v in the scheme; [Scheme.Parse] reads it back.
func (s Scheme) Format(v Version) string {
	if s == SchemeFour || s == "" {
		return v.String()
	}
	t := s.Tiers()
	str := fmt.Sprintf("%d.%d.%d", v.Get(t[0]), v.Get(t[1]), v.Get(t[2]))
	if v.Pre != "" {
		str += "-" + v.Pre
	}
	return str
}

// Fits reports whether v uses only the tiers of the scheme: a 1.4.2.0 cannot
// be written in abi.kernel.stable.
func (s Scheme) Fits(v Version) bool {
	for t := TierABI; t <= TierStable; t++ {
		if !s.Has(t) && v.Get(t) != 0 {
			return false
		}
	}
	return true
}
