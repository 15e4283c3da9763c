package branches

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
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
	key := plumbing.NewHash(low)
	var found []string
	// In each sorted list, the first id at or after the prefix, and the
	// one after it: two matches are ambiguous.
	match := func(ids func(i int) plumbing.Hash, n, i int) {
		for k := i; k < n && k < i+2; k++ {
			if s := ids(k).String(); strings.HasPrefix(s, prefix) {
				found = append(found, s)
			}
		}
	}
	for _, gf := range g.files {
		match(func(i int) plumbing.Hash { return plumbing.Hash(gf.oidl[20*i : 20*i+20]) }, gf.n, gf.search(key[:]))
	}
	g.walkedOnce.Do(func() {
		g.walkedIDs = slices.Clone(g.walked)
		slices.SortFunc(g.walkedIDs, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	})
	i, _ := slices.BinarySearchFunc(g.walkedIDs, key, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	match(func(i int) plumbing.Hash { return g.walkedIDs[i] }, len(g.walkedIDs), i)
	if len(found) != 1 {
		return "", false // none, or ambiguous
	}
	return found[0], true
}

// FindBySubject returns the commits whose subject is exactly subject
// (case-sensitive: a revert and a re-land may differ only in case), among
// the commits the refs reach.
func (r *Repo) FindBySubject(subject string) ([]string, error) {
	r.subjectsOnce.Do(func() { r.subjects, r.subjectsErr = r.readSubjects() })
	if r.subjectsErr != nil {
		return nil, r.subjectsErr
	}
	out := append([]string(nil), r.subjects[subject]...)
	sort.Strings(out)
	return out, nil
}

// readSubjects maps the subject of every commit of the graph to its shas:
// from the subject cache, and for the commits it does not hold, read in
// the order the packs hold them.
func (r *Repo) readSubjects() (map[string][]string, error) {
	g, err := r.loadGraph()
	if err != nil {
		return nil, err
	}
	sc := r.subjectStore()
	subjects := map[string][]string{}
	var todo []plumbing.Hash
	for i := range g.len() {
		h := g.hash(int32(i))
		if s, ok := sc.get(h); ok {
			subjects[s] = append(subjects[s], h.String())
			continue
		}
		todo = append(todo, h)
	}
	type place struct {
		p   *packFile
		off int64
		h   plumbing.Hash
	}
	order := make([]place, len(todo))
	for i, h := range todo {
		order[i].h = h
	}
	if rs, ok := r.r.Storer.(*refStorage); ok && rs.packs != nil {
		rank := map[*packFile]int{nil: len(rs.packs.files)} // loose ones last
		for i, p := range rs.packs.files {
			rank[p] = i
		}
		for i := range order {
			order[i].p, order[i].off, _, _ = rs.packs.find(order[i].h)
		}
		slices.SortFunc(order, func(a, b place) int {
			if a.p != b.p {
				return rank[a.p] - rank[b.p]
			}
			return cmp.Compare(a.off, b.off)
		})
	}
	for _, x := range order {
		raw, _, err := r.object(plumbing.CommitObject, x.h, math.MaxInt64)
		if err != nil {
			return nil, fmt.Errorf("read commit %s: %w", x.h, err)
		}
		s := commitSubject(raw)
		subjects[s] = append(subjects[s], x.h.String())
		sc.put(x.h, s)
	}
	r.subjectsRead = len(order)
	sc.keepOnly(g)
	return subjects, nil
}

// commitSubject returns the subject of a commit object as [Commit.Subject]
// has it: the first line of the message, which follows the first empty
// line (continued headers, such as a signature's, indent theirs), trimmed.
// Reading every commit for its subject alone, decoding the rest was half
// the cost.
func commitSubject(raw []byte) string {
	_, msg, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		return ""
	}
	line, _, _ := bytes.Cut(msg, []byte("\n"))
	return strings.TrimSpace(string(line))
}
