package branches

import (
	"fmt"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// checkPathHistory compares PathHistory of the whole history of HEAD with
// git diff-tree against each commit's first parent, and the ids with
// git rev-parse; it returns how many commits a Bloom filter skipped.
// warm computes every commit's changed paths first, as a plan has.
func checkPathHistory(t *testing.T, dir string, paths []string, warm bool) int {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.Resolve("HEAD")
	all, err := r.BetweenHashes(nil, head)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := r.loadGraph()
	if warm {
		for _, c := range all {
			if _, err := r.ChangedPaths(c); err != nil {
				t.Fatal(err)
			}
		}
	}
	skipped := 0
	for _, path := range paths {
		got, err := r.PathHistory(nil, head, path)
		if err != nil {
			t.Fatal(err)
		}
		var want []PathChange
		for _, c := range all {
			args := []string{"diff-tree", "-r", "--no-renames", "--name-only", "--no-commit-id", "--root", c, "--", path}
			if parent, err := gitOut(t, dir, "rev-parse", "--verify", "-q", c+"^1"); err == nil {
				args = []string{"diff-tree", "-r", "--no-renames", "--name-only", parent, c, "--", path}
			}
			if out, _ := gitOut(t, dir, args...); out == "" {
				if keys := bloomKeys(path); keys != nil {
					n, _ := g.find(plumbing.NewHash(c))
					if g.bloomSaysUnchanged(n, keys) {
						skipped++
					}
				}
				continue
			}
			pc := PathChange{Commit: c}
			pc.From, _ = gitOut(t, dir, "rev-parse", "--verify", "-q", c+"^1:"+path)
			pc.To, _ = gitOut(t, dir, "rev-parse", "--verify", "-q", c+":"+path)
			want = append(want, pc)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("PathHistory(%s) =\n%v\ngit:\n%v", path, got, want)
		}
	}
	return skipped
}

// The commits that change a path, and its ids before and after, are
// git's: a file changed, removed, brought back and moved, a directory, a
// path never there; with the commit-graph's changed-path Bloom filters
// most commits are skipped unread, with the same answer.
func TestPathHistory(t *testing.T) {
	dir := fixture(t, "libbpf")
	script(t, dir, `
		git checkout -q -B work
		for i in 1 2 3 4 5 6; do echo "/* $i */" >> src/libbpf.c; git commit -q -am "other $i"; done
		echo '/* map */' >> src/libbpf.map && git commit -q -am 'map: grows'
		git rm -q src/libbpf.map && git commit -q -m 'map: gone'
		git checkout -q HEAD~1 -- src/libbpf.map && git commit -q -m 'map: back'
		chmod +x src/libbpf.map && git commit -q -am 'map: mode'
		git checkout -q -b side HEAD~3 && echo side > src/other && git add src/other && git commit -q -m side
		git checkout -q work && git merge -q --no-ff -m merge side
		mkdir -p src/sub && git mv src/libbpf.map src/sub/libbpf.map && git commit -q -m 'map: moved'`)
	paths := []string{"src/libbpf.map", "src/sub/libbpf.map", "src", "src/lib", "src/sub", "include/uapi/linux/bpf.h", "no/such/path", "src/other"}
	if n := checkPathHistory(t, dir, paths, false); n != 0 {
		t.Errorf("without Bloom filters, %d commits skipped by them", n)
	}
	checkPathHistory(t, dir, paths, true) // skipped by the known changed paths
	script(t, dir, "git commit-graph write --reachable --changed-paths")
	if n := checkPathHistory(t, dir, paths, false); n == 0 {
		t.Error("with Bloom filters, no commit skipped by them")
	}
}

// murmur3 gives the values of git's t/helper/test-bloom.
func TestMurmur3(t *testing.T) {
	for _, tt := range []struct {
		seed uint32
		in   string
		want uint32
	}{
		{0, "", 0},
		{1, "", 0x514e28b7},
		{0, "Hello world!", 0x627b0c2c},
		{0, "The quick brown fox jumps over the lazy dog", 0x2e4ff723},
	} {
		if got := murmur3(tt.seed, tt.in); got != tt.want {
			t.Errorf("murmur3(%#x, %q) = %#x, want %#x", tt.seed, tt.in, got, tt.want)
		}
	}
}
