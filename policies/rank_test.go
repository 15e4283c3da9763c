package policies

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/quick"
)

// subjectTokens must find the words the regexp it replaces finds, and
// the bookkeeping guard must never hide a match.
func TestSubjectTokens(t *testing.T) {
	re := regexp.MustCompile(`[a-z0-9]+(?:-[a-z0-9]+)*`)
	tokens := func(s string) bool {
		s = strings.ToLower(s)
		return slices.Equal(subjectTokens(s), re.FindAllString(s, -1))
	}
	guard := func(s string) bool {
		return !bookkeeping.MatchString(s) || mayContain(s, nil, bookkeepingWords)
	}
	for _, s := range []string{"", "-", "a--b", "a-", "-a", "use-after-free in x-y-", "libbpf: fix UAF", "Bump version to 1.2", "release++", "ſtart the 1.3 release cycle", "x-1-y--z"} {
		if !tokens(s) {
			t.Errorf("subjectTokens(%q) = %q, the regexp finds %q", s, subjectTokens(strings.ToLower(s)), re.FindAllString(strings.ToLower(s), -1))
		}
		if !guard(s) {
			t.Errorf("the bookkeeping guard hides %q", s)
		}
	}
	if err := quick.Check(tokens, nil); err != nil {
		t.Error(err)
	}
	if err := quick.Check(guard, nil); err != nil {
		t.Error(err)
	}
}
