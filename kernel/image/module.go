package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/cilium/ebpf/btf"
)

// Module is one kernel module's BTF. Module BTF is split BTF: its types
// extend its kernel's, whose type IDs and strings it refers to, so it is
// read on top of the [Kernel] it was built with.
type Module struct {
	Name        string    // "nf_conntrack": the name .modinfo gives, else the file's
	Path        string    // the file it was read from
	Compression string    // as in [Kernel]
	Spec        *btf.Spec // the module's own types; those it uses from the kernel resolve through it
	// Version is the kernel release the module was built for, from
	// .modinfo's vermagic ("6.1.0-28-amd64"); "" for raw split BTF.
	Version string
	// Types is the number of the module's own types, as bpftool counts
	// them.
	Types int
}

// LoadModule reads a module's BTF from path, on top of base: a .ko file,
// plain or compressed, or raw split BTF (a file of /sys/kernel/btf).
// Errors are as for [Load]; a module built for another kernel release
// than base's is refused with an error wrapping [ErrMismatch].
func LoadModule(path string, base *Kernel) (*Module, error) {
	return loadModule(path, base, defaultLimits)
}

func loadModule(path string, base *Kernel, lim limits) (*Module, error) {
	f, size, err := openFile(path, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := readModule(f, size, base, lim)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	m.Path = path
	if m.Name == "" {
		m.Name = moduleName(filepath.Base(path))
	}
	return m, nil
}

func readModule(r io.ReaderAt, size int64, base *Kernel, lim limits) (*Module, error) {
	head := make([]byte, 16)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	head = head[:n]
	m := &Module{}
	var data []byte
	switch {
	case isRawBTF(head):
		if data, err = readRawBTF(io.NewSectionReader(r, 0, size), size, lim); err != nil {
			return nil, err
		}
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		found, err := readELFAt(r, size, elfWant{modinfo: true}, lim)
		if err != nil {
			return nil, err
		}
		data = found.btf
		m.readModinfo(found.modinfo)
	default:
		c := sniffCodec(head)
		if c == nil {
			return nil, errorf(ErrUnknownFormat, "unknown format (magic %s: want a .ko file or split BTF, plain or compressed)", magicString(head))
		}
		m.Compression = c.name
		s := &stream{codec: c, open: func() io.Reader { return io.NewSectionReader(r, 0, size) }, lim: lim}
		defer s.close()
		inner, err := s.peek(16)
		if err != nil {
			return nil, within(c.name, err)
		}
		switch {
		case isRawBTF(inner):
			rd, done, err := s.reader()
			if err != nil {
				return nil, err
			}
			defer done()
			if data, err = readRawBTF(rd, -1, lim); err != nil {
				return nil, within(c.name, err)
			}
		case bytes.HasPrefix(inner, []byte("\x7fELF")):
			found, err := streamELF(s, elfWant{modinfo: true})
			if err != nil {
				return nil, within(c.name, err)
			}
			data = found.btf
			m.readModinfo(found.modinfo)
		default:
			return nil, within(c.name, errorf(ErrUnknownFormat, "unknown format (magic %s: want a .ko file or split BTF)", magicString(inner)))
		}
	}
	if m.Version != "" && base.Version != "" && m.Version != base.Version {
		return nil, errorf(ErrMismatch, "built for kernel %s, not for %s (%s)", m.Version, base.Version, base.Path)
	}
	if m.Spec, m.Types, err = loadSpec(data, base.Spec); err != nil {
		return nil, err
	}
	// The types are decoded when first asked for: decode them now, so
	// split BTF that does not fit its base fails here, not in a caller.
	// (Spec.All stops quietly at a type that fails to decode.)
	if err := checkSplit(m.Spec, m.Types); err != nil {
		return nil, fmt.Errorf("split BTF does not fit the base kernel's (%s): %w", base.Path, err)
	}
	return m, nil
}

// checkSplit decodes each of the n types of split BTF.
func checkSplit(spec *btf.Spec, n int) error {
	if n == 0 {
		return nil
	}
	var first btf.TypeID
	for typ, err := range spec.All() {
		if err != nil {
			return err
		}
		if first, err = spec.TypeID(typ); err != nil {
			return err
		}
		break
	}
	if first == 0 {
		return errors.New("its first type does not decode")
	}
	for id := first; id < first+btf.TypeID(n); id++ {
		if _, err := spec.TypeByID(id); err != nil {
			return err
		}
	}
	return nil
}

// readModinfo takes the module's name and kernel release from .modinfo,
// a sequence of NUL-terminated key=value strings.
func (m *Module) readModinfo(data []byte) {
	for kv := range bytes.SplitSeq(data, []byte{0}) {
		k, v, ok := bytes.Cut(kv, []byte("="))
		if !ok {
			continue
		}
		switch string(k) {
		case "name":
			m.Name = printable(v)
		case "vermagic":
			// "6.1.0-28-amd64 SMP preempt mod_unload modversions "
			m.Version = firstField(printable(v))
		}
	}
}

// moduleName derives a module's name from its file's name as the kernel
// does: without its extensions, dashes made underscores.
func moduleName(file string) string {
	for _, ext := range []string{".xz", ".zst", ".gz"} {
		file = strings.TrimSuffix(file, ext)
	}
	file = strings.TrimSuffix(file, ".ko")
	return strings.ReplaceAll(file, "-", "_")
}

// Set is a kernel and the modules read with it.
type Set struct {
	Kernel  *Kernel
	Modules []*Module // sorted by name
}

// All yields each BTF of the set with its name: the kernel's as
// "vmlinux", then each module's under the module's name.
func (s *Set) All() iter.Seq2[string, *btf.Spec] {
	return func(yield func(string, *btf.Spec) bool) {
		if !yield("vmlinux", s.Kernel.Spec) {
			return
		}
		for _, m := range s.Modules {
			if !yield(m.Name, m.Spec) {
				return
			}
		}
	}
}

// Module returns the module named name, or nil.
func (s *Set) Module(name string) *Module {
	for _, m := range s.Modules {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// LoadDir reads a kernel and its modules from dir, laid out as
// /sys/kernel/btf is:
//
//   - the kernel: one file named vmlinux, vmlinux-*, vmlinuz or
//     vmlinuz-* (in any form [Load] reads);
//   - the modules: files named *.ko, *.ko.xz, *.ko.zst or *.ko.gz, and
//     files whose names have no dot (/sys/kernel/btf/nf_conntrack).
//
// Other files, files whose names start with a dot, and subdirectories
// are not read. Two modules of one name, or two kernels, are an error;
// so is a dir that is not a directory (a [*fs.PathError] wrapping
// syscall.ENOTDIR).
func LoadDir(dir string) (*Set, error) {
	return loadDir(dir, defaultLimits)
}

func loadDir(dir string, lim limits) (*Set, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		// Not os.ReadDir's own error: it would open a FIFO, and block.
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: syscall.ENOTDIR}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var kernel string
	var modules []string
	for _, de := range ents {
		name := de.Name()
		if strings.HasPrefix(name, ".") || de.IsDir() {
			continue
		}
		switch {
		case isKernelName(name):
			if kernel != "" {
				return nil, &Error{Path: dir, Err: fmt.Errorf("two kernels: %s and %s (keep one per directory)", kernel, name)}
			}
			kernel = name
		case isModuleName(name):
			modules = append(modules, name)
		}
	}
	if kernel == "" {
		return nil, &Error{Path: dir, Err: errorf(ErrNoBTF, "no kernel (a file named vmlinux, vmlinux-*, vmlinuz or vmlinuz-*)")}
	}
	k, err := load(filepath.Join(dir, kernel), lim)
	if err != nil {
		return nil, err
	}
	set := &Set{Kernel: k}
	for _, name := range modules {
		m, err := loadModule(filepath.Join(dir, name), k, lim)
		if err != nil {
			return nil, err
		}
		set.Modules = append(set.Modules, m)
	}
	slices.SortFunc(set.Modules, func(a, b *Module) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(set.Modules); i++ {
		if a, b := set.Modules[i-1], set.Modules[i]; a.Name == b.Name {
			return nil, &Error{Path: dir, Err: fmt.Errorf("two modules named %s: %s and %s", a.Name, filepath.Base(a.Path), filepath.Base(b.Path))}
		}
	}
	return set, nil
}

func isKernelName(name string) bool {
	return name == "vmlinux" || name == "vmlinuz" ||
		strings.HasPrefix(name, "vmlinux-") || strings.HasPrefix(name, "vmlinuz-")
}

func isModuleName(name string) bool {
	if !strings.Contains(name, ".") {
		return true
	}
	for _, ext := range []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}
