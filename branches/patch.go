package branches

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tiered-release/tiered/branches/internal/xdiff"
)

// contextLines is git's default diff context.
const contextLines = 3

// bigFileBytes is git's core.bigFileThreshold default: git diffs larger
// files as binary, and so does Patch (hashed by blob id). Below it a file
// costs a line diff over interned lines: the largest vmlinux.h
// regeneration in libbpf's history (3.4 MB to 2.1 MB, 230,000 lines
// changed) takes under a second, where the character diff this replaced
// took minutes (see also BenchmarkPatchLargeFile).
const bigFileBytes = 512 << 20

// Patch is a commit's change against its first parent, as unified-diff
// hunks with git's default three lines of context: the patch `git show`
// prints, renames detected.
type Patch struct {
	Commit string
	Files  []FilePatch // in the order git diff prints them: by path (a rename by its new path)

	id atomic.Pointer[string] // the patch-id, once computed or read
}

// FilePatch is the change of one file. An added file has OldPath "", a
// deleted one NewPath "". A renamed file has both paths, and Similarity
// holds git's "similarity index" of the two versions, in percent; its
// hunks turn the old content into the new one. A file whose type changes
// (a regular file becomes a symlink, say) is a deletion and an addition.
type FilePatch struct {
	OldPath, NewPath string
	OldMode, NewMode uint32 // 0 when absent
	Binary           bool   // binary content, a submodule, or a file over 512 MiB: no hunks
	OldID, NewID     string // blob ids ("" when absent)
	Similarity       int    // of a rename, in percent
	Hunks            []Hunk
}

// Path returns the file's path after the change, or before it if deleted.
func (f FilePatch) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// Hunk is one hunk: lines prefixed with ' ', '-' or '+', removals of a
// change before its additions, as git prints them.
type Hunk struct {
	OldStart int // 1-based line of the first pre-image line
	Lines    []string
}

// PreImage returns the lines the hunk expects to find: context and removed.
func (h Hunk) PreImage() []string {
	var out []string
	for _, l := range h.Lines {
		if l[0] == ' ' || l[0] == '-' {
			out = append(out, l[1:])
		}
	}
	return out
}

// Added returns the lines the hunk adds.
func (h Hunk) Added() []string {
	var out []string
	for _, l := range h.Lines {
		if l[0] == '+' {
			out = append(out, l[1:])
		}
	}
	return out
}

// Patch computes the change commit makes against its first parent (against
// nothing for a root commit) as `git show` does by default: git's line
// diff, and renames detected as diff.renames=true detects them. Results
// are cached.
func (r *Repo) Patch(commit string) (*Patch, error) {
	return r.PatchWithin(commit, 0)
}

// CostlyError is the error of [Repo.PatchWithin] for a patch whose line
// diff would take more work than allowed: the commit and the file.
type CostlyError struct {
	Commit, Path string
}

func (e *CostlyError) Error() string {
	return fmt.Sprintf("diff %s at %s: line diff over its work budget", e.Path, Short(e.Commit))
}

// errCostly is a file's diff over its budget.
var errCostly = errors.New("line diff over its work budget")

// PatchWithin is [Repo.Patch] for a caller that can do without a patch
// whose line diff is costly, as a generated file of megabytes rewritten
// (libbpf's CI vmlinux.h: 100,000 lines reordered, a third of a second to
// diff, as for git log -p): when one file's diff has visited more than
// work diagonals of Myers' search (about a nanosecond each; 0 is no
// limit), it stops and returns a [*CostlyError]. A patch it
// returns is the one Patch returns, and is kept as Patch keeps it.
func (r *Repo) PatchWithin(commit string, work int) (*Patch, error) {
	if p, ok := r.knownPatch(commit); ok {
		return p, nil
	}
	cc := r.cache()
	p, err := r.diff(commit, work)
	if err != nil {
		return nil, err
	}
	if cc != nil {
		cc.writePatch(p)
	}
	r.patches.put(commit, p)
	return p, nil
}

