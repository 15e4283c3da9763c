package branches

import (
	"sync"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

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
// submodule or larger than git diffs: then the sum proves nothing. The
// commit cache keeps sums.
func (r *Repo) LineSum(commit string) (sum uint64, ok bool, err error) {
	cc := r.cache()
	if cc != nil {
		if e, found := cc.entry(commit); found && e.LineSumV == lineSumVersion {
			return e.LineSum, e.LineSumOK, nil
		}
	}
	sum, ok, err = r.lineSum(commit)
	if err == nil && cc != nil {
		cc.putLineSum(commit, sum, ok)
	}
	return sum, ok, err
}

// lineSumVersion names how LineHash hashes: sums kept in the commit cache
// under another version are computed again.
const lineSumVersion = 1

func (r *Repo) lineSum(commit string) (sum uint64, ok bool, err error) {
	changes, err := r.commitChanges(commit)
	if err != nil {
		return 0, false, err
	}
	for _, ch := range changes {
		if isSubmodule(ch.from.Mode) || isSubmodule(ch.to.Mode) {
			return 0, false, nil
		}
	}
	for _, ch := range changes {
		d, ok, err := r.changeSum(ch)
		if err != nil || !ok {
			return 0, false, err
		}
		sum += d
	}
	return sum, true, nil
}

// changeSum is one changed file's part of a line sum: its new content's
// sum less its old content's. A large file changed in a few places is
// summed over the lines between the lines both versions begin and end
// with (the others cancel out), which costs a comparison, not a hash.
func (r *Repo) changeSum(ch fileChange) (uint64, bool, error) {
	if ch.from.Mode != 0 && ch.to.Mode != 0 {
		if a, b, ok := r.knownSums(ch.from.Hash, ch.to.Hash); ok {
			return b - a, true, nil
		}
		old, okOld, err := r.textBlob(ch.from.Hash)
		if err != nil || !okOld {
			return 0, false, err
		}
		now, okNew, err := r.textBlob(ch.to.Hash)
		if err != nil || !okNew {
			return 0, false, err
		}
		a, b := middles(old, now)
		if 2*(len(a)+len(b)) < len(old)+len(now) {
			return sumLines(b) - sumLines(a), true, nil
		}
	}
	var sum uint64
	for k, e := range []object.TreeEntry{ch.from, ch.to} {
		if e.Mode == 0 {
			continue
		}
		s, ok, err := r.blobLineSum(e.Hash)
		if err != nil || !ok {
			return 0, false, err
		}
		if k == 0 {
			sum -= s
		} else {
			sum += s
		}
	}
	return sum, true, nil
}

// knownSums returns the line sums of two blobs when both are known.
func (r *Repo) knownSums(a, b plumbing.Hash) (uint64, uint64, bool) {
	r.sums.Lock()
	defer r.sums.Unlock()
	sa, okA := r.sums.m[a]
	sb, okB := r.sums.m[b]
	return sa.sum, sb.sum, okA && okB && sa.text && sb.text
}

// textBlob reads a blob; false when it is binary or larger than git diffs.
func (r *Repo) textBlob(id plumbing.Hash) ([]byte, bool, error) {
	data, size, err := r.blob(id, bigFileBytes)
	if err != nil || size > bigFileBytes || xdiff.IsBinary(data) {
		return nil, false, err
	}
	return data, true, nil
}

// middles returns what is left of a and b without the whole lines they
// both begin with and both end with (xdiff.Middles).
func middles(a, b []byte) ([]byte, []byte) {
	// The strings alias the read-only blobs, as fill's lines do.
	head, tail := xdiff.Middles(unsafe.String(unsafe.SliceData(a), len(a)), unsafe.String(unsafe.SliceData(b), len(b)))
	return a[head : len(a)-tail], b[head : len(b)-tail]
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
		data, ok, err := r.textBlob(id)
		if err != nil {
			return 0, false, err
		}
		if ok {
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
// bytes but the whitespace patch-ids ignore (space, tab, CR, LF), by
// FNV-1a and a finalizer: fixed, so that the commit cache keeps sums
// (change lineSumVersion with it).
func LineHash(line string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			h = (h ^ uint64(c)) * fnvPrime
		}
	}
	return mix(h)
}

// sumLines is the sum of LineHash over the lines of data, each ending
// after a newline or at the end.
func sumLines(data []byte) uint64 {
	var sum uint64
	h, open := uint64(fnvOffset), false
	for _, c := range data {
		switch c {
		case '\n':
			sum += mix(h)
			h, open = fnvOffset, false
		case ' ', '\t', '\r':
			open = true
		default:
			h = (h ^ uint64(c)) * fnvPrime
			open = true
		}
	}
	if open {
		sum += mix(h)
	}
	return sum
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix spreads FNV's bits (splitmix64's finalizer), so that sums of
// hashes of similar lines do not cancel.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}
