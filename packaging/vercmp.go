package packaging

import (
	"fmt"
	"strings"
)

// CompareDeb compares two Debian versions, [epoch:]upstream[-revision],
// as dpkg --compare-versions does (lib/dpkg/version.c): the epochs as
// numbers, then the upstream versions, then the revisions, each by
// dpkg's rule (non-digit runs compared character by character, letters
// before other characters and "~" before everything, even the end;
// digit runs as numbers). It returns -1, 0 or +1.
func CompareDeb(a, b string) int {
	ea, ua, ra := splitDeb(a)
	eb, ub, rb := splitDeb(b)
	if c := compareDigits(ea, eb); c != 0 {
		return c
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

// splitDeb splits a Debian version into epoch ("0" if none), upstream
// version and revision ("" if none).
func splitDeb(v string) (epoch, upstream, revision string) {
	epoch = "0"
	if e, rest, ok := strings.Cut(v, ":"); ok {
		epoch, v = e, rest
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// compareDigits compares two strings of digits as numbers, whatever
// their length.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	switch {
	case len(a) != len(b):
		return sign(len(a) - len(b))
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// verrevcmp is dpkg's comparison of one version part.
func verrevcmp(a, b string) int {
	order := func(s string, i int) int {
		if i >= len(s) {
			return 0
		}
		c := s[i]
		switch {
		case isDigit(c):
			return 0
		case isAlpha(c):
			return int(c)
		case c == '~':
			return -1
		}
		return int(c) + 256
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := order(a, i), order(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareDigits(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}

// CompareRPM compares two rpm versions, [epoch:]version[-release], as
// rpm's rpm.vercmp does (rpmverCmp: the epochs, a missing one 0, then
// the versions, then the releases, each by rpmvercmp, where a release
// sorts above none). It returns -1, 0 or +1. A dependency's missing
// release matches every release; that is rpm's dependency matching, not
// this order.
func CompareRPM(a, b string) int {
	ea, va, ra, hasA := splitRPM(a)
	eb, vb, rb, hasB := splitRPM(b)
	if c := rpmvercmp(ea, eb); c != 0 {
		return c
	}
	if c := rpmvercmp(va, vb); c != 0 {
		return c
	}
	switch {
	case hasA && hasB:
		return rpmvercmp(ra, rb)
	case hasA:
		return 1
	case hasB:
		return -1
	}
	return 0
}

// splitRPM splits an EVR as rpm's parseEVR does.
func splitRPM(v string) (epoch, version, release string, hasRelease bool) {
	i := 0
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	epoch = "0"
	if i < len(v) && v[i] == ':' {
		if i > 0 {
			epoch = v[:i]
		}
		v = v[i+1:]
	}
	if k := strings.LastIndexByte(v, '-'); k >= 0 {
		return epoch, v[:k], v[k+1:], true
	}
	return epoch, v, "", false
}

// rpmvercmp is rpm's comparison of one version string
// (rpmio/rpmvercmp.c): alphanumeric segments, "~" before everything, "^"
// after the version it follows but before anything else, digits above
// letters.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	isAlnum := func(c byte) bool { return isDigit(c) || isAlpha(c) }
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		at := func(s string, k int) byte {
			if k < len(s) {
				return s[k]
			}
			return 0
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case ca == 0:
				return -1
			case cb == 0:
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i++
			j++
			continue
		}
		if ca == 0 || cb == 0 {
			break
		}
		si, sj := i, j
		isNum := isDigit(ca)
		class := isAlpha
		if isNum {
			class = isDigit
		}
		for i < len(a) && class(a[i]) {
			i++
		}
		for j < len(b) && class(b[j]) {
			j++
		}
		if sj == j { // a number against letters: the number is newer
			if isNum {
				return 1
			}
			return -1
		}
		x, y := a[si:i], b[sj:j]
		if isNum {
			if c := compareDigits(x, y); c != 0 {
				return c
			}
			continue
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}

// UpgradeError reports a package version that does not sort above the
// version it must upgrade (--upgrade-from).
type UpgradeError struct {
	Format, Version, From string
}

func (e *UpgradeError) Error() string {
	what := "dpkg"
	if e.Format == "rpm" {
		what = "rpm"
	}
	return fmt.Sprintf("%s version %s does not upgrade %s (%s sorts it lower or equal: raise packaging.epoch in tiered.yaml, or the version)", e.Format, e.Version, e.From, what)
}
