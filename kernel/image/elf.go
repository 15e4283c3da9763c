package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// elfWant says which sections besides .BTF a reader needs.
type elfWant struct {
	banner  bool // the "Linux version" banner in .rodata
	modinfo bool // a module's .modinfo
}

// elfFound is what was read from an ELF file.
type elfFound struct {
	btf     []byte
	banner  string // "Linux version 6.1.0-28-amd64 (…) …", or ""
	modinfo []byte
}

// maxModinfo bounds a module's .modinfo section, a few hundred bytes.
const maxModinfo = 1 << 20

// bannerPrefix starts the kernel's linux_banner (init/version.c).
const bannerPrefix = "Linux version "

func errNoBTFSection() error {
	return errorf(ErrNoBTF, "ELF file has no .BTF section (the kernel was built without CONFIG_DEBUG_INFO_BTF)")
}

// readELFKernel reads a kernel from an ELF vmlinux that can be read at
// any offset: only its .BTF and .rodata sections are read.
func readELFKernel(r io.ReaderAt, size int64, lim limits) (*Kernel, error) {
	found, err := readELFAt(r, size, elfWant{banner: true}, lim)
	if err != nil {
		return nil, err
	}
	return elfKernel(found)
}

func elfKernel(found elfFound) (*Kernel, error) {
	spec, types, err := loadSpec(found.btf, nil)
	if err != nil {
		return nil, fmt.Errorf(".BTF: %w", err)
	}
	k := &Kernel{Spec: spec, Format: FormatELF, Banner: found.banner, Types: types}
	if v, ok := strings.CutPrefix(found.banner, bannerPrefix); ok {
		k.Version = firstField(v)
	}
	return k, nil
}

// readELFAt reads the sections want names, and .BTF, with debug/elf.
func readELFAt(r io.ReaderAt, size int64, want elfWant, lim limits) (elfFound, error) {
	var found elfFound
	f, err := elf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return found, fmt.Errorf("read ELF: %w", err)
	}
	sec := f.Section(".BTF")
	if sec == nil || sec.Type == elf.SHT_NOBITS {
		return found, errNoBTFSection()
	}
	if int64(sec.Size) > lim.btf {
		return found, errorf(ErrTooLarge, ".BTF section of %d bytes is over the %s limit", sec.Size, sizeString(lim.btf))
	}
	if found.btf, err = sec.Data(); err != nil {
		return found, fmt.Errorf(".BTF: %w", err)
	}
	if want.banner {
		if ro := f.Section(".rodata"); ro != nil && ro.Type != elf.SHT_NOBITS {
			if found.banner, err = scanBanner(ro.Open()); err != nil {
				return found, fmt.Errorf(".rodata: %w", err)
			}
		}
	}
	if want.modinfo {
		if mi := f.Section(".modinfo"); mi != nil && mi.Type != elf.SHT_NOBITS {
			if mi.Size > maxModinfo {
				return found, errorf(ErrTooLarge, ".modinfo section of %d bytes is over the %s limit", mi.Size, sizeString(maxModinfo))
			}
			if found.modinfo, err = mi.Data(); err != nil {
				return found, fmt.Errorf(".modinfo: %w", err)
			}
		}
	}
	return found, nil
}

// scanBanner returns the first linux_banner in r, or "".
func scanBanner(r io.Reader) (string, error) {
	const chunk = 1 << 20
	buf := make([]byte, bannerCapture+chunk)
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:])
		window := buf[:carry+n]
		end := err != nil // no more data: every match is whole or cut
		// A match in the last bannerCapture bytes is looked at in the
		// next window, which starts with those bytes.
		to := len(window)
		if !end {
			to -= bannerCapture
		}
		for i := 0; i < to; i++ {
			j := bytes.Index(window[i:], []byte(bannerPrefix))
			if j < 0 || i+j >= to {
				break
			}
			i += j
			if b, ok := parseBanner(window[i:min(len(window), i+bannerCapture)]); ok {
				return b, nil
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		carry = copy(buf, window[to:])
	}
}

