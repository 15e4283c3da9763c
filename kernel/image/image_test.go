package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"
)

// summary is what the tests compare of a BTF spec: how many types it has
// and a few names, as bpftool would show them.
type summary struct {
	Types   int
	Enums   []string // constants of enum bpf_prog_type
	Funcs   []string // functions of interest that exist
	Structs []string // structs of interest that exist
}

func summarize(t testing.TB, spec *btf.Spec, funcs ...string) summary {
	t.Helper()
	var s summary
	for typ, err := range spec.All() {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := typ.(*btf.Void); ok {
			continue // bpftool does not list type 0
		}
		s.Types++
	}
	var e *btf.Enum
	if err := spec.TypeByName("bpf_prog_type", &e); err == nil {
		for _, v := range e.Values {
			s.Enums = append(s.Enums, v.Name)
		}
	}
	for _, name := range funcs {
		var fn *btf.Func
		if err := spec.TypeByName(name, &fn); err == nil {
			s.Funcs = append(s.Funcs, name)
		}
	}
	var st *btf.Struct
	if err := spec.TypeByName("bpf_map_info", &st); err == nil {
		s.Structs = append(s.Structs, st.Name)
	}
	return s
}

func TestLoadForms(t *testing.T) {
	raw := kernelBTF(t)
	vmlinux := vmlinuxELF(raw)
	const version = "6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)"
	want := summary{
		Types:   5, // int, the enum, the struct, the function and its prototype
		Enums:   []string{"BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_XDP"},
		Funcs:   []string{"bpf_map_lookup_elem"},
		Structs: []string{"bpf_map_info"},
	}
	type form struct {
		name        string
		data        func(t *testing.T) []byte
		format      Format
		compression string
		version     string
		banner      string
	}
	forms := []form{
		{"raw", func(*testing.T) []byte { return raw }, FormatRawBTF, "", "", ""},
		{"elf", func(*testing.T) []byte { return vmlinux }, FormatELF, "", "6.1.0-28-amd64", testBanner},
	}
	for _, c := range []string{"gzip", "xz", "zstd"} {
		forms = append(forms, form{"raw." + c, func(t *testing.T) []byte { return compress(t, c, raw) }, FormatRawBTF, c, "", ""})
	}
	for _, c := range []string{"gzip", "xz", "xz-x86", "zstd", "lz4", "bzip2", "lzma"} {
		name := c
		if c == "xz-x86" {
			name = "xz"
		}
		forms = append(forms,
			form{"elf." + c, func(t *testing.T) []byte { return compress(t, c, vmlinux) }, FormatELF, name, "6.1.0-28-amd64", testBanner},
			form{"bzImage." + c, func(t *testing.T) []byte { return bzImageFile(t, c, version, vmlinux) }, FormatBzImage, name, "6.1.0-28-amd64", version},
		)
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "vmlinuz-6.1.0-28-amd64", f.data(t))
			k, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if k.Format != f.format || k.Compression != f.compression || k.Version != f.version || k.Banner != f.banner || k.Path != path {
				t.Errorf("Load = {Format %v, Compression %q, Version %q, Banner %q, Path %q}, want {%v, %q, %q, %q, %q}",
					k.Format, k.Compression, k.Version, k.Banner, k.Path, f.format, f.compression, f.version, f.banner, path)
			}
			if d := cmp.Diff(want, summarize(t, k.Spec, "bpf_map_lookup_elem")); d != "" {
				t.Errorf("Load(%s) BTF mismatch (-want +got):\n%s", f.name, d)
			}
		})
	}
}

