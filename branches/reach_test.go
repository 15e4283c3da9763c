package branches

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// reachOf returns what commit reaches by the graph of r, as sorted shas.
func reachOf(t *testing.T, r *Repo, commit string) []string {
	t.Helper()
	g, err := r.loadGraph()
	if err != nil {
		t.Fatal(err)
	}
	n, err := g.lookup(commit)
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	set := g.reachLocked(n)
	var out []string
	for i := 0; i < g.len(); i++ {
		if set.has(int32(i)) {
			out = append(out, g.hash(int32(i)).String())
		}
	}
	slices.Sort(out)
	return out
}

// gitReach is what git says commit reaches, sorted.
func gitReach(t *testing.T, dir, commit string) []string {
	t.Helper()
	out, err := gitOut(t, dir, "rev-list", commit)
	if err != nil {
		t.Fatal(err)
	}
	list := strings.Fields(out)
	slices.Sort(list)
	return list
}

// What a commit reaches is kept across runs for the commits of the
// commit-graph files, read back instead of walked, extended by a walk of
// the commits written since, and dropped when the files change, when the
// store is corrupt, and never written without a cache. The answers always
// equal git rev-list's.
func TestReachStore(t *testing.T) {
	dir := fixture(t, "libbpf")
	script(t, dir, `git checkout -q -b side master~3 && git commit -q --allow-empty -m side &&
		git checkout -q master && git merge -q --no-ff -m merge side &&
		git commit-graph write --reachable`)
	tip, _ := gitOut(t, dir, "rev-parse", "master")
	store := filepath.Join(gitDir(t, dir), "tiered", "reach")
	check := func(r *Repo, commit, when string) {
		t.Helper()
		if got, want := reachOf(t, r, commit), gitReach(t, dir, commit); !slices.Equal(got, want) {
			t.Errorf("%s: %s reaches %d commits, git says %d", when, Short(commit), len(got), len(want))
		}
	}

	// Without a cache nothing is written.
	r := openRepo(t, dir)
	r.DisableCommitCache()
	check(r, tip, "no cache")
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(store); err == nil {
		t.Fatal("--no-cache wrote a reach store")
	}

	// A first run walks and keeps; a second reads.
	r = openRepo(t, dir)
	check(r, tip, "first run")
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	r = openRepo(t, dir)
	g, _ := r.loadGraph()
	if _, ok := g.store.get(plumbing.NewHash(tip)); !ok {
		t.Fatal("the tip's reach was not kept")
	}
	check(r, tip, "second run")

	// The kept set is what a later run uses: a forged one (the root
	// dropped) shows through, for the tip and for a commit after the files.
	root, _ := gitOut(t, dir, "rev-list", "--max-parents=0", "master")
	forge := func() {
		t.Helper()
		r := openRepo(t, dir)
		reachOf(t, r, tip) // kept, if it was not
		g, _ := r.loadGraph()
		n, _ := g.find(plumbing.NewHash(tip))
		rn, _ := g.find(plumbing.NewHash(root))
		set, _ := g.store.get(g.hash(n))
		set[rn>>6] &^= 1 << (rn & 63)
		g.store.changed = true
		if err := r.SaveCache(); err != nil {
			t.Fatal(err)
		}
	}
	forge()
	script(t, dir, "git commit -q --allow-empty -m 'after the commit-graph'")
	next, _ := gitOut(t, dir, "rev-parse", "master")
	r = openRepo(t, dir)
	if got := reachOf(t, r, next); slices.Contains(got, root) || len(got) != len(gitReach(t, dir, next))-1 {
		t.Errorf("a commit after the files did not start from the kept set: %d commits", len(got))
	}

	// Without the forgery, a commit after the files reaches what git says.
	os.Remove(store)
	r = openRepo(t, dir)
	check(r, tip, "rebuilt")
	check(r, next, "after the files")
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}

	// New commit-graph files renumber the commits: the store is dropped.
	forge()
	script(t, dir, "git commit-graph write --reachable")
	check(openRepo(t, dir), tip, "new commit-graph")

	// A corrupt store is ignored.
	forge()
	data, _ := os.ReadFile(store)
	os.WriteFile(store, data[:len(data)/2], 0o644)
	check(openRepo(t, dir), tip, "corrupt store")
}
