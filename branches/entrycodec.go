package branches

import (
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/tiered-release/tiered/internal/atomicfile"
)

// The commit cache's entries are written in a binary form of their own:
// gob spent 0.3 s encoding a cold 1M plan's cache and 70 ms decoding it
// in every later run, by reflection. Strings are a uvarint length and
// the bytes; numbers uvarints; the commit time as time.Time marshals
// itself (zone offset included, as gob kept it). Decoded strings share
// the memory of the text they are read from.

var errEntry = errors.New("malformed commit cache entry")

// appendEntry appends hash and e to b.
func appendEntry(b []byte, hash string, e *commitEntry) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n uint64) { b = binary.AppendUvarint(b, n) }
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	strs := func(ss []string) {
		num(uint64(len(ss)))
		for _, s := range ss {
			str(s)
		}
	}
	str(hash)
	c := &e.Commit
	str(c.Hash)
	strs(c.Parents)
	str(c.Author)
	str(c.Committer)
	when, _ := c.When.MarshalBinary() // fails only for offsets git cannot write
	str(string(when))
	str(c.Subject)
	str(c.Message)
	strs(e.Paths)
	flag(e.HasPaths)
	strs(e.Created)
	str(e.PatchID)
	num(uint64(e.PatchAt))
	num(uint64(e.PatchLen))
	num(uint64(e.PatchSum))
	b = binary.LittleEndian.AppendUint64(b, e.LineSum)
	flag(e.LineSumOK)
	num(uint64(e.LineSumV))
	num(uint64(len(e.Parts)))
	for _, path := range slices.Sorted(maps.Keys(e.Parts)) {
		ref := e.Parts[path]
		str(path)
		num(uint64(ref.At))
		num(uint64(ref.Len))
		num(uint64(ref.Sum))
		flag(ref.HasAdded)
		num(uint64(len(ref.Added)))
		for _, h := range ref.Added {
			num(uint64(h))
		}
	}
	return b
}

// entryReader decodes entries from a text; its first error sticks.
type entryReader struct {
	data string
	at   int
	err  error
}

func (r *entryReader) num() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := uvarintString(r.data[r.at:])
	if n <= 0 {
		r.err = errEntry
		return 0
	}
	r.at += n
	return v
}

// count reads a length that cannot exceed what is left of the text.
func (r *entryReader) count() int {
	n := r.num()
	if n > uint64(len(r.data)-r.at) {
		r.err = errEntry
		return 0
	}
	return int(n)
}

func (r *entryReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	r.at += n
	return r.data[r.at-n : r.at]
}

func (r *entryReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, r.str())
	}
	return out
}

func (r *entryReader) flag() bool {
	if r.err != nil || r.at >= len(r.data) || r.data[r.at] > 1 {
		r.err = errEntry
		return false
	}
	r.at++
	return r.data[r.at-1] == 1
}

// entry reads the next hash and entry.
func (r *entryReader) entry() (string, *commitEntry, error) {
	hash := r.str()
	e := &commitEntry{}
	c := &e.Commit
	c.Hash = r.str()
	c.Parents = r.strs()
	c.Author = r.str()
	c.Committer = r.str()
	if when := r.str(); r.err == nil {
		if err := c.When.UnmarshalBinary([]byte(when)); err != nil {
			r.err = errEntry
		}
	}
	c.Subject = r.str()
	c.Message = r.str()
	e.Paths = r.strs()
	e.HasPaths = r.flag()
	e.Created = r.strs()
	e.PatchID = r.str()
	e.PatchAt = int64(r.num())
	e.PatchLen = int(r.num())
	e.PatchSum = uint32(r.num())
	if r.err == nil && len(r.data)-r.at >= 8 {
		e.LineSum = binary.LittleEndian.Uint64([]byte(r.data[r.at : r.at+8]))
		r.at += 8
	} else {
		r.err = errEntry
	}
	e.LineSumOK = r.flag()
	e.LineSumV = uint8(r.num())
	if n := r.count(); n > 0 {
		e.Parts = make(map[string]recordRef, n)
		for range n {
			path := r.str()
			ref := recordRef{At: int64(r.num()), Len: int(r.num()), Sum: uint32(r.num()), HasAdded: r.flag()}
			if k := r.count(); k > 0 {
				ref.Added = make([]uint32, 0, k)
				for range k {
					ref.Added = append(ref.Added, uint32(r.num()))
				}
			}
			e.Parts[path] = ref
		}
	}
	if r.err != nil {
		return "", nil, r.err
	}
	return hash, e, nil
}

// uvarintString is binary.Uvarint over a string.
func uvarintString(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// encodeEntries writes a snapshot body: the count, then the entries.
func encodeEntries(entries map[string]*commitEntry) []byte {
	b := binary.AppendUvarint(nil, uint64(len(entries)))
	for _, h := range slices.Sorted(maps.Keys(entries)) {
		b = appendEntry(b, h, entries[h])
	}
	return b
}

// decodeEntries reads a snapshot body.
func decodeEntries(body []byte) (map[string]*commitEntry, error) {
	r := &entryReader{data: string(body)}
	n := r.count()
	if r.err != nil {
		return nil, r.err
	}
	m := make(map[string]*commitEntry, n)
	for range n {
		h, e, err := r.entry()
		if err != nil {
			return nil, err
		}
		m[h] = e
	}
	if r.at != len(r.data) {
		return nil, errEntry
	}
	return m, nil
}

// encodePairs writes a map as a count and (key, value) pairs, each a
// uvarint length and its bytes: notes and the file cache are kept so (gob
// took 40 ms each way on the 45k notes of a 1M plan).
func encodePairs(m map[string][]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(m)))
	for k, v := range m {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// decodePairs reads what encodePairs wrote; the values share body's
// memory.
func decodePairs(body []byte) (map[string][]byte, bool) {
	rd := &entryReader{data: string(body)}
	n := rd.count()
	m := make(map[string][]byte, n)
	for range n {
		k := rd.str()
		v := rd.count()
		if rd.err != nil {
			return nil, false
		}
		m[k] = body[rd.at : rd.at+v : rd.at+v]
		rd.at += v
	}
	return m, rd.err == nil && rd.at == len(rd.data)
}

// writeCacheFile writes a cache file whole, through atomicfile, creating
// the cache directory if need be.
func writeCacheFile(name, format string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteChecked(name, format, body)
}