// The streamed reader must find what debug/elf finds, also when the
// section name table is far from the section headers and when decoy BTF
// headers come before .BTF, so that it needs more than one pass.
func TestStreamedELF(t *testing.T) {
	raw := kernelBTF(t)
	decoy := append(bytes.Clone(raw[:24]), make([]byte, 64)...)
	binary.LittleEndian.PutUint32(decoy[12:], 32) // a header of a 32+32-byte blob
	binary.LittleEndian.PutUint32(decoy[16:], 32)
	binary.LittleEndian.PutUint32(decoy[20:], 32)
	var rodata []byte
	for range maxBTFCands + 1 {
		rodata = append(rodata, decoy...)
	}
	rodata = append(rodata, testBanner+"\n\x00"...)
	// Pass one keeps only maxBanners banners; these are not in .rodata.
	var early []byte
	for range maxBanners {
		early = append(early, "Linux version 0.01 (an old string)\n\x00"...)
	}
	for _, tc := range []struct {
		name       string
		namesFirst bool
		secs       []section
	}{
		{"names far from headers", true, []section{
			{name: ".rodata", typ: 1, data: append([]byte(testBanner+"\n\x00"), make([]byte, tailWindow+1)...)},
			{name: ".BTF", typ: 1, data: raw},
		}},
		{"decoys before .BTF", false, []section{
			{name: ".rodata", typ: 1, data: rodata},
			{name: ".BTF", typ: 1, data: raw},
		}},
		{"many banners before .rodata", false, []section{
			{name: ".init.text", typ: 1, data: early},
			{name: ".rodata", typ: 1, data: []byte(testBanner + "\n\x00")},
			{name: ".BTF", typ: 1, data: raw},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := buildELF(tc.secs, tc.namesFirst)
			plain, err := readKernel(bytes.NewReader(file), int64(len(file)), defaultLimits)
			if err != nil {
				t.Fatalf("read ELF: %v", err)
			}
			packed := compress(t, "zstd", file)
			streamed, err := readKernel(bytes.NewReader(packed), int64(len(packed)), defaultLimits)
			if err != nil {
				t.Fatalf("read compressed ELF: %v", err)
			}
			if plain.Banner != testBanner || streamed.Banner != testBanner {
				t.Errorf("banners: plain %q, streamed %q, want %q", plain.Banner, streamed.Banner, testBanner)
			}
			if d := cmp.Diff(summarize(t, plain.Spec), summarize(t, streamed.Spec)); d != "" {
				t.Errorf("streamed BTF differs from debug/elf's (-plain +streamed):\n%s", d)
			}
		})
	}
}

// The x86 BCJ filter is checked against xz itself, on real x86 code:
// the test binary.
func TestXZX86Filter(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	code = code[:min(len(code), 1<<20)]
	packed := compress(t, "xz-x86", code)
	zr, err := newXZReader(bytes.NewReader(packed))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(zr); err != nil {
		t.Fatalf("decompress: %v", err)
	}
	if !bytes.Equal(got.Bytes(), code) {
		i := 0
		for i < min(got.Len(), len(code)) && got.Bytes()[i] == code[i] {
			i++
		}
		t.Fatalf("decompressed %d bytes, want %d; first difference at %d", got.Len(), len(code), i)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	raw := kernelBTF(t)
	elfNoBTF := buildELF([]section{{name: ".text", typ: 1, data: make([]byte, 64)}}, false)
	hugeBTF := bytes.Clone(raw[:24])
	binary.LittleEndian.PutUint32(hugeBTF[12:], 3<<30)
	png := []byte("\x89PNG\r\n\x1a\n")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{"fifo", fifo, ErrNotRegular},
		{"directory", dir, ErrNotRegular},
		{"device", "/dev/zero", ErrNotRegular},
		{"empty", writeFile(t, dir, "empty", nil), ErrUnknownFormat},
		{"junk", writeFile(t, dir, "junk", bytes.Repeat([]byte("junk"), 1000)), ErrUnknownFormat},
		{"gzip of junk", writeFile(t, dir, "junk.gz", compress(t, "gzip", []byte("junk"))), ErrUnknownFormat},
		{"ELF without .BTF", writeFile(t, dir, "vmlinux", elfNoBTF), ErrNoBTF},
		{"compressed ELF without .BTF", writeFile(t, dir, "vmlinux.xz", compress(t, "xz", elfNoBTF)), ErrNoBTF},
		{"BTF header of 3 GiB", writeFile(t, dir, "huge.btf", hugeBTF), nil},
		{"compressed BTF header of 3 GiB", writeFile(t, dir, "huge.btf.zst", compress(t, "zstd", hugeBTF)), ErrTooLarge},
		{"bzImage of a PNG", writeFile(t, dir, "vmlinuz-png", bzImageWith("6.1", append(png, 0, 0, 0, 0))), ErrUnknownFormat},
		{"bzImage of lzo", writeFile(t, dir, "vmlinuz-lzo", bzImageWith("6.1", []byte("\x89LZO\x00\r\n\x1a\n\x00\x00\x00\x00"))), ErrUnknownFormat},
		{"bzImage of gzip junk", writeFile(t, dir, "vmlinuz-junk", bzImageWith("6.1", append(compress(t, "gzip", []byte("junk")), 4, 0, 0, 0))), ErrUnknownFormat},
		{"truncated bzImage", writeFile(t, dir, "vmlinuz-cut", bzImageFile(t, "gzip", "6.1", vmlinuxELF(raw))[:1500]), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Load(tc.path)
			if err == nil {
				t.Fatalf("Load(%s) = %v, want an error", tc.name, k)
			}
			var pe *fs.PathError
			var e *Error
			if !errors.As(err, &e) && !errors.As(err, &pe) {
				t.Errorf("Load(%s) = %T %v, want *Error or *fs.PathError", tc.name, err, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Load(%s) = %v, want an error wrapping %v", tc.name, err, tc.want)
			}
		})
	}
}

