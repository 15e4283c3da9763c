package image

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// This file builds the synthetic inputs the tests read: BTF, split BTF,
// ELF files, compressed data and bzImages.

// testBanner is the banner the synthetic vmlinux carries.
const testBanner = "Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)"

// kernelBTF returns raw BTF for a small kernel: "int" is type 1, which
// the split BTF of splitBTF refers to.
func kernelBTF(t testing.TB) []byte {
	t.Helper()
	i32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	types := []btf.Type{
		i32,
		&btf.Enum{Name: "bpf_prog_type", Size: 4, Values: []btf.EnumValue{
			{Name: "BPF_PROG_TYPE_UNSPEC", Value: 0}, {Name: "BPF_PROG_TYPE_XDP", Value: 6},
		}},
		&btf.Struct{Name: "bpf_map_info", Size: 4, Members: []btf.Member{{Name: "type", Type: i32}}},
		&btf.Func{Name: "bpf_map_lookup_elem", Type: &btf.FuncProto{Return: i32}, Linkage: btf.GlobalFunc},
	}
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// splitBTF returns split BTF on top of base (from kernelBTF) holding one
// function, fn, returning the base's int: a module's kfunc.
func splitBTF(t testing.TB, base []byte, fn string) []byte {
	t.Helper()
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(base))
	if err != nil {
		t.Fatal(err)
	}
	var last btf.TypeID
	for id := btf.TypeID(1); ; id++ {
		if _, err := spec.TypeByID(id); err != nil {
			break
		}
		last = id
	}
	baseStrLen := binary.LittleEndian.Uint32(base[20:])
	le := binary.LittleEndian
	var types []byte
	// FUNC_PROTO returning int (type 1), no parameters.
	types = le.AppendUint32(types, 0)
	types = le.AppendUint32(types, 13<<24)
	types = le.AppendUint32(types, 1)
	// FUNC fn, global, of that prototype.
	types = le.AppendUint32(types, baseStrLen)
	types = le.AppendUint32(types, 12<<24|1)
	types = le.AppendUint32(types, uint32(last)+1)
	strs := []byte(fn + "\x00")
	hdr := make([]byte, 24)
	le.PutUint16(hdr, btfMagic)
	hdr[2] = 1
	le.PutUint32(hdr[4:], 24)
	le.PutUint32(hdr[8:], 0)
	le.PutUint32(hdr[12:], uint32(len(types)))
	le.PutUint32(hdr[16:], uint32(len(types)))
	le.PutUint32(hdr[20:], uint32(len(strs)))
	return append(append(hdr, types...), strs...)
}

// section is one section of an ELF file buildELF writes.
type section struct {
	name string
	typ  elf.SectionType
	data []byte
}

// buildELF writes a little-endian ELF64 file with secs, then its section
// name table, then the section headers; with namesFirst, the name table
// comes first instead, far from the headers.
func buildELF(secs []section, namesFirst bool) []byte {
	names := []byte{0}
	nameOff := make([]uint32, len(secs)+1)
	for i, s := range secs {
		nameOff[i] = uint32(len(names))
		names = append(names, s.name+"\x00"...)
	}
	nameOff[len(secs)] = uint32(len(names))
	names = append(names, ".shstrtab\x00"...)

	le := binary.LittleEndian
	out := make([]byte, 64)
	offs := make([]uint64, len(secs)+1)
	put := func(i int, data []byte) {
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		offs[i] = uint64(len(out))
		out = append(out, data...)
	}
	if namesFirst {
		put(len(secs), names)
	}
	for i, s := range secs {
		if s.typ != elf.SHT_NOBITS {
			put(i, s.data)
		}
	}
	if !namesFirst {
		put(len(secs), names)
	}
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	shoff := len(out)
	out = append(out, make([]byte, 64)...) // the null section
	for i := range len(secs) + 1 {
		typ, size := elf.SHT_STRTAB, uint64(len(names))
		if i < len(secs) {
			typ, size = secs[i].typ, uint64(len(secs[i].data))
		}
		sh := make([]byte, 64)
		le.PutUint32(sh[0:], nameOff[i])
		le.PutUint32(sh[4:], uint32(typ))
		le.PutUint64(sh[24:], offs[i])
		le.PutUint64(sh[32:], size)
		le.PutUint64(sh[48:], 1)
		out = append(out, sh...)
	}
	copy(out, "\x7fELF")
	out[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	out[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	out[elf.EI_VERSION] = 1
	le.PutUint16(out[16:], uint16(elf.ET_EXEC))
	le.PutUint16(out[18:], uint16(elf.EM_X86_64))
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[40:], uint64(shoff))
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[58:], 64)
	le.PutUint16(out[60:], uint16(len(secs)+2))
	le.PutUint16(out[62:], uint16(len(secs)+1))
	return out
}

