package branches

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/objfile"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrRefChanged reports that a ref was not what a write expected: it
// exists when it should not, or moved. Another writer got there first.
var ErrRefChanged = errors.New("ref changed concurrently")

// ErrRefLocked reports that another writer (git, or another cut) holds a
// ref's lock file, or that one that died left it: see [LockError].
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
	// Message is the reflog message; by default it names the tag:
	// "tiered: release v1.4.1.0".
	Message string
	// Committer signs the reflog entries, as GIT_COMMITTER_* sign git's;
	// by default the tag's tagger, else the repository's identity, now.
	Committer Signature
	// AfterStep, if set, runs after each step of the write, and an error
	// it returns fails the write there (for tests). On disk the steps are
	// "locked" (every lock taken), "object" (the tag object written),
	// "loose-packed" (loose refs of the names folded into packed-refs,
	// only if there were any), "reflog" (entries appended) and "refs"
	// (packed-refs renamed: every ref written). In memory, "object" and
	// "ref NAME" after each ref.
	AfterStep func(step string) error
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
// updates, all or none, each provided it is what its update expects: a
// ref that changed since the caller read it fails the write with an error
// wrapping [ErrRefChanged], one whose lock another writer holds with a
// *[LockError] (wrapping [ErrRefLocked]), and a name git would refuse
// with a *[RefNameError].
//
// On disk, Write writes as git does and survives kill -9 at any moment:
// it takes git's lock file of each ref (refs/…/name.lock) and of
// packed-refs, writes the tag object and syncs it, appends a reflog entry
// for each ref git would log (branches, not tags, unless
// core.logAllRefUpdates is "always"), then writes every ref at once in a
// new packed-refs, synced and renamed over the old one. Until that rename
// no ref has changed; after it, every ref has. Loose files of the names,
// if any, are first folded into packed-refs at their current values, so
// that none shadows the new ones. Readers need no lock: they see the old
// packed-refs or the new one. A lock file a tiered that died on this host
// left is taken over; any other is reported with its age.
//
// In memory (tests), refs are compared and swapped one by one and, if one
// fails, those already written are put back.
func (r *Repo) Write(tag *TagObject, updates []RefUpdate, opts WriteOptions) error {
	for _, u := range updates {
		if err := CheckRefName(u.Name); err != nil {
			return err
		}
		if !strings.HasPrefix(u.Name, "refs/") || !plumbing.IsHash(u.New) || u.Old != "" && !plumbing.IsHash(u.Old) {
			return fmt.Errorf("bad ref update %s -> %q (want refs/… and full shas)", u.Name, u.New)
		}
	}
	if s := r.files(); s != nil {
		return r.writeFiles(s, tag, updates, opts)
	}
	return r.writeStorer(tag, updates, opts)
}

// step runs opts.AfterStep.
func (opts WriteOptions) step(name string) error {
	if opts.AfterStep == nil {
		return nil
	}
	if err := opts.AfterStep(name); err != nil {
		return fmt.Errorf("after step %s: %w", name, err)
	}
	return nil
}