// The text of errors is for people; its form is fixed: the file, then
// what was wrong, lower-case, no final period.
func TestErrorText(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		file string
		data []byte
		want string
	}{
		{"vmlinuz-6.1.0-28-amd64", bzImageWith("6.1", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00")),
			"vmlinuz-6.1.0-28-amd64: bzImage payload: unknown compression (magic 89 50 4e 47)"},
		{"vmlinux", buildELF([]section{{name: ".text", typ: 1, data: make([]byte, 8)}}, false),
			"vmlinux: ELF file has no .BTF section (the kernel was built without CONFIG_DEBUG_INFO_BTF)"},
		{"zeros.gz", compress(t, "gzip", make([]byte, 1<<20)),
			"zeros.gz: gzip: unknown format (magic 00 00 00 00: want raw BTF, an ELF vmlinux or a bzImage, plain or compressed)"},
	} {
		path := writeFile(t, dir, tc.file, tc.data)
		t.Chdir(dir)
		_, err := Load(tc.file)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Load(%s) = %v\nwant %s", path, err, tc.want)
		}
	}
	_, err := Load("/dev/zero")
	if want := "/dev/zero: a character device, not a regular file"; err == nil || err.Error() != want {
		t.Errorf("Load(/dev/zero) = %v, want %s", err, want)
	}
}

// Inputs that would decompress past the limit are refused by what their
// headers say, before decompressing, or when the limit is reached.
func TestDecompressionLimit(t *testing.T) {
	lim := limits{file: 1 << 20, decompressed: 64 << 10, btf: 1 << 20}
	dir := t.TempDir()
	raw := kernelBTF(t)

	// An ELF header whose section headers lie past the limit.
	elfHeader := vmlinuxELF(raw)[:64]
	binary.LittleEndian.PutUint64(elfHeader[40:], 1<<20)
	far := append(bytes.Clone(elfHeader), make([]byte, 128<<10)...)

	// Raw BTF that is within the BTF limit but decompresses past the
	// decompression limit.
	big := bytes.Clone(raw[:24])
	binary.LittleEndian.PutUint32(big[12:], 0)
	binary.LittleEndian.PutUint32(big[16:], 0)
	binary.LittleEndian.PutUint32(big[20:], 128<<10)
	big = append(big, make([]byte, 128<<10)...)

	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"section headers past the limit", compress(t, "gzip", far)},
		{"BTF past the limit", compress(t, "gzip", big)},
		{"bzImage that says it is larger", bzImageWith("6.1", binary.LittleEndian.AppendUint32(compress(t, "gzip", raw), 1<<20))},
		{"file over the file limit", make([]byte, 2<<20)},
	} {
		path := writeFile(t, dir, "f", tc.data)
		_, err := load(path, lim)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("load(%s) = %v, want an error wrapping ErrTooLarge", tc.name, err)
		}
	}
}

