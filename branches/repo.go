package branches

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Sentinel errors callers branch on.
var (
	// ErrNotRepository: the directory is not a git repository.
	ErrNotRepository = errors.New("not a git repository")
	// ErrMissingObject: an object a ref names is not in the repository.
	ErrMissingObject = errors.New("object missing")
	// ErrUnknownRef: a revision names no commit.
	ErrUnknownRef = errors.New("unknown revision")
	// ErrNoFile: a path does not exist at a commit. It is also
	// fs.ErrNotExist, so packages that do not import this one can test
	// for it.
	ErrNoFile error = noFileError{}
)

type noFileError struct{}

func (noFileError) Error() string        { return "no such file" }
func (noFileError) Is(target error) bool { return target == fs.ErrNotExist }

// Commit is one commit, as plain values.
type Commit struct {
	Hash    string   // full hex sha
	Parents []string // full hex shas, first parent first
	Author  string   // "Name <email>"
	// Committer is "Name <email>"; When is the commit time: the date a
	// reproducible build of the commit stamps its files with.
	Committer string
	When      time.Time
	Subject   string // first line of the message
	Message   string // the whole message
}

// Short returns the commit's abbreviated sha (12 digits, as the kernel's
// Fixes: convention writes it).
func (c Commit) Short() string { return Short(c.Hash) }

// Short abbreviates a sha to 12 digits.
func Short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// IsMerge reports whether c has more than one parent.
func (c Commit) IsMerge() bool { return len(c.Parents) > 1 }

// Tag is a tag pointing (perhaps through an annotated tag object) at a commit.
type Tag struct {
	Name      string
	Commit    string
	Annotated bool
	Message   string // the annotation; empty for a lightweight tag
}

// Branch is a local branch (or, in a mirror without local branches, a
// remote-tracking one, named without its remote).
type Branch struct {
	Name   string
	Commit string
}

// Repo is an open repository. Its methods are safe for concurrent use.
type Repo struct {
	r   *git.Repository
	dir string

	patches   patchMemory        // recent patches (patchcache.go)
	texts     textCache          // split text blobs, across patches
	sums      lineSums           // blobs' line sums (linesum.go)
	parts     runMemo[FilePatch] // parts of patches by commit and path (patchof.go)
	fileCache fileCache          // small files read, across runs (filecache.go)
	notes     notes              // callers' notes on commits (notes.go)

	commits       commitCache // across runs, under CacheDir
	noCommitCache bool
	read          runMemo[Commit]       // commits read, when there is no commit cache
	changed       runMemo[changedPaths] // the paths commits change and create
	changes       runMemo[[]fileChange] // tree diffs of commits
	trees         trees

	subjectsOnce sync.Once
	subjects     map[string][]string
	subjectCache subjectCache // across runs (subjectcache.go)
	subjectsRead int          // commits readSubjects read, for tests
	subjectsErr  error

	graphOnce   sync.Once
	graph       *graph
	graphLoaded atomic.Bool
	graphErr    error
}

// objectCache bounds the decoded objects (trees, commits) go-git keeps in
// memory when it reads the packs; looseObjectCache when it reads only
// loose objects.
const (
	objectCache      = 256 * cache.MiByte
	looseObjectCache = 16 * cache.MiByte
)

// Open opens the repository at dir or in one of its parents, bare or with a
// work tree. It returns an error wrapping [ErrNotRepository] if there is none.
func Open(dir string) (*Repo, error) {
	// A bare repository first (DetectDotGit looks only for a .git), then a
	// work tree at dir or above it, linked work trees included.
	r, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		r, err = git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	if err := checkHistory(r); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	// Reopen the same object store keeping pack files open, with a larger
	// object cache: go-git's default reopens the pack for every object,
	// which dominated a plan over a large history.
	if fsStore, ok := r.Storer.(*filesystem.Storage); ok {
		var wt billy.Filesystem
		if w, err := r.Worktree(); err == nil {
			wt = w.Filesystem
		}
		refs := newRefStore(fsStore.Filesystem().Root())
		// Packed objects are read through their indexes in place (see
		// packs); go-git reads the rest (loose objects), and all of them
		// if an index is of a form packs does not read.
		ps, err := openPacks(filepath.Join(refs.commonDir, "objects"))
		size := objectCache
		if err != nil {
			ps = nil
		} else {
			size = looseObjectCache
		}
		st := filesystem.NewStorageWithOptions(fsStore.Filesystem(), cache.NewObjectLRU(size), filesystem.Options{KeepDescriptors: true})
		// Refs are read as git reads them (see refStorage), so that a
		// lock file or a write in progress never fails a reader.
		rs := &refStorage{Storage: st, refs: refs, packs: ps}
		if r2, err := git.Open(rs, wt); err == nil {
			r = r2
		}
	}
	return &Repo{r: r, dir: dir}, nil
}

