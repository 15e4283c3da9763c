package branches

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Patches are kept twice. In memory, the most recently used, within
// patchMemoryBytes, none larger than patchKeepMax: a libbpf plan kept
// every patch it computed, 170 MB of heap, mostly 28 regenerations of a
// generated 4-million-line header, while a plan's prerequisite search asks
// for the same small patches over and over (a plan of 485k candidates
// recomputed them for twenty minutes with a 64 MiB budget). On disk, beside the commit cache,
// every patch computed with the cache on: its record is appended to the
// patches file and the commit's entry in the commit cache says where it
// is (offset, length, CRC-32C) and what its patch-id is, so that a query
// after new commits diffs only those. A record the entry does not match
// is never read; records no entry names are left behind, and the file is
// started afresh when the commit cache is.

const (
	patchMemoryBytes = 512 << 20
	patchKeepMax     = 1 << 20
	patchFileMax     = 1 << 30 // beyond, new patches are not written
	patchRecordMax   = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// patchMemory is the in-memory LRU of patches.
type patchMemory struct{ lru[string, *Patch] }

func (c *patchMemory) put(commit string, p *Patch) {
	c.lru.put(commit, p, p.memSize(), patchMemoryBytes, patchKeepMax)
}

// notePatchID keeps a patch-id computed after the patch was written.
func (c *commitCache) notePatchID(commit, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[commit]; ok && e.PatchID == "" {
		e.PatchID = id
		c.changed[commit] = true
	}
}

// memSize estimates the heap a patch holds.
func (p *Patch) memSize() int {
	n := 64
	for _, f := range p.Files {
		n += 160 + len(f.OldPath) + len(f.NewPath)
		for _, h := range f.Hunks {
			n += 32 + 16*len(h.Lines)
			for _, l := range h.Lines {
				n += len(l)
			}
		}
	}
	return n
}

// patchFile is the file of patch records.
type patchFile struct {
	mu   sync.Mutex
	name string
	r, w *os.File
	size int64
}

// readPatch reads the record an entry names, or reports false.
func (c *commitCache) readPatch(commit string, e commitEntry) (*Patch, bool) {
	p, ok := c.readRecord(commit, e.PatchAt, e.PatchLen, e.PatchSum)
	if ok && e.PatchID != "" {
		p.id.Store(&e.PatchID)
	}
	return p, ok
}

// readRecord reads and decodes the patch record of n bytes at at, whose
// CRC-32C is sum.
func (c *commitCache) readRecord(commit string, at int64, n int, sum uint32) (*Patch, bool) {
	if n <= 0 || n > patchRecordMax {
		return nil, false
	}
	pf := &c.patches
	pf.mu.Lock()
	if pf.r == nil {
		f, err := os.Open(pf.name)
		if err != nil {
			pf.mu.Unlock()
			return nil, false
		}
		pf.r = f
	}
	f := pf.r
	pf.mu.Unlock()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, at); err != nil || crc32.Checksum(buf, castagnoli) != sum {
		return nil, false
	}
	p, err := decodePatch(commit, buf)
	if err != nil {
		return nil, false
	}
	return p, true
}

// writePatch appends p's record and notes it, and its patch-id, in the
// commit's entry.
func (c *commitCache) writePatch(p *Patch) {
	rec := encodePatch(p)
	if len(rec) > patchRecordMax {
		c.putPatchID(p.Commit, p.ID(), 0, 0, 0)
		return
	}
	id := "" // kept if known; a record holds all it takes to compute it
	if x := p.id.Load(); x != nil {
		id = *x
	}
	if at, n, sum, ok := c.appendRecord(rec); ok {
		c.putPatchID(p.Commit, id, at, n, sum)
	}
}

// writePart appends the record of f, one file's change in commit's
// patch, and notes it in the commit's entry.
func (c *commitCache) writePart(commit string, f FilePatch) {
	rec := encodePatch(&Patch{Commit: commit, Files: []FilePatch{f}})
	if len(rec) > patchRecordMax {
		return
	}
	at, n, sum, ok := c.appendRecord(rec)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entryFor(commit)
	if e == nil {
		return
	}
	if e.Parts == nil {
		e.Parts = map[string]recordRef{}
	}
	e.Parts[f.NewPath] = recordRef{At: at, Len: n, Sum: sum, Added: addedHashes(f), HasAdded: true}
	c.changed[commit] = true
}

