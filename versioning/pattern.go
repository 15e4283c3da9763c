package versioning

import (
	"fmt"
	"regexp"
	"strings"
)

// Pattern names tags or branches after versions: "v{version}",
// "release/v{abi}.{kernel}", "libbpf-{version}". The placeholders are
// {abi}, {kernel}, {feature} and {version}.
type Pattern struct {
	raw    string
	re     *regexp.Regexp
	fields []string // placeholder names in order of appearance
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// ParsePattern parses a name pattern. It returns an error wrapping
// [ErrSyntax] for an unknown placeholder, a stray brace, or a pattern that
// names a tier twice.
func ParsePattern(s string) (Pattern, error) {
	fail := func(msg string) (Pattern, error) {
		return Pattern{}, &SyntaxError{What: "pattern", Input: s, Msg: msg}
	}
	if s == "" {
		return fail("is empty")
	}
	var re strings.Builder
	re.WriteString("^")
	p := Pattern{raw: s}
	seen := map[string]bool{}
	last := 0
	for _, loc := range placeholder.FindAllStringIndex(s, -1) {
		lit := s[last:loc[0]]
		if strings.ContainsAny(lit, "{}") {
			return fail("unbalanced brace")
		}
		re.WriteString(regexp.QuoteMeta(lit))
		name := s[loc[0]+1 : loc[1]-1]
		switch name {
		case "abi", "kernel", "feature":
			re.WriteString(`(0|[1-9][0-9]*)`)
		case "version":
			re.WriteString(`([0-9][0-9A-Za-z.\-]*)`)
		default:
			return fail(fmt.Sprintf("unknown placeholder %q (use {abi}, {kernel}, {feature} or {version})", "{"+name+"}"))
		}
		if seen[name] {
			return fail(fmt.Sprintf("placeholder {%s} appears twice", name))
		}
		seen[name] = true
		p.fields = append(p.fields, name)
		last = loc[1]
	}
	if strings.ContainsAny(s[last:], "{}") {
		return fail("unbalanced brace")
	}
	re.WriteString(regexp.QuoteMeta(s[last:]))
	re.WriteString("$")
	if seen["version"] && len(p.fields) > 1 {
		return fail("{version} cannot be combined with other placeholders")
	}
	if len(p.fields) == 0 {
		return fail("has no placeholder")
	}
	p.re = regexp.MustCompile(re.String())
	return p, nil
}

// MustParsePattern is like [ParsePattern] but panics on error.
func MustParsePattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.raw }

// IsZero reports whether p is the zero Pattern.
func (p Pattern) IsZero() bool { return p.re == nil }

// HasVersion reports whether the pattern names a whole version ({version})
// rather than a line prefix.
func (p Pattern) HasVersion() bool { return len(p.fields) == 1 && p.fields[0] == "version" }

// Tier returns the deepest tier the pattern fixes: TierStable for {version}.
func (p Pattern) Tier() Tier {
	t := TierABI
	for _, f := range p.fields {
		switch f {
		case "version":
			return TierStable
		case "kernel":
			t = max(t, TierKernel)
		case "feature":
			t = max(t, TierFeature)
		}
	}
	return t
}

// Expand names v: {version} is v in scheme s, the tier placeholders its numbers.
func (p Pattern) Expand(s Scheme, v Version) string {
	return placeholder.ReplaceAllStringFunc(p.raw, func(m string) string {
		switch m {
		case "{version}":
			return s.Format(v)
		case "{abi}":
			return fmt.Sprint(v.ABI)
		case "{kernel}":
			return fmt.Sprint(v.Kernel)
		case "{feature}":
			return fmt.Sprint(v.Feature)
		}
		return m
	})
}

// Match reports whether name fits the pattern and returns the version it
// names. For a {version} pattern, ok is true only if the version parses in
// scheme s; err then says why it does not (a tag "v1.x.0").
func (p Pattern) Match(s Scheme, name string) (v Version, ok bool, err error) {
	if p.re == nil {
		return Version{}, false, nil
	}
	m := p.re.FindStringSubmatch(name)
	if m == nil {
		return Version{}, false, nil
	}
	for i, f := range p.fields {
		val := m[i+1]
		switch f {
		case "version":
			v, err = s.Parse(val)
			if err != nil {
				return Version{}, false, err
			}
		case "abi", "kernel", "feature":
			n, err := parseNumber(val)
			if err != nil {
				return Version{}, false, err
			}
			t, _ := ParseTier(f)
			v.set(t, n)
		}
	}
	return v, true, nil
}
