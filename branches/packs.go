package branches

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/compress/zlib"

	"github.com/go-git/go-git/v5/plumbing"
)

// packs reads objects from a repository's pack files through their .idx
// files, mapped in place (Documentation/gitformat-pack.txt, index version
// 2): finding an object is a binary search over the index's sorted ids,
// and a delta's base is found by its offset in the pack, so no map of
// every object is built. go-git's index copies each .idx into memory and,
// to find a delta's base or to look an object up in its cache, builds a
// map from offset to id of every object in the pack: at 2.5 million
// objects, hundreds of megabytes and most of the CPU of a query that reads
// a few thousand objects. Objects not in a pack (loose ones, or in a pack
// written after Open) are go-git's to read.
type packs struct {
	files []*packFile
	cache deltaCache // decoded objects by pack and offset: delta bases
	mu    sync.Mutex // guards cache
}

// packFile is one pack and its index.
type packFile struct {
	name   string // pack-<id>, for messages
	idx    []byte // the .idx, mapped
	unmap  func() error
	n      int
	fanout []byte // 256 big-endian counts
	ids    []byte // n sorted 20-byte ids
	off32  []byte // n big-endian offsets; the high bit indexes off64
	off64  []byte
	pack   *os.File
	size   int64 // of the .pack
	// data is the pack mapped, when it fits in mapPackBytes and the
	// system maps files; nil when it is read with pread.
	data      []byte
	unmapPack func() error
}

// mapPackBytes is how many bytes of packs are read through memory
// mappings, as git reads every pack: a plan of a small repository reads
// thousands of objects, and a pread each was a tenth of its CPU time.
// Packs past it (a 3.3 GB pack at a million commits) are read with pread,
// so that the pages a plan reads stay the page cache's and out of its
// resident memory.
const mapPackBytes = 256 << 20

// Objects larger than this are read when their content is asked for, not
// when they are found, so that asking a blob's size does not inflate it.
const largeObjectBytes = 64 << 20

// maxDeltaDepth bounds a delta chain (git writes at most 50, or 250 with
// --aggressive): deeper is a corrupt or hostile pack.
const maxDeltaDepth = 10000

// errPackFormat is an index or pack this reader does not understand; the
// repository is then read by go-git alone.
var errPackFormat = errors.New("unsupported pack index")

// openPacks opens every pack of the object directory. It returns an error
// if an index is not version 2 or does not match its pack.
func openPacks(objects string) (*packs, error) {
	dir := filepath.Join(objects, "pack")
	names, err := filepath.Glob(filepath.Join(dir, "pack-*.idx"))
	if err != nil {
		return nil, err
	}
	ps := &packs{cache: deltaCache{limit: deltaCacheBytes}}
	mapBudget := int64(mapPackBytes)
	for _, idx := range names {
		p, err := openPack(strings.TrimSuffix(idx, ".idx"), &mapBudget)
		if errors.Is(err, os.ErrNotExist) {
			continue // an index without its pack is a leftover git ignores
		}
		if err != nil {
			ps.Close()
			return nil, err
		}
		ps.files = append(ps.files, p)
	}
	return ps, nil
}

// openPack opens a pack and its index, mapping the pack if it fits in
// what is left of mapBudget (nil: none), which it then takes from.
func openPack(base string, mapBudget *int64) (_ *packFile, err error) {
	p := &packFile{name: filepath.Base(base)}
	if p.pack, err = os.Open(base + ".pack"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	st, err := p.pack.Stat()
	if err != nil {
		return nil, err
	}
	p.size = st.Size()
	if mapBudget != nil && p.size <= *mapBudget {
		// Where it cannot be mapped, it is read with pread: not whole.
		var ok bool
		if p.data, p.unmapPack, ok = tryMap(p.pack, int(p.size)); ok {
			*mapBudget -= p.size
		}
	}
	var hdr [12]byte
	if _, err := p.pack.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", p.name, errPackFormat, err)
	}
	if string(hdr[:4]) != "PACK" || (hdr[7] != 2 && hdr[7] != 3) || hdr[4]|hdr[5]|hdr[6] != 0 {
		return nil, fmt.Errorf("%s.pack: %w (not a version 2 or 3 pack)", p.name, errPackFormat)
	}
	f, err := os.Open(base + ".idx")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ist, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if ist.Size() > 1<<40 {
		return nil, fmt.Errorf("%s.idx: %w (too large)", p.name, errPackFormat)
	}
	if p.idx, p.unmap, err = mapFile(f, int(ist.Size())); err != nil {
		return nil, err
	}
	if err := p.parseIndex(binary.BigEndian.Uint32(hdr[8:])); err != nil {
		return nil, fmt.Errorf("%s.idx: %w", p.name, err)
	}
	return p, nil
}