// partRef returns where the record of a part of commit's patch is.
func (c *commitCache) partRef(commit, path string) (recordRef, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[commit]
	if !ok {
		return recordRef{}, false
	}
	ref, ok := e.Parts[path]
	return ref, ok
}

// appendRecord appends rec to the patches file: where it starts, its
// length and CRC-32C; false if it could not.
func (c *commitCache) appendRecord(rec []byte) (int64, int, uint32, bool) {
	pf := &c.patches
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if pf.w == nil {
		if err := os.MkdirAll(filepath.Dir(pf.name), 0o755); err != nil {
			return 0, 0, 0, false
		}
		f, err := os.OpenFile(pf.name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return 0, 0, 0, false
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return 0, 0, 0, false
		}
		pf.w, pf.size = f, st.Size()
	}
	if pf.size+int64(len(rec)) > patchFileMax {
		return 0, 0, 0, false
	}
	// One write per record: with O_APPEND, another process's records
	// land before or after it, never inside, and the offset after the
	// write says where it ended.
	n, err := pf.w.Write(rec)
	if err != nil || n != len(rec) {
		return 0, 0, 0, false
	}
	end, err := pf.w.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, 0, 0, false
	}
	pf.size = end
	return end - int64(n), n, crc32.Checksum(rec, castagnoli), true
}

func (c *commitCache) putPatchID(commit, id string, at int64, n int, sum uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entryFor(commit)
	if e == nil {
		return
	}
	if id != "" {
		e.PatchID = id
	}
	e.PatchAt, e.PatchLen, e.PatchSum = at, n, sum
	c.changed[commit] = true
}

func (c *commitCache) closePatches() {
	pf := &c.patches
	pf.mu.Lock()
	defer pf.mu.Unlock()
	for _, f := range []*os.File{pf.r, pf.w} {
		if f != nil {
			f.Close()
		}
	}
	pf.r, pf.w = nil, nil
}

// A patch record: the files, each with its paths, modes, binary flag, blob
// ids, similarity and hunks, as uvarints and length-prefixed strings.

func encodePatch(p *Patch) []byte {
	var b []byte
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int) { b = binary.AppendUvarint(b, uint64(n)) }
	num(len(p.Files))
	for _, f := range p.Files {
		str(f.OldPath)
		str(f.NewPath)
		num(int(f.OldMode))
		num(int(f.NewMode))
		if f.Binary {
			num(1)
		} else {
			num(0)
		}
		str(f.OldID)
		str(f.NewID)
		num(f.Similarity)
		num(len(f.Hunks))
		for _, h := range f.Hunks {
			num(h.OldStart)
			num(len(h.Lines))
			for _, l := range h.Lines {
				str(l)
			}
		}
	}
	return b
}

var errPatchRecord = errors.New("corrupt patch record")

// decodePatch decodes a record; its strings share one copy of it.
func decodePatch(commit string, rec []byte) (*Patch, error) {
	data := string(rec)
	at := 0
	bad := false
	num := func() int {
		v, n := binary.Uvarint(rec[at:])
		if n <= 0 || v > 1<<31 {
			bad = true
			return 0
		}
		at += n
		return int(v)
	}
	str := func() string {
		n := num()
		if bad || n > len(data)-at {
			bad = true
			return ""
		}
		at += n
		return data[at-n : at]
	}
	p := &Patch{Commit: commit}
	nf := num()
	if nf > len(rec) {
		return nil, errPatchRecord
	}
	for i := 0; i < nf && !bad; i++ {
		f := FilePatch{OldPath: str(), NewPath: str(), OldMode: uint32(num()), NewMode: uint32(num()), Binary: num() == 1,
			OldID: str(), NewID: str(), Similarity: num()}
		nh := num()
		if nh > len(rec) {
			return nil, errPatchRecord
		}
		for j := 0; j < nh && !bad; j++ {
			h := Hunk{OldStart: num()}
			nl := num()
			if nl > len(rec) {
				return nil, errPatchRecord
			}
			h.Lines = make([]string, nl)
			for k := range h.Lines {
				if h.Lines[k] = str(); h.Lines[k] == "" {
					bad = true // a hunk line has at least its prefix
				}
			}
			f.Hunks = append(f.Hunks, h)
		}
		p.Files = append(p.Files, f)
	}
	if bad || at != len(rec) {
		return nil, errPatchRecord
	}
	return p, nil
}
