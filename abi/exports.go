package abi

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Export is one exported symbol under its version node, as the dynamic
// linker matches it ("bpf_object__open@LIBBPF_0.0.1"). Node is "" for an
// unversioned symbol.
type Export struct {
	Symbol, Node string
}

func (e Export) String() string {
	if e.Node == "" {
		return e.Symbol
	}
	return e.Symbol + "@" + e.Node
}

// Exports is what a shared library exports: the real ABI.
type Exports struct {
	// Soname is DT_SONAME, "" when read from a version script.
	Soname string
	// Set holds every export.
	Set map[Export]bool
	// From says where it was read, for messages: a file, a tag, a map.
	From string
}

// Sorted lists the exports in order.
func (e *Exports) Sorted() []Export {
	out := make([]Export, 0, len(e.Set))
	for x := range e.Set {
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Export) int {
		if c := strings.Compare(a.Node, b.Node); c != 0 {
			return c
		}
		return strings.Compare(a.Symbol, b.Symbol)
	})
	return out
}

// Missing lists the exports of e that other lacks.
func (e *Exports) Missing(other *Exports) []Export {
	var out []Export
	for _, x := range e.Sorted() {
		if !other.Set[x] {
			out = append(out, x)
		}
	}
	return out
}

// FromMap reads the exports a version script declares: an
// approximation of the ABI, used when no built library says better.
func FromMap(m SymbolMap, from string) *Exports {
	e := &Exports{Set: map[Export]bool{}, From: from}
	for sym, node := range m {
		e.Set[Export{sym, node}] = true
	}
	return e
}

// MaxLibrary bounds a library file [LoadLibrary] reads: its dynamic
// symbol table is read whole.
const MaxLibrary = 1 << 30

// LoadLibrary reads the dynamic symbols a built shared library
// defines, with their version nodes (.gnu.version_d), and its soname.
func LoadLibrary(path string) (*Exports, error) {
	// A FIFO, a device or a directory would block or never end: look
	// before opening.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a shared library: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a shared library: not a regular file (%s)", path, fi.Mode().Type())
	}
	if fi.Size() > MaxLibrary {
		return nil, fmt.Errorf("%s: not a shared library: %d bytes, over the %d-byte limit", path, fi.Size(), int64(MaxLibrary))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a shared library: %w", path, err)
	}
	defer f.Close()
	return ReadLibrary(f, path)
}

// ReadLibrary is [LoadLibrary] for a library already open
// or in memory; from names it in messages.
func ReadLibrary(r io.ReaderAt, from string) (*Exports, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not a shared library: %w", from, err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return nil, fmt.Errorf("%s: not a shared library (ELF type %s)", from, f.Type)
	}
	syms, err := f.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("%s: read dynamic symbols: %w", from, err)
	}
	e := &Exports{Set: map[Export]bool{}, From: from}
	if sonames, err := f.DynString(elf.DT_SONAME); err == nil && len(sonames) > 0 {
		e.Soname = sonames[0]
	}
	for _, s := range syms {
		bind := elf.ST_BIND(s.Info)
		if s.Section == elf.SHN_UNDEF || (bind != elf.STB_GLOBAL && bind != elf.STB_WEAK) {
			continue
		}
		if v := elf.ST_VISIBILITY(s.Other); v != elf.STV_DEFAULT && v != elf.STV_PROTECTED {
			continue
		}
		switch elf.ST_TYPE(s.Info) {
		case elf.STT_FUNC, elf.STT_OBJECT, elf.STT_TLS, elf.STT_GNU_IFUNC, elf.STT_NOTYPE, elf.STT_COMMON:
		default:
			continue
		}
		if s.Name == s.Version && s.Value == 0 {
			continue // the version node's own definition symbol
		}
		e.Set[Export{s.Name, s.Version}] = true
	}
	return e, nil
}

// exportsHeader opens the export list a cut writes into a tag annotation.
const exportsHeader = "Exports:"

// FormatAnnotation writes exports as an annotation block: the header, then
// one "NODE symbol" line each, indented.
func FormatAnnotation(e *Exports) string {
	var b strings.Builder
	b.WriteString(exportsHeader)
	if e.Soname != "" {
		b.WriteString(" " + e.Soname)
	}
	b.WriteByte('\n')
	for _, x := range e.Sorted() {
		node := x.Node
		if node == "" {
			node = "-"
		}
		fmt.Fprintf(&b, "  %s %s\n", node, x.Symbol)
	}
	return b.String()
}

// ParseAnnotation reads the block [FormatAnnotation] writes from a tag
// annotation; ok is false when there is none.
func ParseAnnotation(annotation, from string) (*Exports, bool) {
	sc := bufio.NewScanner(strings.NewReader(annotation))
	var e *Exports
	for sc.Scan() {
		line := sc.Text()
		if e == nil {
			if rest, ok := strings.CutPrefix(line, exportsHeader); ok {
				e = &Exports{Soname: strings.TrimSpace(rest), Set: map[Export]bool{}, From: from}
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || !strings.HasPrefix(line, "  ") {
			break
		}
		node := f[0]
		if node == "-" {
			node = ""
		}
		e.Set[Export{f[1], node}] = true
	}
	return e, e != nil
}

// Release is one release's exports, for [FirstExported].
type Release struct {
	Name    string // the version as written, the minimum version of a symbol
	Exports *Exports
}

// FirstExported maps each export of releases (in version order, oldest
// first) to the first of them that exported it: the minimum versions of
// a Debian symbols file. A release with nil Exports is skipped.
func FirstExported(releases []Release) map[Export]string {
	out := map[Export]string{}
	for _, r := range releases {
		if r.Exports == nil {
			continue
		}
		for x := range r.Exports.Set {
			if _, ok := out[x]; !ok {
				out[x] = r.Name
			}
		}
	}
	return out
}
