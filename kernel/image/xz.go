package image

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// The .xz container is read here rather than by github.com/ulikunitz/xz,
// whose reader knows only the LZMA2 filter: the kernel's build compresses
// x86 images with the x86 BCJ filter before LZMA2 (scripts/xz_wrap.sh),
// which this file undoes. LZMA2 itself is ulikunitz's.
//
// Only what a decompressor needs is checked: header CRCs, not the
// integrity check of the data (a truncated or corrupt stream fails in
// LZMA2 or in the BTF reader), nor the index, nor a second stream.

const (
	xzFilterX86   = 0x04
	xzFilterLZMA2 = 0x21
)

// xzReader decompresses one .xz stream block by block.
type xzReader struct {
	br        *bufio.Reader
	checkSize int
	block     io.Reader    // the current block's data; nil between blocks
	counted   *countReader // the current block's compressed bytes
	end       bool         // the index was reached
	empty     int          // reads in a row that returned nothing
	err       error        // sticky
}

func newXZReader(r io.Reader) (*xzReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("stream header: %w", noEOF(err))
	}
	if !bytes.Equal(hdr[:6], []byte{0xfd, '7', 'z', 'X', 'Z', 0}) {
		return nil, errors.New("not an xz stream")
	}
	if crc32.ChecksumIEEE(hdr[6:8]) != binary.LittleEndian.Uint32(hdr[8:]) {
		return nil, errors.New("stream header: bad CRC32")
	}
	if hdr[6] != 0 || hdr[7] > 0x0f {
		return nil, fmt.Errorf("stream header: unknown flags %#02x %#02x", hdr[6], hdr[7])
	}
	// The check's size by type: none, CRC32, CRC64, SHA-256, and the
	// reserved types' sizes (xz file format 1.1.0, 2.1.1.2).
	sizes := [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}
	return &xzReader{br: br, checkSize: sizes[hdr[7]]}, nil
}

func (x *xzReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.end {
			return 0, io.EOF
		}
		if x.block == nil {
			x.err = x.nextBlock()
			continue
		}
		n, err := x.block.Read(p)
		if n == 0 && err == nil {
			if x.empty++; x.empty > 100 {
				x.err = io.ErrNoProgress
			}
			continue
		}
		x.empty = 0
		if err == io.EOF {
			x.err = x.endBlock()
			x.block = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			x.err = noEOF(err)
		}
		return n, x.err
	}
	return 0, x.err
}

// nextBlock reads a block header, and sets up its filters; at the index,
// it marks the end.
func (x *xzReader) nextBlock() error {
	first, err := x.br.ReadByte()
	if err != nil {
		return fmt.Errorf("block header: %w", noEOF(err))
	}
	if first == 0 {
		x.end = true // the index: no more blocks
		return nil
	}
	hdr := make([]byte, (int(first)+1)*4)
	hdr[0] = first
	if _, err := io.ReadFull(x.br, hdr[1:]); err != nil {
		return fmt.Errorf("block header: %w", noEOF(err))
	}
	body := hdr[:len(hdr)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(hdr[len(hdr)-4:]) {
		return errors.New("block header: bad CRC32")
	}
	flags := body[1]
	if flags&0x3c != 0 {
		return fmt.Errorf("block header: unknown flags %#02x", flags)
	}
	rest := body[2:]
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if present { // compressed, then uncompressed size: not needed
			if _, rest, err = uvarint(rest); err != nil {
				return fmt.Errorf("block header: %w", err)
			}
		}
	}
	nfilters := int(flags&3) + 1
	type filter struct {
		id    uint64
		props []byte
	}
	filters := make([]filter, nfilters)
	for i := range filters {
		var id, size uint64
		if id, rest, err = uvarint(rest); err != nil {
			return fmt.Errorf("block header: %w", err)
		}
		if size, rest, err = uvarint(rest); err != nil {
			return fmt.Errorf("block header: %w", err)
		}
		if size > uint64(len(rest)) {
			return errors.New("block header: filter properties overrun the header")
		}
		filters[i] = filter{id, rest[:size]}
		rest = rest[size:]
	}
	last := filters[nfilters-1]
	if last.id != xzFilterLZMA2 || len(last.props) != 1 {
		return fmt.Errorf("filter %#x: only LZMA2 may end a filter chain", last.id)
	}
	dict, err := lzma.DecodeDictCap(last.props[0])
	if err != nil {
		return fmt.Errorf("LZMA2: %w", err)
	}
	if dict > maxDict {
		return errorf(ErrTooLarge, "LZMA2 dictionary of %s is over the %s limit", sizeString(dict), sizeString(maxDict))
	}
	x.counted = &countReader{r: x.br}
	var r io.Reader
	r, err = lzma.Reader2Config{DictCap: int(max(dict, lzma.MinDictCap))}.NewReader2(x.counted)
	if err != nil {
		return fmt.Errorf("LZMA2: %w", err)
	}
	// Filters apply in the order they are listed when compressing, so
	// they are undone from the last to the first.
	for i := nfilters - 2; i >= 0; i-- {
		f := filters[i]
		switch f.id {
		case xzFilterX86:
			var start uint32
			switch len(f.props) {
			case 0:
			case 4:
				start = binary.LittleEndian.Uint32(f.props)
			default:
				return errors.New("x86 filter: bad properties")
			}
			r = &bcjX86Reader{r: r, pos: start, buf: make([]byte, 64<<10)}
		default:
			return fmt.Errorf("filter %#x is not supported (only x86 BCJ and LZMA2 are)", f.id)
		}
	}
	x.block = r
	return nil
}