// parseBanner reads a banner from the start of b: "Linux version", a
// release that starts with a digit, up to a newline or NUL.
func parseBanner(b []byte) (string, bool) {
	if end := bytes.IndexAny(b, "\n\x00"); end >= 0 {
		b = b[:end]
	}
	if len(b) > 512 {
		b = b[:512]
	}
	s := printable(b)
	rest, ok := strings.CutPrefix(s, bannerPrefix)
	if !ok || rest == "" || rest[0] < '0' || rest[0] > '9' {
		return "", false
	}
	return s, true
}

// elfHeader is what a streamed ELF file's header says about its section
// headers.
type elfHeader struct {
	bo        binary.ByteOrder
	is64      bool
	shoff     int64
	shentsize int64
	shnum     int64
	shstrndx  int64
}

func (h elfHeader) shtEnd() int64 { return h.shoff + h.shnum*h.shentsize }

func parseELFHeader(b []byte) (elfHeader, error) {
	var h elfHeader
	if len(b) < 52 || !bytes.HasPrefix(b, []byte("\x7fELF")) {
		return h, errors.New("ELF header: truncated")
	}
	switch b[elf.EI_DATA] {
	case byte(elf.ELFDATA2LSB):
		h.bo = binary.LittleEndian
	case byte(elf.ELFDATA2MSB):
		h.bo = binary.BigEndian
	default:
		return h, fmt.Errorf("ELF header: unknown byte order %d", b[elf.EI_DATA])
	}
	switch b[elf.EI_CLASS] {
	case byte(elf.ELFCLASS64):
		if len(b) < 64 {
			return h, errors.New("ELF header: truncated")
		}
		h.is64 = true
		h.shoff = int64(h.bo.Uint64(b[0x28:]))
		h.shentsize = int64(h.bo.Uint16(b[0x3a:]))
		h.shnum = int64(h.bo.Uint16(b[0x3c:]))
		h.shstrndx = int64(h.bo.Uint16(b[0x3e:]))
	case byte(elf.ELFCLASS32):
		h.shoff = int64(h.bo.Uint32(b[0x20:]))
		h.shentsize = int64(h.bo.Uint16(b[0x2e:]))
		h.shnum = int64(h.bo.Uint16(b[0x30:]))
		h.shstrndx = int64(h.bo.Uint16(b[0x32:]))
	default:
		return h, fmt.Errorf("ELF header: unknown class %d", b[elf.EI_CLASS])
	}
	want := int64(40)
	if h.is64 {
		want = 64
	}
	switch {
	case h.shnum == 0 || h.shoff == 0:
		return h, errorf(ErrNoBTF, "ELF file has no section headers")
	case h.shentsize != want:
		return h, fmt.Errorf("ELF header: section header size %d, want %d", h.shentsize, want)
	case h.shnum >= int64(elf.SHN_LORESERVE):
		return h, fmt.Errorf("ELF header: %d sections is more than this reader supports", h.shnum)
	case h.shstrndx >= h.shnum:
		return h, fmt.Errorf("ELF header: section name table %d is not among the %d sections", h.shstrndx, h.shnum)
	case h.shoff < 52:
		return h, fmt.Errorf("ELF header: section headers at offset %d overlap the ELF header", h.shoff)
	}
	return h, nil
}

// elfSection is one section header of a streamed ELF file.
type elfSection struct {
	name     string
	nameOff  uint32
	typ      elf.SectionType
	off, end int64
}

func (s *elfSection) size() int64 { return s.end - s.off }

func parseSections(h elfHeader, sht []byte) ([]elfSection, error) {
	secs := make([]elfSection, h.shnum)
	for i := range secs {
		b := sht[int64(i)*h.shentsize:]
		s := &secs[i]
		s.nameOff = h.bo.Uint32(b[0:])
		s.typ = elf.SectionType(h.bo.Uint32(b[4:]))
		var off, size uint64
		if h.is64 {
			off, size = h.bo.Uint64(b[0x18:]), h.bo.Uint64(b[0x20:])
		} else {
			off, size = uint64(h.bo.Uint32(b[0x10:])), uint64(h.bo.Uint32(b[0x14:]))
		}
		if s.typ == elf.SHT_NOBITS {
			size = 0
		}
		if off > 1<<62 || size > 1<<62 {
			return nil, fmt.Errorf("section %d: offset %d and size %d are out of range", i, off, size)
		}
		s.off, s.end = int64(off), int64(off+size)
	}
	return secs, nil
}

