package xdiff

import "strings"

// Split cuts text into lines as git reads a file: each line keeps its
// terminating "\n", and a last line without one is returned as it is. An
// empty text has no lines.
func Split(text string) []string {
	if text == "" {
		return nil
	}
	lines := make([]string, 0, strings.Count(text, "\n")+1)
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i+1])
		text = text[i+1:]
	}
	return lines
}

// Edit is one change of an edit script: the lines a[Old:Old+Del] are
// replaced by the lines b[New:New+Ins]. Either count may be zero, not both.
type Edit struct {
	Old, New int // where the change starts in a and in b, 0-based
	Del, Ins int // how many lines of a it removes and of b it inserts
}

// Tuning of git's xdiff, valued as there.
const (
	maxEqLimit    = 1024 // a line matching more often than this (or √n) is a multimatch line
	simScanWindow = 100  // how far the scan around a multimatch line looks
	kpDisRun      = 4    // a multimatch line goes with its run if under 1/4 of the run is multimatch
	maxCostMin    = 256  // the least edit cost after which a split takes the furthest-reaching path
	heurMinCost   = 256  // the edit cost after which a split looks for a good snake
	snakeCnt      = 20   // a snake this long is a good one
	kHeur         = 4    // how far a good snake must reach, times the edit cost
	lineMax       = int(^uint(0) >> 1)
)

// How a line of one file matches the other, before Myers runs.
const (
	noMatch   = 0 // no equal line in the other file: changed
	someMatch = 1 // a few equal lines: kept
	manyMatch = 2 // many equal lines: changed if amid unmatched lines
)

// side is one file of a diff: its lines, their classes (equal lines share
// a class), and which lines are changed.
type side struct {
	lines  []string
	class  []int
	ch     []bool   // ch[i+1] reports whether line i is changed; ch[0] and ch[n+1] stay false
	indent []int    // cache of indentOf, unknownIndent until computed
	sc     *scratch // the memory of the diff
	k      int      // which side of it: 0 for the old text, 1 for the new
	// total is how many lines the whole text has: more than lines when
	// they are a [Window] of it.
	total int
	// reach is the lowest start and the highest end of the groups of
	// changes compaction tried to slide: it read the lines next to them,
	// and the indent heuristic reads a few more.
	reach [2]int
}

func (s *side) n() int                   { return len(s.class) }
func (s *side) changed(i int) bool       { return s.ch[i+1] }
func (s *side) setChanged(i int, v bool) { s.ch[i+1] = v }

// Diff returns the edit script that turns a into b: of the many possible,
// the one `git diff` prints (Myers with git's preparation and cost
// heuristics, then compaction and the indent heuristic; see the package
// doc), which is not always the shortest.
// Lines are compared as strings, so they should be as [Split] returns
// them. The edits are in order and do not touch one another.
func Diff(a, b []string) []Edit {
	edits, _ := DiffWithin(a, b, 0)
	return edits
}

// DiffWithin is [Diff] for a caller that can do without a costly diff:
// when Myers' search has visited more than work diagonals (about a
// nanosecond each; 0 is no limit), it stops and returns false. A diff it
// finishes is the one Diff returns.
func DiffWithin(a, b []string, work int) ([]Edit, bool) {
	sc := getScratch()
	defer sc.put()
	x, y, ok := prepare(a, b, work, nil, sc)
	if !ok {
		return nil, false
	}
	compact(x, y)
	compact(y, x)
	return script(x, y), true
}

