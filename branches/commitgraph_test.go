package branches

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// The graph read from git's commit-graph file, with commits written after
// it walked from the refs, is the graph read from the objects: the same
// commits, parents and generation numbers.
func TestCommitGraphFile(t *testing.T) {
	for _, name := range []string{"libbpf", "fourtier"} {
		dir := fixture(t, name)
		plain, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.loadGraph()
		if err != nil {
			t.Fatal(err)
		}
		// A commit-graph of all but the newest commits: the rest is walked.
		script(t, dir, "git checkout -q -b stale HEAD~1 2>/dev/null || git checkout -q -b stale HEAD; git commit-graph write --reachable; git checkout -q -; git branch -D -q stale; git commit -q --allow-empty -m 'after the commit-graph'")
		withFile, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := withFile.loadGraph()
		if err != nil {
			t.Fatal(err)
		}
		if len(got.hashes) != len(want.hashes)+1 {
			t.Fatalf("%s: %d commits with the commit-graph, want %d", name, len(got.hashes), len(want.hashes)+1)
		}
		for h, i := range want.index {
			j, ok := got.find(h)
			if !ok {
				t.Fatalf("%s: %s missing from the commit-graph graph", name, h)
			}
			if got.gen[j] != want.gen[i] {
				t.Errorf("%s: %s generation %d, want %d", name, h, got.gen[j], want.gen[i])
			}
			var gp, wp []string
			for _, p := range got.parents[j] {
				gp = append(gp, got.hashes[p].String())
			}
			for _, p := range want.parents[i] {
				wp = append(wp, want.hashes[p].String())
			}
			if len(gp) != len(wp) || (len(gp) > 0 && gp[0] != wp[0]) {
				t.Errorf("%s: %s parents %v, want %v", name, h, gp, wp)
			}
		}
		head, err := withFile.Resolve("HEAD")
		if err != nil {
			t.Fatal(err)
		}
		if g := got.gen[mustFind(got, plumbing.NewHash(head))]; g < 2 {
			t.Errorf("%s: the commit after the commit-graph has generation %d", name, g)
		}
	}
}

func mustFind(g *graph, h plumbing.Hash) int32 {
	i, _ := g.find(h)
	return i
}