func nameSections(secs []elfSection, names []byte) {
	for i := range secs {
		off := int(secs[i].nameOff)
		if off >= len(names) {
			continue
		}
		if end := bytes.IndexByte(names[off:], 0); end >= 0 {
			secs[i].name = string(names[off : off+end])
		}
	}
}

func sectionNamed(secs []elfSection, name string) *elfSection {
	for i := range secs {
		if secs[i].name == name {
			return &secs[i]
		}
	}
	return nil
}

// capture keeps the bytes [off, end) of a stream as they go by.
type capture struct {
	off, end int64
	data     []byte
}

// newCapture allocates the whole range at once, so that a large one is
// not copied as it grows: every range is checked against a limit first.
func newCapture(off, end int64) *capture {
	return &capture{off: off, end: end, data: make([]byte, 0, end-off)}
}

func (c *capture) next() int64 { return c.off + int64(len(c.data)) }
func (c *capture) done() bool  { return c.next() == c.end }

// fill takes what c wants next from b, which holds the stream's bytes
// from offset at.
func (c *capture) fill(b []byte, at int64) {
	next := c.next()
	if next >= c.end || next < at || next >= at+int64(len(b)) {
		return
	}
	n := min(c.end, at+int64(len(b))) - next
	c.data = append(c.data, b[next-at:next-at+n]...)
}

// bytes returns the captured [off, end), if c holds it whole.
func (c *capture) bytes(off, end int64) ([]byte, bool) {
	if c == nil || off < c.off || end > c.next() {
		return nil, false
	}
	return c.data[off-c.off : end-c.off], true
}

// The streamed reader keeps, in the first pass, the section headers, the
// megabyte before them (where linkers put the section name table), and
// candidates for what it wants found by their content: BTF headers and
// banners. Most files need that one pass; when a candidate was not the
// section, another pass fetches the section by its offset.
const (
	scanChunk     = 1 << 20
	scanOverlap   = 64
	scanLookback  = 31 // a BTF header (24) or banner prefix and a digit (15)
	tailWindow    = 1 << 20
	maxBTFCands   = 4
	maxBanners    = 16
	bannerCapture = 512
)

// elfScan reads an ELF file from a stream, front to back, in passes.
type elfScan struct {
	s    *stream
	want elfWant
	hdr  elfHeader

	scanBTF, scanBanner bool       // what a scanning pass looks for
	btfCands            []*capture // candidates for .BTF, by content
	candBytes           int64      // the sizes of btfCands, added
	banners             []*capture // candidates for the banner
}

// pass reads the stream once, up to stopAt, filling wanted; with scan
// set, it also collects candidates (e.scanBTF, e.scanBanner) that start
// in [scanFrom, scanTo).
func (e *elfScan) pass(wanted []*capture, stopAt int64, scan bool, scanFrom, scanTo int64) error {
	r, done, err := e.s.reader()
	if err != nil {
		return err
	}
	defer done()
	buf := make([]byte, scanOverlap+scanChunk)
	carry := 0
	var pos int64
	scanned := scanFrom
	for pos < stopAt {
		n, err := io.ReadFull(r, buf[carry:carry+int(min(scanChunk, stopAt-pos))])
		chunk := buf[carry : carry+n]
		for _, c := range wanted {
			c.fill(chunk, pos)
		}
		for _, c := range e.btfCands {
			c.fill(chunk, pos)
		}
		for _, c := range e.banners {
			c.fill(chunk, pos)
		}
		if scan {
			window := buf[:carry+n]
			e.findCandidates(window, pos-int64(carry), &scanned, scanTo)
		}
		pos += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
		keep := min(scanOverlap, carry+n)
		copy(buf, buf[carry+n-keep:carry+n])
		carry = keep
	}
	return nil
}

