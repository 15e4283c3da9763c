package branches

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// PatchOf returns the part of commit's patch (see [Repo.Patch]) that
// changes paths: the files whose old or new path is one of them. A
// commit that adds or removes no file has no renames, so each of its
// files is diffed alone and only those are; otherwise, or when the whole
// patch is at hand, it is the whole patch filtered. Looking for the
// commit that introduced a line of one file, a plan reads hundreds of
// commits that change many files besides it.
func (r *Repo) PatchOf(commit string, paths []string) (*Patch, error) {
	if p, ok := r.knownPatch(commit); ok {
		return p.only(paths), nil
	}
	if p, ok := r.parts.get(commit, paths); ok {
		return p, nil
	}
	tree, parentTree, err := r.treeAndParentTree(commit)
	if err != nil {
		return nil, err
	}
	changes, err := r.diffTrees(parentTree, tree, "", nil)
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", Short(commit), err)
	}
	var mine []fileChange
	for _, ch := range changes {
		if ch.from.Mode == 0 || ch.to.Mode == 0 || typeOf(ch.from.Mode) != typeOf(ch.to.Mode) {
			p, err := r.Patch(commit) // a rename or type change: git's pairing
			if err != nil {
				return nil, err
			}
			return p.only(paths), nil
		}
		if slices.Contains(paths, ch.path) {
			mine = append(mine, ch)
		}
	}
	if len(mine) == len(changes) { // all of it: keep it whole
		return r.Patch(commit)
	}
	slices.SortStableFunc(mine, func(a, b fileChange) int { return strings.Compare(a.path, b.path) })
	p := &Patch{Commit: commit}
	blobs := newBlobReader(r)
	for _, ch := range mine {
		f := FilePatch{
			OldPath: ch.path, OldMode: uint32(ch.from.Mode), OldID: ch.from.Hash.String(),
			NewPath: ch.path, NewMode: uint32(ch.to.Mode), NewID: ch.to.Hash.String(),
		}
		if err := blobs.fill(&f, ch.from, ch.to); err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", ch.path, Short(commit), err)
		}
		p.Files = append(p.Files, f)
	}
	r.parts.put(commit, paths, p)
	return p, nil
}

// patchParts keeps the parts of patches PatchOf diffed alone, by commit
// and paths: a search for the commits that introduced lines reads the
// same commits for one file again and again.
type patchParts struct {
	sync.Mutex
	m map[string]*Patch
}

func partKey(commit string, paths []string) string {
	return commit + "\x00" + strings.Join(paths, "\x00")
}

func (c *patchParts) get(commit string, paths []string) (*Patch, bool) {
	c.Lock()
	defer c.Unlock()
	p, ok := c.m[partKey(commit, paths)]
	return p, ok
}

func (c *patchParts) put(commit string, paths []string, p *Patch) {
	c.Lock()
	defer c.Unlock()
	if c.m == nil || len(c.m) >= maxPatchParts {
		c.m = map[string]*Patch{}
	}
	c.m[partKey(commit, paths)] = p
}

// maxPatchParts bounds the parts kept; past it they are dropped at once.
const maxPatchParts = 1 << 16

// knownPatch returns commit's patch when it is in memory or in the
// patch cache, without diffing.
func (r *Repo) knownPatch(commit string) (*Patch, bool) {
	if p, ok := r.patches.get(commit); ok {
		return p, true
	}
	if cc := r.cache(); cc != nil {
		if e, ok := cc.entry(commit); ok {
			if p, ok := cc.readPatch(commit, e); ok {
				r.patches.put(commit, p)
				return p, true
			}
		}
	}
	return nil, false
}

// only returns p's files whose old or new path is one of paths.
func (p *Patch) only(paths []string) *Patch {
	q := &Patch{Commit: p.Commit}
	for _, f := range p.Files {
		if slices.Contains(paths, f.OldPath) || slices.Contains(paths, f.NewPath) {
			q.Files = append(q.Files, f)
		}
	}
	return q
}
