package branches

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
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
	commitCacheFormat = "tiered-commits-v4"
	commitCacheMax    = 200000 // entries kept (about 80 MB); beyond, new commits are not added
)

type commitEntry struct {
	Commit   Commit // zero until read: Hash is ""
	Paths    []string
	HasPaths bool
	// Created are the paths among Paths the commit creates (see
	// Repo.Creates), known with them.
	Created []string
	// The patch (patchcache.go): its patch-id, "" until computed, and
	// its record in the patches file, if PatchLen > 0.
	PatchID  string
	PatchAt  int64
	PatchLen int
	PatchSum uint32
	// The line sum (linesum.go), when LineSumV is lineSumVersion: a
	// sum, or none (LineSumOK false) for a change with binary files.
	LineSum   uint64
	LineSumOK bool
	LineSumV  uint8
	// Parts of the patch (patchof.go), by path: records in the patches
	// file of one file's change each.
	Parts map[string]recordRef
}

// recordRef is where a record is in the patches file, its length and
// CRC-32C.
type recordRef struct {
	At  int64
	Len int
	Sum uint32
	// Of a part: the hashes of the lines it adds, sorted (mayadd.go).
	Added    []uint32
	HasAdded bool
}

type commitCache struct {
	once    sync.Once
	mu      sync.Mutex
	file    string
	entries map[string]*commitEntry
	changed map[string]bool // entries added or completed since loaded
	rewrite bool            // the snapshot must be written whole
	logged  int             // records in the log when loaded
	patches patchFile
}

// merge completes e with what x knows that e does not.
func (e *commitEntry) merge(x *commitEntry) {
	if e.Commit.Hash == "" {
		e.Commit = x.Commit
	}
	if !e.HasPaths && x.HasPaths {
		e.Paths, e.Created, e.HasPaths = x.Paths, x.Created, true
	}
	if e.PatchLen == 0 && x.PatchLen > 0 {
		e.PatchAt, e.PatchLen, e.PatchSum = x.PatchAt, x.PatchLen, x.PatchSum
	}
	if e.PatchID == "" {
		e.PatchID = x.PatchID
	}
	for path, ref := range x.Parts {
		if _, ok := e.Parts[path]; !ok {
			if e.Parts == nil {
				e.Parts = map[string]recordRef{}
			}
			e.Parts[path] = ref
		}
	}
	if e.LineSumV != lineSumVersion && x.LineSumV == lineSumVersion {
		e.LineSum, e.LineSumOK, e.LineSumV = x.LineSum, x.LineSumOK, x.LineSumV
	}
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
		c.entries, c.changed = map[string]*commitEntry{}, map[string]bool{}
		var m map[string]*commitEntry
		body, err := atomicfile.ReadChecked(c.file, commitCacheFormat)
		if err == nil {
			m, err = decodeEntries(body)
		}
		if err != nil {
			// No cache, an older one, or a corrupt one: start the
			// snapshot, its log and the patches afresh.
			c.rewrite = !errors.Is(err, fs.ErrNotExist)
			os.Remove(c.file + ".log")
			os.Remove(c.patches.name)
			return
		}
		c.entries = m
		c.replayLog()
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
		if e.Commit.Hash == "" {
			c.changed[x.Hash] = true
		}
		e.Commit = x
		return
	}
	if len(c.entries) >= commitCacheMax {
		return
	}
	c.entries[x.Hash] = &commitEntry{Commit: x}
	c.changed[x.Hash] = true
}

// entryFor returns commit's entry, added empty if missing, or nil when
// the cache is full; c.mu must be held.
func (c *commitCache) entryFor(commit string) *commitEntry {
	e, ok := c.entries[commit]
	if !ok {
		if len(c.entries) >= commitCacheMax {
			return nil
		}
		e = &commitEntry{}
		c.entries[commit] = e
	}
	return e
}

func (c *commitCache) putPaths(hash string, paths, created []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entryFor(hash)
	if e == nil {
		return
	}
	if e.HasPaths {
		return
	}
	e.Paths, e.Created, e.HasPaths = paths, created, true
	c.changed[hash] = true
}

