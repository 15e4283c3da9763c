package branches

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// graph is the commit graph held in memory as dense indexes: parents and
// generation numbers (1 + the longest path to a root), so ancestry walks
// stop early and never depend on commit dates.
type graph struct {
	// Nodes 0..sorted-1 are the commits of git's commit-graph files, in
	// their order (each layer sorted); the commits after them were walked
	// from the refs, and index finds them.
	files  []*graphFile
	sorted int
	index  map[plumbing.Hash]int32
	walked []plumbing.Hash // ids of nodes sorted..
	pstart []uint32        // node n's parents are plist[pstart[n]:pstart[n+1]]
	plist  []int32
	gen    []int32

	mu         sync.Mutex       // guards what ancestry queries reuse:
	seen       []uint32         // visit marks of the current walk (== epoch)
	epoch      uint32           //
	stack      []int32          //
	reachCache map[int32]bitset // tip → all it reaches
	store      *reachStore      // reach of commit-graph commits across runs, or nil

	walkedOnce sync.Once
	walkedIDs  []plumbing.Hash // walked, sorted, for prefix lookups

	// tips are the refs (and HEAD) the walk started from, as read.
	tips map[string]plumbing.Hash

	stateOnce sync.Once
	state     GraphState // graphstate.go
}

// len is the number of commits.
func (g *graph) len() int { return len(g.gen) }

// hash returns the id of node n.
func (g *graph) hash(n int32) plumbing.Hash {
	if int(n) >= g.sorted {
		return g.walked[int(n)-g.sorted]
	}
	gf := g.fileOf(n)
	i := int(n - gf.first)
	return plumbing.Hash(gf.oidl[20*i : 20*i+20])
}

// tree returns the root tree of node n from the commit-graph file, or
// false for a commit walked from the refs.
func (g *graph) tree(n int32) (plumbing.Hash, bool) {
	if int(n) >= g.sorted {
		return plumbing.ZeroHash, false
	}
	gf := g.fileOf(n)
	i := int(n - gf.first)
	return plumbing.Hash(gf.cdat[36*i : 36*i+20]), true
}

func (g *graph) fileOf(n int32) *graphFile {
	for k := len(g.files) - 1; k > 0; k-- {
		if n >= g.files[k].first {
			return g.files[k]
		}
	}
	return g.files[0]
}

// parentsOf returns node n's parents, first parent first.
func (g *graph) parentsOf(n int32) []int32 { return g.plist[g.pstart[n]:g.pstart[n+1]] }

func (r *Repo) loadGraph() (*graph, error) {
	r.graphOnce.Do(func() {
		r.graph, r.graphErr = buildGraph(r)
		r.graphLoaded.Store(true)
	})
	return r.graph, r.graphErr
}

// loadedGraph is the graph if something already loaded it, else nil: a
// single file read does not need a million commits.
func (r *Repo) loadedGraph() *graph {
	if !r.graphLoaded.Load() || r.graphErr != nil {
		return nil
	}
	return r.graph
}

// UngraphedCommits returns how many commits the graph read from their
// objects because no commit-graph file lists them (0 before a query that
// reads the graph). Many of them mean `git commit-graph write --reachable`
// would make queries faster; printing that advice is the caller's.
func (r *Repo) UngraphedCommits() int {
	if g := r.loadedGraph(); g != nil {
		return len(g.walked)
	}
	return 0
}

