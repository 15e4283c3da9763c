package branches

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"

	commitgraph "github.com/go-git/go-git/v5/plumbing/format/commitgraph/v2"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// graph is the commit graph held in memory as dense indexes: parents and
// generation numbers (1 + the longest path to a root), so ancestry walks
// stop early and never depend on commit dates.
type graph struct {
	index   map[plumbing.Hash]int32
	hashes  []plumbing.Hash
	parents [][]int32
	gen     []int32
}

func (r *Repo) loadGraph() (*graph, error) {
	r.graphOnce.Do(func() {
		r.graph, r.graphErr = buildGraph(r)
	})
	return r.graph, r.graphErr
}

func buildGraph(r *Repo) (*graph, error) {
	g := &graph{index: map[plumbing.Hash]int32{}}
	if err := g.loadCommitGraph(r); err != nil {
		return nil, err
	}
	// Commits the commit-graph file lacks (written after it, or no file):
	// walk from every ref, decoding only those commits.
	known := len(g.hashes)
	var rawParents [][]plumbing.Hash
	add := func(c *object.Commit) {
		g.index[c.Hash] = int32(len(g.hashes))
		g.hashes = append(g.hashes, c.Hash)
		rawParents = append(rawParents, c.ParentHashes)
	}
	var stack []plumbing.Hash
	refs, err := r.r.References()
	if err != nil {
		return nil, fmt.Errorf("read refs: %w", err)
	}
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference {
			stack = append(stack, ref.Hash())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read refs: %w", err)
	}
	if head, err := r.r.Head(); err == nil {
		stack = append(stack, head.Hash())
	}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := g.index[h]; ok {
			continue
		}
		c, err := r.r.CommitObject(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			// An annotated tag: follow it to its commit.
			if t, terr := r.r.TagObject(h); terr == nil {
				stack = append(stack, t.Target)
			}
			continue
		}
		if err != nil {
			// A ref to a tree or blob, or an unreadable object: not history.
			continue
		}
		add(c)
		stack = append(stack, c.ParentHashes...)
	}
	g.parents = slices.Grow(g.parents, len(g.hashes)-known)[:len(g.hashes)]
	for i, ps := range rawParents {
		for _, p := range ps {
			if j, ok := g.index[p]; ok { // a shallow or partial clone may lack parents
				g.parents[known+i] = append(g.parents[known+i], j)
			}
		}
	}
	g.gen = slices.Grow(g.gen, len(g.hashes)-known)[:len(g.hashes)]
	g.computeGenerations()
	return g, nil
}

// loadCommitGraph reads git's commit-graph file (objects/info/commit-graph,
// written by git gc or git commit-graph write): parents and generation
// numbers of every commit it lists, without decoding a commit object. A
// repository without one, or with a split chain, is read from its objects.
func (g *graph) loadCommitGraph(r *Repo) error {
	fsStore, ok := r.r.Storer.(*filesystem.Storage)
	if !ok {
		return nil
	}
	f, err := fsStore.Filesystem().Open(path.Join("objects", "info", "commit-graph"))
	if err != nil {
		return nil
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil
	}
	idx, err := commitgraph.OpenFileIndex(memFile{bytes.NewReader(data)})
	if err != nil {
		return nil // an unreadable commit-graph only costs speed
	}
	defer idx.Close()
	hashes := idx.Hashes()
	n := len(hashes)
	g.hashes = make([]plumbing.Hash, n, n+n/16)
	g.parents = make([][]int32, n, n+n/16)
	g.gen = make([]int32, n, n+n/16)
	flat := make([]int32, 0, n+n/8) // parent lists share one array
	for i, h := range hashes {
		cd, err := idx.GetCommitDataByIndex(uint32(i))
		if err != nil {
			*g = graph{index: map[plumbing.Hash]int32{}}
			return nil
		}
		g.hashes[i] = h
		g.index[h] = int32(i)
		start := len(flat)
		for _, p := range cd.ParentIndexes {
			flat = append(flat, int32(p))
		}
		g.parents[i] = flat[start:len(flat):len(flat)]
		g.gen[i] = int32(cd.Generation)
	}
	// Old commit-graphs may lack generation numbers: compute them.
	for i := range g.gen {
		if g.gen[i] == 0 {
			clear(g.gen)
			break
		}
	}
	return nil
}

// memFile serves a file read into memory to go-git's commit-graph reader.
type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

// computeGenerations fills in the generation numbers that are zero.
func (g *graph) computeGenerations() {
	var stack []int32
	for start := range g.gen {
		if g.gen[start] != 0 {
			continue
		}
		stack = append(stack[:0], int32(start))
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			if g.gen[n] != 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			done := true
			var maxGen int32
			for _, p := range g.parents[n] {
				if g.gen[p] == 0 {
					stack = append(stack, p)
					done = false
				} else {
					maxGen = max(maxGen, g.gen[p])
				}
			}
			if done {
				g.gen[n] = maxGen + 1
				stack = stack[:len(stack)-1]
			}
		}
	}
}