// fsStorage returns go-git's storage of a repository on disk.
func (r *Repo) fsStorage() (*filesystem.Storage, bool) {
	switch s := r.r.Storer.(type) {
	case *refStorage:
		return s.Storage, true
	case *filesystem.Storage:
		return s, true
	}
	return nil, false
}

// files returns the refs of a repository on disk, nil for one in memory.
func (r *Repo) files() *refStore {
	switch s := r.r.Storer.(type) {
	case *refStorage:
		return s.refs
	case *filesystem.Storage:
		return newRefStore(s.Filesystem().Root())
	}
	return nil
}

// WorkTree returns the root of the repository's work tree, or "" for a bare
// repository.
func (r *Repo) WorkTree() string {
	wt, err := r.r.Worktree()
	if err != nil {
		return ""
	}
	return wt.Filesystem.Root()
}

// Resolve returns the full sha of the commit rev names: a sha or a prefix of
// one, a branch, a tag, HEAD, or git's revision syntax (HEAD~2, v1.4^). It
// returns an error wrapping [ErrUnknownRef] if rev names no commit.
func (r *Repo) Resolve(rev string) (string, error) {
	if rev == "" {
		return "", fmt.Errorf("empty revision: %w", ErrUnknownRef)
	}
	if err := checkRevision(rev); err != nil {
		return "", err
	}
	h, err := r.r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		// go-git does not resolve refs/remotes/origin/X from X.
		if ref, err2 := r.r.Reference(plumbing.NewRemoteReferenceName("origin", rev), true); err2 == nil {
			return ref.Hash().String(), nil
		}
		return "", fmt.Errorf("%q: %w (%v)", rev, ErrUnknownRef, err)
	}
	c, err := r.r.CommitObject(*h)
	if err != nil {
		return "", fmt.Errorf("%q: %w (%v)", rev, ErrUnknownRef, err)
	}
	return c.Hash.String(), nil
}

func (r *Repo) commitObject(hash string) (*object.Commit, error) {
	if !plumbing.IsHash(hash) {
		return nil, fmt.Errorf("%q: %w (not a full sha)", hash, ErrUnknownRef)
	}
	c, err := r.r.CommitObject(plumbing.NewHash(hash))
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("%s: %w (%v)", hash, ErrUnknownRef, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", hash, err)
	}
	return c, nil
}

// Commit reads one commit by full sha.
func (r *Repo) Commit(hash string) (Commit, error) {
	cc := r.cache()
	if cc != nil {
		if e, ok := cc.get(hash); ok && e.Commit.Hash != "" {
			return e.Commit, nil
		}
	}
	if cc == nil {
		if x, ok := r.read.get(hash); ok {
			return x, nil
		}
	}
	c, err := r.commitObject(hash)
	if err != nil {
		return Commit{}, err
	}
	x := toCommit(c)
	if cc != nil {
		cc.putCommit(x)
	} else {
		r.read.put(x.Hash, x, maxCommitsRead)
	}
	return x, nil
}

// maxCommitsRead bounds the commits a run without the commit cache keeps
// (Repo.read): a plan reads each of its candidates three or four times.
const maxCommitsRead = 1 << 16

func toCommit(c *object.Commit) Commit {
	parents := make([]string, len(c.ParentHashes))
	for i, p := range c.ParentHashes {
		parents[i] = p.String()
	}
	subject, _, _ := strings.Cut(c.Message, "\n")
	return Commit{
		Hash:      c.Hash.String(),
		Parents:   parents,
		Author:    c.Author.Name + " <" + c.Author.Email + ">",
		Committer: c.Committer.Name + " <" + c.Committer.Email + ">",
		When:      c.Committer.When,
		Subject:   strings.TrimSpace(subject),
		Message:   c.Message,
	}
}