// diff computes commit's patch.
func (r *Repo) diff(commit string, work int) (*Patch, error) {
	changes, err := r.commitChanges(commit)
	if err != nil {
		return nil, err
	}
	// In git's order (by path, as commitChanges gives them); a file whose
	// type changes is a deletion followed by an addition, neither of them
	// a rename candidate.
	var pairs []filePair
	for _, ch := range changes {
		if ch.from.Mode != 0 && ch.to.Mode != 0 && typeOf(ch.from.Mode) != typeOf(ch.to.Mode) {
			pairs = append(pairs,
				filePair{path: ch.path, from: ch.from, typeChange: true},
				filePair{path: ch.path, to: ch.to, typeChange: true})
			continue
		}
		pairs = append(pairs, filePair{path: ch.path, from: ch.from, to: ch.to})
	}
	blobs := newBlobReader(r)
	blobs.work = work
	if err := detectRenames(pairs, blobs); err != nil {
		return nil, fmt.Errorf("detect renames in %s: %w", Short(commit), err)
	}
	p := &Patch{Commit: commit}
	for _, fp := range pairs {
		if fp.renamedAway {
			continue
		}
		f := FilePatch{}
		oldPath := fp.path
		if fp.renameFrom >= 0 {
			src := pairs[fp.renameFrom]
			fp.from, oldPath = src.from, src.path
			f.Similarity = fp.score * 100 / xdiff.MaxScore
		}
		if fp.from.Mode != 0 {
			f.OldPath, f.OldMode, f.OldID = oldPath, uint32(fp.from.Mode), fp.from.Hash.String()
		}
		if fp.to.Mode != 0 {
			f.NewPath, f.NewMode, f.NewID = fp.path, uint32(fp.to.Mode), fp.to.Hash.String()
		}
		if fp.renameFrom < 0 && !fp.typeChange && fp.from.Mode != 0 && fp.to.Mode != 0 {
			// A file the commit modifies is no part of a rename: its
			// change is the one PatchOf may have diffed alone already.
			if part, ok := r.part(commit, fp.path); ok {
				p.Files = append(p.Files, part)
				continue
			}
		}
		if err := blobs.fill(&f, fp.from, fp.to); err == errCostly {
			return nil, &CostlyError{Commit: commit, Path: fp.path}
		} else if err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", fp.path, Short(commit), err)
		}
		p.Files = append(p.Files, f)
	}
	return p, nil
}

// filePair is one entry of git's diff queue: a change of one path, or,
// once renames are detected, a rename.
type filePair struct {
	path       string
	from, to   object.TreeEntry // a zero side is absent
	typeChange bool             // half of a type change: never renamed

	renameFrom  int  // for a rename's destination: index of its source; -1 if none
	renamedAway bool // a deletion whose file was renamed
	score       int  // of the rename, out of xdiff.MaxScore
}

// typeOf is the file type bits of a mode (S_IFMT).
func typeOf(m filemode.FileMode) uint32 { return uint32(m) & 0o170000 }

func isRegular(m filemode.FileMode) bool { return typeOf(m) == 0o100000 }

func isSubmodule(m filemode.FileMode) bool { return m == filemode.Submodule }

// blobReader reads blobs for one patch, each once.
type blobReader struct {
	r    *Repo
	data map[plumbing.Hash][]byte
	size map[plumbing.Hash]int64
	work int // the work one file's line diff may take; 0: any
}

func newBlobReader(r *Repo) *blobReader {
	return &blobReader{r: r, data: map[plumbing.Hash][]byte{}, size: map[plumbing.Hash]int64{}}
}

// read returns a blob's content, or nil if it is larger than git diffs,
// and its size.
func (b *blobReader) read(h plumbing.Hash) ([]byte, int64, error) {
	if d, ok := b.data[h]; ok {
		return d, int64(len(d)), nil
	}
	if n, ok := b.size[h]; ok && n > bigFileBytes {
		return nil, n, nil
	}
	d, n, err := b.r.blob(h, bigFileBytes)
	if err != nil {
		return nil, 0, err
	}
	b.size[h] = n
	if n > bigFileBytes {
		return nil, n, nil
	}
	b.data[h] = d
	return d, n, nil
}

// sizeOf returns a blob's size without reading it.
func (b *blobReader) sizeOf(h plumbing.Hash) (int64, error) {
	if n, ok := b.size[h]; ok {
		return n, nil
	}
	n, err := b.r.r.Storer.EncodedObjectSize(h)
	if err != nil {
		return 0, err
	}
	b.size[h] = n
	return n, nil
}

