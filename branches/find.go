package branches

import (
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// ResolveSHA returns the full sha of the one commit whose sha starts with
// prefix (7 to 40 hex digits), or ok false if none or several do. Unlike
// [Repo.Resolve] it never reads a ref name.
func (r *Repo) ResolveSHA(prefix string) (string, bool) {
	g, err := r.loadGraph()
	if err != nil || len(prefix) < 4 {
		return "", false
	}
	prefix = strings.ToLower(prefix)
	r.sortedOnce.Do(func() {
		r.sorted = make([]string, len(g.hashes))
		for i, h := range g.hashes {
			r.sorted[i] = h.String()
		}
		sort.Strings(r.sorted)
	})
	i := sort.SearchStrings(r.sorted, prefix)
	if i >= len(r.sorted) || !strings.HasPrefix(r.sorted[i], prefix) {
		return "", false
	}
	if i+1 < len(r.sorted) && strings.HasPrefix(r.sorted[i+1], prefix) {
		return "", false // ambiguous
	}
	return r.sorted[i], true
}

// FindBySubject returns the commits whose subject is exactly subject
// (case-sensitive: a revert and a re-land may differ only in case).
func (r *Repo) FindBySubject(subject string) ([]string, error) {
	r.subjectsOnce.Do(func() {
		r.subjects = map[string][]string{}
		iter, err := r.r.CommitObjects()
		if err != nil {
			r.subjectsErr = err
			return
		}
		r.subjectsErr = iter.ForEach(func(c *object.Commit) error {
			s, _, _ := strings.Cut(c.Message, "\n")
			s = strings.TrimSpace(s)
			r.subjects[s] = append(r.subjects[s], c.Hash.String())
			return nil
		})
	})
	if r.subjectsErr != nil {
		return nil, r.subjectsErr
	}
	out := append([]string(nil), r.subjects[subject]...)
	sort.Strings(out)
	return out, nil
}
