package branches

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// maxFiles bounds a tree listing: a tree of more files is cut there.
const maxFiles = 1 << 20

// Files lists the paths of the files in commit's tree, in git's order,
// at most a million of them.
func (r *Repo) Files(commit string) ([]string, error) {
	root, err := r.rootTree(commit)
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", Short(commit), err)
	}
	var out []string
	var walk func(h plumbing.Hash, prefix string, depth int) error
	walk = func(h plumbing.Hash, prefix string, depth int) error {
		if depth > 64 {
			return nil
		}
		t, err := r.tree(h)
		if err != nil {
			return err
		}
		it := treeIter{data: t}
		for e, ok := it.next(); ok; e, ok = it.next() {
			if len(out) >= maxFiles {
				return nil
			}
			switch e.mode {
			case filemode.Dir:
				if err := walk(e.hash, prefix+string(e.name)+"/", depth+1); err != nil {
					return err
				}
			case filemode.Submodule:
			default:
				out = append(out, prefix+string(e.name))
			}
		}
		return it.err
	}
	if err := walk(root, "", 0); err != nil {
		return nil, fmt.Errorf("list files of %s: %w", Short(commit), err)
	}
	return out, nil
}

// RemoteHead names the branch the remote origin's HEAD points at (what
// `git clone` checked out): "master" for refs/remotes/origin/HEAD ->
// refs/remotes/origin/master; "" when there is none.
func (r *Repo) RemoteHead() string {
	ref, err := r.r.Storer.Reference(plumbing.NewRemoteHEADReferenceName("origin"))
	if err != nil || ref.Type() != plumbing.SymbolicReference {
		return ""
	}
	short, _ := strings.CutPrefix(ref.Target().String(), "refs/remotes/origin/")
	return short
}

// HeadBranch names the branch HEAD is on, "" when HEAD is detached.
func (r *Repo) HeadBranch() string {
	ref, err := r.r.Storer.Reference(plumbing.HEAD)
	if err != nil || ref.Type() != plumbing.SymbolicReference || !ref.Target().IsBranch() {
		return ""
	}
	return ref.Target().Short()
}
