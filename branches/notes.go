package branches

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tiered-release/tiered/internal/atomicfile"
)

// Notes keep, across runs, what callers derive from commits: per key, a
// commit's value. A commit never changes, so a note stays true as long as
// its key names everything else the value depends on: the caller's
// settings in the key, the code that derived it in the salt (the tiered
// build). Each key is one file under the cache directory, read whole on
// first use and written whole, through a temporary file and a rename,
// by [Repo.SaveCache]; a corrupt or foreign file is ignored. Without a
// cache (--no-cache, or no directory), notes are not kept.

const (
	notesFormat = "tiered-notes-v2"
	notesMax    = 400000 // notes kept per key; beyond, new ones are not
)

type notes struct {
	mu    sync.Mutex
	salt  string
	files map[string]*noteFile // by key
}

type noteFile struct {
	name    string
	m       map[string][]byte
	changed bool
}

// SetNotesSalt names the code whose notes are kept: notes under another
// salt are not read, and without one none are kept.
func (r *Repo) SetNotesSalt(salt string) {
	r.notes.mu.Lock()
	defer r.notes.mu.Unlock()
	r.notes.salt = salt
}

// Note returns the note of commit under key.
func (r *Repo) Note(key, commit string) ([]byte, bool) {
	f := r.noteFile(key)
	if f == nil {
		return nil, false
	}
	r.notes.mu.Lock()
	defer r.notes.mu.Unlock()
	data, ok := f.m[commit]
	return data, ok
}

// SetNote keeps data as the note of commit under key.
func (r *Repo) SetNote(key, commit string, data []byte) {
	f := r.noteFile(key)
	if f == nil {
		return
	}
	r.notes.mu.Lock()
	defer r.notes.mu.Unlock()
	if _, ok := f.m[commit]; ok || len(f.m) >= notesMax {
		return
	}
	f.m[commit] = data
	f.changed = true
}

// noteFile returns key's notes, read on first use; nil without a cache
// or without a salt (notes of unknown code are never kept).
func (r *Repo) noteFile(key string) *noteFile {
	if r.noCommitCache {
		return nil
	}
	r.notes.mu.Lock()
	salt := r.notes.salt
	r.notes.mu.Unlock()
	if salt == "" {
		return nil
	}
	dir := r.CacheDir()
	if dir == "" {
		return nil
	}
	r.notes.mu.Lock()
	defer r.notes.mu.Unlock()
	if f, ok := r.notes.files[key]; ok {
		return f
	}
	sum := sha256.Sum256([]byte(r.notes.salt + "\x00" + key))
	f := &noteFile{name: filepath.Join(dir, "notes-"+hex.EncodeToString(sum[:8])), m: map[string][]byte{}}
	if body, err := atomicfile.ReadChecked(f.name, notesFormat); err == nil {
		if m, ok := decodePairs(body); ok {
			f.m = m
		}
	}
	if r.notes.files == nil {
		r.notes.files = map[string]*noteFile{}
	}
	r.notes.files[key] = f
	return f
}

// saveNotes writes the notes that changed in this run.
func (r *Repo) saveNotes() error {
	r.notes.mu.Lock()
	defer r.notes.mu.Unlock()
	var errs []error
	for _, f := range r.notes.files {
		if !f.changed {
			continue
		}
		if err := writeCacheFile(f.name, notesFormat, encodePairs(f.m)); err != nil {
			errs = append(errs, err)
			continue
		}
		f.changed = false
		pruneNotes(filepath.Dir(f.name))
	}
	return errors.Join(errs...)
}

// notesFilesKept is how many notes files stay in the cache directory:
// every build of tiered and every policy setting in a key writes its own,
// and the newest serve the builds and settings in use.
const notesFilesKept = 8

// pruneNotes removes all but the newest notes files of dir.
func pruneNotes(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, "notes-*"))
	if len(names) <= notesFilesKept {
		return
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, n := range names {
		if info, err := os.Stat(n); err == nil && info.Mode().IsRegular() {
			files = append(files, file{n, info.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return b.mod.Compare(a.mod) })
	for _, f := range files[min(notesFilesKept, len(files)):] {
		os.Remove(f.name)
	}
}
