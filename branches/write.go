package branches

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrRefChanged reports that a ref was not what a write expected: it
// exists when it should not, or moved. Another writer got there first.
var ErrRefChanged = errors.New("ref changed concurrently")

// ErrRefLocked reports that another writer (git, or another cut) holds a
// ref's lock file.
var ErrRefLocked = errors.New("ref is locked")

// Signature is who made a tag, and when.
type Signature struct {
	Name, Email string
	When        time.Time
}

// TagObject is an annotated tag to create.
type TagObject struct {
	Name    string // without refs/tags/
	Target  string // the commit, full sha
	Message string
	Tagger  Signature
}

// RefUpdate is one ref a write sets: Name (refs/heads/…, refs/tags/…) to
// New, a full sha, provided it is now Old ("": it must not exist).
type RefUpdate struct {
	Name string `json:"name"`
	New  string `json:"new"`
	Old  string `json:"old,omitempty"`
}

// WriteOptions tune [Repo.Write]; the zero value is the normal write.
type WriteOptions struct {
	// AfterRef, if set, runs after each ref is written; an error it returns
	// fails the write as a failed ref write would (for tests).
	AfterRef func(name string) error
}

// TagHash computes the object id the tag would have, without writing it.
func (r *Repo) TagHash(t *TagObject) (string, error) {
	obj, err := r.encodeTag(t)
	if err != nil {
		return "", err
	}
	return obj.Hash().String(), nil
}

func (r *Repo) encodeTag(t *TagObject) (plumbing.EncodedObject, error) {
	if !plumbing.IsHash(t.Target) {
		return nil, fmt.Errorf("tag %s: target %q is not a full sha", t.Name, t.Target)
	}
	tag := &object.Tag{
		Name:       t.Name,
		Tagger:     object.Signature{Name: t.Tagger.Name, Email: t.Tagger.Email, When: t.Tagger.When},
		Message:    t.Message,
		TargetType: plumbing.CommitObject,
		Target:     plumbing.NewHash(t.Target),
	}
	obj := r.r.Storer.NewEncodedObject()
	if err := tag.Encode(obj); err != nil {
		return nil, fmt.Errorf("encode tag %s: %w", t.Name, err)
	}
	return obj, nil
}

// Write creates the annotated tag (if tag is not nil; its ref must be
// among updates, with New set to [Repo.TagHash]) and sets every ref of
// updates, all or none. Each ref is compared and swapped under git's own
// lock file (refs/…/name.lock), so a concurrent git or tiered sees the
// lock, and a ref that changed since the caller read it fails the write
// with an error wrapping [ErrRefChanged] or [ErrRefLocked]. When a ref
// cannot be written, those already written are put back.
func (r *Repo) Write(tag *TagObject, updates []RefUpdate, opts WriteOptions) (err error) {
	unlock, err := r.lockRefs(updates)
	if err != nil {
		return err
	}
	defer unlock()
	for _, u := range updates {
		if err := r.expect(u); err != nil {
			return err
		}
	}
	if tag != nil {
		obj, err := r.encodeTag(tag)
		if err != nil {
			return err
		}
		// An object nothing names is harmless: git gc removes it.
		if _, err := r.r.Storer.SetEncodedObject(obj); err != nil {
			return fmt.Errorf("write tag %s: %w", tag.Name, err)
		}
	}
	var done []RefUpdate
	defer func() {
		if err == nil {
			return
		}
		for i := len(done) - 1; i >= 0; i-- {
			if rerr := r.restore(done[i]); rerr != nil {
				err = fmt.Errorf("%w; and putting back %s failed: %v", err, done[i].Name, rerr)
			}
		}
	}()
	for _, u := range updates {
		ref := plumbing.NewHashReference(plumbing.ReferenceName(u.Name), plumbing.NewHash(u.New))
		var old *plumbing.Reference
		if u.Old != "" {
			old = plumbing.NewHashReference(ref.Name(), plumbing.NewHash(u.Old))
		}
		if err := r.r.Storer.CheckAndSetReference(ref, old); err != nil {
			return fmt.Errorf("write %s: %w", u.Name, err)
		}
		done = append(done, u)
		if opts.AfterRef != nil {
			if err := opts.AfterRef(u.Name); err != nil {
				return fmt.Errorf("write %s: %w", u.Name, err)
			}
		}
	}
	return nil
}