// prepare interns the lines, marks what xdiff decides before running
// Myers (lines with no match in the other file, runs of lines with many
// matches among them) and runs Myers over the rest.
//
// The common head and tail are found by comparing lines, and only the
// lines between them are interned: a small change to a large file costs
// no map entry per line. A line of the head or tail is in both files, so
// it adds one to the counts of the middle line it equals, if any; its own
// class is left unknown (-1), and compaction compares such lines as text.
//
// The sides use sc's memory. When out is not nil, a and b are a window of
// two texts (see [Window]) and out has the lines outside it.
func prepare(a, b []string, work int, out *outside, sc *scratch) (*side, *side, bool) {
	x := sc.side(0, a)
	y := sc.side(1, b)
	if out != nil {
		x.total, y.total = out.total[0], out.total[1]
	}

	// Trim the common head and tail: Myers never sees them.
	n1, n2 := len(a), len(b)
	lim := min(n1, n2)
	start := 0
	for start < lim && a[start] == b[start] {
		start++
	}
	tail := 0
	for tail < lim-start && a[n1-1-tail] == b[n2-1-tail] {
		tail++
	}

	ids := sc.lineIDs(n1 + n2 - 2*(start+tail))
	count := [2][]int{sc.count[0][:0], sc.count[1][:0]} // per class: occurrences in a, in b
	var lengths [256]bool                               // lengths (mod 256) of the interned lines
	for k, s := range []*side{x, y} {
		for i := start; i < s.n()-tail; i++ {
			l := s.lines[i]
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
				count[0] = append(count[0], 0)
				count[1] = append(count[1], 0)
				lengths[len(l)&255] = true
			}
			count[k][id]++
			s.class[i] = id
		}
	}
	sc.count = count
	common := func(l string) {
		if !lengths[len(l)&255] {
			return
		}
		if id, ok := ids[l]; ok {
			count[0][id]++
			count[1][id]++
		}
	}
	for i := 0; i < start; i++ {
		common(a[i])
		x.class[i], y.class[i] = -1, -1
	}
	for i := 0; i < tail; i++ {
		common(a[n1-1-i])
		x.class[n1-1-i], y.class[n2-1-i] = -1, -1
	}
	if out != nil {
		for _, text := range out.texts {
			for text != "" {
				i := strings.IndexByte(text, '\n') + 1
				if i == 0 {
					i = len(text)
				}
				common(text[:i])
				text = text[i:]
			}
		}
	}

	// Discard what cannot or should not take part in Myers.
	h1, r1 := reduce(x, start, n1-1-tail, count[1])
	h2, r2 := reduce(y, start, n2-1-tail, count[0])

	m := &myers{ha1: h1, ha2: h2, rindex1: r1, rindex2: r2, x: x, y: y, budget: work}
	ndiags := len(h1) + len(h2) + 3
	m.fwd = grow(&sc.fwd, ndiags)
	m.bwd = grow(&sc.bwd, ndiags)
	clear(m.fwd)
	clear(m.bwd)
	m.zero = len(h2) + 1
	m.mxcost = max(bogosqrt(ndiags), maxCostMin)
	m.compare(0, len(h1), 0, len(h2), false)
	return x, y, !m.over
}

// same reports whether lines i and j of s are equal.
func (s *side) same(i, j int) bool {
	if s.class[i] >= 0 && s.class[j] >= 0 {
		return s.class[i] == s.class[j]
	}
	return s.lines[i] == s.lines[j]
}

// reduce classifies the lines s[dstart..dend] by how often they occur in
// the other file (other: occurrences per class), marks the discarded ones
// changed and returns the classes of the kept ones with their line numbers.
func reduce(s *side, dstart, dend int, other []int) (ha, rindex []int) {
	if dend < dstart {
		return nil, nil
	}
	mlim := min(bogosqrt(s.total), maxEqLimit)
	dis := grow(&s.sc.dis, s.n()) // read only within dstart..dend
	for i := dstart; i <= dend; i++ {
		switch nm := other[s.class[i]]; {
		case nm == 0:
			dis[i] = noMatch
		case nm >= mlim:
			dis[i] = manyMatch
		default:
			dis[i] = someMatch
		}
	}
	ha, rindex = grow(&s.sc.kept[s.k], dend-dstart+1)[:0], grow(&s.sc.rindex[s.k], dend-dstart+1)[:0]
	for i := dstart; i <= dend; i++ {
		if dis[i] == someMatch || (dis[i] == manyMatch && !manyInRun(dis, i, dstart, dend)) {
			ha = append(ha, s.class[i])
			rindex = append(rindex, i)
		} else {
			s.setChanged(i, true)
		}
	}
	return ha, rindex
}