// endBlock skips the block's padding and check.
func (x *xzReader) endBlock() error {
	pad := int((4 - x.counted.n%4) % 4)
	if _, err := x.br.Discard(pad + x.checkSize); err != nil {
		return fmt.Errorf("block end: %w", noEOF(err))
	}
	return nil
}

// uvarint reads the xz format's multibyte integer from b.
func uvarint(b []byte) (uint64, []byte, error) {
	var v uint64
	for i := 0; i < len(b) && i < 9; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if b[i] == 0 && i > 0 {
				return 0, nil, errors.New("bad integer")
			}
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errors.New("bad integer")
}

// countReader counts the bytes read through it; it is a ByteReader, so
// LZMA2 reads exactly its chunks and no more.
type countReader struct {
	r *bufio.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// bcjX86Reader undoes the x86 BCJ filter, which turns the relative
// addresses of CALL (E8) and JMP (E9) into absolute ones so that they
// compress better. This is XZ Embedded's bcj_x86 (public domain).
type bcjX86Reader struct {
	r        io.Reader
	pos      uint32 // the stream position of buf[0]
	prevMask uint32
	buf      []byte
	out, unf int // buf[out:unf] is filtered, buf[unf:end] not yet
	end      int
	eof      bool
}

func (b *bcjX86Reader) Read(p []byte) (int, error) {
	for b.out == b.unf {
		if b.eof {
			if b.unf < b.end {
				b.unf = b.end // the last few bytes are never filtered
				continue
			}
			return 0, io.EOF
		}
		// Keep the unfiltered tail, then fill the buffer.
		b.pos += uint32(b.unf)
		n := copy(b.buf, b.buf[b.unf:b.end])
		b.out, b.unf, b.end = 0, 0, n
		for empty := 0; b.end < len(b.buf) && !b.eof; {
			m, err := b.r.Read(b.buf[b.end:])
			b.end += m
			switch {
			case err == io.EOF:
				b.eof = true
			case err != nil:
				return 0, err
			case m == 0:
				if empty++; empty > 100 {
					return 0, io.ErrNoProgress
				}
			}
		}
		b.unf = b.x86(b.buf[:b.end])
	}
	n := copy(p, b.buf[b.out:b.unf])
	b.out += n
	return n, nil
}

func testMSByte(b byte) bool { return b == 0x00 || b == 0xff }

// x86 converts the addresses in buf, and returns how much of buf it
// finished; the rest needs the bytes that follow.
func (b *bcjX86Reader) x86(buf []byte) int {
	allowed := [8]bool{true, true, true, false, true, false, false, false}
	bitNum := [8]uint32{0, 1, 2, 2, 3, 3, 3, 3}
	if len(buf) <= 4 {
		return 0
	}
	size := len(buf) - 4
	prevPos := -1
	prevMask := b.prevMask
	i := 0
	for ; i < size; i++ {
		if buf[i]&0xfe != 0xe8 {
			continue
		}
		d := i - prevPos
		if d > 3 {
			prevMask = 0
		} else {
			prevMask = (prevMask << (d - 1)) & 7
			if prevMask != 0 {
				c := buf[i+4-int(bitNum[prevMask])]
				if !allowed[prevMask] || testMSByte(c) {
					prevPos = i
					prevMask = prevMask<<1 | 1
					continue
				}
			}
		}
		prevPos = i
		if !testMSByte(buf[i+4]) {
			prevMask = prevMask<<1 | 1
			continue
		}
		src := binary.LittleEndian.Uint32(buf[i+1:])
		var dest uint32
		for {
			dest = src - (b.pos + uint32(i) + 5)
			if prevMask == 0 {
				break
			}
			j := bitNum[prevMask] * 8
			if !testMSByte(byte(dest >> (24 - j))) {
				break
			}
			src = dest ^ (1<<(32-j) - 1)
		}
		dest &= 0x01ffffff
		dest |= -(dest & 0x01000000)
		binary.LittleEndian.PutUint32(buf[i+1:], dest)
		i += 4
	}
	if d := i - prevPos; d > 3 {
		b.prevMask = 0
	} else {
		b.prevMask = prevMask << (d - 1)
	}
	return i
}