// parseIndex checks the index's layout: header, fanout, ids, CRCs,
// offsets, 64-bit offsets, and the two trailing checksums.
func (p *packFile) parseIndex(count uint32) error {
	be := binary.BigEndian
	d := p.idx
	if len(d) < 8+1024+40 || string(d[:4]) != "\xfftOc" || be.Uint32(d[4:]) != 2 {
		return fmt.Errorf("%w (not version 2)", errPackFormat)
	}
	p.fanout = d[8 : 8+1024]
	n := int(be.Uint32(p.fanout[1020:]))
	for i := 1; i < 256; i++ {
		if be.Uint32(p.fanout[4*i:]) < be.Uint32(p.fanout[4*i-4:]) {
			return fmt.Errorf("%w (fanout not sorted)", errPackFormat)
		}
	}
	if uint32(n) != count {
		return fmt.Errorf("%w (%d objects, its pack has %d)", errPackFormat, n, count)
	}
	at := 8 + 1024
	if len(d) < at+28*n+40 {
		return fmt.Errorf("%w (truncated)", errPackFormat)
	}
	p.n = n
	p.ids = d[at : at+20*n]
	at += 24 * n // ids and CRCs
	p.off32 = d[at : at+4*n]
	at += 4 * n
	p.off64 = d[at : len(d)-40]
	if len(p.off64)%8 != 0 {
		return fmt.Errorf("%w (bad 64-bit offset table)", errPackFormat)
	}
	return nil
}

func (p *packFile) close() error {
	var err error
	if p.unmap != nil {
		err = p.unmap()
	}
	if p.unmapPack != nil {
		err = errors.Join(err, p.unmapPack())
	}
	if p.pack != nil {
		err = errors.Join(err, p.pack.Close())
	}
	return err
}

// Close releases the packs' files and mappings.
func (ps *packs) Close() error {
	var err error
	for _, p := range ps.files {
		err = errors.Join(err, p.close())
	}
	ps.files = nil
	return err
}