// findCandidates looks for BTF headers and banners in window, which
// starts at offset at, up to offset scanTo; those that start before
// *scanned were seen already.
func (e *elfScan) findCandidates(window []byte, at int64, scanned *int64, scanTo int64) {
	from := int(max(0, *scanned-at))
	// Candidates must start where the whole pattern is in this window;
	// the rest are seen in the next one, which starts with them.
	to := min(len(window)-scanLookback, int(min(int64(len(window)), scanTo-at)))
	if e.scanBTF {
		for _, magic := range [][]byte{{0x9f, 0xeb, 1, 0}, {0xeb, 0x9f, 1, 0}} {
			for i := from; i < to && len(e.btfCands) < maxBTFCands; i++ {
				j := bytes.Index(window[i:], magic)
				if j < 0 || i+j >= to {
					break
				}
				i += j
				if !isKernelBTFHeader(window[i:]) {
					continue
				}
				off := at + int64(i)
				// All candidates together are held to one BTF's limit.
				if n, _ := btfLen(window[i:]); e.candBytes+n <= e.s.lim.btf && off+n <= scanTo {
					c := newCapture(off, off+n)
					c.fill(window, at)
					e.btfCands = append(e.btfCands, c)
					e.candBytes += n
				}
			}
		}
	}
	if e.scanBanner {
		for i := from; i < to && len(e.banners) < maxBanners; i++ {
			j := bytes.Index(window[i:], []byte(bannerPrefix))
			if j < 0 || i+j >= to {
				break
			}
			i += j
			if d := window[i+len(bannerPrefix)]; d < '0' || d > '9' {
				continue
			}
			off := at + int64(i)
			c := newCapture(off, off+bannerCapture)
			c.fill(window, at)
			e.banners = append(e.banners, c)
		}
	}
	*scanned = max(*scanned, at+int64(to))
}

// isKernelBTFHeader reports whether b starts with a BTF header laid out
// as pahole writes vmlinux's and modules': types, then strings.
func isKernelBTFHeader(b []byte) bool {
	if len(b) < 24 || !isRawBTF(b) || b[3] != 0 {
		return false
	}
	bo := binary.ByteOrder(binary.LittleEndian)
	if b[0] == 0xeb {
		bo = binary.BigEndian
	}
	return bo.Uint32(b[4:]) == 24 && bo.Uint32(b[8:]) == 0 && bo.Uint32(b[16:]) == bo.Uint32(b[12:]) && bo.Uint32(b[20:]) > 0
}

// streamELFKernel reads a kernel from an ELF vmlinux in a stream.
func streamELFKernel(s *stream) (*Kernel, error) {
	found, err := streamELF(s, elfWant{banner: true})
	if err != nil {
		return nil, err
	}
	return elfKernel(found)
}

