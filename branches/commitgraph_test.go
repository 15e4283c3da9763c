package branches

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// checkGraph compares the graph of the repository at dir with git's: the
// same commits, the same parents in order, and generation numbers that
// are 1 + the greatest of the parents'.
func checkGraph(t *testing.T, dir string) *graph {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := r.loadGraph()
	if err != nil {
		t.Fatal(err)
	}
	if n := r.UngraphedCommits(); n != len(g.walked) {
		t.Errorf("UngraphedCommits() = %d, want %d", n, len(g.walked))
	}
	out, err := gitOut(t, dir, "rev-list", "--all", "--parents")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if g.len() != len(lines) {
		t.Errorf("%d commits, git lists %d", g.len(), len(lines))
	}
	for _, l := range lines {
		ids := strings.Fields(l)
		n, ok := g.find(plumbing.NewHash(ids[0]))
		if !ok {
			t.Errorf("%s missing", ids[0])
			continue
		}
		if g.hash(n).String() != ids[0] {
			t.Errorf("node %d is %s, want %s", n, g.hash(n), ids[0])
		}
		var got []string
		want := int32(1)
		for _, p := range g.parentsOf(n) {
			got = append(got, g.hash(p).String())
			want = max(want, g.gen[p]+1)
		}
		if strings.Join(got, " ") != strings.Join(ids[1:], " ") {
			t.Errorf("%s: parents %v, git says %v", ids[0], got, ids[1:])
		}
		if g.gen[n] != want {
			t.Errorf("%s: generation %d, want %d", ids[0], g.gen[n], want)
		}
		if tree, ok := g.tree(n); ok {
			if want, _ := gitOut(t, dir, "rev-parse", ids[0]+"^{tree}"); tree.String() != want {
				t.Errorf("%s: tree %s, want %s", ids[0], tree, want)
			}
		}
	}
	return g
}

// The graph read from git's commit-graph, in each form git writes it
// (one file, or a chain of layers each naming the layers below), with
// commits written after it walked from the refs, is git's graph; a layer
// that does not fit its chain ends the chain there.
func TestCommitGraphFile(t *testing.T) {
	// An octopus merge puts parents in the EDGE chunk.
	const octopus = `git checkout -q -b o1 HEAD~2 && git commit -q --allow-empty -m o1 &&
		git checkout -q -b o2 HEAD~1 && git commit -q --allow-empty -m o2 &&
		git checkout -q work &&
		git merge -q --no-ff -m octopus o1 o2 && git branch -q -D o1 o2`
	for _, name := range []string{"libbpf", "fourtier"} {
		t.Run(name, func(t *testing.T) {
			dir := fixture(t, name)
			script(t, dir, "git checkout -q -B work && "+octopus)
			walked := checkGraph(t, dir)
			if walked.sorted != 0 || len(walked.walked) != walked.len() {
				t.Fatalf("without a commit-graph: %d of %d commits walked", len(walked.walked), walked.len())
			}

			// One file, and a commit after it.
			script(t, dir, "git commit-graph write --reachable && git commit -q --allow-empty -m 'after the commit-graph'")
			g := checkGraph(t, dir)
			if len(g.files) != 1 || len(g.walked) != 1 {
				t.Errorf("one file: %d files, %d commits walked", len(g.files), len(g.walked))
			}

			// A chain of three layers, and a commit after it.
			info := filepath.Join(gitDir(t, dir), "objects", "info")
			os.Remove(filepath.Join(info, "commit-graph"))
			script(t, dir, `git commit-graph write --reachable --split=no-merge
				git commit -q --allow-empty -m layer2 && git commit-graph write --reachable --split=no-merge
				git commit -q --allow-empty -m layer3 && git commit-graph write --reachable --split=no-merge
				git commit -q --allow-empty -m 'after the chain'`)
			g = checkGraph(t, dir)
			if len(g.files) != 3 || len(g.walked) != 1 {
				t.Errorf("chain: %d layers, %d commits walked", len(g.files), len(g.walked))
			}

			// A chain whose top layer is not the one its file names.
			chain := filepath.Join(info, "commit-graphs", "commit-graph-chain")
			data, _ := os.ReadFile(chain)
			ids := strings.Fields(string(data))
			os.WriteFile(chain, []byte(strings.Join(append(ids[:2], ids[0]), "\n")+"\n"), 0o644)
			g = checkGraph(t, dir)
			if len(g.files) != 2 {
				t.Errorf("broken chain: %d layers, want the 2 below the break", len(g.files))
			}
		})
	}
}

// A prefix names the one commit it starts; two commits starting with it,
// in a commit-graph layer or walked, name none.
func TestResolveSHAPrefixes(t *testing.T) {
	dir := fixture(t, "libbpf")
	script(t, dir, "git commit-graph write --reachable --split=no-merge && for i in $(seq 1 40); do git commit -q --allow-empty -m \"walked $i\"; done")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := gitOut(t, dir, "rev-list", "--all")
	all := strings.Fields(out)
	for _, sha := range all {
		for _, n := range []int{4, 5, 7, 40} {
			var commits []string
			for _, s := range all {
				if strings.HasPrefix(s, sha[:n]) {
					commits = append(commits, s)
				}
			}
			got, ok := r.ResolveSHA(sha[:n])
			if len(commits) == 1 && (!ok || got != sha) || len(commits) > 1 && ok {
				t.Errorf("ResolveSHA(%s) = %s, %v; commits with the prefix: %v", sha[:n], got, ok, commits)
			}
		}
	}
}