func buildGraph(r *Repo) (*graph, error) {
	g := &graph{index: map[plumbing.Hash]int32{}, tips: map[string]plumbing.Hash{}}
	g.loadCommitGraph(r)
	// Commits the commit-graph files lack (written after them, or no
	// file): walk from every ref, decoding only those commits.
	var rawParents [][]plumbing.Hash
	add := func(c *object.Commit) {
		g.index[c.Hash] = int32(g.sorted + len(g.walked))
		g.walked = append(g.walked, c.Hash)
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
			g.tips[ref.Name().String()] = ref.Hash()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read refs: %w", err)
	}
	if head, err := r.r.Head(); err == nil {
		stack = append(stack, head.Hash())
		g.tips["HEAD"] = head.Hash()
	}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := g.find(h); ok {
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
	for _, ps := range rawParents {
		for _, p := range ps {
			if j, ok := g.find(p); ok { // a shallow or partial clone may lack parents
				g.plist = append(g.plist, j)
			}
		}
		g.pstart = append(g.pstart, uint32(len(g.plist)))
	}
	g.gen = slices.Grow(g.gen, len(g.walked))[:g.sorted+len(g.walked)]
	g.computeGenerations()
	if !r.noCommitCache {
		g.store = newReachStore(g, r.CacheDir())
	}
	return g, nil
}

// loadCommitGraph reads git's commit-graph (objects/info/commit-graph, or
// a split chain under objects/info/commit-graphs; written by git gc or git
// commit-graph write): parents and generation numbers of every commit it
// lists, without decoding a commit object. Without one, or with one it
// cannot read, the graph is read from the objects.
func (g *graph) loadCommitGraph(r *Repo) {
	g.pstart = []uint32{0}
	objects, ok := r.objectsDir()
	if !ok {
		return
	}
	layers := openCommitGraphs(objects)
	if len(layers) == 0 {
		return
	}
	if !g.loadLayers(layers) {
		// An unreadable commit-graph only costs speed.
		for _, gf := range layers {
			gf.close()
		}
		g.files, g.sorted, g.pstart, g.plist, g.gen = nil, 0, []uint32{0}, nil, nil
		return
	}
	// Old commit-graphs may lack generation numbers: compute them.
	for i := range g.gen {
		if g.gen[i] == 0 {
			clear(g.gen)
			break
		}
	}
}

// objectsDir is the object directory (of the common git directory, for
// a worktree) that holds the packs and the commit-graph files; false for
// an in-memory repository.
func (r *Repo) objectsDir() (string, bool) {
	fsStore, ok := r.fsStorage()
	if !ok {
		return "", false
	}
	return filepath.Join(newRefStore(fsStore.Filesystem().Root()).commonDir, "objects"), true
}

// find returns the node of a commit.
func (g *graph) find(h plumbing.Hash) (int32, bool) {
	for _, gf := range g.files {
		if n, ok := gf.find(h); ok {
			return n, true
		}
	}
	i, ok := g.index[h]
	return i, ok
}

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
			for _, p := range g.parentsOf(n) {
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
	i, ok := g.find(plumbing.NewHash(hash))
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
	g.mu.Lock()
	defer g.mu.Unlock()
	if r, ok := g.reachCache[b]; ok {
		return r.has(a)
	}
	if g.store != nil && int(b) < g.sorted {
		if _, ok := g.store.get(g.hash(b)); ok {
			return g.reachLocked(b).has(a)
		}
	}
	// A walk from b above a's generation; if it grows large, b is asked
	// about often (a line's tip): mark all it reaches, once.
	g.epoch++
	if g.seen == nil {
		g.seen = make([]uint32, g.len())
	}
	stack := append(g.stack[:0], b)
	g.seen[b] = g.epoch
	visited := 0
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range g.parentsOf(n) {
			if p == a {
				g.stack = stack
				return true
			}
			if g.seen[p] != g.epoch && g.gen[p] > g.gen[a] {
				g.seen[p] = g.epoch
				stack = append(stack, p)
			}
		}
		if visited++; visited > walkBudget {
			g.stack = stack
			return g.reachLocked(b).has(a)
		}
	}
	g.stack = stack
	return false
}

// walkBudget is how many commits an ancestry walk visits before it marks
// everything its tip reaches instead.
const walkBudget = 20000

// bitset is a set of graph nodes.
type bitset []uint64

func (s bitset) has(n int32) bool { return s[n>>6]&(1<<(n&63)) != 0 }
func (s bitset) add(n int32)      { s[n>>6] |= 1 << (n & 63) }

