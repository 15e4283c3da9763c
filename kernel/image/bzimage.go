package image

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// The x86 boot protocol (Documentation/arch/x86/boot.rst): a bzImage
// starts with real-mode setup code of (setup_sects+1) 512-byte sectors,
// whose setup header, at offset 0x1f1, locates the compressed vmlinux
// (the payload) in the protected-mode part that follows.
const (
	offSetupSects    = 0x1f1 // u8; 0 means 4
	offBootFlag      = 0x1fe // u16 0xaa55
	offHeaderMagic   = 0x202 // "HdrS"
	offVersion       = 0x206 // u16 boot protocol version
	offKernelVersion = 0x20e // u16: the version string is at this + 0x200
	offPayloadOffset = 0x248 // u32, from the protected-mode code (2.08+)
	offPayloadLength = 0x24c // u32 (2.08+)
	setupHeaderEnd   = 0x250
)

// isBzImage reports whether r starts with an x86 setup header.
func isBzImage(r io.ReaderAt, size int64) bool {
	if size < setupHeaderEnd {
		return false
	}
	var b [6]byte
	if _, err := r.ReadAt(b[:], offBootFlag); err != nil {
		return false
	}
	return binary.LittleEndian.Uint16(b[:]) == 0xaa55 && string(b[4:6]) == "Hd" && checkHdrS(r)
}

func checkHdrS(r io.ReaderAt) bool {
	var b [4]byte
	_, err := r.ReadAt(b[:], offHeaderMagic)
	return err == nil && string(b[:]) == "HdrS"
}

// bzImage is what a bzImage's setup header says.
type bzImage struct {
	version        string // kernel_version: "6.1.0-28-amd64 (debian-kernel@…) #1 SMP …"
	payloadOffset  int64  // in the file
	payloadLength  int64
	uncompressedSz int64 // the size the build appends to the payload, or 0
}

// parseBzImage reads the setup header of the size bytes of r.
func parseBzImage(r io.ReaderAt, size int64) (*bzImage, error) {
	var sects [1]byte
	if _, err := r.ReadAt(sects[:], offSetupSects); err != nil {
		return nil, fmt.Errorf("setup header: %w", noEOF(err))
	}
	setupSects := int64(sects[0])
	if setupSects == 0 {
		setupSects = 4
	}
	setupSize := (setupSects + 1) * 512
	if setupSize > size {
		return nil, fmt.Errorf("setup header: %d setup sectors overrun the %d-byte file", setupSects, size)
	}
	setup := make([]byte, setupSize)
	if _, err := r.ReadAt(setup, 0); err != nil {
		return nil, fmt.Errorf("setup header: %w", noEOF(err))
	}
	le := binary.LittleEndian
	protocol := le.Uint16(setup[offVersion:])
	if protocol < 0x208 {
		return nil, fmt.Errorf("setup header: boot protocol %d.%02d has no payload fields (want 2.08 or later)", protocol>>8, protocol&0xff)
	}
	bz := &bzImage{}
	if kv := int64(le.Uint16(setup[offKernelVersion:])); kv != 0 {
		start := kv + 0x200
		if start < setupSize {
			s := setup[start:min(start+512, setupSize)]
			if i := bytes.IndexByte(s, 0); i >= 0 {
				bz.version = printable(s[:i])
			}
		}
	}
	bz.payloadOffset = setupSize + int64(le.Uint32(setup[offPayloadOffset:]))
	bz.payloadLength = int64(le.Uint32(setup[offPayloadLength:]))
	if bz.payloadLength < 8 || bz.payloadOffset+bz.payloadLength > size {
		return nil, fmt.Errorf("setup header: payload of %d bytes at %d is not inside the %d-byte file", bz.payloadLength, bz.payloadOffset, size)
	}
	var tail [4]byte
	if _, err := r.ReadAt(tail[:], bz.payloadOffset+bz.payloadLength-4); err == nil {
		bz.uncompressedSz = int64(le.Uint32(tail[:]))
	}
	return bz, nil
}

// printable returns b as a string if it is printable ASCII, else "".
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return ""
		}
	}
	return string(b)
}

// readBzImage reads the kernel in a bzImage.
func readBzImage(r io.ReaderAt, size int64, lim limits) (*Kernel, error) {
	bz, err := parseBzImage(r, size)
	if err != nil {
		return nil, err
	}
	payload := func() io.Reader { return io.NewSectionReader(r, bz.payloadOffset, bz.payloadLength) }
	head := make([]byte, 8)
	if _, err := io.ReadFull(payload(), head); err != nil {
		return nil, fmt.Errorf("bzImage payload: %w", noEOF(err))
	}
	c := sniffCodec(head)
	if c == nil {
		what := ""
		if bytes.HasPrefix(head, lzoMagic) {
			what = ": lzo, which this package does not read"
		}
		return nil, errorf(ErrUnknownFormat, "bzImage payload: unknown compression (magic %s%s)", magicString(head), what)
	}
	// Every codec the kernel's build uses appends the uncompressed size
	// as a 32-bit number (scripts/Makefile.lib, size_append): a payload
	// that says it is larger than the limit is refused before it is
	// decompressed. A size it does not state truly is caught while
	// decompressing.
	if bz.uncompressedSz > lim.decompressed {
		return nil, errorf(ErrTooLarge, "bzImage payload: says it decompresses to %d bytes, over the %s limit", bz.uncompressedSz, sizeString(lim.decompressed))
	}
	s := &stream{codec: c, open: payload, lim: lim}
	defer s.close()
	first, err := s.peek(4)
	if err != nil {
		return nil, fmt.Errorf("bzImage payload: %w", err)
	}
	if !bytes.HasPrefix(first, []byte("\x7fELF")) {
		return nil, errorf(ErrUnknownFormat, "bzImage payload: %s: not an ELF vmlinux (magic %s)", c.name, magicString(first))
	}
	k, err := streamELFKernel(s)
	if err != nil {
		return nil, fmt.Errorf("bzImage payload: %w", within(c.name, err))
	}
	k.Format = FormatBzImage
	k.Compression = c.name
	if bz.version != "" {
		// The header's string is what uname -r and uname -v print; the
		// ELF banner, if found, says the same with "Linux version".
		k.Banner = bz.version
		k.Version = firstField(bz.version)
	}
	return k, nil
}

func firstField(s string) string {
	if i := bytes.IndexByte([]byte(s), ' '); i >= 0 {
		return s[:i]
	}
	return s
}