// Tags lists every tag that points at a commit, sorted by name.
func (r *Repo) Tags() ([]Tag, error) {
	iter, err := r.r.Tags()
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	var tags []Tag
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		t := Tag{Name: ref.Name().Short()}
		hash := ref.Hash()
		// Peel annotated tags, possibly nested.
		for range 10 {
			to, err := r.r.TagObject(hash)
			if err != nil {
				break
			}
			if !t.Annotated {
				t.Annotated, t.Message = true, to.Message
			}
			hash = to.Target
			if to.TargetType != plumbing.TagObject {
				break
			}
		}
		obj, err := r.r.Storer.EncodedObject(plumbing.AnyObject, hash)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			// A release whose objects are gone is not "no release": the
			// answers would silently leave it out.
			return fmt.Errorf("tag %s names %s, which is missing from the repository (%w; git fsck names what else is, git fetch may restore it)", t.Name, Short(hash.String()), ErrMissingObject)
		}
		if err != nil {
			return fmt.Errorf("tag %s: read %s: %w", t.Name, Short(hash.String()), err)
		}
		if obj.Type() != plumbing.CommitObject {
			return nil // a tag of a tree or blob is no release
		}
		t.Commit = hash.String()
		tags = append(tags, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Name < tags[j].Name })
	return tags, nil
}

// Branches lists local branches, sorted by name. In a repository with no
// local branch of a name, remote-tracking branches of origin are listed
// under their short name (a mirror cloned without --mirror).
func (r *Repo) Branches() ([]Branch, error) {
	refs, err := r.r.References()
	if err != nil {
		return nil, fmt.Errorf("list branches: %w", err)
	}
	local := map[string]string{}
	remote := map[string]string{}
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference {
			return nil
		}
		name := ref.Name()
		switch {
		case name.IsBranch():
			local[name.Short()] = ref.Hash().String()
		case name.IsRemote():
			if short, ok := strings.CutPrefix(name.String(), "refs/remotes/origin/"); ok && short != "HEAD" {
				remote[short] = ref.Hash().String()
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list branches: %w", err)
	}
	for name, h := range remote {
		if _, ok := local[name]; !ok {
			local[name] = h
		}
	}
	out := make([]Branch, 0, len(local))
	for name, h := range local {
		out = append(out, Branch{Name: name, Commit: h})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ReadFile returns the contents of path at commit. It returns an error
// wrapping [ErrNoFile] if the path does not exist there.
func (r *Repo) ReadFile(commit, path string) ([]byte, error) {
	root, err := r.rootTree(commit)
	if err != nil {
		return nil, err
	}
	fc := r.fileStore()
	if fc != nil {
		if content, ok := fc.get(root, path); ok {
			return append([]byte{}, content...), nil
		}
	}
	e, ok, err := r.entryAt(root, path)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, Short(commit), err)
	}
	if !ok || e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return nil, fmt.Errorf("%s at %s: %w", path, Short(commit), ErrNoFile)
	}
	data, _, err := r.blob(e.Hash, math.MaxInt64)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, Short(commit), err)
	}
	if fc != nil {
		fc.put(root, path, data)
	}
	return append([]byte{}, data...), nil // the caller's to keep and change
}

// ListDir lists the names of the files (not directories) in dir at
// commit, sorted; dir "" is the root. It returns an error wrapping
// [ErrNoFile] if dir is not a directory there.
func (r *Repo) ListDir(commit, dir string) ([]string, error) {
	root, err := r.rootTree(commit)
	if err != nil {
		return nil, err
	}
	tree := root
	if dir != "" {
		e, ok, err := r.entryAt(root, dir)
		if err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", dir, Short(commit), err)
		}
		if !ok || e.Mode != filemode.Dir {
			return nil, fmt.Errorf("%s at %s: %w", dir, Short(commit), ErrNoFile)
		}
		tree = e.Hash
	}
	raw, err := r.tree(tree)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", dir, Short(commit), err)
	}
	var names []string
	it := treeIter{data: raw}
	for e, ok := it.next(); ok; e, ok = it.next() {
		if e.mode.IsFile() {
			names = append(names, string(e.name))
		}
	}
	if it.err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", dir, Short(commit), it.err)
	}
	sort.Strings(names)
	return names, nil
}

// FileID returns the blob id of path at commit, or "" if it does not exist
// there: a cheap way to tell whether a commit changed a file.
func (r *Repo) FileID(commit, path string) (string, error) {
	root, err := r.rootTree(commit)
	if err != nil {
		return "", err
	}
	e, ok, err := r.entryAt(root, path)
	if err != nil {
		return "", fmt.Errorf("read tree of %s: %w", Short(commit), err)
	}
	if !ok {
		return "", nil
	}
	return e.Hash.String(), nil
}