// find returns the pack offset of object h.
func (p *packFile) find(h plumbing.Hash) (int64, bool, error) {
	be := binary.BigEndian
	lo := 0
	if h[0] > 0 {
		lo = int(be.Uint32(p.fanout[4*int(h[0])-4:]))
	}
	hi := int(be.Uint32(p.fanout[4*int(h[0]):]))
	if lo > hi || hi > p.n {
		return 0, false, fmt.Errorf("%s.idx: %w (fanout out of range)", p.name, errPackFormat)
	}
	// Ids are uniform: interpolate on their first eight bytes (two or
	// three steps land near the id, touching few pages of a large
	// index), then binary-search, then compare the rest.
	key := be.Uint64(h[:8])
	keyAt := func(i int) uint64 { return be.Uint64(p.ids[20*i:]) }
	for hi-lo > 32 {
		kl, kh := keyAt(lo), keyAt(hi-1)
		if kl >= key {
			hi = lo
			break
		}
		if kh < key {
			lo = hi
			break
		}
		pos := lo + int(float64(key-kl)/float64(kh-kl)*float64(hi-1-lo))
		pos = min(max(pos, lo+1), hi-1)
		if keyAt(pos) < key {
			lo = pos + 1
		} else {
			hi = pos
		}
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if be.Uint64(p.ids[20*mid:]) < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	i := lo
	for ; i < p.n && be.Uint64(p.ids[20*i:]) == key; i++ {
		if bytes.Equal(p.ids[20*i:20*i+20], h[:]) {
			break
		}
	}
	if i >= p.n || !bytes.Equal(p.ids[20*i:20*i+20], h[:]) {
		return 0, false, nil
	}
	off := int64(be.Uint32(p.off32[4*i:]))
	if off&0x80000000 != 0 {
		j := int(off & 0x7fffffff)
		if 8*j+8 > len(p.off64) {
			return 0, false, fmt.Errorf("%s.idx: %w (offset of %s out of range)", p.name, errPackFormat, h)
		}
		off = int64(be.Uint64(p.off64[8*j:]))
	}
	if off < 12 || off >= p.size-20 {
		return 0, false, fmt.Errorf("%s.idx: %w (offset of %s out of the pack)", p.name, errPackFormat, h)
	}
	return off, true, nil
}

// find returns the pack holding h and its offset there.
func (ps *packs) find(h plumbing.Hash) (*packFile, int64, bool, error) {
	for _, p := range ps.files {
		off, ok, err := p.find(h)
		if err != nil || ok {
			return p, off, ok, err
		}
	}
	return nil, 0, false, nil
}

// count returns how many objects the packs hold (an object in two packs
// counts twice).
func (ps *packs) count() int {
	n := 0
	for _, p := range ps.files {
		n += p.n
	}
	return n
}

// Pack object types (gitformat-pack): the four object types, and the two
// kinds of delta.
const (
	packOFSDelta = 6
	packREFDelta = 7
)

// entry is an object's header in a pack.
type entry struct {
	typ     plumbing.ObjectType // as written: a delta's is packOFSDelta or packREFDelta
	size    int64               // inflated size: of the delta itself for a delta
	base    int64               // an OFS delta's base offset
	baseID  plumbing.Hash       // a REF delta's base
	dataOff int64               // where the compressed data starts
}

// header reads the object header at off.
func (p *packFile) header(rd *packReader, off int64) (entry, error) {
	rd.reset(p.pack, p.data, off, p.size-20)
	bad := func(what string) (entry, error) {
		return entry{}, fmt.Errorf("%s.pack: corrupt object at %d (%s)", p.name, off, what)
	}
	c, err := rd.ReadByte()
	if err != nil {
		return bad(err.Error())
	}
	e := entry{typ: plumbing.ObjectType(c >> 4 & 7), size: int64(c & 15)}
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 56 {
			return bad("size overflows")
		}
		if c, err = rd.ReadByte(); err != nil {
			return bad(err.Error())
		}
		e.size |= int64(c&0x7f) << shift
	}
	switch e.typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case packOFSDelta:
		if c, err = rd.ReadByte(); err != nil {
			return bad(err.Error())
		}
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if rel >= 1<<55 {
				return bad("base offset overflows")
			}
			if c, err = rd.ReadByte(); err != nil {
				return bad(err.Error())
			}
			rel = (rel+1)<<7 | int64(c&0x7f)
		}
		if rel <= 0 || rel > off-12 {
			return bad("base offset out of the pack")
		}
		e.base = off - rel
	case packREFDelta:
		if _, err := io.ReadFull(rd, e.baseID[:]); err != nil {
			return bad(err.Error())
		}
	default:
		return bad(fmt.Sprintf("type %d", e.typ))
	}
	if e.size > p.size*1032 { // deflate shrinks at most 1032:1
		return bad("size larger than the pack could hold")
	}
	e.dataOff = rd.offset()
	return e, nil
}

// inflate reads n bytes of the zlib stream rd is at, which must end there.
func (p *packFile) inflate(rd *packReader, n int64, what int64) ([]byte, error) {
	// zlib writes at most a little over n bytes for n: read that much at
	// once and inflate from memory, the inflater's fastest path. A stream
	// longer than that (a writer other than zlib) is read as a stream.
	start := rd.offset()
	if win, ok := rd.window(n + n>>10 + 64); ok {
		rd.mem.Reset(win)
		data, err := p.inflateFrom(&rd.mem, &rd.zmem, n, what)
		if err == nil || int64(len(win)) == rd.end-start {
			return data, err
		}
		rd.reset(rd.f, rd.mapped, start, rd.end)
	}
	return p.inflateFrom(rd, &rd.z, n, what)
}

// inflateFrom inflates n bytes from src through *z (made or reset onto
// src); the stream must end there, its checksum matching.
func (p *packFile) inflateFrom(src io.Reader, z *io.ReadCloser, n int64, what int64) ([]byte, error) {
	if err := resetInflater(z, src); err != nil {
		return nil, fmt.Errorf("%s.pack: corrupt object at %d: %v", p.name, what, err)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(*z, data); err != nil {
		return nil, fmt.Errorf("%s.pack: corrupt object at %d: %v", p.name, what, err)
	}
	var one [1]byte
	if k, err := (*z).Read(one[:]); k != 0 || err != io.EOF {
		if k == 0 && err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s.pack: corrupt object at %d: %v", p.name, what, err)
		}
		return nil, fmt.Errorf("%s.pack: corrupt object at %d: longer than its header says", p.name, what)
	}
	return data, nil
}