// writeFiles is Write on disk.
func (r *Repo) writeFiles(s *refStore, tag *TagObject, updates []RefUpdate, opts WriteOptions) (err error) {
	var locks []*lockFile
	defer func() {
		for i := len(locks) - 1; i >= 0; i-- {
			locks[i].release()
		}
		for _, u := range updates {
			s.removeEmptyDirs(u.Name)
		}
	}()
	// A ref inside another cannot even be locked: say why first.
	existing, err := s.refs()
	if err != nil {
		return err
	}
	if err := checkConflicts(updates, existing); err != nil {
		return err
	}
	// Lock files tiered processes that died left anywhere, even of refs
	// this write does not touch, would stop git: clear them.
	s.removeDeadLocks()
	// git's locks: each ref's, then packed-refs' (waiting for it a second,
	// as git does, since writers of other refs take it too).
	for _, u := range updates {
		l, err := s.lock(u.Name, 0)
		if err != nil {
			return err
		}
		locks = append(locks, l)
	}
	l, err := s.lock("packed-refs", time.Second)
	if err != nil {
		return err
	}
	locks = append(locks, l)
	if err := opts.step("locked"); err != nil {
		return err
	}

	// The refs as they are, read under the locks.
	packed, err := s.packed(true)
	if err != nil {
		return err
	}
	var loose []packedRef
	for _, u := range updates {
		state, value, err := s.loose(u.Name)
		if err != nil {
			return fmt.Errorf("read %s: %w", u.Name, err)
		}
		cur, exists := packed.get(u.Name)
		switch state {
		case looseHash:
			cur, exists = value, true
			loose = append(loose, packedRef{name: u.Name, hash: value})
		case looseSymbolic:
			return fmt.Errorf("%s: a symbolic ref (to %s): tiered writes only refs that name a commit or tag", u.Name, value)
		case looseBroken:
			return fmt.Errorf("%s: the ref file is broken (empty, or no sha: left by an interrupted write): remove %s if no git or tiered is running", u.Name, s.rel(s.path(u.Name)))
		}
		if err := expectRef(u, cur, exists); err != nil {
			return err
		}
	}
	if existing, err = s.refs(); err != nil {
		return err
	}
	if err := checkConflicts(updates, existing); err != nil {
		return err
	}

	// Objects before the refs that name them, durably.
	if tag != nil {
		obj, err := r.encodeTag(tag)
		if err != nil {
			return err
		}
		// An object nothing names is harmless: git gc removes it.
		if err := r.writeObject(s, obj); err != nil {
			return fmt.Errorf("write tag %s: %w", tag.Name, err)
		}
	}
	if err := opts.step("object"); err != nil {
		return err
	}

	// Fold the loose files of the names into packed-refs, at their current
	// values: every state on the way reads the same refs.
	if len(loose) > 0 {
		for _, ref := range loose {
			ref.peeled = r.peel(ref.hash)
			packed = packed.with(ref.name, ref)
		}
		if err := s.writePacked(packed); err != nil {
			return err
		}
		for _, ref := range loose {
			if err := os.Remove(s.path(ref.name)); err != nil {
				return err
			}
			if err := syncDir(filepath.Dir(s.path(ref.name))); err != nil {
				return err
			}
		}
		if err := opts.step("loose-packed"); err != nil {
			return err
		}
	}

	// Reflog entries first, as git writes them: an entry whose ref a kill
	// stopped names an update that did not happen, never the reverse.
	var logged []*reflogEntry
	defer func() {
		if err != nil {
			for _, e := range logged {
				e.undo()
			}
		}
	}()
	sig, msg := r.reflogSignature(tag, opts)
	mode := r.logAllRefUpdates()
	head, _ := r.r.Storer.Reference(plumbing.HEAD)
	for _, u := range updates {
		line := reflogLine(u.Old, u.New, sig, msg)
		names := []string{u.Name}
		if head != nil && head.Type() == plumbing.SymbolicReference && head.Target().String() == u.Name {
			names = append(names, "HEAD") // git logs HEAD with the branch it names
		}
		for _, name := range names {
			e, err := s.appendReflog(name, line, mode.creates(name))
			if err != nil {
				return err
			}
			if e != nil {
				logged = append(logged, e)
			}
		}
	}
	if err := opts.step("reflog"); err != nil {
		return err
	}

	// Every ref at once: one rename.
	next := packed
	for _, u := range updates {
		next = next.with(u.Name, packedRef{name: u.Name, hash: u.New, peeled: r.peel(u.New)})
	}
	err = s.writePacked(next)
	if err == nil {
		err = opts.step("refs")
	}
	if err != nil {
		// The rename may have happened (a failed sync of the directory
		// after it): put the old packed-refs back either way.
		if rerr := s.writePacked(packed); rerr != nil {
			logged = nil // the refs stay written: so do their entries
			return fmt.Errorf("%w; and putting the refs back failed: %v", err, rerr)
		}
		return err
	}
	return nil
}

