// Package sample writes small, realistic git histories with go-git, without
// a git binary or a work tree: blobs, trees, commits, branches and tags go
// straight into the object store. `tiered demo` builds its repository with
// it; commit times are fixed, so the same recipe gives the same shas.
package sample

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Builder writes commits onto branches of one repository.
type Builder struct {
	repo   *git.Repository
	files  map[string]map[string]string // branch → path → content
	when   time.Time
	Author object.Signature
	err    error
}

// Init creates a repository with a work tree at dir.
func Init(dir string) (*Builder, error) {
	r, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, err
	}
	return &Builder{
		repo:   r,
		files:  map[string]map[string]string{},
		when:   time.Date(2024, 1, 8, 9, 0, 0, 0, time.UTC),
		Author: object.Signature{Name: "Rel Manager", Email: "rm@example.org"},
	}, nil
}

// Err returns the first error any step met; later steps do nothing.
func (b *Builder) Err() error { return b.err }

func (b *Builder) fail(err error) string {
	if b.err == nil {
		b.err = err
	}
	return ""
}

func (b *Builder) tick() time.Time {
	b.when = b.when.Add(time.Hour)
	return b.when
}

// Commit writes a commit on branch changing files (an empty content deletes
// the file) and returns its sha. A branch without commits starts a root.
func (b *Builder) Commit(branch, message string, files map[string]string) string {
	if b.err != nil {
		return ""
	}
	state := map[string]string{}
	for p, c := range b.files[branch] {
		state[p] = c
	}
	for p, c := range files {
		if c == "" {
			delete(state, p)
		} else {
			state[p] = c
		}
	}
	tree, err := b.writeTree(state, "")
	if err != nil {
		return b.fail(err)
	}
	var parents []plumbing.Hash
	if ref, err := b.repo.Reference(plumbing.NewBranchReferenceName(branch), true); err == nil {
		parents = append(parents, ref.Hash())
	}
	sig := b.Author
	sig.When = b.tick()
	c := &object.Commit{Author: sig, Committer: sig, Message: message, TreeHash: tree, ParentHashes: parents}
	obj := b.repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return b.fail(err)
	}
	h, err := b.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return b.fail(err)
	}
	if err := b.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(branch), h)); err != nil {
		return b.fail(err)
	}
	b.files[branch] = state
	return h.String()
}

func (b *Builder) writeTree(files map[string]string, dir string) (plumbing.Hash, error) {
	children := map[string]map[string]string{}
	var entries []object.TreeEntry
	for p, content := range files {
		first, rest, nested := strings.Cut(p, "/")
		if nested {
			if children[first] == nil {
				children[first] = map[string]string{}
			}
			children[first][rest] = content
			continue
		}
		obj := b.repo.Storer.NewEncodedObject()
		obj.SetType(plumbing.BlobObject)
		w, _ := obj.Writer()
		w.Write([]byte(content))
		w.Close()
		h, err := b.repo.Storer.SetEncodedObject(obj)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: first, Mode: filemode.Regular, Hash: h})
	}
	for name, sub := range children {
		h, err := b.writeTree(sub, path.Join(dir, name))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	// git orders tree entries by name, a directory as if it ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
	t := &object.Tree{Entries: entries}
	obj := b.repo.Storer.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return b.repo.Storer.SetEncodedObject(obj)
}

// Branch creates branch at the tip of from (a branch name).
func (b *Builder) Branch(name, from string) {
	if b.err != nil {
		return
	}
	ref, err := b.repo.Reference(plumbing.NewBranchReferenceName(from), true)
	if err != nil {
		b.fail(fmt.Errorf("branch %s from %s: %w", name, from, err))
		return
	}
	if err := b.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), ref.Hash())); err != nil {
		b.fail(err)
		return
	}
	state := map[string]string{}
	for p, c := range b.files[from] {
		state[p] = c
	}
	b.files[name] = state
}

// Tag tags the tip of branch; an empty annotation makes a lightweight tag.
func (b *Builder) Tag(name, branch, annotation string) {
	if b.err != nil {
		return
	}
	ref, err := b.repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		b.fail(fmt.Errorf("tag %s on %s: %w", name, branch, err))
		return
	}
	var opts *git.CreateTagOptions
	if annotation != "" {
		sig := b.Author
		sig.When = b.tick()
		opts = &git.CreateTagOptions{Tagger: &sig, Message: annotation}
	}
	if _, err := b.repo.CreateTag(name, ref.Hash(), opts); err != nil {
		b.fail(err)
	}
}

// CherryPick writes onto branch the files commit changed, as they are after
// it, with commit's message and a `git cherry-pick -x` marker. It does not
// merge: the recipe must pick only where the files agree, or edit them (a
// backport that needed editing). It returns the new commit's sha.
func (b *Builder) CherryPick(branch, commit string, edit func(path, content string) string) string {
	if b.err != nil {
		return ""
	}
	c, err := b.repo.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return b.fail(err)
	}
	parent, err := c.Parent(0)
	if err != nil {
		return b.fail(err)
	}
	patch, err := parent.Patch(c)
	if err != nil {
		return b.fail(err)
	}
	files := map[string]string{}
	for _, fp := range patch.FilePatches() {
		_, to := fp.Files()
		if to == nil {
			continue
		}
		f, err := c.File(to.Path())
		if err != nil {
			return b.fail(err)
		}
		content, err := f.Contents()
		if err != nil {
			return b.fail(err)
		}
		if edit != nil {
			content = edit(to.Path(), content)
		}
		files[to.Path()] = content
	}
	msg := strings.TrimRight(c.Message, "\n") + "\n(cherry picked from commit " + commit + ")\n"
	return b.Commit(branch, msg, files)
}

// Checkout points HEAD at branch and writes its files to the work tree.
func (b *Builder) Checkout(branch string) {
	if b.err != nil {
		return
	}
	wt, err := b.repo.Worktree()
	if err != nil {
		b.fail(err)
		return
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(branch), Force: true}); err != nil {
		b.fail(err)
	}
}
