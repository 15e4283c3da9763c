package branches

import (
	"fmt"
	"slices"
	"strings"
)

// PatchOf returns the part of commit's patch (see [Repo.Patch]) that
// changes paths: the files whose old or new path is one of them. A file
// of paths that the commit modifies (neither adds, deletes nor retypes)
// is no rename's source or destination (git pairs deleted files with
// added ones), so such files are diffed alone and only they are; when
// the commit adds, deletes or retypes one of paths, or the whole patch is
// at hand, it is the whole patch filtered. Looking for the commit that
// introduced a line of one file, a plan reads hundreds of commits that
// change many files besides it (a translation update, a new directory).
func (r *Repo) PatchOf(commit string, paths []string) (*Patch, error) {
	if p, ok := r.knownPatch(commit); ok {
		return p.only(paths), nil
	}
	changed, err := r.ChangedPaths(commit)
	if err != nil {
		return nil, err
	}
	var want []string // sorted, as changed is
	for _, path := range changed {
		if slices.Contains(paths, path) {
			want = append(want, path)
		}
	}
	p := &Patch{Commit: commit}
	if len(want) == 0 {
		return p, nil
	}
	// Parts are kept only for files a commit modifies.
	for _, path := range want {
		f, ok := r.part(commit, path)
		if !ok {
			p.Files = nil
			break
		}
		p.Files = append(p.Files, f)
	}
	if p.Files != nil {
		return p, nil
	}
	changes, err := r.commitChanges(commit)
	if err != nil {
		return nil, err
	}
	var mine []fileChange
	for _, ch := range changes {
		if !slices.Contains(paths, ch.path) {
			continue
		}
		if !ch.modifies() {
			p, err := r.Patch(commit) // a rename or type change: git's pairing
			if err != nil {
				return nil, err
			}
			return p.only(paths), nil
		}
		mine = append(mine, ch)
	}
	if len(mine) == len(changes) { // all of it: keep it whole
		return r.Patch(commit)
	}
	slices.SortStableFunc(mine, func(a, b fileChange) int { return strings.Compare(a.path, b.path) })
	blobs := newBlobReader(r)
	for _, ch := range mine {
		f, ok := r.part(commit, ch.path)
		if !ok {
			f = FilePatch{
				OldPath: ch.path, OldMode: uint32(ch.from.Mode), OldID: ch.from.Hash.String(),
				NewPath: ch.path, NewMode: uint32(ch.to.Mode), NewID: ch.to.Hash.String(),
			}
			if err := blobs.fill(&f, ch.from, ch.to); err != nil {
				return nil, fmt.Errorf("read %s at %s: %w", ch.path, Short(commit), err)
			}
			r.putPart(commit, f)
		}
		p.Files = append(p.Files, f)
	}
	return p, nil
}

// part returns the change of one file of commit that PatchOf diffed
// alone, from memory or the patch cache.
func (r *Repo) part(commit, path string) (FilePatch, bool) {
	if f, ok := r.parts.get(commit + "\x00" + path); ok {
		return f, true
	}
	cc := r.cache()
	if cc == nil {
		return FilePatch{}, false
	}
	ref, ok := cc.partRef(commit, path)
	if !ok {
		return FilePatch{}, false
	}
	p, ok := cc.readRecord(commit, ref.At, ref.Len, ref.Sum)
	if !ok || len(p.Files) != 1 {
		return FilePatch{}, false
	}
	r.parts.put(commit+"\x00"+path, p.Files[0], maxPatchParts)
	return p.Files[0], true
}

func (r *Repo) putPart(commit string, f FilePatch) {
	r.parts.put(commit+"\x00"+f.NewPath, f, maxPatchParts)
	if cc := r.cache(); cc != nil {
		cc.writePart(commit, f)
	}
}

// maxPatchParts bounds the parts of patches kept in memory (Repo.parts):
// a search for the commits that introduced lines reads the same commits
// for one file again and again.
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