// reachLocked returns (and caches) everything b reaches. What a commit of
// the commit-graph files reaches is kept across runs (reach.go); a commit
// after the files starts from what its nearest first-parent ancestor in
// them reaches, so only the commits since are walked.
func (g *graph) reachLocked(b int32) bitset {
	if r, ok := g.reachCache[b]; ok {
		return r
	}
	r := make(bitset, (g.len()+63)/64)
	inFiles := int(b) < g.sorted
	if g.store != nil && inFiles {
		if kept, ok := g.store.get(g.hash(b)); ok {
			copy(r, kept)
			g.remember(b, r)
			return r
		}
	}
	if g.store != nil && !inFiles {
		for n := b; ; {
			ps := g.parentsOf(n)
			if len(ps) == 0 {
				break
			}
			if n = ps[0]; int(n) < g.sorted {
				copy(r, g.reachLocked(n))
				break
			}
		}
	}
	// Everything r holds already holds its ancestors: the walk stops there.
	r.add(b)
	stack := append(g.stack[:0], b)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range g.parentsOf(n) {
			if !r.has(p) {
				r.add(p)
				stack = append(stack, p)
			}
		}
	}
	g.stack = stack
	if g.store != nil && inFiles {
		g.store.put(g.hash(b), r)
	}
	g.remember(b, r)
	return r
}

// remember caches what b reaches for this run.
func (g *graph) remember(b int32, r bitset) {
	if g.reachCache == nil || len(g.reachCache) >= 64 {
		g.reachCache = map[int32]bitset{}
	}
	g.reachCache[b] = r
}

// saveReach writes the reach store, if the graph was loaded and has one.
func (r *Repo) saveReach() error {
	g := r.loadedGraph()
	if g == nil || g.store == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.store.save()
}

// genHeap orders nodes by generation, highest first: a binary heap
// written out for int32 nodes, since paint's queue is the hot path of
// every range walk.
type genHeap struct {
	g     *graph
	nodes []int32
}

func (h *genHeap) Len() int { return len(h.nodes) }

func (h *genHeap) less(i, j int) bool { return h.g.gen[h.nodes[i]] > h.g.gen[h.nodes[j]] }

func (h *genHeap) push(n int32) {
	h.nodes = append(h.nodes, n)
	for j := len(h.nodes) - 1; j > 0; {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.nodes[i], h.nodes[j] = h.nodes[j], h.nodes[i]
		j = i
	}
}

func (h *genHeap) pop() int32 {
	top := h.nodes[0]
	last := len(h.nodes) - 1
	h.nodes[0] = h.nodes[last]
	h.nodes = h.nodes[:last]
	for i := 0; ; {
		j := 2*i + 1
		if j >= last {
			break
		}
		if k := j + 1; k < last && h.less(k, j) {
			j = k
		}
		if !h.less(j, i) {
			break
		}
		h.nodes[i], h.nodes[j] = h.nodes[j], h.nodes[i]
		i = j
	}
	return top
}

// paint walks down from the starting nodes in generation order, carrying
// each node's flags to its parents, as git's paint_down_to_common does;
// a parent's flags are final once it is popped (its children, of greater
// generation, all were), so a node is queued once at a time. It stops
// when stop returns true for a popped node, or when every node left in
// the queue carries all of quiet's flags (nothing below them can change
// the answer; quiet 0: never). Flags must not use bit 0x80.
func (g *graph) paint(start map[int32]uint8, quiet uint8, stop func(n int32, f uint8) bool) map[int32]uint8 {
	const queued = 0x80
	flags := make(map[int32]uint8, 1024)
	h := &genHeap{g: g}
	live := 0 // queued nodes lacking one of quiet's flags
	lacks := func(f uint8) bool { return f&quiet != quiet }
	for n, f := range start {
		flags[n] |= f | queued
		h.push(n)
		if lacks(f) {
			live++
		}
	}
	for h.Len() > 0 && (quiet == 0 || live > 0) {
		n := h.pop()
		f := flags[n] &^ queued
		flags[n] = f
		if lacks(f) {
			live--
		}
		if stop != nil && stop(n, f) {
			break
		}
		for _, p := range g.parentsOf(n) {
			old := flags[p]
			nf := old | f
			if nf == old {
				continue
			}
			flags[p] = nf
			switch {
			case old&queued == 0:
				flags[p] |= queued
				h.push(p)
				if lacks(nf) {
					live++
				}
			case lacks(old) && !lacks(nf):
				live--
			}
		}
	}
	for _, n := range h.nodes {
		flags[n] &^= queued
	}
	return flags
}