func (g *graph) lookup(hash string) (int32, error) {
	if !plumbing.IsHash(hash) {
		return 0, fmt.Errorf("%q: %w (not a full sha)", hash, ErrUnknownRef)
	}
	i, ok := g.index[plumbing.NewHash(hash)]
	if !ok {
		return 0, fmt.Errorf("%s: %w", hash, ErrUnknownRef)
	}
	return i, nil
}

// isAncestor reports whether a is reachable from b (a commit is its own
// ancestor). Commits with a generation below a's cannot lead to it.
func (g *graph) isAncestor(a, b int32) bool {
	if a == b {
		return true
	}
	if g.gen[a] >= g.gen[b] {
		return false
	}
	seen := map[int32]bool{b: true}
	stack := []int32{b}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range g.parents[n] {
			if p == a {
				return true
			}
			if !seen[p] && g.gen[p] > g.gen[a] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return false
}

// ancestors marks every commit reachable from the roots.
func (g *graph) ancestors(roots ...int32) []bool {
	mark := make([]bool, len(g.hashes))
	stack := slices.Clone(roots)
	for _, r := range roots {
		mark[r] = true
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range g.parents[n] {
			if !mark[p] {
				mark[p] = true
				stack = append(stack, p)
			}
		}
	}
	return mark
}

// between returns the commits reachable from to but not from any of from,
// parents before children (ordered by generation, then by discovery).
func (g *graph) between(from []int32, to int32) []int32 {
	excl := g.ancestors(from...)
	if excl[to] {
		return nil
	}
	seen := map[int32]bool{to: true}
	out := []int32{to}
	for i := 0; i < len(out); i++ {
		for _, p := range g.parents[out[i]] {
			if !excl[p] && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	pos := make(map[int32]int, len(out))
	for i, n := range out {
		pos[n] = i
	}
	slices.SortStableFunc(out, func(a, b int32) int {
		if g.gen[a] != g.gen[b] {
			return int(g.gen[a] - g.gen[b])
		}
		return pos[b] - pos[a]
	})
	return out
}

// mergeBase returns a best common ancestor of a and b: a common ancestor of
// greatest generation, which no other common ancestor descends from.
func (g *graph) mergeBase(a, b int32) (int32, bool) {
	ma := g.ancestors(a)
	if ma[b] {
		return b, true
	}
	best := int32(-1)
	seen := map[int32]bool{b: true}
	stack := []int32{b}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if ma[n] {
			if best < 0 || g.gen[n] > g.gen[best] {
				best = n
			}
			continue // its ancestors are common too, and lower
		}
		for _, p := range g.parents[n] {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return best, best >= 0
}

// IsAncestor reports whether commit a is reachable from commit b (full shas).
func (r *Repo) IsAncestor(a, b string) (bool, error) {
	g, err := r.loadGraph()
	if err != nil {
		return false, err
	}
	ia, err := g.lookup(a)
	if err != nil {
		return false, err
	}
	ib, err := g.lookup(b)
	if err != nil {
		return false, err
	}
	return g.isAncestor(ia, ib), nil
}

// MergeBase returns a best common ancestor of a and b, as `git merge-base`
// does, or "" if they share no history.
func (r *Repo) MergeBase(a, b string) (string, error) {
	g, err := r.loadGraph()
	if err != nil {
		return "", err
	}
	ia, err := g.lookup(a)
	if err != nil {
		return "", err
	}
	ib, err := g.lookup(b)
	if err != nil {
		return "", err
	}
	m, ok := g.mergeBase(ia, ib)
	if !ok {
		return "", nil
	}
	return g.hashes[m].String(), nil
}

// Between returns the commits reachable from to and from none of from
// (git's from..to), in an order they can be applied: parents first.
func (r *Repo) Between(from []string, to string) ([]Commit, error) {
	hashes, err := r.BetweenHashes(from, to)
	if err != nil {
		return nil, err
	}
	out := make([]Commit, len(hashes))
	for i, h := range hashes {
		if out[i], err = r.Commit(h); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BetweenHashes is [Repo.Between] without reading the commits.
func (r *Repo) BetweenHashes(from []string, to string) ([]string, error) {
	g, err := r.loadGraph()
	if err != nil {
		return nil, err
	}
	it, err := g.lookup(to)
	if err != nil {
		return nil, err
	}
	var ifrom []int32
	for _, f := range from {
		i, err := g.lookup(f)
		if err != nil {
			return nil, err
		}
		ifrom = append(ifrom, i)
	}
	idx := g.between(ifrom, it)
	out := make([]string, len(idx))
	for i, n := range idx {
		out[i] = g.hashes[n].String()
	}
	return out, nil
}
