package image

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz/lzma"
)

// maxDict bounds the window or dictionary a decompressor may allocate.
// The kernel's build uses 32 MiB for xz; xz -9 uses 64 MiB.
const maxDict = 128 << 20

// A codec is a compression this package decompresses.
type codec struct {
	name  string
	magic []byte
	// reader decompresses r; close releases what it holds.
	reader func(r io.Reader) (rd io.Reader, close func(), err error)
}

var codecs = []*codec{
	{name: "gzip", magic: []byte{0x1f, 0x8b, 0x08}, reader: func(r io.Reader) (io.Reader, func(), error) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		// A kernel's payload is followed by its size: one member only.
		zr.Multistream(false)
		return zr, func() {}, nil
	}},
	{name: "xz", magic: []byte{0xfd, '7', 'z', 'X', 'Z', 0}, reader: func(r io.Reader) (io.Reader, func(), error) {
		xr, err := newXZReader(r)
		return xr, func() {}, err
	}},
	{name: "zstd", magic: []byte{0x28, 0xb5, 0x2f, 0xfd}, reader: func(r io.Reader) (io.Reader, func(), error) {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(maxDict))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	}},
	// The kernel's build writes lz4's legacy frame (lz4 -l); the reader
	// also reads the current frame format.
	{name: "lz4", magic: []byte{0x02, 0x21, 0x4c, 0x18}, reader: lz4Reader},
	{name: "lz4", magic: []byte{0x04, 0x22, 0x4d, 0x18}, reader: lz4Reader},
	{name: "bzip2", magic: []byte("BZh"), reader: func(r io.Reader) (io.Reader, func(), error) {
		return bzip2.NewReader(r), func() {}, nil
	}},
	// lzma's "magic" is its usual properties byte and the low byte of
	// its dictionary size; it is tried last.
	{name: "lzma", magic: []byte{0x5d, 0x00, 0x00}, reader: func(r io.Reader) (io.Reader, func(), error) {
		lr, err := lzma.ReaderConfig{DictCap: maxDict}.NewReader(r)
		return lr, func() {}, err
	}},
}

func lz4Reader(r io.Reader) (io.Reader, func(), error) {
	return lz4.NewReader(r), func() {}, nil
}

// lzoMagic starts an lzop file, which a kernel built with
// CONFIG_KERNEL_LZO carries; this package does not read it.
var lzoMagic = []byte{0x89, 'L', 'Z', 'O'}

// sniffCodec returns the codec whose magic starts head, or nil.
func sniffCodec(head []byte) *codec {
	for _, c := range codecs {
		if bytes.HasPrefix(head, c.magic) {
			return c
		}
	}
	return nil
}

// stream is the decompressed contents of compressed data that can be
// read again from the start.
type stream struct {
	codec *codec
	open  func() io.Reader // the compressed data, from its start
	lim   limits

	// a reader opened by peek, handed out by the next call to reader.
	cached     *bufio.Reader
	cachedDone func()
}

// reader returns the decompressed data from its start, and a function to
// call when done with it. It fails once more than lim.decompressed bytes
// have been read.
func (s *stream) reader() (*bufio.Reader, func(), error) {
	if s.cached != nil {
		r, done := s.cached, s.cachedDone
		s.cached, s.cachedDone = nil, nil
		return r, done, nil
	}
	zr, done, err := s.codec.reader(s.open())
	if err != nil {
		return nil, nil, within(s.codec.name, err)
	}
	cr := &capReader{r: zr, left: s.lim.decompressed, codec: s.codec.name}
	return bufio.NewReaderSize(cr, 64<<10), done, nil
}

// peek returns the first n bytes of the decompressed data, or fewer if
// it is shorter.
func (s *stream) peek(n int) ([]byte, error) {
	r, done, err := s.reader()
	if err != nil {
		return nil, err
	}
	b, err := r.Peek(n)
	if err != nil && len(b) == 0 {
		done()
		if err == io.EOF {
			return nil, fmt.Errorf("%s: %w", s.codec.name, io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	s.cached, s.cachedDone = r, done
	return bytes.Clone(b), nil
}

// close releases a reader opened by peek and not handed out.
func (s *stream) close() {
	if s.cachedDone != nil {
		s.cachedDone()
		s.cached, s.cachedDone = nil, nil
	}
}

// capReader reads at most left bytes from r, and fails if r has more.
type capReader struct {
	r     io.Reader
	left  int64
	codec string
	read  int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		if n > 0 {
			return 0, errorf(ErrTooLarge, "%s: decompresses to more than %s", c.codec, sizeString(c.read))
		}
		return 0, decodeErr(c.codec, err)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.read += int64(n)
	return n, decodeErr(c.codec, err)
}

// decodeErr names the codec in a decompressor's error, which some of
// them do not.
func decodeErr(codec string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%s: truncated data: %w", codec, err)
	}
	return within(codec, err)
}

// within puts "what: " before err's text unless err says it already.
func within(what string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), what+":") {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
