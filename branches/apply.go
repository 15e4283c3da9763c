package branches

// FailingHunks returns the indexes of the hunks of f whose pre-image is
// not in content as a contiguous block, and the pre-image lines content
// lacks (all of a hunk's when each line is there but not together): what
// [FilePatch.Applies] reports, hunk by hunk. content is split once.
func (f FilePatch) FailingHunks(content []byte) (failing []int, missing []string) {
	have := splitLines(string(content))
	if len(content) == 0 {
		have = nil
	}
	var set map[string]bool // the file's lines, built at the first failing hunk
	for i, h := range f.Hunks {
		pre := h.PreImage()
		if len(pre) == 0 || containsBlock(have, pre) {
			continue
		}
		if set == nil {
			set = make(map[string]bool, len(have))
			for _, l := range have {
				set[l] = true
			}
		}
		failing = append(failing, i)
		n := len(missing)
		for _, l := range pre {
			if !set[l] {
				missing = append(missing, l)
			}
		}
		if len(missing) == n {
			missing = append(missing, pre...) // all there, but not together
		}
	}
	return failing, missing
}