// between returns the commits reachable from to but not from any of from,
// parents before children (ordered by generation, then by discovery).
func (g *graph) between(from []int32, to int32) []int32 {
	const want, unwanted = 1, 2
	start := map[int32]uint8{to: want}
	for _, f := range from {
		start[f] |= unwanted
	}
	flags := g.paint(start, unwanted, nil)
	if flags[to] != want {
		return nil
	}
	// Discovery order from to, over the result only, for a stable order;
	// the flag found marks what is listed.
	const found = 4
	flags[to] |= found
	type item struct{ n, gen, pos int32 }
	items := []item{{to, g.gen[to], 0}}
	for i := 0; i < len(items); i++ {
		for _, p := range g.parentsOf(items[i].n) {
			if flags[p] == want {
				flags[p] |= found
				items = append(items, item{p, g.gen[p], int32(len(items))})
			}
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		if a.gen != b.gen {
			return int(a.gen - b.gen)
		}
		return int(b.pos - a.pos)
	})
	out := make([]int32, len(items))
	for i, it := range items {
		out[i] = it.n
	}
	return out
}

// mergeBase returns a best common ancestor of a and b: a common ancestor of
// greatest generation, which no other common ancestor descends from. It
// marks what b reaches (cached: a line's parent is asked about for every
// line) and walks a's ancestry in generation order to the first such
// commit, so it visits only the commits a has and b lacks.
func (g *graph) mergeBase(a, b int32) (int32, bool) {
	// Most merge bases are near both tips: paint down from both, within a
	// budget. Far ones (an old line against trunk) use what b reaches.
	g.mu.Lock()
	_, cached := g.reachCache[b]
	g.mu.Unlock()
	if !cached {
		best, pops := int32(-1), 0
		start := map[int32]uint8{a: 1}
		start[b] |= 2
		g.paint(start, 0, func(n int32, f uint8) bool {
			if f == 3 {
				best = n
				return true
			}
			pops++
			return pops > walkBudget
		})
		if best >= 0 {
			return best, true
		}
		if pops <= walkBudget {
			return -1, false // the walk ended: no common history
		}
	}
	g.mu.Lock()
	rb := g.reachLocked(b)
	g.mu.Unlock()
	if rb.has(a) {
		return a, true
	}
	h := &genHeap{g: g}
	seen := map[int32]bool{a: true}
	h.push(a)
	for h.Len() > 0 {
		n := h.pop()
		if rb.has(n) {
			return n, true
		}
		for _, p := range g.parentsOf(n) {
			if !seen[p] {
				seen[p] = true
				h.push(p)
			}
		}
	}
	return -1, false
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
	return g.hash(m).String(), nil
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

// rangeNodes loads the graph and finds the nodes of git's from..to range
// ends.
func (r *Repo) rangeNodes(from []string, to string) (*graph, []int32, int32, error) {
	g, err := r.loadGraph()
	if err != nil {
		return nil, nil, 0, err
	}
	it, err := g.lookup(to)
	if err != nil {
		return nil, nil, 0, err
	}
	ifrom := make([]int32, 0, len(from))
	for _, f := range from {
		i, err := g.lookup(f)
		if err != nil {
			return nil, nil, 0, err
		}
		ifrom = append(ifrom, i)
	}
	return g, ifrom, it, nil
}

// BetweenHashes is [Repo.Between] without reading the commits.
func (r *Repo) BetweenHashes(from []string, to string) ([]string, error) {
	g, ifrom, it, err := r.rangeNodes(from, to)
	if err != nil {
		return nil, err
	}
	idx := g.between(ifrom, it)
	out := make([]string, len(idx))
	for i, n := range idx {
		out[i] = g.hash(n).String()
	}
	return out, nil
}

// FirstParents lists commit and its first-parent ancestors, newest first,
// at most max of them.
func (r *Repo) FirstParents(commit string, max int) ([]string, error) {
	g, err := r.loadGraph()
	if err != nil {
		return nil, err
	}
	n, err := g.lookup(commit)
	if err != nil {
		return nil, err
	}
	var out []string
	for len(out) < max {
		out = append(out, g.hash(n).String())
		ps := g.parentsOf(n)
		if len(ps) == 0 {
			break
		}
		n = ps[0]
	}
	return out, nil
}
