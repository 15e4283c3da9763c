package packaging

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// rpm header tags setSourceRPM reads and writes (rpm's rpmtag.h).
const (
	tagSourceRPM  = 1044
	sigSize       = 1000
	sigLongSize   = 270
	sigSHA1       = 269
	sigSHA256     = 273
	sigMD5        = 1004
	rpmString     = 6
	rpmLeadLength = 96
)

var rpmHeaderMagic = []byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}

// rpmIndex is one index entry of an rpm header.
type rpmIndex struct {
	tag, typ, offset, count uint32
}

// rpmHeader is a parsed header: its index and data store.
type rpmHeader struct {
	index []rpmIndex
	store []byte
}

func parseRPMHeader(b []byte) (*rpmHeader, int, error) {
	if len(b) < 16 || !bytes.Equal(b[:8], rpmHeaderMagic) {
		return nil, 0, errors.New("no rpm header")
	}
	n := int(binary.BigEndian.Uint32(b[8:]))
	size := int(binary.BigEndian.Uint32(b[12:]))
	end := 16 + 16*n + size
	if n < 0 || size < 0 || end > len(b) {
		return nil, 0, errors.New("truncated rpm header")
	}
	h := &rpmHeader{store: b[16+16*n : end]}
	for i := range n {
		e := b[16+16*i:]
		h.index = append(h.index, rpmIndex{binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])})
	}
	return h, end, nil
}

func (h *rpmHeader) bytes() []byte {
	var b bytes.Buffer
	b.Write(rpmHeaderMagic)
	binary.Write(&b, binary.BigEndian, uint32(len(h.index)))
	binary.Write(&b, binary.BigEndian, uint32(len(h.store)))
	for _, e := range h.index {
		binary.Write(&b, binary.BigEndian, e)
	}
	b.Write(h.store)
	return b.Bytes()
}

func (h *rpmHeader) find(tag uint32) (int, bool) {
	for i, e := range h.index {
		if e.tag == tag {
			return i, true
		}
	}
	return 0, false
}

// rpmAlign is the alignment of rpm's integer types in the data store.
var rpmAlign = map[uint32]int{3: 2, 4: 4, 5: 8}

// dataLen is the length of an entry's data at the start of b, as rpm's
// dataLength computes it.
func dataLen(e rpmIndex, b []byte) (int, error) {
	switch e.typ {
	case 0:
		return 0, nil
	case 1, 2, 7: // char, int8, bin
		return int(e.count), nil
	case 3, 4, 5:
		return int(e.count) * rpmAlign[e.typ], nil
	case 6, 8, 9: // string, string array, i18n string
		n, pos := int(e.count), 0
		if e.typ == 6 {
			n = 1
		}
		for range n {
			k := bytes.IndexByte(b[pos:], 0)
			if k < 0 {
				return 0, errors.New("unterminated string")
			}
			pos += k + 1
		}
		return pos, nil
	}
	return 0, fmt.Errorf("unknown rpm type %d", e.typ)
}

// relayout rebuilds the data store with entry i's data replaced, every
// entry in its old order, packed as rpm packs them: each right after
// the one before, padded only to its type's alignment (rpm refuses any
// other gap).
func (h *rpmHeader) relayout(i int, data []byte) error {
	order := make([]int, len(h.index))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(h.index[a].offset) - int(h.index[b].offset) })
	var store []byte
	for _, k := range order {
		e := h.index[k]
		if int(e.offset) > len(h.store) {
			return errors.New("rpm header entry past its store")
		}
		d := data
		if k != i {
			n, err := dataLen(e, h.store[e.offset:])
			if err != nil {
				return err
			}
			d = h.store[e.offset : int(e.offset)+n]
		}
		if a := rpmAlign[e.typ]; a > 0 {
			for len(store)%a != 0 {
				store = append(store, 0)
			}
		}
		h.index[k].offset = uint32(len(store))
		store = append(store, d...)
	}
	h.store = store
	return nil
}

// setSourceRPM rewrites a binary rpm's SOURCERPM tag, which nfpm names
// after each package (libfoo-devel-1.0-1.src.rpm) where rpmbuild names
// the one source package every subpackage comes from (libfoo-1.0-1.src.rpm),
// and recomputes the signature header's sizes and digests (an rpm
// signed with a key would need signing again; tiered signs none).
func setSourceRPM(rpm []byte, name string) ([]byte, error) {
	if len(rpm) < rpmLeadLength {
		return nil, errors.New("not an rpm")
	}
	rpm = bytes.Clone(rpm)
	sig, sigEnd, err := parseRPMHeader(rpm[rpmLeadLength:])
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	hdrStart := rpmLeadLength + sigEnd
	hdrStart += (8 - sigEnd%8) % 8
	h, hdrLen, err := parseRPMHeader(rpm[hdrStart:])
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	payload := rpm[hdrStart+hdrLen:]
	i, ok := h.find(tagSourceRPM)
	if !ok || h.index[i].typ != rpmString {
		return nil, errors.New("no SOURCERPM string")
	}
	if err := h.relayout(i, append([]byte(name), 0)); err != nil {
		return nil, err
	}
	header := h.bytes()

	// The signature's entries are fixed-size: overwrite them in place.
	put := func(tag uint32, value []byte) {
		if k, ok := sig.find(tag); ok {
			copy(sig.store[sig.index[k].offset:], value)
		}
	}
	size := uint64(len(header) + len(payload))
	var b4 [4]byte
	binary.BigEndian.PutUint32(b4[:], uint32(size))
	put(sigSize, b4[:])
	var b8 [8]byte
	binary.BigEndian.PutUint64(b8[:], size)
	put(sigLongSize, b8[:])
	s1 := sha1.Sum(header)
	put(sigSHA1, []byte(hex.EncodeToString(s1[:])))
	s256 := sha256.Sum256(header)
	put(sigSHA256, []byte(hex.EncodeToString(s256[:])))
	m := md5.New()
	m.Write(header)
	m.Write(payload)
	put(sigMD5, m.Sum(nil))

	out := make([]byte, 0, len(rpm)+len(name))
	out = append(out, rpm[:hdrStart]...)
	copy(out[rpmLeadLength:], sig.bytes())
	out = append(out, header...)
	return append(out, payload...), nil
}
