package xdiff

import "strings"

// A Window is the part of two texts a diff has to look at when they
// begin and end with long runs of equal lines, as revisions of a large
// file changed in a few places do: the lines between the runs, with a
// margin of equal lines on each side. The rest is not split into lines,
// only scanned for the lines the diff looks up ([Diff] counts how often
// each line occurs in the whole of the other text).
type Window struct {
	A, B []string // the lines of each text within the window
	// Head is how many lines both texts have before the window, Tail
	// how many after it; they are equal in both.
	Head, Tail int
	// cut are the texts of those lines (of a; b has the same).
	cut [2]string
}

// Tuning of [Cut].
const (
	// windowMargin is how many equal lines a window keeps on each side
	// of the lines that differ: room for compaction to slide a group of
	// changes and for the indent heuristic to look around it.
	windowMargin = 64
	// windowGuard is how near a window's cut edge compaction may come
	// (a group of changes, or the lines the indent heuristic reads above
	// and below it, at most maxBlanks+1 away) before the diff of the
	// window may differ from the diff of the whole texts.
	windowGuard = maxBlanks + 3
	// windowMinCut is the fewest bytes worth cutting: below it, the
	// whole texts are diffed.
	windowMinCut = 16 << 10
)

// Cut returns the window of texts a and b, and false when it would cut
// less than is worth it.
func Cut(a, b string) (Window, bool) {
	return cut(a, b, windowMargin, windowMinCut)
}

// cut is Cut with a margin of margin lines, cutting at least minCut bytes.
func cut(a, b string, margin, minCut int) (Window, bool) {
	if len(a) < minCut || len(b) < minCut {
		return Window{}, false
	}
	p, s := Middles(a, b)

	// Keep margin lines on each side of the differing part.
	head := p
	for range margin {
		if head == 0 {
			break
		}
		head = strings.LastIndexByte(a[:head-1], '\n') + 1
	}
	tail := len(a) - s // where the common tail starts in a
	for range margin {
		if tail == len(a) {
			break
		}
		if i := strings.IndexByte(a[tail:], '\n'); i >= 0 {
			tail += i + 1
		} else {
			tail = len(a)
		}
	}
	cutTail := len(a) - tail
	if head+cutTail < max(minCut, 1) {
		return Window{}, false
	}
	w := Window{
		A:    Split(a[head:tail]),
		B:    Split(b[head : len(b)-cutTail]),
		Head: strings.Count(a[:head], "\n"),
		cut:  [2]string{a[:head], a[tail:]},
	}
	if cutTail > 0 {
		// A cut tail is whole lines, the last of which may lack a newline.
		w.Tail = strings.Count(a[tail:], "\n")
		if a[len(a)-1] != '\n' {
			w.Tail++
		}
	}
	return w, true
}

// Diff is [DiffWithin] of the two whole texts, with the edits' lines
// counted from the window's start. fits is false when the window proved
// too narrow to be sure of that (a group of changes slid near its cut
// edge): then the whole texts must be diffed instead.
func (w *Window) Diff(work int) (edits []Edit, ok, fits bool) {
	out := &outside{texts: w.cut, total: [2]int{w.Head + len(w.A) + w.Tail, w.Head + len(w.B) + w.Tail}}
	sc := getScratch()
	defer sc.put()
	x, y, ok := prepare(w.A, w.B, work, out, sc)
	if !ok {
		return nil, false, true
	}
	x.reach, y.reach = [2]int{x.n(), 0}, [2]int{y.n(), 0}
	compact(x, y)
	compact(y, x)
	for _, s := range []*side{x, y} {
		if s.reach[0] > s.reach[1] {
			continue // no group of changes on this side
		}
		if w.Head > 0 && s.reach[0] < windowGuard || w.Tail > 0 && s.reach[1] > s.n()-windowGuard {
			return nil, false, false
		}
	}
	return script(x, y), true, true
}

// Middles returns how many bytes of whole lines a and b begin with alike
// (head) and end with alike after those (tail): what is left between
// them, a[head:len(a)-tail] and b[head:len(b)-tail], is where they
// differ. The bytes are compared a chunk at a time.
func Middles(a, b string) (head, tail int) {
	head = commonPrefix(a, b)
	head = strings.LastIndexByte(a[:head], '\n') + 1 // whole lines only
	tail = commonSuffix(a[head:], b[head:])
	// The common tail starts after a newline inside it: before that, a
	// line of it may begin differently in a and b.
	if i := strings.IndexByte(a[len(a)-tail:], '\n'); i >= 0 {
		tail -= i + 1
	} else {
		tail = 0
	}
	return head, tail
}

// outside is what a diff of a window needs to know of the lines outside
// it: their text, to count the occurrences of lines in the window, and
// how many lines each whole text has.
type outside struct {
	texts [2]string
	total [2]int
}

// commonPrefix returns how many bytes a and b begin with alike, comparing
// a chunk at a time first.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	p := 0
	for p+chunk <= n && a[p:p+chunk] == b[p:p+chunk] {
		p += chunk
	}
	for p < n && a[p] == b[p] {
		p++
	}
	return p
}

// commonSuffix returns how many bytes a and b end with alike.
func commonSuffix(a, b string) int {
	n := min(len(a), len(b))
	s := 0
	for s+chunk <= n && a[len(a)-s-chunk:len(a)-s] == b[len(b)-s-chunk:len(b)-s] {
		s += chunk
	}
	for s < n && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	return s
}

// chunk is how many bytes commonPrefix and commonSuffix compare at once.
const chunk = 256