// object reads the object at off in p: its type and content.
func (ps *packs) object(p *packFile, off int64) (plumbing.ObjectType, []byte, error) {
	rd := getPackReader()
	defer putPackReader(rd)
	t, data, _, err := ps.unpack(rd, p, off, 0, false)
	return t, data, err
}

// unpack reads the object at off, resolving deltas. With lazy, a whole
// (undeltified) object over largeObjectBytes is not read: data is nil and
// size says how large it is.
func (ps *packs) unpack(rd *packReader, p *packFile, off int64, depth int, lazy bool) (t plumbing.ObjectType, data []byte, size int64, err error) {
	if depth > maxDeltaDepth {
		return 0, nil, 0, fmt.Errorf("%s.pack: delta chain at %d longer than %d", p.name, off, maxDeltaDepth)
	}
	if t, data, ok := ps.cached(p, off); ok {
		return t, data, int64(len(data)), nil
	}
	e, err := p.header(rd, off)
	if err != nil {
		return 0, nil, 0, err
	}
	if lazy && e.typ < packOFSDelta && e.size > largeObjectBytes {
		return e.typ, nil, e.size, nil
	}
	data, err = p.inflate(rd, e.size, off)
	if err != nil {
		return 0, nil, 0, err
	}
	t = e.typ
	if t == packOFSDelta || t == packREFDelta {
		bp, boff := p, e.base
		if t == packREFDelta {
			var ok bool
			if bp, boff, ok, err = ps.find(e.baseID); err != nil {
				return 0, nil, 0, err
			} else if !ok {
				return 0, nil, 0, fmt.Errorf("%s.pack: the base %s of the object at %d is missing", p.name, e.baseID, off)
			}
		}
		var base []byte
		if t, base, _, err = ps.unpack(rd, bp, boff, depth+1, false); err != nil {
			return 0, nil, 0, err
		}
		if data, err = applyDelta(base, data); err != nil {
			return 0, nil, 0, fmt.Errorf("%s.pack: object at %d: %w", p.name, off, err)
		}
	}
	ps.store(p, off, t, data)
	return t, data, int64(len(data)), nil
}

// info returns the type and size of the object at off without inflating
// more than a delta's header.
func (ps *packs) info(p *packFile, off int64) (plumbing.ObjectType, int64, error) {
	rd := getPackReader()
	defer putPackReader(rd)
	var size int64 = -1
	for depth := 0; ; depth++ {
		if t, data, ok := ps.cached(p, off); ok {
			if size < 0 {
				size = int64(len(data))
			}
			return t, size, nil
		}
		if depth > maxDeltaDepth {
			return 0, 0, fmt.Errorf("%s.pack: delta chain at %d longer than %d", p.name, off, maxDeltaDepth)
		}
		e, err := p.header(rd, off)
		if err != nil {
			return 0, 0, err
		}
		switch e.typ {
		case packOFSDelta, packREFDelta:
			if size < 0 {
				// The delta starts with the base's size, then its own.
				if err := rd.inflater(); err != nil {
					return 0, 0, err
				}
				br := byteReader{rd.z}
				if _, err := binary.ReadUvarint(br); err != nil {
					return 0, 0, fmt.Errorf("%s.pack: corrupt delta at %d: %v", p.name, off, err)
				}
				n, err := binary.ReadUvarint(br)
				if err != nil || n > 1<<48 {
					return 0, 0, fmt.Errorf("%s.pack: corrupt delta at %d", p.name, off)
				}
				size = int64(n)
			}
			if e.typ == packOFSDelta {
				off = e.base
				continue
			}
			var ok bool
			if p, off, ok, err = ps.find(e.baseID); err != nil {
				return 0, 0, err
			} else if !ok {
				return 0, 0, fmt.Errorf("%s.pack: the base %s of the object at %d is missing", p.name, e.baseID, off)
			}
		default:
			if size < 0 {
				size = e.size
			}
			return e.typ, size, nil
		}
	}
}

