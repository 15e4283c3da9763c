package branches

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadRefName reports a ref name git would refuse.
var ErrBadRefName = errors.New("bad ref name")

// RefNameError reports a ref name git would refuse, and why. It wraps
// [ErrBadRefName].
type RefNameError struct {
	Name   string
	Reason string
}

func (e *RefNameError) Error() string {
	return fmt.Sprintf("%q: %v: %s", e.Name, ErrBadRefName, e.Reason)
}

func (e *RefNameError) Is(target error) bool { return target == ErrBadRefName }

// CheckRefName returns an error of type *[RefNameError] if name, a full ref
// name (refs/heads/…, refs/tags/…), breaks the rules of git
// check-ref-format: no component begins with "." or ends with ".lock", no
// "..", "//", "@{", backslash, space, control character or any of ~^:?*[,
// no leading or trailing "/", no trailing ".", not "@". Like git branch and
// git tag, it also refuses a branch or tag name beginning with "-".
func CheckRefName(name string) error {
	if reason := checkRefFormat(name); reason != "" {
		return &RefNameError{Name: name, Reason: reason}
	}
	for _, prefix := range []string{"refs/heads/", "refs/tags/"} {
		if short, ok := strings.CutPrefix(name, prefix); ok && strings.HasPrefix(short, "-") {
			return &RefNameError{Name: name, Reason: `a branch or tag name may not begin with "-"`}
		}
	}
	return nil
}

// checkRefFormat returns why git check-ref-format refuses name, or "" if
// it does not. Readers skip such names (a lock file is one).
func checkRefFormat(name string) string {
	switch {
	case name == "":
		return "empty"
	case name == "@":
		return `"@" alone is not a ref name`
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/"):
		return `begins or ends with "/"`
	case strings.HasSuffix(name, "."):
		return `ends with "."`
	case strings.Contains(name, "//"):
		return `contains "//"`
	case strings.Contains(name, ".."):
		return `contains ".."`
	case strings.Contains(name, "@{"):
		return `contains "@{"`
	}
	for _, c := range name {
		switch {
		case c < 0x20 || c == 0x7f:
			return fmt.Sprintf("contains control character %U", c)
		case strings.ContainsRune(" ~^:?*[\\", c):
			return fmt.Sprintf("contains %q", c)
		}
	}
	for _, comp := range strings.Split(name, "/") {
		switch {
		case strings.HasPrefix(comp, "."):
			return fmt.Sprintf("component %q begins with \".\"", comp)
		case strings.HasSuffix(comp, ".lock"):
			return fmt.Sprintf("component %q ends with \".lock\"", comp)
		}
	}
	return ""
}
