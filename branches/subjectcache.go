package branches

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// The subject cache keeps, across runs, the subject of every commit
// FindBySubject read. A reference by subject (a revert's, a Fixes: that
// names a kernel commit by the kernel's sha) needs the subjects of the
// whole repository, and reading every commit for them was a quarter of a
// libbpf plan whose commits were otherwise known; a sha names one
// commit, and so one subject, forever. The cache holds the commits of
// the graph the last run read: it is read whole on first use and written
// whole by SaveCache when the run read a commit it did not hold or the
// graph lost some; a corrupt or foreign file is ignored. Without a cache
// (--no-cache), nothing is kept.

const subjectCacheFormat = "tiered-subjects-v1"

type subjectCache struct {
	once    sync.Once
	mu      sync.Mutex
	name    string
	m       map[string][]byte // 20-byte sha → subject
	changed bool
}

// subjectStore returns the subject cache, loaded on first use; nil
// without a cache. A nil cache holds nothing and keeps nothing.
func (r *Repo) subjectStore() *subjectCache {
	if r.noCommitCache {
		return nil
	}
	sc := &r.subjectCache
	sc.once.Do(func() { sc.name, sc.m = r.readPairs("subjects", subjectCacheFormat) })
	if sc.m == nil {
		return nil
	}
	return sc
}

func (sc *subjectCache) get(h plumbing.Hash) (string, bool) {
	if sc == nil {
		return "", false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	v, ok := sc.m[string(h[:])]
	return string(v), ok
}

func (sc *subjectCache) put(h plumbing.Hash, subject string) {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.m[string(h[:])] = []byte(subject)
	sc.changed = true
}

// keepOnly drops the commits g does not have (a deleted branch's, once
// gc removed them from the graph) when the cache holds more than g's,
// all of which it holds once readSubjects has read them.
func (sc *subjectCache) keepOnly(g *graph) {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.m) <= g.len() {
		return
	}
	m := make(map[string][]byte, g.len())
	for i := range g.len() {
		h := g.hash(int32(i))
		m[string(h[:])] = sc.m[string(h[:])]
	}
	sc.m, sc.changed = m, true
}

// saveSubjects writes the subject cache if this run added to it.
func (r *Repo) saveSubjects() error {
	sc := &r.subjectCache
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if !sc.changed || sc.m == nil {
		return nil
	}
	if err := writeCacheFile(sc.name, subjectCacheFormat, encodePairs(sc.m)); err != nil {
		return err
	}
	sc.changed = false
	return nil
}
