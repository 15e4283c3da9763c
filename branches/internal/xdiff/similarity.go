package xdiff

import (
	"bytes"
	"slices"
)

// MaxScore is a perfect similarity score; git prints a score s as the
// "similarity index" s*100/MaxScore percent.
const MaxScore = 60000

// spanHashBase is the prime git reduces span hashes modulo, a little over
// 2^16: distinct spans may share a hash, and count as equal then.
const spanHashBase = 107927

// Spans summarises a file as git's rename detection sees it: the file cut
// into spans that end at a newline or after 64 bytes, each span hashed,
// and per hash the number of bytes in spans with that hash.
type Spans struct {
	hash  []uint32 // ascending
	bytes []uint64
}

// CountSpans summarises data. For a text file (text), a carriage return
// before a newline is not counted, so line endings do not change the
// result. A last span without a newline shorter than 64 bytes is left out,
// as git leaves it out.
func CountSpans(data []byte, text bool) Spans {
	counts := make(map[uint32]uint64)
	var acc1, acc2 uint32
	n := 0
	for i, c := range data {
		if text && c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			continue
		}
		old := acc1
		acc1 = (acc1 << 7) ^ (acc2 >> 25)
		acc2 = (acc2 << 7) ^ (old >> 25)
		acc1 += uint32(c)
		n++
		if n < 64 && c != '\n' {
			continue
		}
		counts[(acc1+acc2*0x61)%spanHashBase] += uint64(n)
		n, acc1, acc2 = 0, 0, 0
	}
	s := Spans{hash: make([]uint32, 0, len(counts)), bytes: make([]uint64, 0, len(counts))}
	for h := range counts {
		s.hash = append(s.hash, h)
	}
	slices.Sort(s.hash)
	for _, h := range s.hash {
		s.bytes = append(s.bytes, counts[h])
	}
	return s
}

// Copied returns how many bytes of dst git counts as copied from src: per
// span hash, the smaller of the two byte counts, summed.
func Copied(src, dst Spans) uint64 {
	var sum uint64
	i, j := 0, 0
	for i < len(src.hash) && j < len(dst.hash) {
		switch {
		case src.hash[i] < dst.hash[j]:
			i++
		case src.hash[i] > dst.hash[j]:
			j++
		default:
			sum += min(src.bytes[i], dst.bytes[j])
			i++
			j++
		}
	}
	return sum
}

// IsBinary reports whether git takes data for binary: whether its first
// 8000 bytes hold a NUL byte.
func IsBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}