// writeStorer is Write through go-git's storer: memory in tests.
func (r *Repo) writeStorer(tag *TagObject, updates []RefUpdate, opts WriteOptions) (err error) {
	for _, u := range updates {
		cur, exists := "", false
		ref, err := r.r.Storer.Reference(plumbing.ReferenceName(u.Name))
		switch {
		case err == nil:
			cur, exists = ref.Hash().String(), true
		case !errors.Is(err, plumbing.ErrReferenceNotFound):
			return fmt.Errorf("read %s: %w", u.Name, err)
		}
		if err := expectRef(u, cur, exists); err != nil {
			return err
		}
	}
	if tag != nil {
		obj, err := r.encodeTag(tag)
		if err != nil {
			return err
		}
		if _, err := r.r.Storer.SetEncodedObject(obj); err != nil {
			return fmt.Errorf("write tag %s: %w", tag.Name, err)
		}
	}
	if err := opts.step("object"); err != nil {
		return err
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
		if err := opts.step("ref " + u.Name); err != nil {
			return err
		}
	}
	return nil
}

// expectRef checks that a ref is what the update expects it to be now:
// cur, if it exists.
func expectRef(u RefUpdate, cur string, exists bool) error {
	switch {
	case !exists && u.Old != "":
		return fmt.Errorf("%s: %w (it no longer exists)", u.Name, ErrRefChanged)
	case !exists:
		return nil
	case u.Old == "":
		return fmt.Errorf("%s: %w (it already exists, at %s)", u.Name, ErrRefChanged, Short(cur))
	case cur != u.Old:
		return fmt.Errorf("%s: %w (it is at %s, not %s)", u.Name, ErrRefChanged, Short(cur), Short(u.Old))
	}
	return nil
}

// checkConflicts refuses a new ref inside another (refs/heads/a/b beside
// refs/heads/a), which git cannot keep: a loose ref is a file, and a file
// cannot be a directory too.
func checkConflicts(updates []RefUpdate, existing []*plumbing.Reference) error {
	names := map[string]bool{}
	for _, ref := range existing {
		names[ref.Name().String()] = true
	}
	for _, u := range updates {
		names[u.Name] = true
	}
	for _, u := range updates {
		if u.Old != "" {
			continue
		}
		for i := len("refs/"); i < len(u.Name); i++ {
			if u.Name[i] == '/' && names[u.Name[:i]] {
				return fmt.Errorf("%s: ref %s exists, and git cannot keep a ref inside another (rename one)", u.Name, u.Name[:i])
			}
		}
		for name := range names {
			if strings.HasPrefix(name, u.Name+"/") {
				return fmt.Errorf("%s: ref %s exists, and git cannot keep a ref inside another (rename one)", u.Name, name)
			}
		}
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

// reflogSignature is who and when the reflog entries of a write name, and
// their message.
func (r *Repo) reflogSignature(tag *TagObject, opts WriteOptions) (Signature, string) {
	sig, msg := opts.Committer, opts.Message
	if sig.Name == "" && tag != nil {
		sig = tag.Tagger
	}
	if sig.Name == "" {
		sig.Name, sig.Email, _ = r.Identity() // an unreadable include already failed the tagger
	}
	if sig.When.IsZero() {
		sig.When = time.Now()
	}
	switch {
	case msg != "":
	case tag != nil:
		msg = "tiered: release " + tag.Name
	default:
		msg = "tiered: write"
	}
	return sig, msg
}

// peel returns the commit (or tree, or blob) an annotated tag points at,
// through nested tags, for packed-refs' peeled line; "" if hash is not a
// tag.
func (r *Repo) peel(hash string) string {
	h := plumbing.NewHash(hash)
	peeled := false
	for range 10 {
		t, err := r.r.TagObject(h)
		if err != nil {
			break
		}
		h, peeled = t.Target, true
	}
	if !peeled {
		return ""
	}
	return h.String()
}

// lock takes git's lock on the ref or file name (refs/heads/x, packed-refs).
func (s *refStore) lock(name string, wait time.Duration) (*lockFile, error) {
	l, err := acquireLock(s.path(name)+".lock", s.tmpDir(), wait)
	if err != nil {
		var le *LockError
		if errors.As(err, &le) {
			le.Lock = s.rel(le.Lock)
			return nil, le
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return l, nil
}

// removeDeadLocks removes the lock files of refs and of packed-refs that
// tiered processes which died on this host left.
func (s *refStore) removeDeadLocks() {
	if !flockSupported {
		return
	}
	removeDeadLock(s.path("packed-refs") + ".lock")
	filepath.WalkDir(filepath.Join(s.commonDir, "refs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".lock") {
			removeDeadLock(path)
		}
		return nil
	})
}

// writePacked replaces packed-refs by p: written whole, synced, renamed
// over the old file, and the rename synced. The caller holds
// packed-refs.lock.
func (s *refStore) writePacked(p *packedRefs) error {
	if err := os.MkdirAll(s.tmpDir(), 0o777); err != nil {
		return err
	}
	tmp := filepath.Join(s.tmpDir(), "packed-refs.new")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return fmt.Errorf("write packed-refs: %w", err)
	}
	_, err = f.Write(p.encode())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path("packed-refs"))
	}
	if err == nil {
		err = syncDir(s.commonDir)
	}
	if err != nil {
		return fmt.Errorf("write packed-refs: %w", err)
	}
	return nil
}

