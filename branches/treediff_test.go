package branches

import (
	"strings"
	"testing"
)

// checkChangedPaths compares ChangedPaths of every commit with git's
// first-parent tree diff, and Files of the tips with git ls-tree.
func checkChangedPaths(t *testing.T, dir string) {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gitOut(t, dir, "rev-list", "--all", "--parents")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out, "\n") {
		ids := strings.Fields(l)
		args := []string{"diff-tree", "-r", "--no-renames", "--name-only", "--no-commit-id", "--root", ids[0]}
		if len(ids) > 1 {
			args = []string{"diff-tree", "-r", "--no-renames", "--name-only", ids[1], ids[0]}
		}
		want, err := gitOut(t, dir, args...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.ChangedPaths(ids[0])
		if err != nil {
			t.Fatalf("ChangedPaths(%s): %v", ids[0], err)
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("ChangedPaths(%s) = %q, git says %q", ids[0], got, strings.Split(want, "\n"))
		}
	}
	for _, rev := range []string{"HEAD"} {
		sha, _ := r.Resolve(rev)
		got, err := r.Files(sha)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := gitOut(t, dir, "ls-tree", "-r", "--name-only", sha)
		if strings.Join(got, "\n") != want {
			t.Errorf("Files(%s) = %q, git says %q", rev, got, want)
		}
	}
}

// The paths a commit changes are git's, through files that become
// directories and back, type and mode changes, and names that sort
// between a directory and its files (foo, foo.c, foo/).
func TestChangedPaths(t *testing.T) {
	dir := fixture(t, "libbpf")
	script(t, dir, `
		mkdir -p d && echo a > foo && echo b > foo.c && echo c > d/x && echo e > foo-bar && git add -A && git commit -q -m files
		rm foo && mkdir foo && echo z > foo/bar && git add -A && git commit -q -m 'file to directory'
		git rm -q -r foo && echo q > foo && git add -A && git commit -q -m 'directory to file'
		ln -s target link && git add link && git commit -q -m symlink
		rm link && echo x > link && git add link && git commit -q -m 'symlink to file'
		chmod +x foo.c && git commit -q -am 'mode change'
		git mv d e && git commit -q -m 'directory renamed'`)
	checkChangedPaths(t, dir)
}

// TestChangedPathsRealLibbpf does the same on the libbpf clone at
// $TIERED_LIBBPF (skips otherwise).
func TestChangedPathsRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	checkChangedPaths(t, dir)
}