// vmlinuxELF returns an ELF vmlinux: .text, .rodata with the banner in
// it, .BTF holding raw, and .bss; no symbol table, as when stripped.
func vmlinuxELF(raw []byte) []byte {
	rodata := append(make([]byte, 100), testBanner+"\n\x00"...)
	return buildELF([]section{
		{name: ".text", typ: elf.SHT_PROGBITS, data: bytes.Repeat([]byte{0xe8, 0, 0, 0, 0, 0x90}, 100)},
		{name: ".rodata", typ: elf.SHT_PROGBITS, data: rodata},
		{name: ".BTF", typ: elf.SHT_PROGBITS, data: raw},
		{name: ".bss", typ: elf.SHT_NOBITS, data: make([]byte, 4096)},
	}, false)
}

// moduleELF returns a .ko file holding split BTF and a .modinfo that
// names the module and the kernel it was built for.
func moduleELF(split []byte, name, release string) []byte {
	modinfo := "license=GPL\x00name=" + name + "\x00vermagic=" + release + " SMP preempt mod_unload modversions \x00"
	return buildELF([]section{
		{name: ".text", typ: elf.SHT_PROGBITS, data: make([]byte, 64)},
		{name: ".modinfo", typ: elf.SHT_PROGBITS, data: []byte(modinfo)},
		{name: ".BTF", typ: elf.SHT_PROGBITS, data: split},
	}, false)
}

// compress compresses data with the named codec, as the kernel's build
// or a person would. Codecs the Go libraries cannot write (bzip2, and xz
// with the x86 filter) use their command, and skip the test without it.
func compress(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch name {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "xz":
		w, err = xz.NewWriter(&buf)
	case "zstd":
		w, err = zstd.NewWriter(&buf)
	case "lz4": // the legacy frame, as the kernel's build writes it
		lw := lz4.NewWriter(&buf)
		err = lw.Apply(lz4.LegacyOption(true))
		w = lw
	case "lzma":
		w, err = lzma.NewWriter(&buf)
	case "bzip2":
		return command(t, data, "bzip2", "-9", "-c")
	case "xz-x86": // the kernel's scripts/xz_wrap.sh
		return command(t, data, "xz", "--format=xz", "--check=crc32", "--x86", "--lzma2=dict=1MiB", "-c")
	default:
		t.Fatalf("compress: unknown codec %s", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func command(t testing.TB, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// bzImageFile returns a bzImage: setup code with a setup header that
// carries version, a stand-in for the decompressor, then the payload,
// which is vmlinux compressed with codec and followed by its size as
// the kernel's build appends it.
func bzImageFile(t testing.TB, codec, version string, vmlinux []byte) []byte {
	t.Helper()
	payload := compress(t, codec, vmlinux)
	payload = binary.LittleEndian.AppendUint32(payload, uint32(len(vmlinux)))
	return bzImageWith(version, payload)
}

func bzImageWith(version string, payload []byte) []byte {
	le := binary.LittleEndian
	setup := make([]byte, 2*512) // setup_sects = 1
	setup[offSetupSects] = 1
	le.PutUint16(setup[offBootFlag:], 0xaa55)
	copy(setup[offHeaderMagic:], "HdrS")
	le.PutUint16(setup[offVersion:], 0x020f)
	copy(setup[0x300:], version+"\x00")
	le.PutUint16(setup[offKernelVersion:], 0x300-0x200)
	decompressor := bytes.Repeat([]byte{0x90}, 200)
	le.PutUint32(setup[offPayloadOffset:], uint32(len(decompressor)))
	le.PutUint32(setup[offPayloadLength:], uint32(len(payload)))
	out := append(setup, decompressor...)
	out = append(out, payload...)
	return append(out, make([]byte, 512)...) // the rest of the image, and a signature
}

// writeFile writes data to name in dir and returns its path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipWriterBest(w io.Writer) (*gzip.Writer, error) {
	return gzip.NewWriterLevel(w, gzip.BestSpeed)
}
