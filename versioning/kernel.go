package versioning

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Kernel is a Linux kernel release: "6.8", "6.9-rc3", "6.1.12".
// The zero value is not a kernel; test with [Kernel.IsZero].
type Kernel struct {
	v *semver.Version
}

var rcNumber = regexp.MustCompile(`-rc(\d+)$`)

// ParseKernel parses a kernel version. "-rcN" is normalised to "-rc.N"
// before semver parsing, so 6.10-rc2 sorts before 6.10-rc10 (as text, rc10
// would sort first), and an -rc sorts before its final.
func ParseKernel(s string) (Kernel, error) {
	fail := func(msg string) (Kernel, error) {
		return Kernel{}, &SyntaxError{What: "kernel version", Input: s, Msg: msg}
	}
	str := strings.TrimPrefix(s, "v")
	if str == "" || str[0] < '0' || str[0] > '9' {
		return fail("want a release such as 6.8 or 6.9-rc3")
	}
	str = rcNumber.ReplaceAllString(str, "-rc.$1")
	if pre, ok := strings.CutPrefix(str[strings.IndexByte(str+"-", '-'):], "-"); ok && !strings.HasPrefix(pre, "rc.") {
		return fail("only -rcN pre-releases are kernel releases")
	}
	v, err := semver.NewVersion(str)
	if err != nil {
		return fail(err.Error())
	}
	if v.Metadata() != "" {
		return fail("build metadata is not allowed")
	}
	return Kernel{v: v}, nil
}

// MustParseKernel is like [ParseKernel] but panics on error.
func MustParseKernel(s string) Kernel {
	k, err := ParseKernel(s)
	if err != nil {
		panic(err)
	}
	return k
}

// IsZero reports whether k is the zero Kernel.
func (k Kernel) IsZero() bool { return k.v == nil }

// IsRC reports whether k is a release candidate.
func (k Kernel) IsRC() bool { return k.v != nil && k.v.Prerelease() != "" }

// Final returns k without its -rc part.
func (k Kernel) Final() Kernel {
	if !k.IsRC() {
		return k
	}
	v := semver.New(k.v.Major(), k.v.Minor(), k.v.Patch(), "", "")
	return Kernel{v: v}
}

// String writes the kernel as kernel.org does: 6.8, 6.8.1, 6.9-rc3.
func (k Kernel) String() string {
	if k.v == nil {
		return ""
	}
	s := fmt.Sprintf("%d.%d", k.v.Major(), k.v.Minor())
	if k.v.Patch() != 0 {
		s += fmt.Sprintf(".%d", k.v.Patch())
	}
	if pre := k.v.Prerelease(); pre != "" {
		s += "-" + strings.Replace(pre, "rc.", "rc", 1)
	}
	return s
}

// Compare returns -1, 0 or +1 as k sorts before, equal to or after l.
// The zero Kernel sorts first.
func (k Kernel) Compare(l Kernel) int {
	switch {
	case k.v == nil && l.v == nil:
		return 0
	case k.v == nil:
		return -1
	case l.v == nil:
		return 1
	}
	return k.v.Compare(l.v)
}

// MarshalText writes [Kernel.String].
func (k Kernel) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads what MarshalText writes: "" is the zero Kernel.
func (k *Kernel) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*k = Kernel{}
		return nil
	}
	v, err := ParseKernel(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