type byteReader struct{ r io.Reader }

func (b byteReader) ReadByte() (byte, error) {
	var c [1]byte
	_, err := io.ReadFull(b.r, c[:])
	return c[0], err
}

// applyDelta applies a git delta (gitformat-pack, "Deltified
// representation") to base.
func applyDelta(base, delta []byte) ([]byte, error) {
	bad := errors.New("corrupt delta")
	srcSize, n := binary.Uvarint(delta)
	if n <= 0 || srcSize != uint64(len(base)) {
		return nil, bad
	}
	delta = delta[n:]
	dstSize, n := binary.Uvarint(delta)
	if n <= 0 || dstSize > uint64(len(base))+uint64(len(delta))*0x10000 {
		return nil, bad
	}
	delta = delta[n:]
	out := make([]byte, 0, dstSize)
	for len(delta) > 0 {
		cmd := delta[0]
		delta = delta[1:]
		switch {
		case cmd&0x80 != 0: // copy from base
			var off, size uint64
			for i := range 7 {
				if cmd&(1<<i) == 0 {
					continue
				}
				if len(delta) == 0 {
					return nil, bad
				}
				if i < 4 {
					off |= uint64(delta[0]) << (8 * i)
				} else {
					size |= uint64(delta[0]) << (8 * (i - 4))
				}
				delta = delta[1:]
			}
			if size == 0 {
				size = 0x10000
			}
			if off+size > uint64(len(base)) || uint64(len(out))+size > dstSize {
				return nil, bad
			}
			out = append(out, base[off:off+size]...)
		case cmd != 0: // insert cmd bytes
			if int(cmd) > len(delta) || uint64(len(out))+uint64(cmd) > dstSize {
				return nil, bad
			}
			out = append(out, delta[:cmd]...)
			delta = delta[cmd:]
		default:
			return nil, bad // reserved
		}
	}
	if uint64(len(out)) != dstSize {
		return nil, bad
	}
	return out, nil
}

// deltaCacheBytes bounds the decoded objects kept for delta bases, as
// git's core.deltaBaseCacheLimit (96 MiB) does, and for objects read
// again. A plan reads every revision of the files it compares, in an
// order delta chains were not packed for: at 96 MiB, a util-linux plan
// applied 3.7 GB of deltas, three quarters of it rebuilding objects the
// cache had dropped (forty 1 MB translation catalogs per commit). 256 MiB
// cut that plan by a tenth; 384 MiB was slower again (the collector).
const deltaCacheBytes = 256 << 20

type cacheKey struct {
	p   *packFile
	off int64
}

type cacheEntry struct {
	key        cacheKey
	typ        plumbing.ObjectType
	data       []byte
	prev, next *cacheEntry
}

// deltaCache keeps recently decoded objects, least recently used out
// first, within a byte limit.
type deltaCache struct {
	limit, size int
	m           map[cacheKey]*cacheEntry
	lru         cacheEntry // sentinel: lru.next is the most recent
}

func (ps *packs) cached(p *packFile, off int64) (plumbing.ObjectType, []byte, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	c := &ps.cache
	e, ok := c.m[cacheKey{p, off}]
	if !ok {
		return 0, nil, false
	}
	c.unlink(e)
	c.pushFront(e)
	return e.typ, e.data, true
}

func (ps *packs) store(p *packFile, off int64, t plumbing.ObjectType, data []byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	c := &ps.cache
	if len(data) > c.limit/8 {
		return
	}
	if c.m == nil {
		c.m = map[cacheKey]*cacheEntry{}
		c.lru.next, c.lru.prev = &c.lru, &c.lru
	}
	k := cacheKey{p, off}
	if _, ok := c.m[k]; ok {
		return
	}
	e := &cacheEntry{key: k, typ: t, data: data}
	c.m[k] = e
	c.pushFront(e)
	c.size += len(data) + 64
	for c.size > c.limit {
		old := c.lru.prev
		c.unlink(old)
		delete(c.m, old.key)
		c.size -= len(old.data) + 64
	}
}

func (c *deltaCache) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *deltaCache) pushFront(e *cacheEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}

