package branches

// Text is a file's content split into lines, with where each line is: a
// patch's pre-images are found in it without scanning the file once per
// hunk. Build it once per file version with [NewText] and reuse it.
type Text struct {
	lines []string
	at    map[string][]int32 // line → its positions; built when first asked
}

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
	t.at = make(map[string][]int32, len(t.lines))
	for i, l := range t.lines {
		t.at[l] = append(t.at[l], int32(i))
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
		if len(t.at[l]) < len(rare) {
			rare, k = t.at[l], j+1
		}
	}
outer:
	for _, p := range rare {
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