// fill sets f's hunks, or Binary, from the two sides' contents.
func (b *blobReader) fill(f *FilePatch, from, to object.TreeEntry) error {
	if isSubmodule(from.Mode) || isSubmodule(to.Mode) {
		f.Binary = true
		return nil
	}
	if ok, err := b.fillWindow(f, from, to); ok || err != nil {
		return err
	}
	var lines [2][]string
	for k, e := range []object.TreeEntry{from, to} {
		if e.Mode == 0 {
			continue
		}
		if t, ok := b.r.texts.get(e.Hash); ok {
			lines[k] = t
			continue
		}
		data, size, err := b.read(e.Hash)
		if err != nil {
			return err
		}
		if size > bigFileBytes || xdiff.IsBinary(data) {
			f.Binary = true
			continue
		}
		// The lines alias the blob: objects read from the packs are
		// never written (the delta cache shares them), and copying a
		// large file's every revision was a tenth of a libbpf plan.
		lines[k] = xdiff.Split(unsafe.String(unsafe.SliceData(data), len(data)))
		b.r.texts.put(e.Hash, lines[k], len(data))
	}
	if !f.Binary && f.OldID != f.NewID {
		edits, ok := xdiff.DiffWithin(lines[0], lines[1], b.work)
		if !ok {
			return errCostly
		}
		f.Hunks = hunksOfEdits(lines[0], lines[1], edits, 0)
	}
	return nil
}

// fillWindow is fill for two revisions of a large text file that differ
// in a few places: only the lines around the differences are split and
// diffed (see [xdiff.Window]), for the same hunks. It reports false,
// having set nothing, when the revisions are not such or the window
// proves too narrow.
func (b *blobReader) fillWindow(f *FilePatch, from, to object.TreeEntry) (bool, error) {
	if from.Mode == 0 || to.Mode == 0 || f.OldID == f.NewID {
		return false, nil
	}
	var texts [2]string
	for k, e := range []object.TreeEntry{from, to} {
		data, size, err := b.read(e.Hash)
		if err != nil {
			return false, err
		}
		if size > bigFileBytes || xdiff.IsBinary(data) {
			return false, nil
		}
		// As in fill, the text aliases the read-only blob.
		texts[k] = unsafe.String(unsafe.SliceData(data), len(data))
	}
	w, ok := xdiff.Cut(texts[0], texts[1])
	if !ok {
		return false, nil
	}
	edits, ok, fits := w.Diff(b.work)
	switch {
	case !fits:
		return false, nil
	case !ok:
		return true, errCostly
	}
	f.Hunks = hunksOfEdits(w.A, w.B, edits, w.Head)
	return true, nil
}

// textCacheBytes bounds the split texts kept across patches: a file's
// version a commit writes is the one the next commit to change it
// starts from, so a plan's prerequisite search reads each once.
const textCacheBytes = 32 << 20

// textCache keeps the lines of recently diffed text blobs, least
// recently used out first.
type textCache struct{ lru[plumbing.Hash, []string] }

// put keeps a blob's lines; size is the blob's.
func (c *textCache) put(id plumbing.Hash, lines []string, size int) {
	size += 16 * len(lines)
	c.lru.put(id, lines, size, textCacheBytes, textCacheBytes/4)
}

// The scores of git's default rename detection, out of xdiff.MaxScore.
const (
	renameScore   = xdiff.MaxScore / 2                           // -M50%: a rename keeps half its content
	basenameScore = renameScore + (xdiff.MaxScore-renameScore)/2 // a same-basename rename keeps 75%
	renameLimit   = 1000                                         // diff.renameLimit: inexact detection only up to 1000×1000 pairs
)