// streamELF reads .BTF and the sections want names from an ELF file in a
// stream, in as few passes as it can (at most three).
func streamELF(s *stream, want elfWant) (elfFound, error) {
	var found elfFound
	head, err := s.peek(64)
	if err != nil {
		return found, err
	}
	e := &elfScan{s: s, want: want, scanBTF: true, scanBanner: want.banner}
	if e.hdr, err = parseELFHeader(head); err != nil {
		return found, err
	}
	shtEnd := e.hdr.shtEnd()
	if shtEnd > s.lim.decompressed {
		return found, errorf(ErrTooLarge, "ELF section headers end at offset %d, past the %s decompression limit", shtEnd, sizeString(s.lim.decompressed))
	}

	// Pass one: section headers, the bytes before them, candidates.
	sht := newCapture(e.hdr.shoff, shtEnd)
	tail := newCapture(max(0, e.hdr.shoff-tailWindow), e.hdr.shoff)
	if err := e.pass([]*capture{sht, tail}, shtEnd, true, 0, e.hdr.shoff); err != nil {
		return found, err
	}
	if !sht.done() {
		return found, fmt.Errorf("truncated ELF: its section headers at offset %d are past the end of the data (%d bytes)", e.hdr.shoff, sht.next())
	}
	secs, err := parseSections(e.hdr, sht.data)
	if err != nil {
		return found, err
	}
	strtab := &secs[e.hdr.shstrndx]
	names, ok := tail.bytes(strtab.off, strtab.end)
	if !ok {
		if err := e.checkRange("section name table", strtab, maxModinfo); err != nil {
			return found, err
		}
		c := newCapture(strtab.off, strtab.end)
		if err := e.pass([]*capture{c}, c.end, false, 0, 0); err != nil {
			return found, err
		}
		if !c.done() {
			return found, fmt.Errorf("truncated ELF: section name table at offset %d", strtab.off)
		}
		names = c.data
	}
	nameSections(secs, names)

	// What pass one did not find, by offset.
	var wanted []*capture
	btfSec := sectionNamed(secs, ".BTF")
	if btfSec == nil || btfSec.typ == elf.SHT_NOBITS {
		return found, errNoBTFSection()
	}
	if err := e.checkRange(".BTF section", btfSec, s.lim.btf); err != nil {
		return found, err
	}
	for _, c := range e.btfCands {
		if b, ok := c.bytes(btfSec.off, btfSec.end); ok {
			found.btf = b
		}
	}
	e.btfCands = nil // found.btf keeps the one that was .BTF
	var btfCap *capture
	if found.btf == nil {
		btfCap = newCapture(btfSec.off, btfSec.end)
		wanted = append(wanted, btfCap)
	}
	var modCap *capture
	if mi := sectionNamed(secs, ".modinfo"); want.modinfo && mi != nil && mi.typ != elf.SHT_NOBITS {
		if err := e.checkRange(".modinfo section", mi, maxModinfo); err != nil {
			return found, err
		}
		modCap = newCapture(mi.off, mi.end)
		wanted = append(wanted, modCap)
	}
	rescanBanner := false
	var ro *elfSection
	if want.banner {
		if ro = sectionNamed(secs, ".rodata"); ro != nil {
			found.banner = e.bannerIn(ro)
			// Pass one kept the first banners only; if it kept as many
			// as it may, the one in .rodata may come later.
			rescanBanner = found.banner == "" && len(e.banners) == maxBanners && ro.end <= s.lim.decompressed
		}
	}
	if len(wanted) > 0 || rescanBanner {
		stopAt := int64(0)
		for _, c := range wanted {
			stopAt = max(stopAt, c.end)
		}
		var scanFrom, scanTo int64
		if rescanBanner {
			e.btfCands, e.banners = nil, nil
			e.scanBTF, e.scanBanner = false, true
			scanFrom, scanTo = ro.off, ro.end
			stopAt = max(stopAt, ro.end)
		}
		if err := e.pass(wanted, stopAt, rescanBanner, scanFrom, scanTo); err != nil {
			return found, err
		}
		if rescanBanner {
			found.banner = e.bannerIn(ro)
		}
	}
	if btfCap != nil {
		if !btfCap.done() {
			return found, fmt.Errorf("truncated ELF: .BTF section at offset %d", btfSec.off)
		}
		found.btf = btfCap.data
	}
	if modCap != nil && modCap.done() {
		found.modinfo = modCap.data
	}
	return found, nil
}

// checkRange refuses a section larger than max bytes, or one that ends
// past the decompression limit.
func (e *elfScan) checkRange(what string, sec *elfSection, max int64) error {
	if sec.size() > max {
		return errorf(ErrTooLarge, "%s of %d bytes is over the %s limit", what, sec.size(), sizeString(max))
	}
	if sec.end > e.s.lim.decompressed {
		return errorf(ErrTooLarge, "%s ends at offset %d, past the %s decompression limit", what, sec.end, sizeString(e.s.lim.decompressed))
	}
	return nil
}

// bannerIn returns the first banner candidate inside sec, or "".
func (e *elfScan) bannerIn(sec *elfSection) string {
	for _, c := range e.banners {
		if c.off < sec.off || c.off >= sec.end {
			continue
		}
		b := c.data[:min(len(c.data), int(sec.end-c.off))]
		if s, ok := parseBanner(b); ok {
			return s
		}
	}
	return ""
}
