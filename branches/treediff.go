package branches

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// treeCacheBytes bounds the tree objects kept by id: consecutive commits
// share most of their trees, so a plan reads each about once.
const treeCacheBytes = 64 << 20

// trees caches tree objects by id, as their raw content.
type trees struct {
	mu   sync.Mutex
	m    map[plumbing.Hash][]byte
	size int
}

// tree returns the content of tree h: entries as git writes them, read
// with a treeIter.
func (r *Repo) tree(h plumbing.Hash) ([]byte, error) {
	r.trees.mu.Lock()
	if t, ok := r.trees.m[h]; ok {
		r.trees.mu.Unlock()
		return t, nil
	}
	r.trees.mu.Unlock()
	o, err := r.r.Storer.EncodedObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	var t []byte
	if p, ok := o.(*packedObject); ok && p.data != nil {
		t = p.data // shared with the pack cache, never written
	} else {
		rd, err := o.Reader()
		if err != nil {
			return nil, err
		}
		t, err = io.ReadAll(rd)
		rd.Close()
		if err != nil {
			return nil, fmt.Errorf("read tree %s: %w", h, err)
		}
	}
	r.trees.mu.Lock()
	if r.trees.m == nil || r.trees.size > treeCacheBytes {
		r.trees.m, r.trees.size = make(map[plumbing.Hash][]byte, 1024), 0
	}
	r.trees.m[h] = t
	r.trees.size += len(t) + 64
	r.trees.mu.Unlock()
	return t, nil
}

// treeEntry is one entry of a tree; name points into the tree's content.
type treeEntry struct {
	name []byte
	mode filemode.FileMode
	hash plumbing.Hash
}

func (e treeEntry) object(name string) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: e.mode, Hash: e.hash}
}

// treeIter reads a tree's entries in order: "MODE NAME\0" and a 20-byte id
// each, modes made canonical as git and go-git read them.
type treeIter struct {
	data []byte
	err  error
}

var errMalformedTree = errors.New("malformed tree")

func (it *treeIter) next() (treeEntry, bool) {
	if len(it.data) == 0 || it.err != nil {
		return treeEntry{}, false
	}
	d := it.data
	var mode uint32
	i := 0
	for ; i < len(d) && d[i] != ' '; i++ {
		if d[i] < '0' || d[i] > '7' || i >= 10 {
			it.err = fmt.Errorf("%w: bad mode", errMalformedTree)
			return treeEntry{}, false
		}
		mode = mode<<3 | uint32(d[i]-'0')
	}
	if i == 0 || i == len(d) {
		it.err = fmt.Errorf("%w: bad mode", errMalformedTree)
		return treeEntry{}, false
	}
	d = d[i+1:]
	nul := bytes.IndexByte(d, 0)
	if nul <= 0 || len(d) < nul+1+20 {
		it.err = fmt.Errorf("%w: bad name or truncated id", errMalformedTree)
		return treeEntry{}, false
	}
	e := treeEntry{name: d[:nul], mode: canonicalMode(mode), hash: plumbing.Hash(d[nul+1 : nul+21])}
	it.data = d[nul+21:]
	return e, true
}

// canonicalMode is the mode git reads a tree entry's as (canon_mode).
func canonicalMode(m uint32) filemode.FileMode {
	switch m & 0o170000 {
	case 0o040000:
		return filemode.Dir
	case 0o100000:
		if m&0o111 != 0 {
			return filemode.Executable
		}
		return filemode.Regular
	case 0o120000:
		return filemode.Symlink
	}
	return filemode.Submodule
}

