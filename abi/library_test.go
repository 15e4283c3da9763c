package abi

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// elfSym is one dynamic symbol of a library [buildELF] writes.
type elfSym struct {
	name  string
	bind  elf.SymBind
	typ   elf.SymType
	vis   elf.SymVis
	shndx elf.SectionIndex
}

// buildELF writes a little-endian ELF64 file of type typ with no program
// headers and, unless syms is nil, a .dynsym of syms and a .dynamic that
// names soname: enough for debug/elf, and no compiler needed. A non-zero
// dynsymSize overrides the .dynsym size, to make it unreadable.
func buildELF(t *testing.T, typ elf.Type, soname string, syms []elfSym, dynsymSize uint64) []byte {
	t.Helper()
	le := binary.LittleEndian
	// String tables: index 0 is the empty string.
	shstr := []byte("\x00.shstrtab\x00.dynstr\x00.dynsym\x00.dynamic\x00")
	const (
		nameShstrtab = 1
		nameDynstr   = 11
		nameDynsym   = 19
		nameDynamic  = 27
	)
	dynstr := []byte{0}
	strIndex := func(s string) uint32 {
		i := uint32(len(dynstr))
		dynstr = append(append(dynstr, s...), 0)
		return i
	}
	var dynsym, dynamic bytes.Buffer
	binary.Write(&dynsym, le, elf.Sym64{}) // the null symbol
	for _, s := range syms {
		binary.Write(&dynsym, le, elf.Sym64{Name: strIndex(s.name), Info: elf.ST_INFO(s.bind, s.typ), Other: uint8(s.vis), Shndx: uint16(s.shndx), Value: 0x1000})
	}
	if soname != "" {
		binary.Write(&dynamic, le, elf.Dyn64{Tag: int64(elf.DT_SONAME), Val: uint64(strIndex(soname))})
	}
	binary.Write(&dynamic, le, elf.Dyn64{Tag: int64(elf.DT_NULL)})

	var body bytes.Buffer
	const hdr = 64
	place := func(data []byte) uint64 {
		off := uint64(hdr + body.Len())
		body.Write(data)
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
		return off
	}
	sections := []elf.Section64{{}}
	sections = append(sections, elf.Section64{Name: nameShstrtab, Type: uint32(elf.SHT_STRTAB), Off: place(shstr), Size: uint64(len(shstr)), Addralign: 1})
	if syms != nil {
		symData := dynsym.Bytes()
		size := uint64(len(symData))
		if dynsymSize != 0 {
			size = dynsymSize
		}
		// dynstr is complete once the symbols and the soname are named.
		sections = append(sections,
			elf.Section64{Name: nameDynstr, Type: uint32(elf.SHT_STRTAB), Flags: uint64(elf.SHF_ALLOC), Off: place(dynstr), Size: uint64(len(dynstr)), Addralign: 1},
			elf.Section64{Name: nameDynsym, Type: uint32(elf.SHT_DYNSYM), Flags: uint64(elf.SHF_ALLOC), Off: place(symData), Size: size, Link: 2, Info: 1, Addralign: 8, Entsize: elf.Sym64Size},
			elf.Section64{Name: nameDynamic, Type: uint32(elf.SHT_DYNAMIC), Flags: uint64(elf.SHF_ALLOC | elf.SHF_WRITE), Off: place(dynamic.Bytes()), Size: uint64(dynamic.Len()), Link: 2, Addralign: 8, Entsize: 16},
		)
	}
	shoff := uint64(hdr + body.Len())
	h := elf.Header64{
		Type: uint16(typ), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Shoff: shoff, Ehsize: hdr, Shentsize: 64, Shnum: uint16(len(sections)), Shstrndx: 1,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var out bytes.Buffer
	binary.Write(&out, le, h)
	out.Write(body.Bytes())
	for _, s := range sections {
		binary.Write(&out, le, s)
	}
	return out.Bytes()
}

// ReadLibrary keeps what the dynamic linker can bind to: defined global
// and weak symbols of default or protected visibility that name code or
// data, and nothing else.
func TestReadLibraryFilters(t *testing.T) {
	const text = elf.SectionIndex(5) // any defined section
	syms := []elfSym{
		{"foo_local", elf.STB_LOCAL, elf.STT_FUNC, elf.STV_DEFAULT, text},
		{"foo_open", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_DEFAULT, text},
		{"foo_data", elf.STB_GLOBAL, elf.STT_OBJECT, elf.STV_DEFAULT, text},
		{"foo_weak", elf.STB_WEAK, elf.STT_FUNC, elf.STV_DEFAULT, text},
		{"foo_protected", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_PROTECTED, text},
		{"foo_tls", elf.STB_GLOBAL, elf.STT_TLS, elf.STV_DEFAULT, text},
		{"foo_ifunc", elf.STB_GLOBAL, elf.STT_GNU_IFUNC, elf.STV_DEFAULT, text},
		{"malloc", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_DEFAULT, elf.SHN_UNDEF},
		{"foo_hidden", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_HIDDEN, text},
		{"foo_internal", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_INTERNAL, text},
		{"foo_section", elf.STB_GLOBAL, elf.STT_SECTION, elf.STV_DEFAULT, text},
		{"foo.c", elf.STB_GLOBAL, elf.STT_FILE, elf.STV_DEFAULT, text},
	}
	lib := buildELF(t, elf.ET_DYN, "libfoo.so.1", syms, 0)
	e, err := ReadLibrary(bytes.NewReader(lib), "libfoo.so.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Export{{"foo_data", ""}, {"foo_ifunc", ""}, {"foo_open", ""}, {"foo_protected", ""}, {"foo_tls", ""}, {"foo_weak", ""}}
	if d := cmp.Diff(want, e.Sorted()); d != "" {
		t.Errorf("ReadLibrary exports mismatch (-want +got):\n%s", d)
	}
	if e.Soname != "libfoo.so.1" || e.From != "libfoo.so.1" {
		t.Errorf("ReadLibrary: Soname %q, From %q; want libfoo.so.1 for both", e.Soname, e.From)
	}
}

func TestReadLibraryErrors(t *testing.T) {
	t.Run("not ELF", func(t *testing.T) {
		_, err := ReadLibrary(bytes.NewReader([]byte("#!/bin/sh\necho not a library\n")), "foo.sh")
		var fe *elf.FormatError
		if !errors.As(err, &fe) {
			t.Errorf("ReadLibrary(a script) err = %v, want one wrapping *elf.FormatError", err)
		}
	})
	for _, typ := range []elf.Type{elf.ET_REL, elf.ET_EXEC, elf.ET_CORE} {
		t.Run(typ.String(), func(t *testing.T) {
			lib := buildELF(t, typ, "libfoo.so.1", []elfSym{{"foo_open", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_DEFAULT, 5}}, 0)
			e, err := ReadLibrary(bytes.NewReader(lib), "foo.o")
			var fe *elf.FormatError
			if err == nil || errors.As(err, &fe) {
				t.Errorf("ReadLibrary(%s) = %v, %v; want a refusal of the type, not a format error", typ, e, err)
			}
		})
	}
	t.Run("unreadable dynsym", func(t *testing.T) {
		// A size that is not a whole number of symbols.
		lib := buildELF(t, elf.ET_DYN, "libfoo.so.1", []elfSym{{"foo_open", elf.STB_GLOBAL, elf.STT_FUNC, elf.STV_DEFAULT, 5}}, elf.Sym64Size+1)
		e, err := ReadLibrary(bytes.NewReader(lib), "libfoo.so.1")
		if err == nil || errors.Is(err, elf.ErrNoSymbols) {
			t.Errorf("ReadLibrary(bad .dynsym) = %v, %v; want an error that is not ErrNoSymbols", e, err)
		}
	})
}

// A shared object without dynamic symbols exports nothing; it is not an
// error.
func TestReadLibraryNoSymbols(t *testing.T) {
	lib := buildELF(t, elf.ET_DYN, "", nil, 0)
	e, err := ReadLibrary(bytes.NewReader(lib), "empty.so")
	if err != nil {
		t.Fatalf("ReadLibrary(no .dynsym) err = %v", err)
	}
	if len(e.Set) != 0 || e.Soname != "" || e.From != "empty.so" {
		t.Errorf("ReadLibrary(no .dynsym) = %+v, want no exports, no soname, From empty.so", e)
	}
}