// manyInRun reports whether the multimatch line i sits inside a run of
// unmatched and multimatch lines (within s..e, looking at most
// simScanWindow lines each way) of which under a quarter are multimatch:
// such a line is discarded with its neighbours.
func manyInRun(dis []byte, i, s, e int) bool {
	s = max(s, i-simScanWindow)
	e = min(e, i+simScanWindow)
	none, many := 0, 1 // line i itself is multimatch
	for r := 1; i-r >= s; r++ {
		if dis[i-r] == noMatch {
			none++
		} else if dis[i-r] == manyMatch {
			many++
		} else {
			break
		}
	}
	if none == 0 {
		return false // only multimatch lines before: keep i
	}
	noneAfter, manyAfter := 0, 1
	for r := 1; i+r <= e; r++ {
		if dis[i+r] == noMatch {
			noneAfter++
		} else if dis[i+r] == manyMatch {
			manyAfter++
		} else {
			break
		}
	}
	if noneAfter == 0 {
		return false
	}
	none += noneAfter
	many += manyAfter
	return many*kpDisRun < many+none
}

// bogosqrt is xdiff's cheap square root: the power of two with half the
// bits of n, rounded up.
func bogosqrt(n int) int {
	i := 1
	for ; n > 0; n >>= 2 {
		i <<= 1
	}
	return i
}

// myers runs the divide-and-conquer Myers search over the kept lines.
type myers struct {
	ha1, ha2         []int // classes of the kept lines
	rindex1, rindex2 []int // their line numbers in x and y
	x, y             *side
	fwd, bwd         []int // furthest reach per diagonal; diagonal d at index zero+d
	zero             int
	mxcost           int
	budget, work     int  // diagonals the search may visit (0: any number), and has
	over             bool // the search stopped at its budget
}

// compare marks the changed lines of the box ha1[off1:lim1] × ha2[off2:lim2].
// needMin turns off the heuristics that trade minimality for time.
func (m *myers) compare(off1, lim1, off2, lim2 int, needMin bool) {
	for !m.over {
		for off1 < lim1 && off2 < lim2 && m.ha1[off1] == m.ha2[off2] {
			off1++
			off2++
		}
		for off1 < lim1 && off2 < lim2 && m.ha1[lim1-1] == m.ha2[lim2-1] {
			lim1--
			lim2--
		}
		switch {
		case off1 == lim1:
			for ; off2 < lim2; off2++ {
				m.y.setChanged(m.rindex2[off2], true)
			}
			return
		case off2 == lim2:
			for ; off1 < lim1; off1++ {
				m.x.setChanged(m.rindex1[off1], true)
			}
			return
		}
		i1, i2, minLo, minHi := m.split(off1, lim1, off2, lim2, needMin)
		m.compare(off1, i1, off2, i2, minLo)
		off1, off2, needMin = i1, i2, minHi // and the upper box, without recursing
	}
}

