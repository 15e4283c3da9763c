package xdiff

import "sync"

// scratch is the memory of one diff, kept for the next: a plan diffs
// hundreds of revisions of one large file, and allocating (and zeroing,
// and collecting) its per-line arrays each time cost more than the diff.
type scratch struct {
	class, kept, rindex, indent [2][]int // per side; see side and reduce
	count                       [2][]int // occurrences per class
	ch                          [2][]bool
	dis                         []byte
	fwd, bwd                    []int
	ids                         map[string]int
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratches.Get().(*scratch) }

// put returns sc to the pool, holding no line of the diff.
func (sc *scratch) put() {
	if len(sc.ids) > maxKeptIDs {
		sc.ids = nil // a map that large costs more to clear than to make
	}
	clear(sc.ids)
	scratches.Put(sc)
}

// maxKeptIDs is the most distinct lines of a diff whose map is kept.
const maxKeptIDs = 1 << 14

// side returns side k of a diff of lines, with no line changed.
func (sc *scratch) side(k int, lines []string) *side {
	ch := grow(&sc.ch[k], len(lines)+2)
	clear(ch)
	return &side{lines: lines, class: grow(&sc.class[k], len(lines)), ch: ch, total: len(lines), sc: sc, k: k}
}

// lineIDs returns the empty map of the diff's line classes, with room
// for n lines.
func (sc *scratch) lineIDs(n int) map[string]int {
	if sc.ids == nil {
		sc.ids = make(map[string]int, n)
	}
	return sc.ids
}

// grow returns *s resliced to n elements, reallocated first when it has
// room for fewer; what it holds is left as it was.
func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n, n+n/4)
	}
	*s = (*s)[:n]
	return *s
}