// putLineSum records a commit's line sum.
func (c *commitCache) putLineSum(hash string, sum uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entryFor(hash)
	if e == nil {
		return
	}
	if e.LineSumV == lineSumVersion {
		return
	}
	e.LineSum, e.LineSumOK, e.LineSumV = sum, ok, lineSumVersion
	c.changed[hash] = true
}

// SaveCache writes what this run added to the commit cache: appended to
// the log beside the snapshot, or, when the log has grown to a quarter of
// the entries (or the snapshot is missing or corrupt), in a new snapshot
// written through a temporary file and a rename. Without a cache, or with
// nothing new, it does nothing. The notes that changed (notes.go) are
// written too.
func (r *Repo) SaveCache() error {
	if err := r.saveNotes(); err != nil {
		return errors.Join(errors.New("write notes"), err)
	}
	if err := r.saveReach(); err != nil {
		return errors.Join(errors.New("write reach"), err)
	}
	if err := r.saveFiles(); err != nil {
		return errors.Join(errors.New("write file cache"), err)
	}
	if err := r.saveSubjects(); err != nil {
		return errors.Join(errors.New("write subject cache"), err)
	}
	c := &r.commits
	if c.entries != nil {
		// The patch-ids this run computed, for the patches it kept.
		r.patches.each(func(commit string, p *Patch) {
			if id := p.id.Load(); id != nil {
				c.notePatchID(commit, *id)
			}
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.changed) == 0 && !c.rewrite {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.file), 0o755); err != nil {
		return err
	}
	if !c.rewrite && 4*(c.logged+len(c.changed)) < len(c.entries) {
		if err := c.appendLog(); err == nil {
			c.logged += len(c.changed)
			clear(c.changed)
			return nil
		}
	}
	if err := atomicfile.WriteChecked(c.file, commitCacheFormat, encodeEntries(c.entries)); err != nil {
		return errors.Join(errors.New("write commit cache"), err)
	}
	os.Remove(c.file + ".log")
	c.rewrite, c.logged = false, 0
	clear(c.changed)
	return nil
}

// The log: records of one entry each, a 4-byte big-endian length, a
// CRC-32C of the body, and the body: the id and the entry (entrycodec.go).
// Entries are facts about immutable commits, so any record that checks is
// true, whoever wrote it and in whatever order; a torn last record, or
// one written by a run that raced another's snapshot, is skipped.
func (c *commitCache) appendLog() error {
	var buf bytes.Buffer
	var body []byte
	for h := range c.changed {
		body = appendEntry(body[:0], h, c.entries[h])
		var hdr [8]byte
		binary.BigEndian.PutUint32(hdr[:], uint32(len(body)))
		binary.BigEndian.PutUint32(hdr[4:], crc32.Checksum(body, castagnoli))
		buf.Write(hdr[:])
		buf.Write(body)
	}
	f, err := os.OpenFile(c.file+".log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(buf.Bytes()) // one write: records never interleave
	return errors.Join(err, f.Close())
}

func (c *commitCache) replayLog() {
	data, err := os.ReadFile(c.file + ".log")
	if err != nil {
		return
	}
	for len(data) >= 8 {
		n, sum := int(binary.BigEndian.Uint32(data)), binary.BigEndian.Uint32(data[4:])
		if n > len(data)-8 {
			break
		}
		body := data[8 : 8+n]
		data = data[8+n:]
		if crc32.Checksum(body, castagnoli) != sum {
			continue
		}
		rd := &entryReader{data: string(body)}
		h, entry, err := rd.entry()
		if err != nil || h == "" || rd.at != len(rd.data) {
			continue
		}
		c.logged++
		if e, ok := c.entries[h]; ok {
			e.merge(entry)
		} else if len(c.entries) < commitCacheMax {
			c.entries[h] = entry
		}
	}
}

// DisableCommitCache makes the repository neither read nor write the
// commit cache (--no-cache). Call it before any read.
func (r *Repo) DisableCommitCache() { r.noCommitCache = true }
