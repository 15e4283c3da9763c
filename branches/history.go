package branches

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// PathChange is one commit that changed a path: its blob id before and
// after ("" where the path is absent; a tree id if the path names a
// directory).
type PathChange struct {
	Commit   string
	From, To string
}

// PathHistory returns the commits of git's from..to range (as
// [Repo.BetweenHashes] orders them: parents first) whose change against
// their first parent (nothing, for a root) changes path (a file, or
// anything under a directory), each with the path's id before and after:
// the commits for which `git diff-tree C^1 C -- path` prints something,
// found without diffing whole trees. A commit is skipped without reading a tree when
// the commit-graph's changed-path Bloom filter (written by git
// commit-graph write --changed-paths) says its diff touches no path
// starting with path, or when the paths it changes are known already
// (from [Repo.ChangedPaths] or the commit cache) and none is path or
// under it; otherwise its tree and its parent's are compared
// along path, component by component, and the first equal directory ends
// the comparison.
func (r *Repo) PathHistory(from []string, to, path string) ([]PathChange, error) {
	g, ifrom, it, err := r.rangeNodes(from, to)
	if err != nil {
		return nil, err
	}
	path = strings.Trim(path, "/")
	keys := bloomKeys(path)
	var out []PathChange
	for _, n := range g.between(ifrom, it) {
		if keys != nil && g.bloomSaysUnchanged(n, keys) {
			continue
		}
		h := g.hash(n).String()
		if paths, ok := r.knownPaths(h); ok && !touches(paths, path) {
			continue
		}
		tree, parent, err := r.treeAndParentTree(h)
		if err != nil {
			return nil, err
		}
		was, now, err := r.pathIDs(parent, tree, path)
		if err != nil {
			return nil, err
		}
		if was != now {
			c := PathChange{Commit: h}
			if !was.IsZero() {
				c.From = was.hash.String()
			}
			if !now.IsZero() {
				c.To = now.hash.String()
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// pathEntry is what a tree has at a path: id and mode; zero if nothing.
type pathEntry struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

func (e pathEntry) IsZero() bool { return e.mode == 0 }

// pathIDs returns what trees a and b (either may be zero) have at path,
// reading no further down than where they first agree.
func (r *Repo) pathIDs(a, b plumbing.Hash, path string) (pathEntry, pathEntry, error) {
	parts := strings.Split(path, "/")
	ea, eb := pathEntry{a, filemode.Dir}, pathEntry{b, filemode.Dir}
	if a.IsZero() {
		ea = pathEntry{}
	}
	if b.IsZero() {
		eb = pathEntry{}
	}
	for _, name := range parts {
		if ea == eb {
			return ea, eb, nil // the same subtree holds the same path
		}
		var err error
		if ea, err = r.child(ea, name); err != nil {
			return pathEntry{}, pathEntry{}, err
		}
		if eb, err = r.child(eb, name); err != nil {
			return pathEntry{}, pathEntry{}, err
		}
	}
	return ea, eb, nil
}

// child returns the entry name of directory e; zero if e is not a
// directory or has no such entry.
func (r *Repo) child(e pathEntry, name string) (pathEntry, error) {
	if e.mode != filemode.Dir {
		return pathEntry{}, nil
	}
	t, err := r.tree(e.hash)
	if err != nil {
		return pathEntry{}, err
	}
	it := treeIter{data: t}
	for x, ok := it.next(); ok; x, ok = it.next() {
		if string(x.name) == name {
			return pathEntry{x.hash, x.mode}, nil
		}
	}
	return pathEntry{}, it.err
}

// Changed-path Bloom filters (gitformat-commit-graph, BIDX and BDAT
// chunks; git's bloom.c): per commit, a filter of the paths its first-
// parent diff changes and their leading directories, each hashed with
// two seeded murmur3 hashes combined into num_hashes positions.

// bloomKey is the murmur3 pair of one path.
type bloomKey struct{ h0, h1 uint32 }

// bloomKeys returns the keys of path and of each directory leading to
// it, or nil if path holds a byte over 0x7f (version 1 filters hash those
// as git's signed chars did; these are not used for them).
func bloomKeys(path string) []bloomKey {
	if path == "" {
		return nil
	}
	for i := 0; i < len(path); i++ {
		if path[i] >= 0x80 {
			return nil
		}
	}
	var keys []bloomKey
	for p := path; ; {
		keys = append(keys, bloomKey{murmur3(0x293ae76f, p), murmur3(0x7e646e2c, p)})
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return keys
		}
		p = p[:i]
	}
}

// bloomSaysUnchanged reports whether node n's filter proves that its
// first-parent diff touches none of the keys' paths.
func (g *graph) bloomSaysUnchanged(n int32, keys []bloomKey) bool {
	if int(n) >= g.sorted {
		return false
	}
	gf := g.fileOf(n)
	filter, hashes := gf.bloomFilter(int(n - gf.first))
	if len(filter) == 0 {
		return false
	}
	mod := uint64(len(filter)) * 8
	for _, k := range keys {
		for i := range hashes {
			pos := uint64(k.h0+uint32(i)*k.h1) % mod
			if filter[pos/8]&(1<<(pos%8)) == 0 {
				return true // a key is absent: the path did not change
			}
		}
	}
	return false
}

// bloomFilter returns commit i's filter and how many positions a key
// sets; nil if the file has none for it.
func (gf *graphFile) bloomFilter(i int) ([]byte, int) {
	be := binary.BigEndian
	if len(gf.bidx) != 4*gf.n || len(gf.bdat) < 12 {
		return nil, 0
	}
	version, hashes := be.Uint32(gf.bdat), be.Uint32(gf.bdat[4:])
	if version != 1 && version != 2 || hashes == 0 || hashes > 32 {
		return nil, 0
	}
	start := uint32(0)
	if i > 0 {
		start = be.Uint32(gf.bidx[4*i-4:])
	}
	end := be.Uint32(gf.bidx[4*i:])
	data := gf.bdat[12:]
	if start > end || int(end) > len(data) {
		return nil, 0
	}
	return data[start:end], int(hashes)
}

// murmur3 is the 32-bit MurmurHash3 of s with a seed, as git computes it
// for Bloom filter keys.
func murmur3(seed uint32, s string) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(s)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch tail := s[n&^3:]; len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// knownPaths returns the paths commit changes when they are known without
// a tree diff: computed before in this process or kept in the commit cache.
func (r *Repo) knownPaths(commit string) ([]string, bool) {
	if cc := r.cache(); cc != nil {
		if e, ok := cc.get(commit); ok && e.HasPaths {
			return e.Paths, true
		}
	}
	if cp, ok := r.changed.get(commit); ok {
		return cp.paths, true
	}
	return nil, false
}

// touches reports whether sorted paths hold path or a path under it.
func touches(paths []string, path string) bool {
	if _, found := slices.BinarySearch(paths, path); found {
		return true
	}
	i, _ := slices.BinarySearch(paths, path+"/")
	return i < len(paths) && strings.HasPrefix(paths[i], path+"/")
}
