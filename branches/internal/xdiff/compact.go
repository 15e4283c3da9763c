package xdiff

// Tuning of git's indent heuristic.
const (
	maxIndent     = 200 // indents are clamped here
	maxBlanks     = 20  // runs of blank lines are counted up to here
	maxSliding    = 100 // how far back the heuristic looks
	unknownIndent = -2  // not yet computed
)

// A group is a run of changed lines in one side, x.lines[start:end]; an
// empty group (start == end) sits above line start. Between any two
// unchanged lines there is a group, usually empty. Walking the groups of
// both sides in step keeps them in correspondence: the k-th group of one
// side is replaced by the k-th group of the other.
type group struct{ start, end int }

func firstGroup(s *side) group {
	g := group{}
	for s.changed(g.end) {
		g.end++
	}
	return g
}

// next moves g to the next group; it reports false at the end of the file.
func (s *side) next(g *group) bool {
	if g.end == s.n() {
		return false
	}
	g.start = g.end + 1
	g.end = g.start
	for s.changed(g.end) {
		g.end++
	}
	return true
}

// previous moves g to the previous group; it reports false at the start.
func (s *side) previous(g *group) bool {
	if g.start == 0 {
		return false
	}
	g.end = g.start - 1
	g.start = g.end
	for s.changed(g.start - 1) {
		g.start--
	}
	return true
}

// slideDown moves g one line down if its first line equals the line after
// it, merging with a group it then touches; it reports whether it moved.
func (s *side) slideDown(g *group) bool {
	s.reach[1] = max(s.reach[1], g.end)
	if g.end >= s.n() || !s.same(g.start, g.end) {
		return false
	}
	s.setChanged(g.start, false)
	s.setChanged(g.end, true)
	g.start++
	g.end++
	for s.changed(g.end) {
		g.end++
	}
	return true
}

// slideUp moves g one line up if its last line equals the line before it,
// merging with a group it then touches; it reports whether it moved.
func (s *side) slideUp(g *group) bool {
	s.reach[0] = min(s.reach[0], g.start)
	if g.start == 0 || !s.same(g.start-1, g.end-1) {
		return false
	}
	g.start--
	g.end--
	s.setChanged(g.start, true)
	s.setChanged(g.end, false)
	for s.changed(g.start - 1) {
		g.start--
	}
	return true
}

// mustStep panics when the groups of the two sides fall out of step,
// which would be a bug here, never a property of the input.
func mustStep(ok bool) {
	if !ok {
		panic("xdiff: change groups out of step")
	}
}

// compact slides each group of changed lines of x, keeping o (the other
// side) in step: as far up and down as equal lines allow, merging groups
// that meet; then it settles the group against a group of changes in o
// when one lines up, or else where the indent heuristic likes it best.
func compact(x, o *side) {
	g, gOther := firstGroup(x), firstGroup(o)
	for {
		if g.end != g.start {
			var size, earliestEnd int
			for {
				size = g.end - g.start
				endMatchingOther := -1

				for x.slideUp(&g) {
					mustStep(o.previous(&gOther))
				}
				earliestEnd = g.end
				if gOther.end > gOther.start {
					endMatchingOther = g.end
				}
				for x.slideDown(&g) {
					mustStep(o.next(&gOther))
					if gOther.end > gOther.start {
						endMatchingOther = g.end
					}
				}
				if size == g.end-g.start {
					// The group no longer grows: place it.
					switch {
					case g.end == earliestEnd:
						// It cannot move.
					case endMatchingOther != -1:
						// Line it up with the last change of o it can meet.
						for gOther.end == gOther.start {
							mustStep(x.slideUp(&g))
							mustStep(o.previous(&gOther))
						}
					default:
						best := bestShift(x, g, size, earliestEnd)
						for g.end > best {
							mustStep(x.slideUp(&g))
							mustStep(o.previous(&gOther))
						}
					}
					break
				}
			}
		}
		if !x.next(&g) {
			break
		}
		mustStep(o.next(&gOther))
	}
	if o.next(&gOther) {
		panic("xdiff: change groups out of step at the end")
	}
}

// bestShift returns the end the indent heuristic picks for the group g of
// size lines, slid down as far as it goes, whose highest end is
// earliestEnd: the one whose two splits (above and below the group) score
// best, the lowest on a tie.
func bestShift(x *side, g group, size, earliestEnd int) int {
	shift := max(earliestEnd, g.end-size-1, g.end-maxSliding)
	best := -1
	var bestScore splitScore
	for ; shift <= g.end; shift++ {
		var score splitScore
		score.add(x.measure(shift))
		score.add(x.measure(shift - size))
		if best == -1 || score.cmp(bestScore) <= 0 {
			best, bestScore = shift, score
		}
	}
	return best
}

