package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/cilium/ebpf/btf"
)

const (
	// MaxDecompressed bounds the bytes decompressed from one input. An
	// ELF vmlinux with debug information is under 1 GiB; a distro's
	// stripped one is about 60 MiB.
	MaxDecompressed = 1 << 30

	// MaxBTF bounds one BTF blob: raw BTF, or one .BTF section. A
	// distro vmlinux's BTF is about 6 MiB, a module's a few KiB.
	MaxBTF = 32 << 20

	// MaxFile bounds the size of an input file on disk. Larger files are
	// refused before they are read.
	MaxFile = 2 << 30
)

// limits are the bounds one load works within: the package's constants,
// or smaller ones in tests.
type limits struct {
	file         int64 // bytes of one input file
	decompressed int64 // bytes decompressed from one input
	btf          int64 // bytes of one BTF blob
}

var defaultLimits = limits{file: MaxFile, decompressed: MaxDecompressed, btf: MaxBTF}

// Conditions a caller may branch on, matched with [errors.Is]. The errors
// this package returns are [*Error] values that wrap one of these, or
// [*fs.PathError] when a file cannot be opened or read.
var (
	// ErrNotRegular is returned for a path that is a directory, FIFO,
	// device or socket where a file is wanted.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge is returned when a file, a decompressed stream or a
	// BTF blob is over its limit, or a header says it would be.
	ErrTooLarge = errors.New("too large")
	// ErrUnknownFormat is returned for data that is none of the forms
	// the package reads, and for a compression it does not know.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrNoBTF is returned for an ELF file without a .BTF section.
	ErrNoBTF = errors.New("no BTF")
	// ErrMismatch is returned for a module built for another kernel
	// than the base it is loaded on.
	ErrMismatch = errors.New("kernel mismatch")
)

// Error is a problem with one input file: which file, and what was wrong.
type Error struct {
	Path string // the file, as the caller named it
	Err  error  // what was wrong; it may wrap one of the Err* conditions
}

// Error returns the file, a colon, and what was wrong with it.
func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// problem is an error whose text is free-form but which matches a
// condition with errors.Is.
type problem struct {
	kind error
	msg  string
	err  error // an underlying cause, or nil
}

func (p *problem) Error() string        { return p.msg }
func (p *problem) Is(target error) bool { return target == p.kind }
func (p *problem) Unwrap() error        { return p.err }

// errorf formats a problem of the given kind (nil for none). A %w verb
// in format makes the wrapped error its cause.
func errorf(kind error, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &problem{kind: kind, msg: err.Error(), err: errors.Unwrap(err)}
}

// Format is the form a kernel file has.
type Format int

// The forms [Load] reads. A compressed file has the form of what it
// decompresses to; [Kernel.Compression] says how it was compressed.
const (
	FormatRawBTF  Format = iota + 1 // raw BTF, as in /sys/kernel/btf/vmlinux
	FormatELF                       // an ELF vmlinux
	FormatBzImage                   // an x86 bzImage (vmlinuz)
)

