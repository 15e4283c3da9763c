package branches

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tiered-release/tiered/branches/internal/xdiff"
)

// LineSum fingerprints what commit changes against its first parent
// without diffing it: over the files it changes, the sum of a hash of
// each line of the new content, whitespace removed, minus the same over
// the old content. Lines a diff keeps as context cancel out, so the sum
// is that of the lines the patch adds less those it removes, whichever
// hunks a diff chooses. Two commits with one `git patch-id --stable` add
// and remove the same lines, so they have one sum: unequal sums prove
// unequal patch-ids. ok is false when a changed file is binary, a
// submodule or larger than git diffs: then the sum proves nothing.
func (r *Repo) LineSum(commit string) (sum uint64, ok bool, err error) {
	tree, parentTree, err := r.treeAndParentTree(commit)
	if err != nil {
		return 0, false, err
	}
	changes, err := r.diffTrees(parentTree, tree, "", nil)
	if err != nil {
		return 0, false, fmt.Errorf("diff %s: %w", Short(commit), err)
	}
	for _, ch := range changes {
		if isSubmodule(ch.from.Mode) || isSubmodule(ch.to.Mode) {
			return 0, false, nil
		}
		for k, e := range [2]struct {
			mode bool
			id   plumbing.Hash
		}{{ch.from.Mode != 0, ch.from.Hash}, {ch.to.Mode != 0, ch.to.Hash}} {
			if !e.mode {
				continue
			}
			s, ok, err := r.blobLineSum(e.id)
			if err != nil || !ok {
				return 0, false, err
			}
			if k == 0 {
				sum -= s
			} else {
				sum += s
			}
		}
	}
	return sum, true, nil
}

// lineSums remembers blobs' line sums: a file's new blob in one commit is
// its old blob in the next that changes it.
type lineSums struct {
	sync.Mutex
	m map[plumbing.Hash]blobSum
}

type blobSum struct {
	sum  uint64
	text bool
}

// blobLineSum is the sum of the hashes of a blob's lines; false for a
// binary blob or one larger than git diffs.
func (r *Repo) blobLineSum(id plumbing.Hash) (uint64, bool, error) {
	r.sums.Lock()
	s, ok := r.sums.m[id]
	r.sums.Unlock()
	if ok {
		return s.sum, s.text, nil
	}
	if lines, ok := r.texts.get(id); ok {
		s = blobSum{text: true}
		for _, l := range lines {
			s.sum += LineHash(l)
		}
	} else {
		data, size, err := r.blob(id, bigFileBytes)
		if err != nil {
			return 0, false, err
		}
		if size <= bigFileBytes && !xdiff.IsBinary(data) {
			s = blobSum{sum: sumLines(data), text: true}
		}
	}
	r.sums.Lock()
	if r.sums.m == nil || len(r.sums.m) >= 1<<20 {
		r.sums.m = map[plumbing.Hash]blobSum{}
	}
	r.sums.m[id] = s
	r.sums.Unlock()
	return s.sum, s.text, nil
}

// LineHash hashes a line of a file or of a patch without its sign: its
// bytes but the whitespace patch-ids ignore (space, tab, CR, LF). The
// hash is this process's own (a seed of its own): sums are compared
// within one run, never stored.
func LineHash(line string) uint64 {
	buf := make([]byte, len(line))
	j := 0
	for i := 0; i < len(line); i++ {
		buf[j] = line[i]
		j += int(keep[line[i]])
	}
	return maphash.Bytes(lineSeed, buf[:j])
}

// sumLines is the sum of LineHash over the lines of data, each ending
// after a newline or at the end.
func sumLines(data []byte) uint64 {
	var sum uint64
	var buf []byte
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		line := data
		if end >= 0 {
			line, data = data[:end], data[end+1:]
		} else {
			data = nil
		}
		if cap(buf) < len(line) {
			buf = make([]byte, len(line)+64)
		}
		buf = buf[:len(line)]
		j := 0
		for _, c := range line {
			buf[j] = c
			j += int(keep[c])
		}
		sum += maphash.Bytes(lineSeed, buf[:j])
	}
	return sum
}

var lineSeed = maphash.MakeSeed()

// keep is 1 for the bytes a line hash takes, 0 for whitespace.
var keep = func() (k [256]uint8) {
	for i := range k {
		k[i] = 1
	}
	for _, c := range " \t\n\r" {
		k[c] = 0
	}
	return k
}()