// split finds where to cut the box: the middle snake of an optimal path,
// or, once the search is expensive, a point on a good snake or the
// furthest-reaching one. minLo and minHi say whether the two halves must
// then be diffed minimally.
func (m *myers) split(off1, lim1, off2, lim2 int, needMin bool) (i1, i2 int, minLo, minHi bool) {
	ha1, ha2, fwd, bwd, z := m.ha1, m.ha2, m.fwd, m.bwd, m.zero
	dmin, dmax := off1-lim2, lim1-off2
	fmid, bmid := off1-off2, lim1-lim2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid
	fwd[z+fmid] = off1
	bwd[z+bmid] = lim1

	for ec := 1; ; ec++ {
		gotSnake := false
		if m.budget > 0 {
			m.work += fmax - fmin + bmax - bmin + 2
			if m.work > m.budget {
				m.over = true
				return off1, off2, false, false // any cut: compare stops
			}
		}

		// Widen the forward diagonals by one each way, or narrow them
		// where they would leave the box; the diagonal just outside
		// reads as unreachable.
		if fmin > dmin {
			fmin--
			fwd[z+fmin-1] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fwd[z+fmax+1] = -1
		} else {
			fmax--
		}
		for d := fmax; d >= fmin; d -= 2 {
			if fwd[z+d-1] >= fwd[z+d+1] {
				i1 = fwd[z+d-1] + 1
			} else {
				i1 = fwd[z+d+1]
			}
			start := i1
			i2 = i1 - d
			for i1 < lim1 && i2 < lim2 && ha1[i1] == ha2[i2] {
				i1++
				i2++
			}
			if i1-start > snakeCnt {
				gotSnake = true
			}
			fwd[z+d] = i1
			if odd && bmin <= d && d <= bmax && bwd[z+d] <= i1 {
				return i1, i2, true, true
			}
		}

		if bmin > dmin {
			bmin--
			bwd[z+bmin-1] = lineMax
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bwd[z+bmax+1] = lineMax
		} else {
			bmax--
		}
		for d := bmax; d >= bmin; d -= 2 {
			if bwd[z+d-1] < bwd[z+d+1] {
				i1 = bwd[z+d-1]
			} else {
				i1 = bwd[z+d+1] - 1
			}
			start := i1
			i2 = i1 - d
			for i1 > off1 && i2 > off2 && ha1[i1-1] == ha2[i2-1] {
				i1--
				i2--
			}
			if start-i1 > snakeCnt {
				gotSnake = true
			}
			bwd[z+d] = i1
			if !odd && fmin <= d && d <= fmax && i1 <= fwd[z+d] {
				return i1, i2, true, true
			}
		}

		if needMin {
			continue
		}

		// Past the heuristic's cost, take a diagonal that went far
		// (measured from its corner, less its distance from the middle
		// diagonal) and ends in a good snake.
		if gotSnake && ec > heurMinCost {
			best, b1, b2 := 0, 0, 0
			for d := fmax; d >= fmin; d -= 2 {
				dd := abs(d - fmid)
				j1 := fwd[z+d]
				j2 := j1 - d
				v := (j1 - off1) + (j2 - off2) - dd
				if v > kHeur*ec && v > best &&
					off1+snakeCnt <= j1 && j1 < lim1 &&
					off2+snakeCnt <= j2 && j2 < lim2 {
					for k := 1; ha1[j1-k] == ha2[j2-k]; k++ {
						if k == snakeCnt {
							best, b1, b2 = v, j1, j2
							break
						}
					}
				}
			}
			if best > 0 {
				return b1, b2, true, false
			}
			best = 0
			for d := bmax; d >= bmin; d -= 2 {
				dd := abs(d - bmid)
				j1 := bwd[z+d]
				j2 := j1 - d
				v := (lim1 - j1) + (lim2 - j2) - dd
				if v > kHeur*ec && v > best &&
					off1 < j1 && j1 <= lim1-snakeCnt &&
					off2 < j2 && j2 <= lim2-snakeCnt {
					for k := 0; ha1[j1+k] == ha2[j2+k]; k++ {
						if k == snakeCnt-1 {
							best, b1, b2 = v, j1, j2
							break
						}
					}
				}
			}
			if best > 0 {
				return b1, b2, false, true
			}
		}

		// Enough: cut at the furthest-reaching point, forward or back.
		if ec >= m.mxcost {
			fbest, fbest1 := -1, -1
			for d := fmax; d >= fmin; d -= 2 {
				j1 := min(fwd[z+d], lim1)
				j2 := j1 - d
				if lim2 < j2 {
					j1, j2 = lim2+d, lim2
				}
				if fbest < j1+j2 {
					fbest, fbest1 = j1+j2, j1
				}
			}
			bbest, bbest1 := lineMax, lineMax
			for d := bmax; d >= bmin; d -= 2 {
				j1 := max(off1, bwd[z+d])
				j2 := j1 - d
				if j2 < off2 {
					j1, j2 = off2+d, off2
				}
				if j1+j2 < bbest {
					bbest, bbest1 = j1+j2, j1
				}
			}
			if (lim1+lim2)-bbest < fbest-(off1+off2) {
				return fbest1, fbest - fbest1, true, false
			}
			return bbest1, bbest - bbest1, false, true
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// script collects the changed lines of x and y into edits.
func script(x, y *side) []Edit {
	var edits []Edit
	i1, i2 := 0, 0
	for i1 < x.n() || i2 < y.n() {
		if !x.changed(i1) && !y.changed(i2) {
			i1++
			i2++
			continue
		}
		e := Edit{Old: i1, New: i2}
		for x.changed(i1) {
			i1++
		}
		for y.changed(i2) {
			i2++
		}
		e.Del, e.Ins = i1-e.Old, i2-e.New
		edits = append(edits, e)
	}
	return edits
}