// detectRenames pairs deleted files (sources) with added ones
// (destinations) as git's diffcore-rename does with git's defaults:
// identical contents first (preferring an unused source with the same
// basename), then a source and a destination whose basenames are unique
// among the rest and equal, if 75% similar, then the best remaining pairs
// at least 50% similar, each destination considering its four most
// similar sources. It marks the renames in pairs.
func detectRenames(pairs []filePair, blobs *blobReader) error {
	var srcs, dsts []int
	for i := range pairs {
		pairs[i].renameFrom = -1
		switch p := &pairs[i]; {
		case p.typeChange:
		case p.from.Mode == 0:
			dsts = append(dsts, i)
		case p.to.Mode == 0:
			srcs = append(srcs, i)
		}
	}
	if len(srcs) == 0 || len(dsts) == 0 {
		return nil
	}
	used := map[int]bool{} // sources renamed
	record := func(dst, src, score int) {
		pairs[dst].renameFrom, pairs[dst].score = src, score
		pairs[src].renamedAway = true
		used[src] = true
	}
	renamed := func(dst int) bool { return pairs[dst].renameFrom >= 0 }

	// Identical contents.
	byHash := map[plumbing.Hash][]int{} // sources by blob, in order
	for _, s := range srcs {
		byHash[pairs[s].from.Hash] = append(byHash[pairs[s].from.Hash], s)
	}
	for _, d := range dsts {
		to := pairs[d].to
		best, bestScore, tries := -1, -1, 100
		for _, s := range byHash[to.Hash] {
			from := pairs[s].from
			if used[s] || (!isRegular(from.Mode) || !isRegular(to.Mode)) && from.Mode != to.Mode {
				continue
			}
			score := 1 // unused
			if sameBasename(pairs[s].path, pairs[d].path) {
				score++
			}
			if score > bestScore {
				best, bestScore = s, score
				if score == 2 {
					break
				}
			}
			if tries--; tries == 0 {
				break // too many twins: take the best so far
			}
		}
		if best >= 0 {
			record(d, best, xdiff.MaxScore)
		}
	}
	srcs = slices.DeleteFunc(srcs, func(s int) bool { return used[s] })

	sim := similarity{blobs: blobs, spans: map[plumbing.Hash]*xdiff.Spans{}}

	// Unique basenames.
	unique := func(idx []int, skip func(int) bool) map[string]int {
		m := map[string]int{}
		for _, i := range idx {
			if skip(i) {
				continue
			}
			base := path.Base(pairs[i].path)
			if _, dup := m[base]; dup {
				m[base] = -1
			} else {
				m[base] = i
			}
		}
		return m
	}
	srcByBase := unique(srcs, func(int) bool { return false })
	dstByBase := unique(dsts, renamed)
	for _, s := range srcs {
		base := path.Base(pairs[s].path)
		d, ok := dstByBase[base]
		if !ok || d < 0 || srcByBase[base] < 0 || renamed(d) {
			continue
		}
		score, err := sim.score(pairs[s].from, pairs[d].to, basenameScore)
		if err != nil {
			return err
		}
		if score >= basenameScore {
			record(d, s, score)
		}
	}
	srcs = slices.DeleteFunc(srcs, func(s int) bool { return used[s] })
	dsts = slices.DeleteFunc(dsts, renamed)
	if len(srcs) == 0 || len(dsts) == 0 || len(srcs)*len(dsts) > renameLimit*renameLimit {
		return nil
	}

	// The best of the rest.
	type candidate struct {
		src, dst  int // -1 for an unused slot
		score     int
		nameScore int
	}
	compare := func(a, b candidate) int {
		switch {
		case a.dst < 0 && b.dst < 0:
			return 0
		case a.dst < 0:
			return 1
		case b.dst < 0:
			return -1
		case a.score == b.score:
			return b.nameScore - a.nameScore
		}
		return b.score - a.score
	}
	const perDst = 4
	mx := make([]candidate, 0, perDst*len(dsts))
	for _, d := range dsts {
		m := []candidate{{dst: -1}, {dst: -1}, {dst: -1}, {dst: -1}}
		for _, s := range srcs {
			score, err := sim.score(pairs[s].from, pairs[d].to, renameScore)
			if err != nil {
				return err
			}
			c := candidate{src: s, dst: d, score: score}
			if sameBasename(pairs[s].path, pairs[d].path) {
				c.nameScore = 1
			}
			worst := 0
			for k := 1; k < perDst; k++ {
				if compare(m[k], m[worst]) > 0 {
					worst = k
				}
			}
			if compare(m[worst], c) > 0 {
				m[worst] = c
			}
		}
		mx = append(mx, m...)
	}
	slices.SortStableFunc(mx, compare)
	for _, c := range mx {
		if c.dst < 0 || c.score < renameScore {
			break
		}
		if renamed(c.dst) || used[c.src] {
			continue
		}
		record(c.dst, c.src, c.score)
	}
	return nil
}

// sameBasename reports whether two paths end in the same file name.
func sameBasename(a, b string) bool { return path.Base(a) == path.Base(b) }

// similarity scores rename candidates, summarising each blob once.
type similarity struct {
	blobs *blobReader
	spans map[plumbing.Hash]*xdiff.Spans
}