// removeEmptyDirs removes the directories of name's lock file, from its
// own up to (not including) refs/heads or refs/tags, if they are empty, as
// git does: an empty directory would stand in the way of a ref of its name.
func (s *refStore) removeEmptyDirs(name string) {
	parts := strings.Split(name, "/")
	for i := len(parts) - 1; i > 2; i-- {
		if os.Remove(s.path(strings.Join(parts[:i], "/"))) != nil {
			return
		}
	}
}

// writeObject writes obj as a loose object, durably: compressed into a
// temporary file beside it, synced, linked into place (never over an
// existing object), and the directory synced. An object already in the
// repository, loose or packed, is left as it is.
func (r *Repo) writeObject(s *refStore, obj plumbing.EncodedObject) (err error) {
	if r.r.Storer.HasEncodedObject(obj.Hash()) == nil {
		return nil
	}
	hex := obj.Hash().String()
	objects := filepath.Join(s.commonDir, "objects")
	dir := filepath.Join(objects, hex[:2])
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	if statErr != nil {
		if err := syncDir(objects); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(dir, "tmp_obj_")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := objfile.NewWriter(tmp)
	err = w.WriteHeader(obj.Type(), obj.Size())
	if err == nil {
		var rd io.ReadCloser
		if rd, err = obj.Reader(); err == nil {
			_, err = io.Copy(w, rd)
			rd.Close()
		}
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil && w.Hash() != obj.Hash() {
		err = fmt.Errorf("object %s hashed to %s as written", hex, w.Hash())
	}
	if err == nil {
		err = tmp.Chmod(0o444)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, hex[2:])); err != nil && !errors.Is(err, fs.ErrExist) {
		if err := os.Rename(tmp.Name(), filepath.Join(dir, hex[2:])); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// Identity is the committer identity git would use: user.name and
// user.email from the repository's config, then the global ones
// (~/.gitconfig, $XDG_CONFIG_HOME/git/config), following include.path as
// git does, then the system config. Empty fields are unset. An included
// file that exists but cannot be read is an error wrapping [ErrConfig].
func (r *Repo) Identity() (name, email string, err error) {
	var files []string
	if fs := r.files(); fs != nil {
		files = append(files, filepath.Join(fs.commonDir, "config"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".gitconfig"))
	}
	xdg := os.Getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		if home, err := os.UserHomeDir(); err == nil {
			xdg = filepath.Join(home, ".config")
		}
	}
	if xdg != "" {
		files = append(files, filepath.Join(xdg, "git", "config"))
	}
	if name, email, err = identityFrom(files); err != nil {
		return "", "", err
	}
	for _, scope := range []config.Scope{config.LocalScope, config.SystemScope} {
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
	return name, email, nil
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
