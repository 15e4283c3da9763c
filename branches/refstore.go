package branches

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// refStore is where a repository on disk keeps its refs, laid out as git
// lays them out: loose refs, one file each under refs/, and packed-refs,
// one file of many. It reads them as git does: a loose ref shadows a packed
// one; names git would refuse (a lock file, refs/heads/x.lock) are not
// refs. Every file it writes is written whole and renamed into place, so
// a reader sees the old file or the new one and needs no lock.
type refStore struct {
	gitDir    string // HEAD, logs/HEAD, per-worktree refs
	commonDir string // refs/, packed-refs, logs/refs/, objects/: shared by linked work trees
}

func newRefStore(gitDir string) *refStore {
	s := &refStore{gitDir: gitDir, commonDir: gitDir}
	if data, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		dir := strings.TrimSpace(string(data))
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(gitDir, dir)
		}
		s.commonDir = filepath.Clean(dir)
	}
	return s
}

// dir returns the directory a path of the git directory lives under:
// refs, their logs, packed-refs and objects under the common directory
// (but for the per-worktree refs), the rest (HEAD, logs/HEAD) under the
// work tree's own.
func (s *refStore) dir(name string) string {
	switch {
	case strings.HasPrefix(name, "refs/bisect/"), strings.HasPrefix(name, "refs/worktree/"),
		strings.HasPrefix(name, "refs/rewritten/"):
		return s.gitDir
	case strings.HasPrefix(name, "refs/"), strings.HasPrefix(name, "logs/refs/"),
		name == "packed-refs", strings.HasPrefix(name, "objects/"):
		return s.commonDir
	}
	return s.gitDir
}

// path returns the file of a ref, or of any path relative to the git
// directory (logs/refs/heads/x, packed-refs).
func (s *refStore) path(name string) string {
	return filepath.Join(s.dir(name), filepath.FromSlash(name))
}

// rel names a file of the repository relative to its git directory, for
// messages.
func (s *refStore) rel(path string) string {
	for _, dir := range []string{s.commonDir, s.gitDir} {
		if r, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return path
}

// tmpDir is where tiered keeps the temporary files of a write: inside the
// common git directory, so that they rename and link into refs/.
func (s *refStore) tmpDir() string { return filepath.Join(s.commonDir, "tiered") }

// looseState is what a loose ref file holds.
type looseState int

const (
	looseAbsent   looseState = iota // no file: the ref, if any, is packed
	looseHash                       // a sha
	looseSymbolic                   // "ref: refs/heads/…"
	looseBroken                     // empty or not a ref: git ignores it, with a warning
)

// loose reads the loose ref file of name. Its value is the sha, or the
// target of a symbolic ref.
func (s *refStore) loose(name string) (looseState, string, error) {
	data, err := os.ReadFile(s.path(name))
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EISDIR):
		return looseAbsent, "", nil
	case err != nil:
		return looseAbsent, "", err
	}
	state, value := parseLoose(data)
	return state, value, nil
}

func parseLoose(data []byte) (looseState, string) {
	if target, ok := bytes.CutPrefix(data, []byte("ref:")); ok {
		t := strings.TrimSpace(string(target))
		if strings.HasPrefix(t, "refs/") && checkRefFormat(t) == "" {
			return looseSymbolic, t
		}
		return looseBroken, ""
	}
	// git reads 40 hex digits followed by the end or white space.
	if len(data) < 40 || !plumbing.IsHash(string(data[:40])) {
		return looseBroken, ""
	}
	if len(data) > 40 && !strings.ContainsRune(" \t\r\n", rune(data[40])) {
		return looseBroken, ""
	}
	return looseHash, strings.ToLower(string(data[:40]))
}

// packedRef is one entry of packed-refs: a name, its sha and, for an
// annotated tag, the commit it peels to.
type packedRef struct {
	name, hash, peeled string
}

// packedRefs is the packed-refs file: its header line ("# pack-refs with:
// peeled fully-peeled sorted ", traits git relies on when it reads) and
// its entries.
type packedRefs struct {
	header string
	refs   []packedRef
}

// defaultPackedHeader is the header git 2.39 writes: every entry that
// peels has its peeled line, and entries are sorted by name.
const defaultPackedHeader = "# pack-refs with: peeled fully-peeled sorted "

// packed reads packed-refs, in one read: a rename-based writer replaces the
// file whole, so the snapshot is one state of the refs. With strict, a line
// it does not understand is an error (a writer must not drop what it cannot
// read); without, it is skipped, as go-git does.
func (s *refStore) packed(strict bool) (*packedRefs, error) {
	path := s.path("packed-refs")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &packedRefs{}, nil
	}
	if err != nil {
		return nil, err
	}
	p := &packedRefs{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case line == "":
			continue
		case n == 1 && strings.HasPrefix(line, "# pack-refs with:"):
			p.header = line
			continue
		case strings.HasPrefix(line, "^") && len(p.refs) > 0 && plumbing.IsHash(line[1:]):
			p.refs[len(p.refs)-1].peeled = line[1:]
			continue
		}
		hash, name, ok := strings.Cut(line, " ")
		if ok && plumbing.IsHash(hash) && strings.HasPrefix(name, "refs/") && checkRefFormat(name) == "" {
			p.refs = append(p.refs, packedRef{name: name, hash: hash})
			continue
		}
		if strict {
			return nil, fmt.Errorf("%s:%d: unexpected line %q (git would refuse it too: fix or remove the line)", s.rel(path), n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.rel(path), err)
	}
	return p, nil
}

