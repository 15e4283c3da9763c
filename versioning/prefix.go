package versioning

import (
	"fmt"
	"strconv"
	"strings"
)

// Prefix is the range of versions one line releases in: the tiers down to
// Tier are fixed, the lower ones free. Kernel line 1.4 is
// Prefix{Tier: TierKernel, Version: 1.4.0.0} and releases 1.4.F.S.
// A Prefix with Tier -1 is trunk's: it contains every version.
type Prefix struct {
	Tier    Tier
	Version Version
}

// TrunkPrefix is the prefix of trunk.
var TrunkPrefix = Prefix{Tier: -1}

// PrefixOf returns the prefix of tier t that contains v.
func PrefixOf(v Version, t Tier) Prefix {
	p := Prefix{Tier: t}
	for i := TierABI; i <= t; i++ {
		p.Version.set(i, v.Get(i))
	}
	return p
}

// IsTrunk reports whether p is trunk's prefix.
func (p Prefix) IsTrunk() bool { return p.Tier < TierABI }

// Contains reports whether v is inside p.
func (p Prefix) Contains(v Version) bool {
	for t := TierABI; t <= p.Tier; t++ {
		if v.Get(t) != p.Version.Get(t) {
			return false
		}
	}
	return true
}

// Format writes p in scheme s, with the tiers the scheme writes: kernel
// line 1.4 is "1.4" in every scheme that has a kernel tier.
func (p Prefix) Format(s Scheme) string {
	if p.IsTrunk() {
		return "trunk"
	}
	var parts []string
	for _, t := range s.Tiers() {
		if t > p.Tier {
			break
		}
		parts = append(parts, strconv.FormatUint(p.Version.Get(t), 10))
	}
	return strings.Join(parts, ".")
}

// ParsePrefix parses a line's version prefix written in scheme s ("1.4",
// "1.4.2"). The tier is the last one written.
func ParsePrefix(s Scheme, str string) (Prefix, error) {
	parts := strings.Split(str, ".")
	tiers := s.Tiers()
	if len(parts) > len(tiers)-1 {
		return Prefix{}, &SyntaxError{What: "line", Input: str, Msg: fmt.Sprintf("want 1 to %d numbers", len(tiers)-1)}
	}
	var p Prefix
	for i, part := range parts {
		n, err := parseNumber(part)
		if err != nil {
			return Prefix{}, &SyntaxError{What: "line", Input: str, Msg: fmt.Sprintf("%s tier %q %v", tiers[i], part, err)}
		}
		p.Version.set(tiers[i], n)
		p.Tier = tiers[i]
	}
	return p, nil
}