// packReader reads a pack from an offset, as the byte reader zlib reads
// from: from the pack's mapping, or through a buffer of its own (pread,
// so the pages of a large pack stay the page cache's and out of the
// process).
type packReader struct {
	f        *os.File
	mapped   []byte // the pack's mapping, if it has one
	pos, end int64  // file offset of buf[w:], and where to stop
	buf      []byte // own, or the mapping from the offset to end
	own      []byte
	r, w     int
	z        io.ReadCloser // zlib, reset onto this reader
	big      []byte        // a window larger than buf
	mem      bytes.Reader  // a window, as zmem reads it
	zmem     io.ReadCloser // zlib, reset onto mem
}

var packReaders = sync.Pool{New: func() any { return &packReader{own: make([]byte, 32<<10)} }}

func getPackReader() *packReader { return packReaders.Get().(*packReader) }

func putPackReader(rd *packReader) {
	rd.f, rd.mapped, rd.buf = nil, nil, nil
	packReaders.Put(rd)
}

// reset points the reader at off of pack f, mapped as data when that is
// not nil, to read up to end.
func (rd *packReader) reset(f *os.File, data []byte, off, end int64) {
	rd.f, rd.mapped, rd.pos, rd.end, rd.r, rd.w = f, data, off, end, 0, 0
	rd.buf = rd.own
	if data != nil {
		// All of it is in memory: buf is the rest of the pack, and
		// fill is never needed. An offset out of the pack (a corrupt
		// index or delta) reads nothing, as pread would.
		hi := min(max(end, 0), int64(len(data)))
		lo := off
		if lo < 0 || lo > hi {
			lo = hi
		}
		rd.buf, rd.pos = data[lo:hi], end
		rd.w = len(rd.buf)
	}
}

// offset is the file offset of the next byte Read returns.
func (rd *packReader) offset() int64 { return rd.pos - int64(rd.w-rd.r) }

func (rd *packReader) fill() error {
	if rd.pos >= rd.end {
		return io.ErrUnexpectedEOF
	}
	// A first read small enough for most objects, then larger ones.
	want := int64(len(rd.buf))
	if rd.w == 0 {
		want = 4 << 10
	}
	want = min(want, rd.end-rd.pos)
	n, err := rd.f.ReadAt(rd.buf[:want], rd.pos)
	if n == 0 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	rd.pos += int64(n)
	rd.r, rd.w = 0, n
	return nil
}

func (rd *packReader) ReadByte() (byte, error) {
	if rd.r == rd.w {
		if err := rd.fill(); err != nil {
			return 0, err
		}
	}
	c := rd.buf[rd.r]
	rd.r++
	return c, nil
}

