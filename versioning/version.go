package versioning

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ErrSyntax is wrapped by every error that reports a string which is not a
// valid version, kernel version, scheme or pattern.
var ErrSyntax = errors.New("invalid syntax")

// SyntaxError reports a string that does not parse. It matches [ErrSyntax]
// with errors.Is.
type SyntaxError struct {
	What  string // "version", "kernel version", "scheme", "pattern"
	Input string
	Msg   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("parse %s %q: %s", e.What, e.Input, e.Msg)
}

// Is reports whether target is [ErrSyntax].
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// Tier is one of the four parts of a version.
type Tier int

// The tiers, from most to least significant.
const (
	TierABI Tier = iota
	TierKernel
	TierFeature
	TierStable
)

var tierNames = [...]string{"abi", "kernel", "feature", "stable"}

func (t Tier) String() string {
	if t < TierABI || t > TierStable {
		return "tier(" + strconv.Itoa(int(t)) + ")"
	}
	return tierNames[t]
}

// ParseTier parses a tier name as [Tier.String] writes it.
func ParseTier(s string) (Tier, error) {
	for i, n := range tierNames {
		if n == s {
			return Tier(i), nil
		}
	}
	return 0, &SyntaxError{What: "tier", Input: s, Msg: "not one of abi, kernel, feature, stable"}
}

// Version is a four-tier version. The zero value is 0.0.0.0.
type Version struct {
	ABI, Kernel, Feature, Stable uint64
	// Pre is the pre-release ("rc.1"), empty for a release.
	Pre string
}

// Parse parses the four-number form "A.K.F.S[-pre]". Two or three numbers
// are accepted too, the missing tiers being zero ("1.4" is 1.4.0.0).
func Parse(s string) (Version, error) {
	fail := func(msg string, args ...any) (Version, error) {
		return Version{}, &SyntaxError{What: "version", Input: s, Msg: fmt.Sprintf(msg, args...)}
	}
	body, pre, hasPre := strings.Cut(s, "-")
	if strings.ContainsRune(body, '+') || strings.ContainsRune(pre, '+') {
		return fail("build metadata is not allowed")
	}
	parts := strings.Split(body, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return fail("want 2 to 4 dot-separated numbers, have %d", len(parts))
	}
	var n [4]uint64
	for i, p := range parts {
		v, err := parseNumber(p)
		if err != nil {
			return fail("%s tier %q %s", Tier(i), p, err.Error())
		}
		n[i] = v
	}
	v := Version{ABI: n[0], Kernel: n[1], Feature: n[2], Stable: n[3]}
	if hasPre {
		if err := validatePre(pre); err != nil {
			return fail("pre-release %q: %v", pre, err)
		}
		v.Pre = pre
	}
	return v, nil
}

// MustParse is like [Parse] but panics on error. Use it for literals only.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func parseNumber(p string) (uint64, error) {
	if p == "" {
		return 0, errors.New("is empty")
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errors.New("is not a number")
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, errors.New("has a leading zero")
	}
	v, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return 0, errors.New("is out of range")
	}
	return v, nil
}

func validatePre(pre string) error {
	if pre == "" {
		return errors.New("is empty")
	}
	if _, err := semver.StrictNewVersion("0.0.0-" + pre); err != nil {
		return err
	}
	return nil
}

// String returns the four-number form, which [Parse] reads back.
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d.%d", v.ABI, v.Kernel, v.Feature, v.Stable)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Get returns the number of tier t.
func (v Version) Get(t Tier) uint64 {
	switch t {
	case TierABI:
		return v.ABI
	case TierKernel:
		return v.Kernel
	case TierFeature:
		return v.Feature
	default:
		return v.Stable
	}
}

func (v *Version) set(t Tier, n uint64) {
	switch t {
	case TierABI:
		v.ABI = n
	case TierKernel:
		v.Kernel = n
	case TierFeature:
		v.Feature = n
	default:
		v.Stable = n
	}
}

// IsPrerelease reports whether v has a pre-release part.
func (v Version) IsPrerelease() bool { return v.Pre != "" }

// Release returns v without its pre-release part: the final of a release
// candidate ("1.5.0.0-rc.2" → "1.5.0.0").
func (v Version) Release() Version {
	v.Pre = ""
	return v
}

// Bump returns v with tier t incremented and the lower tiers reset to zero,
// without a pre-release.
func (v Version) Bump(t Tier) Version {
	w := Version{}
	for i := TierABI; i < t; i++ {
		w.set(i, v.Get(i))
	}
	w.set(t, v.Get(t)+1)
	return w
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w. Tiers
// compare as numbers from ABI down; a pre-release sorts before its release,
// and pre-releases compare by semver rules (rc.2 < rc.10).
func (v Version) Compare(w Version) int {
	for t := TierABI; t <= TierStable; t++ {
		if a, b := v.Get(t), w.Get(t); a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return comparePre(v.Pre, w.Pre)
}

// Compare is [Version.Compare] as a function, for slices.SortFunc.
func Compare(a, b Version) int { return a.Compare(b) }

func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	va, errA := semver.StrictNewVersion("0.0.0-" + a)
	vb, errB := semver.StrictNewVersion("0.0.0-" + b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return va.Compare(vb)
}