// A gzip bomb, a gigabyte of junk and files over MaxFile are refused in
// well under a second each, whatever their size. Sparse files keep the
// disk empty.
func TestLoadRefusesHugeInputsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 1 GiB of zeros into a gzip bomb")
	}
	dir := t.TempDir()
	// Gzip bombs: 1 GiB of zeros in one member, after an ELF header
	// whose section headers are at 3 GiB (refused by the header), or at
	// the end of the 1 GiB limit (refused once reached, in bounded memory).
	bomb := func(name string, shoff int64) string {
		var buf bytes.Buffer
		zw, _ := gzipWriterBest(&buf)
		elfHeader := vmlinuxELF(kernelBTF(t))[:64]
		binary.LittleEndian.PutUint64(elfHeader[40:], uint64(shoff))
		zw.Write(elfHeader)
		zeros := make([]byte, 1<<20)
		for range 1 << 10 {
			zw.Write(zeros)
		}
		zw.Close()
		return writeFile(t, dir, name, buf.Bytes())
	}
	sparse := func(name string, size int64, head []byte) string {
		p := writeFile(t, dir, name, head)
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{"gzip bomb, headers past the limit", bomb("bomb.gz", 3<<30), ErrTooLarge},
		{"gzip bomb, headers at the limit", bomb("bomb2.gz", MaxDecompressed-64*6), nil},
		{"1 GiB of zeros", sparse("zeros", 1<<30, nil), ErrUnknownFormat},
		{"1 GiB of junk after a gzip header", sparse("junk.gz", 1<<30, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xff}), nil},
		{"1 GiB of junk after a bzImage header", sparse("vmlinuz-junk", 1<<30, bzImageWith("6.1", []byte{0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff})), nil},
		{"3 GiB file", sparse("big", 3<<30, nil), ErrTooLarge},
	} {
		start := time.Now()
		_, err := Load(tc.path)
		took := time.Since(start)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("Load(%s) = %v, want an error wrapping %v", tc.name, err, tc.want)
		}
		t.Logf("%s: refused in %v: %v", tc.name, took.Round(time.Millisecond), err)
	}
}

// intBTF returns raw BTF of size bytes or a little less: as many
// 16-byte integer types as fit, the most types per byte BTF allows.
func intBTF(size int) []byte {
	n := (size - 24 - 1) / 16
	le := binary.LittleEndian
	b := make([]byte, 24, 24+n*16+1)
	le.PutUint16(b, btfMagic)
	b[2] = 1
	le.PutUint32(b[4:], 24)
	le.PutUint32(b[12:], uint32(n*16))
	le.PutUint32(b[16:], uint32(n*16))
	le.PutUint32(b[20:], 1)
	for range n {
		b = le.AppendUint32(b, 0)     // no name
		b = le.AppendUint32(b, 1<<24) // an integer
		b = le.AppendUint32(b, 4)     // of 4 bytes
		b = le.AppendUint32(b, 32)    // and 32 bits
	}
	return append(b, 0)
}

// BTF just under MaxBTF loads, in every form; just over, it is refused.
// Under /usr/bin/time -v this is the worst case for memory.
func TestLoadLargestBTF(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 32 MiB of BTF")
	}
	dir := t.TempDir()
	raw := intBTF(MaxBTF)
	vmlinux := buildELF([]section{{name: ".rodata", typ: 1, data: []byte(testBanner + "\x00")}, {name: ".BTF", typ: 1, data: raw}}, false)
	for name, data := range map[string][]byte{
		"raw":     raw,
		"raw.zst": compress(t, "zstd", raw),
		"elf":     vmlinux,
		"elf.xz":  compress(t, "xz", vmlinux),
	} {
		k, err := Load(writeFile(t, dir, name, data))
		if err != nil {
			t.Errorf("Load(%s): %v", name, err)
			continue
		}
		if want := (len(raw) - 25) / 16; k.Types != want {
			t.Errorf("Load(%s): %d types, want %d", name, k.Types, want)
		}
	}
	over := intBTF(MaxBTF + 64)
	overELF := buildELF([]section{{name: ".BTF", typ: 1, data: over}}, false)
	for name, data := range map[string][]byte{
		"over":        over,
		"over.zst":    compress(t, "zstd", over),
		"over-elf":    overELF,
		"over-elf.xz": compress(t, "xz", overELF),
	} {
		if _, err := Load(writeFile(t, dir, name, data)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Load(%s) = %v, want an error wrapping ErrTooLarge", name, err)
		}
	}
}