func (rd *packReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if rd.r == rd.w {
		if err := rd.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(b, rd.buf[rd.r:rd.w])
	rd.r += n
	return n, nil
}

// inflater points the reader's zlib stream at the current offset.
func (rd *packReader) inflater() error { return resetInflater(&rd.z, rd) }

// resetInflater makes *z a zlib reader of src, or resets it onto src.
func resetInflater(z *io.ReadCloser, src io.Reader) error {
	if *z == nil {
		var err error
		*z, err = zlib.NewReader(src)
		return err
	}
	return (*z).(zlib.Resetter).Reset(src, nil)
}

// window returns the next n bytes of the pack from the reader's offset
// (fewer at the end of the range it reads), without consuming them;
// false when n is more than it holds in memory at once.
func (rd *packReader) window(n int64) ([]byte, bool) {
	n = min(n, rd.end-rd.offset())
	if n <= int64(rd.w-rd.r) {
		return rd.buf[rd.r : rd.r+int(n)], true
	}
	var win []byte
	switch {
	case n > maxWindow:
		return nil, false
	case n > keptWindow: // read once, not kept
		win = make([]byte, n)
	default:
		if int64(cap(rd.big)) < n {
			rd.big = make([]byte, max(n, 64<<10))
		}
		win = rd.big[:n]
	}
	have := copy(win, rd.buf[rd.r:rd.w])
	if k, err := rd.f.ReadAt(win[have:], rd.pos); k < len(win)-have {
		_ = err // short: the inflater says where the stream broke
		win = win[:have+k]
	}
	return win, true
}

// A reader keeps a window of up to keptWindow bytes for the next object;
// it reads windows of up to maxWindow (as large as the inflated object
// may be) and streams larger objects.
const (
	keptWindow = 1 << 20
	maxWindow  = 64 << 20
)

// packedObject is an object read from a pack. Its content is shared with
// the delta cache: go-git only reads it.
type packedObject struct {
	hash plumbing.Hash
	typ  plumbing.ObjectType
	size int64
	data []byte // nil for a large object until read: then from ps, p, off
	ps   *packs
	p    *packFile
	off  int64
}

func (o *packedObject) Hash() plumbing.Hash         { return o.hash }
func (o *packedObject) Type() plumbing.ObjectType   { return o.typ }
func (o *packedObject) SetType(plumbing.ObjectType) {}
func (o *packedObject) Size() int64                 { return o.size }
func (o *packedObject) SetSize(int64)               {}
func (o *packedObject) Writer() (io.WriteCloser, error) {
	return nil, errors.New("a packed object is read-only")
}

func (o *packedObject) Reader() (io.ReadCloser, error) {
	data := o.data
	if data == nil && o.size > 0 {
		var err error
		if _, data, err = o.ps.object(o.p, o.off); err != nil {
			return nil, err
		}
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// encoded returns object h of type t (or any type), or ok false if the
// packs do not hold it. An object of another type is
// plumbing.ErrObjectNotFound, as go-git's storage has it.
func (ps *packs) encoded(t plumbing.ObjectType, h plumbing.Hash) (o plumbing.EncodedObject, ok bool, err error) {
	p, off, ok, err := ps.find(h)
	if err != nil || !ok {
		return nil, ok, err
	}
	rd := getPackReader()
	defer putPackReader(rd)
	typ, data, size, err := ps.unpack(rd, p, off, 0, true)
	if err != nil {
		return nil, true, err
	}
	if t != plumbing.AnyObject && typ != t {
		return nil, true, plumbing.ErrObjectNotFound
	}
	return &packedObject{hash: h, typ: typ, size: size, data: data, ps: ps, p: p, off: off}, true, nil
}

// EncodedObject reads an object from the packs, else through go-git
// (loose objects, alternates, packs written since Open).
func (s *refStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if s.packs != nil {
		if o, ok, err := s.packs.encoded(t, h); ok || err != nil {
			return o, err
		}
	}
	return s.Storage.EncodedObject(t, h)
}

// HasEncodedObject returns nil if the repository has object h.
func (s *refStorage) HasEncodedObject(h plumbing.Hash) error {
	if s.packs != nil {
		if _, _, ok, err := s.packs.find(h); ok || err != nil {
			return err
		}
	}
	return s.Storage.HasEncodedObject(h)
}

// EncodedObjectSize returns the size of object h without reading it.
func (s *refStorage) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if s.packs != nil {
		p, off, ok, err := s.packs.find(h)
		if err != nil {
			return 0, err
		}
		if ok {
			_, size, err := s.packs.info(p, off)
			return size, err
		}
	}
	return s.Storage.EncodedObjectSize(h)
}

// readFile reads f whole, where it cannot be mapped.
func readFile(f *os.File, size int) ([]byte, func() error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}

// HashesWithPrefix lists the objects whose ids start with prefix, from the
// packs' indexes and the loose objects (go-git's reads every index entry).
func (s *refStorage) HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error) {
	if s.packs == nil || len(prefix) == 0 {
		return s.Storage.HashesWithPrefix(prefix)
	}
	seen := map[plumbing.Hash]bool{}
	var out []plumbing.Hash
	add := func(h plumbing.Hash) {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for _, p := range s.packs.files {
		from := 0
		if prefix[0] > 0 {
			from = int(binary.BigEndian.Uint32(p.fanout[4*int(prefix[0])-4:]))
		}
		i := from + sort.Search(p.n-from, func(k int) bool {
			return bytes.Compare(p.ids[20*(from+k):20*(from+k)+20], prefix) >= 0
		})
		for ; i < p.n && bytes.HasPrefix(p.ids[20*i:20*i+20], prefix); i++ {
			add(plumbing.Hash(p.ids[20*i : 20*i+20]))
		}
	}
	dir := filepath.Join(s.refs.commonDir, "objects", hex.EncodeToString(prefix[:1]))
	names, _ := os.ReadDir(dir)
	for _, e := range names {
		if id := hex.EncodeToString(prefix[:1]) + e.Name(); plumbing.IsHash(id) {
			if h := plumbing.NewHash(id); bytes.HasPrefix(h[:], prefix) {
				add(h)
			}
		}
	}
	return out, nil
}