// indentOf returns the indent of line i (a tab advances to the next
// multiple of 8), -1 for a line of white space only, at most maxIndent.
func (s *side) indentOf(i int) int {
	if s.indent == nil {
		s.indent = grow(&s.sc.indent[s.k], s.n())
		for k := range s.indent {
			s.indent[k] = unknownIndent
		}
	}
	if n := s.indent[i]; n != unknownIndent {
		return n
	}
	n := -1
	l := s.lines[i]
	ret := 0
	for k := 0; k < len(l); k++ {
		c := l[k]
		if !isSpace(c) {
			n = ret
			break
		}
		if c == ' ' {
			ret++
		} else if c == '\t' {
			ret += 8 - ret%8
		}
		if ret >= maxIndent {
			n = maxIndent
			break
		}
	}
	s.indent[i] = n
	return n
}

// isSpace is git's isspace: space, tab, newline and carriage return.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// splitMeasure describes the place above line split, for the indent
// heuristic.
type splitMeasure struct {
	endOfFile  bool // the split is at the end of the file
	indent     int  // of the line after the split; -1 if blank
	preBlank   int  // blank lines right above the split
	preIndent  int  // of the nearest non-blank line above; -1 if none
	postBlank  int  // blank lines after the line after the split
	postIndent int  // of the nearest non-blank line below those; -1 if none
}

func (s *side) measure(split int) splitMeasure {
	var m splitMeasure
	if split >= s.n() {
		m.endOfFile = true
		m.indent = -1
	} else {
		m.indent = s.indentOf(split)
	}
	m.preIndent = -1
	for i := split - 1; i >= 0; i-- {
		m.preIndent = s.indentOf(i)
		if m.preIndent != -1 {
			break
		}
		m.preBlank++
		if m.preBlank == maxBlanks {
			m.preIndent = 0
			break
		}
	}
	m.postIndent = -1
	for i := split + 1; i < s.n(); i++ {
		m.postIndent = s.indentOf(i)
		if m.postIndent != -1 {
			break
		}
		m.postBlank++
		if m.postBlank == maxBlanks {
			m.postIndent = 0
			break
		}
	}
	return m
}

// The indent heuristic's weights, git's (found empirically by Michael
// Haggerty's diff-slider-tools); larger is a worse place to split.
const (
	startOfFilePenalty             = 1
	endOfFilePenalty               = 21
	totalBlankWeight               = -30
	postBlankWeight                = 6
	relativeIndentPenalty          = -4
	relativeIndentWithBlankPenalty = 10
	relativeOutdentPenalty         = 24
	relativeOutdentWithBlank       = 17
	relativeDedentPenalty          = 23
	relativeDedentWithBlank        = 17
	indentWeight                   = 60
)

// splitScore is the badness of a pair of splits; smaller is better.
type splitScore struct {
	effectiveIndent int
	penalty         int
}

func (s *splitScore) add(m splitMeasure) {
	if m.preIndent == -1 && m.preBlank == 0 {
		s.penalty += startOfFilePenalty
	}
	if m.endOfFile {
		s.penalty += endOfFilePenalty
	}
	postBlank := 0
	if m.indent == -1 {
		postBlank = 1 + m.postBlank
	}
	totalBlank := m.preBlank + postBlank
	s.penalty += totalBlankWeight * totalBlank
	s.penalty += postBlankWeight * postBlank
	indent := m.indent
	if indent == -1 {
		indent = m.postIndent
	}
	anyBlanks := totalBlank != 0
	s.effectiveIndent += indent
	switch {
	case indent == -1, m.preIndent == -1, indent == m.preIndent:
	case indent > m.preIndent:
		s.penalty += pick(anyBlanks, relativeIndentWithBlankPenalty, relativeIndentPenalty)
	case m.postIndent != -1 && m.postIndent > indent:
		// Less indented than the line above and more below: likely
		// the start of a block.
		s.penalty += pick(anyBlanks, relativeOutdentWithBlank, relativeOutdentPenalty)
	default:
		// Likely the end of a block.
		s.penalty += pick(anyBlanks, relativeDedentWithBlank, relativeDedentPenalty)
	}
}

func pick(c bool, yes, no int) int {
	if c {
		return yes
	}
	return no
}

// cmp compares s with t: negative if s is better.
func (s splitScore) cmp(t splitScore) int {
	c := 0
	if s.effectiveIndent > t.effectiveIndent {
		c = 1
	} else if s.effectiveIndent < t.effectiveIndent {
		c = -1
	}
	return indentWeight*c + (s.penalty - t.penalty)
}