// compareEntries orders tree entries as git does: a directory's name as
// if it ended in "/".
func compareEntries(a treeEntry, b treeEntry) int {
	n := min(len(a.name), len(b.name))
	if c := bytes.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c
	}
	end := func(e treeEntry) int {
		switch {
		case len(e.name) > n:
			return int(e.name[n])
		case e.mode == filemode.Dir:
			return '/'
		}
		return 0
	}
	return end(a) - end(b)
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
		t, err := r.tree(cur)
		if err != nil {
			return object.TreeEntry{}, false, err
		}
		it := treeIter{data: t}
		var found treeEntry
		ok := false
		for e, more := it.next(); more; e, more = it.next() {
			if string(e.name) == name {
				found, ok = e, true
				break
			}
		}
		if it.err != nil {
			return object.TreeEntry{}, false, fmt.Errorf("tree %s: %w", cur, it.err)
		}
		if !ok {
			return object.TreeEntry{}, false, nil
		}
		if i == len(parts)-1 {
			return found.object(name), true, nil
		}
		if found.mode != filemode.Dir {
			return object.TreeEntry{}, false, nil
		}
		cur = found.hash
	}
	return object.TreeEntry{}, false, nil
}

// fileChange is one path a commit changes; a zero side is absent.
type fileChange struct {
	path     string
	from, to object.TreeEntry
}

// modifies reports whether the change keeps the file, of the same type:
// not an addition, deletion or type change, so no rename's source or
// destination either (git pairs deleted files with added ones).
func (ch fileChange) modifies() bool {
	return ch.from.Mode != 0 && ch.to.Mode != 0 && typeOf(ch.from.Mode) == typeOf(ch.to.Mode)
}

// diffTrees lists the files that differ between trees a and b (either may
// be zero: empty), skipping subtrees with equal hashes: both trees are
// walked in git's order at once, as git's tree diff does.
func (r *Repo) diffTrees(a, b plumbing.Hash, prefix string, out []fileChange) ([]fileChange, error) {
	if a == b {
		return out, nil
	}
	var ia, ib treeIter
	var err error
	if !a.IsZero() {
		if ia.data, err = r.tree(a); err != nil {
			return nil, err
		}
	}
	if !b.IsZero() {
		if ib.data, err = r.tree(b); err != nil {
			return nil, err
		}
	}
	// A path that is a file on one side and a directory on the other is a
	// deletion and an addition (git orders them apart).
	emit := func(x, y treeEntry, xOK, yOK bool) error {
		var name []byte
		if xOK {
			name = x.name
		} else {
			name = y.name
		}
		p := prefix + string(name)
		xDir, yDir := xOK && x.mode == filemode.Dir, yOK && y.mode == filemode.Dir
		switch {
		case xDir || yDir:
			var xt, yt plumbing.Hash
			if xDir {
				xt = x.hash
			} else if xOK {
				out = append(out, fileChange{path: p, from: x.object(string(name))})
			}
			if yDir {
				yt = y.hash
			} else if yOK {
				out = append(out, fileChange{path: p, to: y.object(string(name))})
			}
			out, err = r.diffTrees(xt, yt, p+"/", out)
			return err
		case !xOK:
			out = append(out, fileChange{path: p, to: y.object(string(name))})
		case !yOK:
			out = append(out, fileChange{path: p, from: x.object(string(name))})
		case x.hash != y.hash || x.mode != y.mode:
			out = append(out, fileChange{path: p, from: x.object(string(name)), to: y.object(string(name))})
		}
		return nil
	}
	x, xOK := ia.next()
	y, yOK := ib.next()
	for xOK || yOK {
		c := 0
		switch {
		case !xOK:
			c = 1
		case !yOK:
			c = -1
		default:
			c = compareEntries(x, y)
		}
		var err error
		switch {
		case c < 0:
			err = emit(x, treeEntry{}, true, false)
			x, xOK = ia.next()
		case c > 0:
			err = emit(treeEntry{}, y, false, true)
			y, yOK = ib.next()
		default:
			err = emit(x, y, true, true)
			x, xOK = ia.next()
			y, yOK = ib.next()
		}
		if err != nil {
			return nil, err
		}
	}
	if err := errors.Join(ia.err, ib.err); err != nil {
		return nil, fmt.Errorf("diff trees %s and %s: %w", a, b, err)
	}
	return out, nil
}

