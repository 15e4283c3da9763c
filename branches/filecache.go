package branches

import (
	"path/filepath"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/tiered-release/tiered/internal/atomicfile"
)

// The file cache keeps, across runs, the small files ReadFile read: a
// plan reads a few hundred files at the target line's tip, each a blob at
// the end of a delta chain in a large pack (0.2 ms apiece at a million
// commits), and the next run reads the same ones. A file is named by its
// commit's root tree and its path, and both name one content forever.
// The cache holds files up to fileCacheItem bytes; when a run leaves it
// over fileCacheBytes in all, only the files that run read are kept, and
// a run adds none past twice that. It
// is read whole on first use, written whole by SaveCache, and a corrupt
// or foreign file is ignored. Without a cache (--no-cache), nothing is
// kept.

const (
	fileCacheFormat = "tiered-files-v1"
	fileCacheItem   = 64 << 10
	fileCacheBytes  = 16 << 20
)

type fileCache struct {
	once    sync.Once
	mu      sync.Mutex
	name    string
	m       map[string][]byte // root tree id, NUL, path → content
	used    map[string]bool   // keys this run read or added
	bytes   int
	changed bool
}

// fileStore returns the file cache, loaded on first use; nil without a cache.
func (r *Repo) fileStore() *fileCache {
	if r.noCommitCache {
		return nil
	}
	fc := &r.fileCache
	fc.once.Do(func() {
		fc.name, fc.m = r.readPairs("files", fileCacheFormat)
		if fc.m == nil {
			return
		}
		fc.used = map[string]bool{}
		for k, v := range fc.m {
			fc.bytes += len(k) + len(v)
		}
	})
	if fc.m == nil {
		return nil
	}
	return fc
}

// readPairs reads the cache file base of pairs (encodePairs) in the cache
// directory: its path, and its pairs, empty when it is missing, corrupt
// or foreign; nil when the repository has no cache directory.
func (r *Repo) readPairs(base, format string) (string, map[string][]byte) {
	dir := r.CacheDir()
	if dir == "" {
		return "", nil
	}
	name := filepath.Join(dir, base)
	body, err := atomicfile.ReadChecked(name, format)
	if err != nil {
		return name, map[string][]byte{}
	}
	m, ok := decodePairs(body)
	if !ok {
		return name, map[string][]byte{}
	}
	return name, m
}

func fileKey(root plumbing.Hash, path string) string { return string(root[:]) + "\x00" + path }

func (fc *fileCache) get(root plumbing.Hash, path string) ([]byte, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	k := fileKey(root, path)
	v, ok := fc.m[k]
	if ok {
		fc.used[k] = true
	}
	return v, ok
}

func (fc *fileCache) put(root plumbing.Hash, path string, content []byte) {
	if len(content) > fileCacheItem {
		return
	}
	k := fileKey(root, path)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if _, ok := fc.m[k]; ok || fc.bytes+len(k)+len(content) > 2*fileCacheBytes {
		return
	}
	fc.m[k] = content // a blob's content: never written
	fc.used[k] = true
	fc.bytes += len(k) + len(content)
	fc.changed = true
}

// saveFiles writes the file cache if this run added to it.
func (r *Repo) saveFiles() error {
	fc := &r.fileCache
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if !fc.changed {
		return nil
	}
	if fc.bytes > fileCacheBytes {
		for k, v := range fc.m {
			if !fc.used[k] {
				delete(fc.m, k)
				fc.bytes -= len(k) + len(v)
			}
		}
	}
	if err := writeCacheFile(fc.name, fileCacheFormat, encodePairs(fc.m)); err != nil {
		return err
	}
	fc.changed = false
	return nil
}
