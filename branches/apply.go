package branches

// Text is a file's content split into lines, with where each line is: a
// patch's pre-images are found in it without scanning the file once per
// hunk. Build it once per file version with [NewText] and reuse it.
type Text struct {
	lines []string
	// at and next index the lines when first asked: where each line is
	// first and how often it occurs, and for each line the next equal
	// one (-1 after the last). A slice of positions per line made the
	// texts of a util-linux plan's target files (1 MB translation
	// catalogs) 80 MB of small objects for the collector to walk.
	at   map[string]lineRun
	next []int32
}

// lineRun is where a line of a Text first occurs, and how often it does.
type lineRun struct{ first, n int32 }

// NewText splits content into lines.
func NewText(content []byte) *Text {
	t := &Text{}
	if len(content) > 0 {
		t.lines = splitLines(string(content))
	}
	return t
}

// index builds the positions of every line, once.
func (t *Text) index() {
	if t.at != nil {
		return
	}
	t.at = make(map[string]lineRun, len(t.lines))
	t.next = make([]int32, len(t.lines))
	for i := len(t.lines) - 1; i >= 0; i-- {
		r, ok := t.at[t.lines[i]]
		if !ok {
			r.first = -1
		}
		t.next[i], r.first = r.first, int32(i)
		r.n++
		t.at[t.lines[i]] = r
	}
}

// contains reports whether block is in t as a contiguous block: it tries
// only where the block's rarest line is.
func (t *Text) contains(block []string) bool {
	if len(block) > len(t.lines) {
		return false
	}
	t.index()
	rare, k := t.at[block[0]], 0
	for j, l := range block[1:] {
		if r := t.at[l]; r.n < rare.n {
			rare, k = r, j+1
		}
	}
	if rare.n == 0 {
		return false // a line of it is nowhere
	}
outer:
	for p := rare.first; p >= 0; p = t.next[p] {
		start := int(p) - k
		if start < 0 || start+len(block) > len(t.lines) {
			continue
		}
		for j, l := range block {
			if t.lines[start+j] != l {
				continue outer
			}
		}
		return true
	}
	return false
}

// FailingHunks returns the indexes of the hunks of f whose pre-image is
// not in content as a contiguous block, and the pre-image lines content
// lacks (all of a hunk's when each line is there but not together): what
// [FilePatch.Applies] reports, hunk by hunk.
func (f FilePatch) FailingHunks(content []byte) (failing []int, missing []string) {
	return f.FailingHunksIn(NewText(content))
}

// FailingHunksIn is [FilePatch.FailingHunks] over a file already split.
func (f FilePatch) FailingHunksIn(t *Text) (failing []int, missing []string) {
	for i, h := range f.Hunks {
		pre := h.PreImage()
		if len(pre) == 0 || t.contains(pre) {
			continue
		}
		t.index()
		failing = append(failing, i)
		n := len(missing)
		for _, l := range pre {
			if _, ok := t.at[l]; !ok {
				missing = append(missing, l)
			}
		}
		if len(missing) == n {
			missing = append(missing, pre...) // all there, but not together
		}
	}
	return failing, missing
}
