package branches

import (
	"slices"
	"strings"
	"testing"
)

// GraphAdded lists what the refs gained since a state, checked against
// git rev-list, and refuses when the graph may have lost commits.
func TestGraphAdded(t *testing.T) {
	dir, _, _ := gitRepo(t)
	state := func() GraphState {
		t.Helper()
		s, err := openRepo(t, dir).GraphState()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	added := func(s GraphState) ([]string, bool) {
		t.Helper()
		a, ok, err := openRepo(t, dir).GraphAdded(s)
		if err != nil {
			t.Fatal(err)
		}
		return a, ok
	}
	revList := func(args ...string) []string {
		t.Helper()
		out := strings.Fields(mustGit(t, dir, append([]string{"rev-list"}, args...)...))
		slices.Sort(out)
		return out
	}
	s0 := state()
	if got := s0.Tips["refs/tags/v1.4.0.0"]; got != strings.TrimSpace(mustGit(t, dir, "rev-parse", "v1.4.0.0^{commit}")) {
		t.Errorf("the annotated tag peels to %q", got)
	}
	if a, ok := added(s0); !ok || len(a) != 0 {
		t.Errorf("nothing changed: added %v, ok %v", a, ok)
	}
	script(t, dir, `git commit -q --allow-empty -m third
		git checkout -q -b topic main~2
		git commit -q --allow-empty -m side
		git tag -a v2 -m v2
		git checkout -q main`)
	want := revList("--all", "--not", "main@{1}")
	if a, ok := added(s0); !ok || !slices.Equal(a, want) {
		t.Errorf("after a commit, a branch and a tag: added %v, ok %v; git rev-list says %v", a, ok, want)
	}
	s1 := state()
	if s1.Size != s0.Size+2 {
		t.Errorf("size %d, want %d", s1.Size, s0.Size+2)
	}
	for name, change := range map[string]string{
		"a deleted branch":    "git branch -q -D topic && git tag -d v2 >/dev/null",
		"a branch moved back": "git update-ref refs/heads/main main~1",
	} {
		t.Run(name, func(t *testing.T) {
			mustGit(t, dir, "update-ref", "refs/heads/main", s1.Tips["refs/heads/main"])
			mustGit(t, dir, "update-ref", "refs/heads/topic", s1.Tips["refs/heads/topic"])
			script(t, dir, `rm -rf .git/objects/info/commit-graph .git/objects/info/commit-graphs
				git tag -f -a v2 -m v2 topic >/dev/null`)
			if _, ok := added(s1); !ok {
				t.Fatal("restored: not ok")
			}
			script(t, dir, change)
			if a, ok := added(s1); ok {
				t.Errorf("ok, added %v: the graph may have lost commits", a)
			}
		})
	}
	// Nothing is lost when what a ref reached is reached from another, or
	// when a commit-graph is written where there was none.
	for name, change := range map[string]string{
		"a merged branch deleted": "git merge -q --no-edit topic && git branch -q -D topic",
		"HEAD switched":           "git checkout -q topic",
		"a first commit-graph":    "git commit-graph write --reachable",
	} {
		t.Run(name, func(t *testing.T) {
			mustGit(t, dir, "checkout", "-q", "main")
			mustGit(t, dir, "update-ref", "refs/heads/main", s1.Tips["refs/heads/main"])
			mustGit(t, dir, "update-ref", "refs/heads/topic", s1.Tips["refs/heads/topic"])
			script(t, dir, `rm -rf .git/objects/info/commit-graph .git/objects/info/commit-graphs
				git tag -f -a v2 -m v2 topic >/dev/null`)
			script(t, dir, change)
			a, ok := added(s1)
			if !ok {
				t.Fatal("not ok: every commit is still reached")
			}
			if want := revList("--all", "--not", s1.Tips["refs/heads/main"], s1.Tips["refs/heads/topic"]); !slices.Equal(a, want) {
				t.Errorf("added %v, git rev-list says %v", a, want)
			}
		})
	}
	// From a commit-graph chain its tips reach whole: a layer written on
	// top, the layers merged into one, the chain replaced by a plain file
	// (git gc) lose nothing.
	script(t, dir, `git checkout -q main
		rm -rf .git/objects/info/commit-graph .git/objects/info/commit-graphs
		git commit-graph write --reachable --split=no-merge
		cp -r .git/objects/info .git/info-saved`)
	s2 := state()
	if len(s2.Layers) != 1 || !s2.Reached {
		t.Fatalf("%d commit-graph layers, reached %v; want 1, true", len(s2.Layers), s2.Reached)
	}
	rewrites := map[string]string{
		"a layer on top":       "git commit-graph write --reachable --split=no-merge",
		"the layers merged":    "git commit-graph write --reachable --split=replace",
		"a plain file instead": "rm -rf .git/objects/info/commit-graphs && git commit-graph write --reachable",
	}
	for name, change := range rewrites {
		t.Run(name, func(t *testing.T) {
			mustGit(t, dir, "update-ref", "refs/heads/main", s2.Tips["refs/heads/main"])
			script(t, dir, `rm -rf .git/objects/info && cp -r .git/info-saved .git/objects/info
				git commit --allow-empty -q -m fifth
				`+change)
			a, ok := added(s2)
			if !ok {
				t.Fatalf("not ok (added %v): the old graph's tips reached all of it", a)
			}
			if want := revList("main", "--not", s2.Tips["refs/heads/main"]); !slices.Equal(a, want) {
				t.Errorf("added %v, git rev-list says %v", a, want)
			}
		})
	}
	// A chain that keeps a deleted branch's commit: a layer on top keeps
	// it too, a rewrite may drop it.
	script(t, dir, `git checkout -q main
		rm -rf .git/objects/info/commit-graph .git/objects/info/commit-graphs .git/info-saved
		git branch -q gone main && git checkout -q gone && git commit -q --allow-empty -m gone && git checkout -q main
		git commit-graph write --reachable --split=no-merge
		git branch -q -D gone
		cp -r .git/objects/info .git/info-saved`)
	s3 := state()
	if s3.Reached {
		t.Fatal("reached: the tips reach the deleted branch's commit")
	}
	for name, change := range rewrites {
		t.Run("unreached/"+name, func(t *testing.T) {
			mustGit(t, dir, "update-ref", "refs/heads/main", s3.Tips["refs/heads/main"])
			script(t, dir, `rm -rf .git/objects/info && cp -r .git/info-saved .git/objects/info
				git commit --allow-empty -q -m sixth
				`+change)
			a, ok := added(s3)
			if want := name == "a layer on top"; ok != want {
				t.Fatalf("ok %v, want %v (added %v)", ok, want, a)
			}
			if want := revList("main", "--not", s3.Tips["refs/heads/main"]); ok && !slices.Equal(a, want) {
				t.Errorf("added %v, git rev-list says %v", a, want)
			}
		})
	}
}