// String returns the form's name: "raw BTF", "ELF" or "bzImage".
func (f Format) String() string {
	switch f {
	case FormatRawBTF:
		return "raw BTF"
	case FormatELF:
		return "ELF"
	case FormatBzImage:
		return "bzImage"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Kernel is one kernel's BTF, and what its file says about it.
type Kernel struct {
	Path        string    // the file it was read from
	Spec        *btf.Spec // the kernel's BTF
	Format      Format    // the file's form
	Compression string    // "gzip", "xz", "zstd", "lz4", "bzip2" or "lzma" for the file or a bzImage's payload; "" if none
	// Version is the kernel release as the file states it, as uname -r
	// prints it: "6.1.0-28-amd64". It is "" for raw BTF, which does not
	// say; [ParseName] reads a version from the file's name instead.
	Version string
	// Banner is the whole version string: a bzImage's kernel_version
	// ("6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP …") or an
	// ELF vmlinux's linux_banner ("Linux version 6.1.0-28-amd64 …").
	// [Upstream] reads the upstream release from a distro's banner.
	Banner string
	// Types is the number of types the BTF declares, as bpftool counts
	// them: type 0 (void) is not one.
	Types int
}

// Load reads one kernel's BTF from path: raw BTF, an ELF vmlinux, a
// bzImage, or raw BTF or ELF compressed (see the package documentation).
// Errors are [*fs.PathError] if path cannot be opened, else [*Error]
// wrapping [ErrNotRegular], [ErrTooLarge], [ErrUnknownFormat] or
// [ErrNoBTF] when one of them is the reason.
func Load(path string) (*Kernel, error) {
	return load(path, defaultLimits)
}

func load(path string, lim limits) (*Kernel, error) {
	f, size, err := openFile(path, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k, err := readKernel(f, size, lim)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	k.Path = path
	return k, nil
}

// openFile opens path for reading if it is a regular file of at most
// lim.file bytes. It looks before it opens, so a FIFO or device is
// refused without being opened, and opens non-blocking, so a path
// swapped for a FIFO in between cannot block; then it checks again.
func openFile(path string, lim limits) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if err := checkRegular(fi, lim); err != nil {
		return nil, 0, &Error{Path: path, Err: err}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi2, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if err := checkRegular(fi2, lim); err != nil {
		f.Close()
		return nil, 0, &Error{Path: path, Err: err}
	}
	if !os.SameFile(fi, fi2) {
		f.Close()
		return nil, 0, &Error{Path: path, Err: errors.New("the file changed while it was opened")}
	}
	return f, fi2.Size(), nil
}

func checkRegular(fi fs.FileInfo, lim limits) error {
	m := fi.Mode()
	if !m.IsRegular() {
		what := "special file"
		switch {
		case m.IsDir():
			what = "directory"
		case m&fs.ModeNamedPipe != 0:
			what = "FIFO"
		case m&fs.ModeCharDevice != 0:
			what = "character device"
		case m&fs.ModeDevice != 0:
			what = "block device"
		case m&fs.ModeSocket != 0:
			what = "socket"
		}
		return errorf(ErrNotRegular, "a %s, not a regular file", what)
	}
	if fi.Size() > lim.file {
		return errorf(ErrTooLarge, "%d bytes, over the %s limit for a file", fi.Size(), sizeString(lim.file))
	}
	return nil
}

// readKernel reads a kernel from the size bytes of r.
func readKernel(r io.ReaderAt, size int64, lim limits) (*Kernel, error) {
	head := make([]byte, 16)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	head = head[:n]
	switch {
	case isRawBTF(head):
		data, err := readRawBTF(io.NewSectionReader(r, 0, size), size, lim)
		if err != nil {
			return nil, err
		}
		spec, types, err := loadSpec(data, nil)
		if err != nil {
			return nil, err
		}
		return &Kernel{Spec: spec, Format: FormatRawBTF, Types: types}, nil
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return readELFKernel(r, size, lim)
	case isBzImage(r, size):
		return readBzImage(r, size, lim)
	}
	if c := sniffCodec(head); c != nil {
		return readCompressedKernel(c, func() io.Reader { return io.NewSectionReader(r, 0, size) }, lim)
	}
	return nil, unknownFormat(head)
}

// readCompressedKernel reads raw BTF or an ELF vmlinux compressed with c.
func readCompressedKernel(c *codec, open func() io.Reader, lim limits) (*Kernel, error) {
	s := &stream{codec: c, open: open, lim: lim}
	head, err := s.peek(16)
	if err != nil {
		return nil, within(c.name, err)
	}
	defer s.close()
	switch {
	case isRawBTF(head):
		rd, done, err := s.reader()
		if err != nil {
			return nil, err
		}
		defer done()
		data, err := readRawBTF(rd, -1, lim)
		if err != nil {
			return nil, within(c.name, err)
		}
		spec, types, err := loadSpec(data, nil)
		if err != nil {
			return nil, within(c.name, err)
		}
		return &Kernel{Spec: spec, Format: FormatRawBTF, Compression: c.name, Types: types}, nil
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		k, err := streamELFKernel(s)
		if err != nil {
			return nil, within(c.name, err)
		}
		k.Compression = c.name
		return k, nil
	}
	return nil, within(c.name, unknownFormat(head))
}

func unknownFormat(head []byte) error {
	return errorf(ErrUnknownFormat, "unknown format (magic %s: want raw BTF, an ELF vmlinux or a bzImage, plain or compressed)", magicString(head))
}

// magicString writes a file's first four bytes as "89 50 4e 47".
func magicString(head []byte) string {
	if len(head) == 0 {
		return "none: the file is empty"
	}
	return fmt.Sprintf("% x", head[:min(4, len(head))])
}

// btfMagic is the BTF header's magic number; a blob's byte order is
// the order it reads as this number in.
const btfMagic = 0xeb9f

func isRawBTF(head []byte) bool {
	return len(head) >= 4 && (binary.LittleEndian.Uint16(head) == btfMagic || binary.BigEndian.Uint16(head) == btfMagic) && head[2] == 1
}

// btfLen returns the length of the BTF blob whose header starts hdr (at
// least 24 bytes), as its header states it.
func btfLen(hdr []byte) (int64, error) {
	if len(hdr) < 24 || !isRawBTF(hdr) {
		return 0, errors.New("not BTF")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint16(hdr) == btfMagic {
		bo = binary.BigEndian
	}
	hdrLen := int64(bo.Uint32(hdr[4:]))
	typeOff, typeLen := int64(bo.Uint32(hdr[8:])), int64(bo.Uint32(hdr[12:]))
	strOff, strLen := int64(bo.Uint32(hdr[16:])), int64(bo.Uint32(hdr[20:]))
	if hdrLen < 24 {
		return 0, fmt.Errorf("BTF header length %d is under 24", hdrLen)
	}
	return hdrLen + max(typeOff+typeLen, strOff+strLen), nil
}

// readRawBTF reads one BTF blob from r: size bytes if size >= 0, else as
// many as its header says.
func readRawBTF(r io.Reader, size int64, lim limits) ([]byte, error) {
	hdr := make([]byte, 24)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("BTF header: %w", noEOF(err))
	}
	n, err := btfLen(hdr)
	if err != nil {
		return nil, err
	}
	if size >= 0 {
		if n > size {
			return nil, fmt.Errorf("BTF header says %d bytes, the file has %d", n, size)
		}
		n = size
	}
	if n > lim.btf {
		return nil, errorf(ErrTooLarge, "BTF of %d bytes is over the %s limit", n, sizeString(lim.btf))
	}
	data := make([]byte, n)
	copy(data, hdr)
	if _, err := io.ReadFull(r, data[24:]); err != nil {
		return nil, fmt.Errorf("BTF: %w", noEOF(err))
	}
	return data, nil
}

// countTypes returns how many types the BTF blob data declares, as
// bpftool lists them (type 0, void, is not declared). It walks the type
// section by each kind's size (Documentation/bpf/btf.rst, 2.2).
func countTypes(data []byte) (int, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint16(data) == btfMagic {
		bo = binary.BigEndian
	}
	hdrLen, typeOff, typeLen := uint64(bo.Uint32(data[4:])), uint64(bo.Uint32(data[8:])), uint64(bo.Uint32(data[12:]))
	if hdrLen+typeOff+typeLen > uint64(len(data)) {
		return 0, errors.New("BTF type section is out of bounds")
	}
	types := data[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	n := 0
	for len(types) > 0 {
		if len(types) < 12 {
			return 0, fmt.Errorf("BTF type %d is cut short", n+1)
		}
		info := bo.Uint32(types[4:])
		vlen, kind := int(info&0xffff), (info>>24)&0x1f
		size := 12
		switch kind {
		case 1, 14, 17: // int, var, decl tag
			size += 4
		case 3: // array
			size += 12
		case 4, 5, 15, 19: // struct, union, datasec, enum64
			size += 12 * vlen
		case 6, 13: // enum, function prototype
			size += 8 * vlen
		case 2, 7, 8, 9, 10, 11, 12, 16, 18: // pointer, forward, typedef, volatile, const, restrict, function, float, type tag
		default:
			return 0, fmt.Errorf("BTF type %d has unknown kind %d", n+1, kind)
		}
		if size > len(types) {
			return 0, fmt.Errorf("BTF type %d is cut short", n+1)
		}
		types = types[size:]
		n++
	}
	return n, nil
}

// loadSpec parses BTF; with a base, as split BTF on top of it.
// It returns the number of types too.
func loadSpec(data []byte, base *btf.Spec) (*btf.Spec, int, error) {
	var spec *btf.Spec
	var err error
	if base == nil {
		spec, err = btf.LoadSpecFromReader(bytes.NewReader(data))
	} else {
		spec, err = btf.LoadSplitSpecFromReader(bytes.NewReader(data), base)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("parse BTF: %w", err)
	}
	n, err := countTypes(data)
	if err != nil {
		return nil, 0, fmt.Errorf("parse BTF: %w", err)
	}
	return spec, n, nil
}

// noEOF turns an end of file where data was expected into
// io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// sizeString writes a byte count for people: "1 GiB", "64 MiB", "1000 bytes".
func sizeString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