// get returns the sha of name in p.
func (p *packedRefs) get(name string) (string, bool) {
	for _, r := range p.refs {
		if r.name == name {
			return r.hash, true
		}
	}
	return "", false
}

// with returns a copy of p with name set to ref (its name, hash and
// peeled), or removed when ref.hash is "".
func (p *packedRefs) with(name string, ref packedRef) *packedRefs {
	q := &packedRefs{header: p.header}
	for _, r := range p.refs {
		if r.name != name {
			q.refs = append(q.refs, r)
		}
	}
	if ref.hash != "" {
		q.refs = append(q.refs, ref)
	}
	return q
}

// encode writes p as git does: the header, then the entries sorted by
// name, each annotated tag followed by its peeled line.
func (p *packedRefs) encode() []byte {
	refs := slices.Clone(p.refs)
	slices.SortFunc(refs, func(a, b packedRef) int { return strings.Compare(a.name, b.name) })
	var b bytes.Buffer
	header := p.header
	if header == "" {
		header = defaultPackedHeader
	}
	b.WriteString(header + "\n")
	for _, r := range refs {
		b.WriteString(r.hash + " " + r.name + "\n")
		if r.peeled != "" {
			b.WriteString("^" + r.peeled + "\n")
		}
	}
	return b.Bytes()
}

// ref reads one ref as git does: the loose file, else packed-refs. A broken
// loose file is no ref (git warns and ignores it).
func (s *refStore) ref(name string) (*plumbing.Reference, error) {
	if checkRefFormat(name) != "" {
		return nil, plumbing.ErrReferenceNotFound
	}
	state, value, err := s.loose(name)
	if err != nil {
		return nil, err
	}
	switch state {
	case looseHash:
		return plumbing.NewHashReference(plumbing.ReferenceName(name), plumbing.NewHash(value)), nil
	case looseSymbolic:
		return plumbing.NewSymbolicReference(plumbing.ReferenceName(name), plumbing.ReferenceName(value)), nil
	case looseBroken:
		return nil, plumbing.ErrReferenceNotFound
	}
	p, err := s.packed(false)
	if err != nil {
		return nil, err
	}
	if hash, ok := p.get(name); ok {
		return plumbing.NewHashReference(plumbing.ReferenceName(name), plumbing.NewHash(hash)), nil
	}
	return nil, plumbing.ErrReferenceNotFound
}

// refs lists every ref under refs/: the loose ones first, then the packed
// ones they do not shadow. Loose refs are read before packed-refs, as git
// does, so a ref a concurrent git pack-refs moves is seen in one or the
// other. Lock files, temporary files and broken files are skipped.
func (s *refStore) refs() ([]*plumbing.Reference, error) {
	var refs []*plumbing.Reference
	seen := map[string]bool{}
	root := filepath.Join(s.commonDir, "refs")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed as we walked: a concurrent write
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.commonDir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if checkRefFormat(name) != "" || s.dir(name) != s.commonDir {
			return nil
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		switch state, value := parseLoose(data); state {
		case looseHash:
			refs = append(refs, plumbing.NewHashReference(plumbing.ReferenceName(name), plumbing.NewHash(value)))
		case looseSymbolic:
			refs = append(refs, plumbing.NewSymbolicReference(plumbing.ReferenceName(name), plumbing.ReferenceName(value)))
		default:
			return nil
		}
		seen[name] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	p, err := s.packed(false)
	if err != nil {
		return nil, err
	}
	for _, r := range p.refs {
		if !seen[r.name] {
			seen[r.name] = true
			refs = append(refs, plumbing.NewHashReference(plumbing.ReferenceName(r.name), plumbing.NewHash(r.hash)))
		}
	}
	return refs, nil
}

// refStorage is go-git's storage of a repository on disk with refs read
// through [refStore]: go-git reads every file under refs/ as a ref, so a
// lock file (refs/heads/x.lock) fails its listing or shows as a branch.
// HEAD and the other names outside refs/ are go-git's. Refs are written
// by [Repo.Write], never through this storage.
type refStorage struct {
	*filesystem.Storage
	refs  *refStore
	packs *packs // objects read from packs in place (packs.go); nil: all by go-git
}

func (s *refStorage) Reference(name plumbing.ReferenceName) (*plumbing.Reference, error) {
	if !strings.HasPrefix(name.String(), "refs/") {
		return s.Storage.Reference(name)
	}
	return s.refs.ref(name.String())
}

func (s *refStorage) IterReferences() (storer.ReferenceIter, error) {
	var refs []*plumbing.Reference
	if head, err := s.Storage.Reference(plumbing.HEAD); err == nil {
		refs = append(refs, head)
	}
	rest, err := s.refs.refs()
	if err != nil {
		return nil, err
	}
	return storer.NewReferenceSliceIter(append(refs, rest...)), nil
}
