package branches

import (
	"bytes"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ResolveSHA returns the full sha of the one commit whose sha starts with
// prefix (7 to 40 hex digits), or ok false if none or several do. Unlike
// [Repo.Resolve] it never reads a ref name.
func (r *Repo) ResolveSHA(prefix string) (string, bool) {
	g, err := r.loadGraph()
	if err != nil || len(prefix) < 4 || len(prefix) > 40 {
		return "", false
	}
	prefix = strings.ToLower(prefix)
	low := prefix + strings.Repeat("0", 40-len(prefix))
	if !plumbing.IsHash(low) {
		return "", false
	}
	r.sortedOnce.Do(func() {
		r.sorted = slices.Clone(g.hashes)
		slices.SortFunc(r.sorted, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	})
	from := plumbing.NewHash(low)
	i, _ := slices.BinarySearchFunc(r.sorted, from, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	if i >= len(r.sorted) || !strings.HasPrefix(r.sorted[i].String(), prefix) {
		return "", false
	}
	if i+1 < len(r.sorted) && strings.HasPrefix(r.sorted[i+1].String(), prefix) {
		return "", false // ambiguous
	}
	return r.sorted[i].String(), true
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