// score estimates, out of xdiff.MaxScore, how much of dst's content comes
// from src, as git's estimate_similarity: 0 for anything but regular
// files, and for sizes too far apart for minScore.
func (s *similarity) score(src, dst object.TreeEntry, minScore int) (int, error) {
	if !isRegular(src.Mode) || !isRegular(dst.Mode) {
		return 0, nil
	}
	srcSize, err := s.blobs.sizeOf(src.Hash)
	if err != nil {
		return 0, err
	}
	dstSize, err := s.blobs.sizeOf(dst.Hash)
	if err != nil {
		return 0, err
	}
	maxSize, baseSize := max(srcSize, dstSize), min(srcSize, dstSize)
	if maxSize*(xdiff.MaxScore-int64(minScore)) < (maxSize-baseSize)*xdiff.MaxScore || dstSize == 0 {
		return 0, nil
	}
	var spans [2]*xdiff.Spans
	for k, h := range []plumbing.Hash{src.Hash, dst.Hash} {
		if spans[k] = s.spans[h]; spans[k] != nil {
			continue
		}
		data, _, err := s.blobs.read(h)
		if err != nil {
			return 0, err
		}
		if data == nil {
			return 0, nil // over bigFileBytes: not worth it
		}
		sp := xdiff.CountSpans(data, !xdiff.IsBinary(data))
		s.spans[h], spans[k] = &sp, &sp
	}
	return int(xdiff.Copied(*spans[0], *spans[1]) * xdiff.MaxScore / uint64(maxSize)), nil
}

// DiffFiles diffs two versions of a text file into a FilePatch, as Patch
// does for each file a commit changes; "" is an absent side. It lets
// tests build patches without a repository.
func DiffFiles(oldPath, newPath, oldText, newText string) FilePatch {
	fp := FilePatch{OldPath: oldPath, NewPath: newPath, Hunks: hunks(oldText, newText)}
	if oldPath != "" {
		fp.OldMode = 0o100644
	}
	if newPath != "" {
		fp.NewMode = 0o100644
	}
	return fp
}

// hunks diffs two texts line by line as `git diff` does (package xdiff):
// changes whose gap is at most 2×context equal lines share a hunk.
func hunks(oldText, newText string) []Hunk {
	return hunksOf(xdiff.Split(oldText), xdiff.Split(newText))
}

// hunksOf is hunks of two texts already split into lines.
func hunksOf(a, b []string) []Hunk {
	return hunksOfEdits(a, b, xdiff.Diff(a, b), 0)
}

// hunksOfEdits is hunksOf with the edits found.
// hunksOfEdits makes the hunks of edits of a into b, lines of two texts
// from line offset on (a [xdiff.Window] of them).
func hunksOfEdits(a, b []string, edits []xdiff.Edit, offset int) []Hunk {
	xh := xdiff.Hunks(a, b, edits, contextLines)
	out := make([]Hunk, len(xh))
	for i, h := range xh {
		// One new string per hunk, sliced into lines: the patch keeps
		// neither the files alive nor an allocation per line.
		var buf strings.Builder
		size := 0
		for _, l := range h.Lines {
			size += len(l.Text)
		}
		buf.Grow(size)
		for _, l := range h.Lines {
			buf.WriteByte(byte(l.Op))
			buf.WriteString(strings.TrimSuffix(l.Text, "\n"))
		}
		text, lines := buf.String(), make([]string, len(h.Lines))
		for k, l := range h.Lines {
			n := 1 + len(strings.TrimSuffix(l.Text, "\n"))
			lines[k], text = text[:n], text[n:]
		}
		out[i] = Hunk{OldStart: offset + h.OldPos + 1, Lines: lines}
	}
	return out
}

// splitLines splits text into lines without their newlines.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return []string{""}
	}
	return strings.Split(s, "\n")
}

// ID returns the patch's `git patch-id --stable`, as git computes it from
// `git show --full-index` of the commit: per file, the SHA-1 of the diff
// header and hunk lines with all white space removed (index lines and
// "\ No newline" markers left out), summed as 20-byte little-endian numbers,
// so file order does not matter. Binary files hash their full blob ids;
// git's default abbreviated ids give a different, repository-dependent
// patch-id. Git's quirks are kept: a file without hunks (an empty file,
// a pure mode change or rename) is hashed together with the next file, and
// the header line after a binary file is skipped. An empty patch has no
// patch-id in git; ID returns forty zeros.
func (p *Patch) ID() string {
	if id := p.id.Load(); id != nil {
		return *id
	}
	id := p.computeID()
	p.id.Store(&id)
	return id
}