// expect checks that a ref is what the update expects it to be now.
func (r *Repo) expect(u RefUpdate) error {
	if !strings.HasPrefix(u.Name, "refs/") || !plumbing.IsHash(u.New) {
		return fmt.Errorf("bad ref update %s -> %q", u.Name, u.New)
	}
	ref, err := r.r.Storer.Reference(plumbing.ReferenceName(u.Name))
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		if u.Old != "" {
			return fmt.Errorf("%s: %w (it no longer exists)", u.Name, ErrRefChanged)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read %s: %w", u.Name, err)
	case u.Old == "":
		return fmt.Errorf("%s: %w (it already exists, at %s)", u.Name, ErrRefChanged, Short(ref.Hash().String()))
	case ref.Hash().String() != u.Old:
		return fmt.Errorf("%s: %w (it is at %s, not %s)", u.Name, ErrRefChanged, Short(ref.Hash().String()), Short(u.Old))
	}
	return nil
}

func (r *Repo) restore(u RefUpdate) error {
	name := plumbing.ReferenceName(u.Name)
	if u.Old == "" {
		return r.r.Storer.RemoveReference(name)
	}
	return r.r.Storer.SetReference(plumbing.NewHashReference(name, plumbing.NewHash(u.Old)))
}

// lockRefs takes git's lock file for each ref of a repository on disk and
// returns the function that releases them. In-memory repositories (tests)
// need no locks.
func (r *Repo) lockRefs(updates []RefUpdate) (func(), error) {
	fs, ok := r.fsStorage()
	if !ok {
		return func() {}, nil
	}
	root := fs.Filesystem().Root()
	var held []string
	unlock := func() {
		for _, l := range held {
			os.Remove(l)
		}
	}
	for _, u := range updates {
		lock := filepath.Join(root, filepath.FromSlash(u.Name)+".lock")
		if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
			unlock()
			return nil, err
		}
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, os.ErrExist) {
			unlock()
			return nil, fmt.Errorf("%s: %w by another writer (%s exists; remove it if no git or tiered is running)", u.Name, ErrRefLocked, lock)
		}
		if err != nil {
			unlock()
			return nil, fmt.Errorf("lock %s: %w", u.Name, err)
		}
		f.Close()
		held = append(held, lock)
	}
	return unlock, nil
}

// Identity is the committer identity git would use: user.name and
// user.email from the repository's, the global and the system config.
// Empty fields are unset.
func (r *Repo) Identity() (name, email string) {
	for _, scope := range []config.Scope{config.LocalScope, config.GlobalScope, config.SystemScope} {
		cfg, err := r.r.ConfigScoped(scope)
		if err != nil {
			continue
		}
		if name == "" {
			name = cfg.User.Name
		}
		if email == "" {
			email = cfg.User.Email
		}
	}
	return name, email
}

// RefTarget returns the sha a ref points at, if it exists.
func (r *Repo) RefTarget(name string) (string, bool) {
	ref, err := r.r.Storer.Reference(plumbing.ReferenceName(name))
	if err != nil {
		return "", false
	}
	return ref.Hash().String(), true
}

// Tagger returns "Name <email>" of an annotated tag's tagger, "" for a
// lightweight tag or none.
func (r *Repo) Tagger(tag string) string {
	ref, err := r.r.Storer.Reference(plumbing.NewTagReferenceName(tag))
	if err != nil {
		return ""
	}
	t, err := r.r.TagObject(ref.Hash())
	if err != nil {
		return ""
	}
	return t.Tagger.Name + " <" + t.Tagger.Email + ">"
}

// RefsFingerprint hashes every ref and HEAD (name and target): two equal
// fingerprints mean the same history is reachable, so an answer computed
// from the refs can be reused.
func (r *Repo) RefsFingerprint() (string, error) {
	iter, err := r.r.Storer.IterReferences()
	if err != nil {
		return "", err
	}
	var lines []string
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		lines = append(lines, ref.Name().String()+" "+ref.Hash().String()+" "+ref.Target().String())
		return nil
	})
	if err != nil {
		return "", err
	}
	if head, err := r.r.Head(); err == nil {
		lines = append(lines, "HEAD "+head.Hash().String())
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:]), nil
}

// CacheDir is where tiered may keep derived data for this repository:
// tiered/ inside the git directory, "" for an in-memory repository.
func (r *Repo) CacheDir() string {
	fsStore, ok := r.fsStorage()
	if !ok {
		return ""
	}
	return filepath.Join(fsStore.Filesystem().Root(), "tiered")
}

// TagMessage returns an annotated tag's message; ok is false for a
// lightweight tag or none.
func (r *Repo) TagMessage(tag string) (string, bool) {
	ref, err := r.r.Storer.Reference(plumbing.NewTagReferenceName(tag))
	if err != nil {
		return "", false
	}
	t, err := r.r.TagObject(ref.Hash())
	if err != nil {
		return "", false
	}
	return t.Message, true
}
