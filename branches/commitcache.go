package branches

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/tiered-release/tiered/internal/atomicfile"
)

// The commit cache keeps, across runs, what tiered reads from each commit
// it looks at: the commit's fields and the paths it changes. A commit is
// named by the hash of its content, so an entry can never go stale; a
// query after new commits reads only those. The file carries a SHA-256 of
// its body: a corrupt or foreign file is ignored and rewritten.

const (
	commitCacheFormat = "tiered-commits-v2"
	commitCacheMax    = 200000 // entries kept (about 80 MB); beyond, new commits are not added
)

type commitEntry struct {
	Commit   Commit // zero until read: Hash is ""
	Paths    []string
	HasPaths bool
	// The patch (patchcache.go): its patch-id, "" until computed, and
	// its record in the patches file, if PatchLen > 0.
	PatchID  string
	PatchAt  int64
	PatchLen int
	PatchSum uint32
}

type commitCache struct {
	once    sync.Once
	mu      sync.Mutex
	file    string
	entries map[string]*commitEntry
	dirty   bool
	patches patchFile
}

// cache loads the commit cache on first use; nil without a cache directory.
func (r *Repo) cache() *commitCache {
	c := &r.commits
	c.once.Do(func() {
		dir := r.CacheDir()
		if dir == "" || r.noCommitCache {
			return
		}
		c.file = filepath.Join(dir, "commits")
		c.patches.name = filepath.Join(dir, "patches")
		c.entries = map[string]*commitEntry{}
		var m map[string]*commitEntry
		body, err := atomicfile.ReadChecked(c.file, commitCacheFormat)
		if err == nil {
			err = gob.NewDecoder(bytes.NewReader(body)).Decode(&m)
		}
		if err != nil {
			// No cache, an older one, or a corrupt one: start both files
			// afresh.
			c.dirty = !errors.Is(err, fs.ErrNotExist)
			os.Remove(c.patches.name)
			return
		}
		c.entries = m
	})
	if c.entries == nil {
		return nil
	}
	return c
}

func (c *commitCache) get(hash string) (*commitEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	return e, ok
}

// entry returns a copy of a commit's entry.
func (c *commitCache) entry(hash string) (commitEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok {
		return commitEntry{}, false
	}
	return *e, true
}

func (c *commitCache) putCommit(x Commit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[x.Hash]; ok {
		e.Commit = x
		return
	}
	if len(c.entries) >= commitCacheMax {
		return
	}
	c.entries[x.Hash] = &commitEntry{Commit: x}
	c.dirty = true
}

func (c *commitCache) putPaths(hash string, paths []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok {
		if len(c.entries) >= commitCacheMax {
			return
		}
		e = &commitEntry{}
		c.entries[hash] = e
	}
	if e.HasPaths {
		return
	}
	e.Paths, e.HasPaths = paths, true
	c.dirty = true
}

// SaveCache writes what this run added to the commit cache, through a
// temporary file and a rename. Without a cache, or with nothing new, it
// does nothing.
func (r *Repo) SaveCache() error {
	c := &r.commits
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || !c.dirty {
		return nil
	}
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(c.entries); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.file), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteChecked(c.file, commitCacheFormat, body.Bytes()); err != nil {
		return errors.Join(errors.New("write commit cache"), err)
	}
	c.dirty = false
	return nil
}

// DisableCommitCache makes the repository neither read nor write the
// commit cache (--no-cache). Call it before any read.
func (r *Repo) DisableCommitCache() { r.noCommitCache = true }
