package branches

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// treeCacheSize bounds the decoded trees kept: consecutive commits share
// most of their trees, so a plan decodes each about once.
const treeCacheSize = 1 << 17

// trees caches decoded tree objects by hash.
type trees struct {
	mu sync.Mutex
	m  map[plumbing.Hash][]object.TreeEntry
}

// tree returns the entries of tree h, in git's order.
func (r *Repo) tree(h plumbing.Hash) ([]object.TreeEntry, error) {
	r.trees.mu.Lock()
	if e, ok := r.trees.m[h]; ok {
		r.trees.mu.Unlock()
		return e, nil
	}
	r.trees.mu.Unlock()
	t, err := object.GetTree(r.r.Storer, h)
	if err != nil {
		return nil, err
	}
	r.trees.mu.Lock()
	if r.trees.m == nil || len(r.trees.m) >= treeCacheSize {
		r.trees.m = make(map[plumbing.Hash][]object.TreeEntry, 1024)
	}
	r.trees.m[h] = t.Entries
	r.trees.mu.Unlock()
	return t.Entries, nil
}

// rootTree is the tree of a commit: from the commit-graph file when it
// lists the commit, else from the commit object.
func (r *Repo) rootTree(commit string) (plumbing.Hash, error) {
	if g := r.loadedGraph(); g != nil && plumbing.IsHash(commit) {
		if i, ok := g.find(plumbing.NewHash(commit)); ok {
			if t, ok := g.tree(i); ok {
				return t, nil
			}
		}
	}
	c, err := r.commitObject(commit)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.TreeHash, nil
}

// entryAt finds path in the tree rooted at root.
func (r *Repo) entryAt(root plumbing.Hash, path string) (object.TreeEntry, bool, error) {
	cur := root
	parts := strings.Split(path, "/")
	for i, name := range parts {
		entries, err := r.tree(cur)
		if err != nil {
			return object.TreeEntry{}, false, err
		}
		var found *object.TreeEntry
		for j := range entries {
			if entries[j].Name == name {
				found = &entries[j]
				break
			}
		}
		if found == nil {
			return object.TreeEntry{}, false, nil
		}
		if i == len(parts)-1 {
			return *found, true, nil
		}
		if found.Mode != filemode.Dir {
			return object.TreeEntry{}, false, nil
		}
		cur = found.Hash
	}
	return object.TreeEntry{}, false, nil
}

// fileChange is one path a commit changes; a zero side is absent.
type fileChange struct {
	path     string
	from, to object.TreeEntry
}

// diffTrees lists the files that differ between trees a and b (either may
// be zero: empty), skipping subtrees with equal hashes.
func (r *Repo) diffTrees(a, b plumbing.Hash, prefix string, out []fileChange) ([]fileChange, error) {
	if a == b {
		return out, nil
	}
	var ea, eb []object.TreeEntry
	var err error
	if !a.IsZero() {
		if ea, err = r.tree(a); err != nil {
			return nil, err
		}
	}
	if !b.IsZero() {
		if eb, err = r.tree(b); err != nil {
			return nil, err
		}
	}
	// Merge the two sorted lists by name; a path that is a file on one side
	// and a directory on the other is a deletion and an addition.
	byName := func(es []object.TreeEntry) map[string]object.TreeEntry {
		m := make(map[string]object.TreeEntry, len(es))
		for _, e := range es {
			m[e.Name] = e
		}
		return m
	}
	mb := byName(eb)
	seen := make(map[string]bool, len(ea))
	emit := func(name string, x, y object.TreeEntry) error {
		p := prefix + name
		xDir, yDir := x.Mode == filemode.Dir, y.Mode == filemode.Dir
		switch {
		case xDir || yDir:
			var xt, yt plumbing.Hash
			if xDir {
				xt = x.Hash
			} else if x.Mode != 0 {
				out = append(out, fileChange{path: p, from: x})
			}
			if yDir {
				yt = y.Hash
			} else if y.Mode != 0 {
				out = append(out, fileChange{path: p, to: y})
			}
			out, err = r.diffTrees(xt, yt, p+"/", out)
			return err
		case x.Hash != y.Hash || x.Mode != y.Mode:
			out = append(out, fileChange{path: p, from: x, to: y})
		}
		return nil
	}
	for _, x := range ea {
		seen[x.Name] = true
		if err := emit(x.Name, x, mb[x.Name]); err != nil {
			return nil, err
		}
	}
	for _, y := range eb {
		if !seen[y.Name] {
			if err := emit(y.Name, object.TreeEntry{}, y); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// blob reads a blob, at most limit bytes; big reports a larger blob.
func (r *Repo) blob(h plumbing.Hash, limit int64) (data []byte, size int64, err error) {
	b, err := r.r.BlobObject(h)
	if err != nil {
		return nil, 0, err
	}
	if b.Size > limit {
		return nil, b.Size, nil
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, 0, err
	}
	defer rd.Close()
	data, err = io.ReadAll(rd)
	if err != nil {
		return nil, 0, fmt.Errorf("read blob %s: %w", h, err)
	}
	return data, b.Size, nil
}

// ChangedPaths lists the paths commit changes against its first parent,
// sorted, without reading a blob: what a patch would touch.
func (r *Repo) ChangedPaths(commit string) ([]string, error) {
	if p, ok := r.changed.Load(commit); ok {
		return p.([]string), nil
	}
	cc := r.cache()
	if cc != nil {
		if e, ok := cc.get(commit); ok && e.HasPaths {
			r.changed.Store(commit, e.Paths)
			return e.Paths, nil
		}
	}
	tree, parentTree, err := r.treeAndParentTree(commit)
	if err != nil {
		return nil, err
	}
	changes, err := r.diffTrees(parentTree, tree, "", nil)
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", Short(commit), err)
	}
	out := make([]string, 0, len(changes))
	for _, ch := range changes {
		if len(out) == 0 || out[len(out)-1] != ch.path {
			out = append(out, ch.path)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	r.changed.Store(commit, out)
	if cc != nil {
		cc.putPaths(commit, out)
	}
	return out, nil
}

// treeAndParentTree returns a commit's root tree and its first parent's
// (zero for a root commit), from the commit-graph file when it lists both.
func (r *Repo) treeAndParentTree(commit string) (tree, parent plumbing.Hash, err error) {
	if g := r.loadedGraph(); g != nil && plumbing.IsHash(commit) {
		if i, ok := g.find(plumbing.NewHash(commit)); ok {
			if t, ok := g.tree(i); ok {
				ps := g.parentsOf(i)
				if len(ps) == 0 {
					return t, plumbing.ZeroHash, nil
				}
				if pt, ok := g.tree(ps[0]); ok {
					return t, pt, nil
				}
			}
		}
	}
	c, err := r.commitObject(commit)
	if err != nil {
		return plumbing.ZeroHash, plumbing.ZeroHash, err
	}
	if len(c.ParentHashes) > 0 {
		if parent, err = r.rootTree(c.ParentHashes[0].String()); err != nil {
			return plumbing.ZeroHash, plumbing.ZeroHash, fmt.Errorf("read parent of %s: %w", Short(commit), err)
		}
	}
	return c.TreeHash, parent, nil
}
