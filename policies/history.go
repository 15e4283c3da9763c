package policies

import "github.com/tiered-release/tiered/branches"

// History is what the rules ask of a repository. *branches.Repo satisfies
// it; tests use a map-backed fake.
type History interface {
	// Commit reads a commit by full sha.
	Commit(hash string) (branches.Commit, error)
	// Between lists the commits reachable from to and from none of from,
	// parents first.
	Between(from []string, to string) ([]branches.Commit, error)
	// IsAncestor reports whether a is reachable from b.
	IsAncestor(a, b string) (bool, error)
	// ReadFile returns path at commit; an error wrapping branches.ErrNoFile
	// if it does not exist there.
	ReadFile(commit, path string) ([]byte, error)
	// ListDir lists the files (not directories) in dir at commit, sorted;
	// dir "" is the root.
	ListDir(commit, dir string) ([]string, error)
	// FileID returns the blob id of path at commit, "" if absent.
	FileID(commit, path string) (string, error)
	// MergeBase returns a best common ancestor of a and b, "" if none.
	MergeBase(a, b string) (string, error)
	// Patch returns commit's change against its first parent.
	Patch(commit string) (*branches.Patch, error)
	// PatchOf returns the files of commit's patch whose old or new path
	// is one of paths.
	PatchOf(commit string, paths []string) (*branches.Patch, error)
	// MayAddLines reports whether commit's change of paths may add one
	// of lines or create or delete one of paths: false only when that is
	// certain without reading its patch.
	MayAddLines(commit string, paths, lines []string) (bool, error)
	// ChangedPaths lists the paths a commit changes, without diffing them.
	ChangedPaths(commit string) ([]string, error)
	// Creates reports whether commit creates path, without diffing it:
	// path is not in its first parent, or is there as another type of
	// entry (its patch deletes and adds it).
	Creates(commit, path string) (bool, error)
	// LineSum fingerprints the lines a commit adds and removes without
	// diffing it: commits with one patch-id have one sum. ok is false
	// when the sum proves nothing (binary files, submodules).
	LineSum(commit string) (sum uint64, ok bool, err error)
	// FirstParents lists commit and its first-parent ancestors, newest
	// first, at most max of them.
	FirstParents(commit string, max int) ([]string, error)
	// ResolveSHA returns the one commit whose sha starts with prefix.
	ResolveSHA(prefix string) (string, bool)
	// FindBySubject returns the commits with exactly this subject.
	FindBySubject(subject string) ([]string, error)
}

var _ History = (*branches.Repo)(nil)