// blob reads a blob, unless it is larger than limit bytes; size is its
// size. A packed blob's data is shared with the pack cache: callers must
// not modify it, nor hand it out.
func (r *Repo) blob(h plumbing.Hash, limit int64) (data []byte, size int64, err error) {
	return r.object(plumbing.BlobObject, h, limit)
}

// object reads an object of type t as blob does.
func (r *Repo) object(t plumbing.ObjectType, h plumbing.Hash, limit int64) (data []byte, size int64, err error) {
	o, err := r.r.Storer.EncodedObject(t, h)
	if err != nil {
		return nil, 0, err
	}
	if o.Size() > limit {
		return nil, o.Size(), nil
	}
	if p, ok := o.(*packedObject); ok && p.data != nil {
		return p.data, p.size, nil
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, 0, err
	}
	defer rd.Close()
	if data, err = io.ReadAll(rd); err != nil {
		return nil, 0, fmt.Errorf("read %s %s: %w", t, h, err)
	}
	return data, o.Size(), nil
}

// commitChanges lists the files commit changes against its first parent
// (against nothing for a root commit), from a diff of their trees.
func (r *Repo) commitChanges(commit string) ([]fileChange, error) {
	if ch, ok := r.changes.get(commit); ok {
		return ch, nil
	}
	tree, parentTree, err := r.treeAndParentTree(commit)
	if err != nil {
		return nil, err
	}
	changes, err := r.diffTrees(parentTree, tree, "", nil)
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", Short(commit), err)
	}
	// git's patch order: by path.
	slices.SortStableFunc(changes, func(a, b fileChange) int { return strings.Compare(a.path, b.path) })
	r.changes.put(commit, changes, maxCommitChangesRead)
	return changes, nil
}

// maxCommitChangesRead bounds the tree diffs a run keeps (Repo.changes):
// a commit's changes are asked for its paths, its line sum, its patch
// and the file a search follows through it.
const maxCommitChangesRead = 1 << 16

// ChangedPaths lists the paths commit changes against its first parent,
// sorted, without reading a blob: what a patch would touch.
func (r *Repo) ChangedPaths(commit string) ([]string, error) {
	cp, err := r.changedPaths(commit)
	return cp.paths, err
}

// Creates reports whether commit creates path: path is not in its first
// parent (or it has none), or is there as another type of entry, which
// its patch shows deleted and added. It is known with the paths commit
// changes, without reading a blob.
func (r *Repo) Creates(commit, path string) (bool, error) {
	cp, err := r.changedPaths(commit)
	return slices.Contains(cp.created, path), err
}

// changedPaths are the paths a commit changes, sorted, and those of them
// it creates.
type changedPaths struct{ paths, created []string }

// maxPathsRead bounds the changedPaths a run keeps (Repo.changed): a plan
// asks for a candidate's a dozen times.
const maxPathsRead = 1 << 20

func (r *Repo) changedPaths(commit string) (changedPaths, error) {
	// The commit cache first: a plan after new commits finds every
	// candidate's there, and one lookup in it is all it costs.
	cc := r.cache()
	if cc != nil {
		if e, ok := cc.get(commit); ok && e.HasPaths {
			return changedPaths{e.Paths, e.Created}, nil
		}
	}
	if cp, ok := r.changed.get(commit); ok {
		return cp, nil
	}
	changes, err := r.commitChanges(commit)
	if err != nil {
		return changedPaths{}, err
	}
	var cp changedPaths
	cp.paths = make([]string, 0, len(changes))
	for _, ch := range changes {
		cp.paths = append(cp.paths, ch.path)
		if ch.to.Mode != 0 && !ch.modifies() {
			cp.created = append(cp.created, ch.path)
		}
	}
	cp.paths = slices.Compact(cp.paths) // sorted, as commitChanges gives them
	r.changed.put(commit, cp, maxPathsRead)
	if cc != nil {
		cc.putPaths(commit, cp.paths, cp.created)
	}
	return cp, nil
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
