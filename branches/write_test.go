package branches

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// newWriteRepo makes a repository with one commit, on disk in dir or in
// memory when dir is "".
func newWriteRepo(t *testing.T, dir string) (*Repo, string) {
	t.Helper()
	var r *git.Repository
	var err error
	if dir == "" {
		r, err = git.Init(memory.NewStorage(), nil)
	} else {
		r, err = git.PlainInit(dir, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	tree := r.Storer.NewEncodedObject()
	if err := (&object.Tree{}).Encode(tree); err != nil {
		t.Fatal(err)
	}
	th, err := r.Storer.SetEncodedObject(tree)
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "T", Email: "t@example.org", When: time.Unix(1700000000, 0).UTC()}
	c := r.Storer.NewEncodedObject()
	if err := (&object.Commit{Author: sig, Committer: sig, Message: "start\n", TreeHash: th}).Encode(c); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Storer.SetEncodedObject(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Storer.SetReference(plumbing.NewHashReference("refs/heads/main", ch)); err != nil {
		t.Fatal(err)
	}
	return &Repo{r: r, dir: dir}, ch.String()
}

func release(t *testing.T, repo *Repo, commit string) (*TagObject, []RefUpdate) {
	t.Helper()
	tag := &TagObject{Name: "v1.4.1.0", Target: commit, Message: "libfoo 1.4.1.0\n",
		Tagger: Signature{"T", "t@example.org", time.Unix(1700000000, 0).UTC()}}
	th, err := repo.TagHash(tag)
	if err != nil {
		t.Fatal(err)
	}
	return tag, []RefUpdate{
		{Name: "refs/tags/v1.4.1.0", New: th},
		{Name: "refs/heads/release/v1.4.1", New: commit},
		{Name: "refs/heads/main", New: commit, Old: commit},
	}
}

func refs(t *testing.T, repo *Repo) map[string]string {
	t.Helper()
	out := map[string]string{}
	iter, err := repo.r.Storer.IterReferences()
	if err != nil {
		t.Fatal(err)
	}
	iter.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference {
			out[r.Name().String()] = r.Hash().String()
		}
		return nil
	})
	return out
}

func TestWrite(t *testing.T) {
	for _, where := range []string{"memory", "disk"} {
		t.Run(where, func(t *testing.T) {
			dir := ""
			if where == "disk" {
				dir = t.TempDir()
			}
			repo, commit := newWriteRepo(t, dir)
			tag, updates := release(t, repo, commit)
			if err := repo.Write(tag, updates, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			got := refs(t, repo)
			if got["refs/tags/v1.4.1.0"] != updates[0].New || got["refs/heads/release/v1.4.1"] != commit {
				t.Errorf("refs after write: %v", got)
			}
			to, err := repo.r.TagObject(plumbing.NewHash(updates[0].New))
			if err != nil || to.Target.String() != commit || to.Message != tag.Message {
				t.Errorf("tag object = %v, %v", to, err)
			}
			// The same write again: the refs exist now, and nothing changes.
			err = repo.Write(tag, updates, WriteOptions{})
			if !errors.Is(err, ErrRefChanged) {
				t.Errorf("second write = %v, want ErrRefChanged", err)
			}
			if dir != "" {
				locks, _ := filepath.Glob(filepath.Join(dir, "refs", "*", "*.lock"))
				if len(locks) != 0 {
					t.Errorf("lock files left: %v", locks)
				}
			}
		})
	}
}

// A failure after the first ref write leaves no ref behind: the write is
// all or nothing.
func TestWriteFailureLeavesNoRef(t *testing.T) {
	for _, where := range []string{"memory", "disk"} {
		for failAt := range 3 {
			t.Run(where, func(t *testing.T) {
				dir := ""
				if where == "disk" {
					dir = t.TempDir()
				}
				repo, commit := newWriteRepo(t, dir)
				before := refs(t, repo)
				tag, updates := release(t, repo, commit)
				injected := errors.New("injected failure")
				n := 0
				err := repo.Write(tag, updates, WriteOptions{AfterRef: func(string) error {
					if n++; n > failAt {
						return injected
					}
					return nil
				}})
				if !errors.Is(err, injected) {
					t.Fatalf("Write = %v, want the injected failure", err)
				}
				if after := refs(t, repo); len(after) != len(before) || after["refs/heads/main"] != before["refs/heads/main"] {
					t.Errorf("refs after a failed write (fail after %d): %v, want %v", failAt+1, after, before)
				}
				if dir != "" {
					if _, err := os.Stat(filepath.Join(dir, "refs", "tags", "v1.4.1.0")); !os.IsNotExist(err) {
						t.Errorf("tag ref file left behind: %v", err)
					}
				}
			})
		}
	}
}

// A ref moved since it was read, or locked by git, fails before anything
// is written.
func TestWriteCompareAndSwap(t *testing.T) {
	dir := t.TempDir()
	repo, commit := newWriteRepo(t, dir)
	tag, updates := release(t, repo, commit)
	updates[2].Old = "1111111111111111111111111111111111111111"
	if err := repo.Write(tag, updates, WriteOptions{}); !errors.Is(err, ErrRefChanged) {
		t.Errorf("Write with a stale old value = %v, want ErrRefChanged", err)
	}
	if got := refs(t, repo); len(got) != 1 {
		t.Errorf("refs after a refused write: %v", got)
	}
	tag, updates = release(t, repo, commit)
	lock := filepath.Join(dir, "refs", "heads", "release", "v1.4.1.lock")
	os.MkdirAll(filepath.Dir(lock), 0o755)
	os.WriteFile(lock, nil, 0o644)
	if err := repo.Write(tag, updates, WriteOptions{}); !errors.Is(err, ErrRefLocked) {
		t.Errorf("Write with a held lock = %v, want ErrRefLocked", err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("someone else's lock was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "refs", "tags", "v1.4.1.0.lock")); !os.IsNotExist(err) {
		t.Errorf("own lock left behind: %v", err)
	}
}
