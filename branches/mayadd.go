package branches

import (
	"hash/fnv"
	"slices"
	"strings"
)

// MayAddLines reports whether commit's change of paths may add one of
// lines (as [Hunk.Added] gives them) or create or delete one of paths:
// false only when that is certain without reading its patch. A search
// for the commit that introduced a line walks back over every earlier
// commit of the file, and most add none of the lines it looks for.
//
// It is certain when each of the files among paths that commit changes
// was diffed alone before: [Repo.PatchOf] keeps such parts in the patch
// cache only for files a commit modifies (neither adds, deletes nor
// retypes), and with each the hashes of the lines it adds. A line whose hash none of them
// has is added by none (a hash shared by two lines only answers true).
func (r *Repo) MayAddLines(commit string, paths, lines []string) (bool, error) {
	changed, err := r.ChangedPaths(commit)
	if err != nil {
		return false, err
	}
	cc := r.cache()
	for _, p := range changed {
		if !slices.Contains(paths, p) {
			continue
		}
		if cc == nil {
			return true, nil
		}
		ref, ok := cc.partRef(commit, p)
		if !ok || !ref.HasAdded {
			return true, nil
		}
		for _, l := range lines {
			if _, found := slices.BinarySearch(ref.Added, addedHash(l)); found {
				return true, nil
			}
		}
	}
	return false, nil // no part of it changes paths, or adds the lines
}

// addedHashes returns the sorted hashes of the lines f adds.
func addedHashes(f FilePatch) []uint32 {
	var out []uint32
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l[0] == '+' {
				out = append(out, addedHash(l[1:]))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// addedHash hashes a line as Hunk.Added gives it (FNV-1a; a trailing
// newline is not part of it).
func addedHash(l string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(strings.TrimSuffix(l, "\n")))
	return h.Sum32()
}
