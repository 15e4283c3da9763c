package branches

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// GraphState is what decides which commits a Repo's graph holds: the
// commit-graph layers it read, the commits the refs peel to, and how many
// commits that made. A caller that keeps what it derived from the graph
// keeps the state with it, and asks [Repo.GraphAdded] later what changed.
type GraphState struct {
	Layers []string          // commit-graph layer ids, base first
	Tips   map[string]string // ref name (and HEAD) → the commit it peels to
	Size   int
	// Reached reports whether the tips reach every commit of the graph:
	// no commit-graph layer keeps a commit no ref reaches any more (a
	// deleted branch's). A graph without layers is reached by definition.
	Reached bool
}

// GraphState returns the state of the graph this Repo reads, the same
// value each time: callers must not change it.
func (r *Repo) GraphState() (GraphState, error) {
	g, err := r.loadGraph()
	if err != nil {
		return GraphState{}, err
	}
	g.stateOnce.Do(func() { g.state = r.graphState(g) })
	return g.state, nil
}

func (r *Repo) graphState(g *graph) GraphState {
	s := GraphState{Tips: map[string]string{}, Size: g.len()}
	for _, gf := range g.files {
		s.Layers = append(s.Layers, gf.id.String())
	}
	for name, h := range g.tips {
		if !g.has(h) {
			p := r.peel(h.String()) // an annotated tag
			if p == "" {
				continue
			}
			if h = plumbing.NewHash(p); !g.has(h) {
				continue // a tag of a tree or a blob: not history
			}
		}
		s.Tips[name] = h.String()
	}
	s.Reached = len(g.files) == 0 || g.reachedFrom(slices.Collect(maps.Values(s.Tips)))
	return s
}

// reachedFrom reports whether tips (full shas) reach every commit of g.
// They do when every commit no other commit of g names as a parent is one
// of them: from any commit, a walk to a child, and on to a child of that,
// ends at such a commit, which then reaches it. A scan of the parent
// lists, not a walk of the history.
func (g *graph) reachedFrom(tips []string) bool {
	hasChild := make([]bool, g.len())
	for _, p := range g.plist {
		hasChild[p] = true
	}
	tip := make(map[int32]bool, len(tips))
	for _, t := range tips {
		if n, ok := g.find(plumbing.NewHash(t)); ok {
			tip[n] = true
		}
	}
	for n, ok := range hasChild {
		if !ok && !tip[int32(n)] {
			return false
		}
	}
	return true
}

// GraphAdded lists the commits the graph holds now that it may not have
// held in state s: those reachable from a ref that moved or appeared and
// from no tip of s (a commit-graph commit unreachable from s's tips is
// listed too). ok is false when the graph may also have lost commits
// since s (a tip of s that no ref reaches any more: a branch deleted or
// rewound with commits of its own; a commit-graph layer of s rewritten or
// merged away while it kept a commit s's tips did not reach): what was
// derived from s then cannot be patched up with the added commits alone.
func (r *Repo) GraphAdded(s GraphState) (added []string, ok bool, err error) {
	now, err := r.GraphState()
	if err != nil {
		return nil, false, err
	}
	// The commit-graph layers of s must all still be read, in order: a
	// layer written on top of them (git commit-graph write --split, as
	// git maintenance does) only adds commits; a file rewritten (git gc)
	// or layers merged may have dropped some, but only commits s's tips
	// did not reach: when they reached all of s, and still reach them
	// (below), nothing was lost.
	kept := len(now.Layers) >= len(s.Layers) && slices.Equal(s.Layers, now.Layers[:len(s.Layers)])
	if !kept && !s.Reached || now.Size < s.Size {
		return nil, false, nil
	}
	// Each old tip must still be reached: from its own ref (moved on),
	// else from any ref (a branch deleted after its merge, HEAD switched
	// to another branch).
	tips := slices.Compact(slices.Sorted(maps.Values(now.Tips)))
	for name, old := range s.Tips {
		if now.Tips[name] == old {
			continue
		}
		reached := false
		for _, cur := range slices.Concat([]string{now.Tips[name]}, tips) {
			if cur == "" {
				continue
			}
			desc, err := r.IsAncestor(old, cur)
			if errors.Is(err, ErrUnknownRef) {
				return nil, false, nil // no longer in the graph
			} else if err != nil {
				return nil, false, err
			}
			if reached = desc; reached {
				break
			}
		}
		if !reached {
			return nil, false, nil
		}
	}
	from := slices.Compact(slices.Sorted(maps.Values(s.Tips)))
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(now.Tips)) {
		cur := now.Tips[name]
		if s.Tips[name] == cur || seen[cur] {
			continue
		}
		seen[cur] = true
		hs, err := r.BetweenHashes(from, cur)
		if err != nil {
			return nil, false, err
		}
		added = append(added, hs...)
	}
	slices.Sort(added)
	added = slices.Compact(added)
	if now.Size > s.Size+len(added) {
		return nil, false, nil // commits came from elsewhere than the refs listed
	}
	return added, true, nil
}

// has reports whether the graph holds commit h.
func (g *graph) has(h plumbing.Hash) bool {
	_, ok := g.find(h)
	return ok
}

// GraphFilesFingerprint names the commit-graph files a graph of this
// Repo reads, by the checksums they end with, without loading the graph:
// "" when there are none. The commits a query sees depend on them as well
// as on the refs, since a commit-graph may hold commits no ref reaches
// any more (a deleted branch's), which a reference can still resolve to.
func (r *Repo) GraphFilesFingerprint() string {
	objects, ok := r.objectsDir()
	if !ok {
		return ""
	}
	info := filepath.Join(objects, "info")
	var parts []string
	if sum := trailingSum(filepath.Join(info, "commit-graph")); sum != "" {
		parts = append(parts, "commit-graph "+sum)
	}
	if chain, err := os.ReadFile(filepath.Join(info, "commit-graphs", "commit-graph-chain")); err == nil {
		parts = append(parts, "chain "+strings.Join(strings.Fields(string(chain)), " "))
	}
	return strings.Join(parts, "; ")
}

// trailingSum is the hex of a file's last 20 bytes (a commit-graph's
// checksum) and its size, "" when it cannot be read.
func trailingSum(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() < 20 {
		return ""
	}
	var sum [20]byte
	if _, err := f.ReadAt(sum[:], st.Size()-20); err != nil {
		return ""
	}
	return fmt.Sprintf("%x %d", sum, st.Size())
}