func (p *Patch) computeID() string {
	var sum [sha1.Size]byte
	if len(p.Files) == 0 {
		return hex.EncodeToString(sum[:])
	}
	h := sha1.New()
	var buf []byte
	add := func(s string) {
		buf = appendStripped(buf[:0], s)
		h.Write(buf)
	}
	flush := func() {
		var carry uint16
		d := h.Sum(nil)
		h.Reset()
		for i := range sum {
			carry += uint16(sum[i]) + uint16(d[i])
			sum[i] = byte(carry)
			carry >>= 8
		}
	}
	inHunks, afterBinary := false, false
	for _, f := range p.Files {
		if inHunks {
			flush()
			inHunks = false
		}
		a, b := f.OldPath, f.NewPath
		if a == "" {
			a = b
		}
		if b == "" {
			b = a
		}
		if !afterBinary {
			add("diff --git " + quotePath("a/"+a) + " " + quotePath("b/"+b))
		}
		afterBinary = false
		switch {
		case f.OldMode == 0:
			add(fmt.Sprintf("new file mode %06o", f.NewMode))
		case f.NewMode == 0:
			add(fmt.Sprintf("deleted file mode %06o", f.OldMode))
		case f.OldMode != f.NewMode:
			add(fmt.Sprintf("old mode %06o", f.OldMode))
			add(fmt.Sprintf("new mode %06o", f.NewMode))
		}
		if f.OldPath != "" && f.NewPath != "" && f.OldPath != f.NewPath {
			add(fmt.Sprintf("similarity index %d%%", f.Similarity))
			add("rename from " + quotePath(f.OldPath))
			add("rename to " + quotePath(f.NewPath))
		}
		// A binary file hashes its blob ids, a text file its hunks, and
		// one whose content is unchanged (a mode change, a pure rename)
		// only its header.
		lines := f.lines()
		switch {
		case f.Binary && lines == nil && f.OldID != f.NewID:
			h.Write([]byte(fullID(f.OldID) + fullID(f.NewID)))
			flush()
			afterBinary = true
		case len(lines) > 0:
			if f.OldMode == 0 {
				add("--- /dev/null")
			} else {
				add("--- " + quotePath("a/"+a))
			}
			if f.NewMode == 0 {
				add("+++ /dev/null")
			} else {
				add("+++ " + quotePath("b/"+b))
			}
			for _, l := range lines {
				add(l)
			}
			inHunks = true
		}
	}
	flush()
	return hex.EncodeToString(sum[:])
}

// lines returns the hunk lines git prints for f: its hunks', or for a
// submodule the "Subproject commit" lines.
func (f FilePatch) lines() []string {
	if !isSubmodule(filemode.FileMode(f.OldMode)) && !isSubmodule(filemode.FileMode(f.NewMode)) {
		var out []string
		for _, h := range f.Hunks {
			out = append(out, h.Lines...)
		}
		return out
	}
	if f.OldID == f.NewID {
		return nil
	}
	var out []string
	if f.OldMode != 0 {
		out = append(out, "-Subproject commit "+f.OldID)
	}
	if f.NewMode != 0 {
		out = append(out, "+Subproject commit "+f.NewID)
	}
	return out
}

// fullID is a blob id as `git diff --full-index` writes it: forty zeros
// for an absent side.
func fullID(id string) string {
	if id == "" {
		return strings.Repeat("0", 40)
	}
	return id
}

// quotePath quotes a path as git does with core.quotePath on: in double
// quotes, with C escapes, if it holds a control character, a quote, a
// backslash or a byte over 0x7f.
func quotePath(s string) string {
	need := false
	for i := 0; i < len(s) && !need; i++ {
		c := s[i]
		need = c < 0x20 || c == '"' || c == '\\' || c >= 0x7f
	}
	if !need {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x07 && c <= 0x0d:
			b.WriteByte('\\')
			b.WriteByte("abtnvfr"[c-0x07])
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// appendStripped appends s without what git's isspace calls white space:
// space, tab, newline and carriage return (not vertical tab or form feed).
func appendStripped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			b = append(b, s[i])
		}
	}
	return b
}

// PatchID returns the `git patch-id --stable` of commit (forty zeros for
// an empty patch): from the commit cache when it has it, without reading
// the patch.
func (r *Repo) PatchID(commit string) (string, error) {
	if cc := r.cache(); cc != nil {
		if e, ok := cc.entry(commit); ok && e.PatchID != "" {
			return e.PatchID, nil
		}
	}
	p, err := r.Patch(commit)
	if err != nil {
		return "", err
	}
	return p.ID(), nil
}

// Applies reports whether every hunk of f finds its pre-image, as a
// contiguous block, in content: whether `git apply` (without fuzz) could
// apply it. It returns the pre-image lines it could not find, as
// [FilePatch.FailingHunks] does.
func (f FilePatch) Applies(content []byte) (ok bool, missing []string) {
	failing, missing := f.FailingHunks(content)
	return len(failing) == 0, missing
}
