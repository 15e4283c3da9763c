package packaging

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrBadTree is what every refusal of an install tree wraps.
var ErrBadTree = errors.New("bad install tree")

// treeError is a refusal naming the file.
func treeError(file, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrBadTree, file, fmt.Sprintf(format, args...))
}

// file is one entry of an install tree.
type file struct {
	Path string      // slash-separated, relative to the tree's root
	Mode fs.FileMode // permission bits; type in Link/Data
	Link string      // a symlink's target, as written
	Data []byte      // a regular file's content
	// Soname is set for an ELF shared library (DT_SONAME).
	Soname string
	ELF    *elfInfo
}

func (f *file) isLink() bool { return f.Link != "" }

type elfInfo struct {
	Machine  elf.Machine
	Class    elf.Class
	Shared   bool
	Stripped bool
	// Linked reports a program or shared object (ET_EXEC, ET_DYN):
	// what gets stripped. Object files and kernel modules are not.
	Linked bool
}

// readTree reads every file of the install tree at root through an
// os.Root, so that nothing outside it is read, and refuses symlinks that
// point outside it or at nothing.
func readTree(root string) ([]*file, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %w (build it with make install DESTDIR=…)", ErrBadTree, err)
	}
	if !fi.IsDir() {
		return nil, treeError(root, "not a directory")
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []*file
	dirs := map[string]bool{".": true}
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." {
			if err := checkName(p); err != nil {
				return err
			}
		}
		if d.IsDir() {
			dirs[p] = true
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := &file{Path: p, Mode: info.Mode().Perm()}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			if f.Link, err = r.Readlink(p); err != nil {
				return err
			}
		case d.Type().IsRegular():
			fh, err := r.Open(p)
			if err != nil {
				return err
			}
			f.Data, err = io.ReadAll(fh)
			fh.Close()
			if err != nil {
				return err
			}
			f.ELF, f.Soname = readELF(f.Data)
		default:
			return treeError(p, "is a %s, not a file, directory or symlink", d.Type())
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadTree) {
			return nil, err
		}
		return nil, fmt.Errorf("read install tree %s: %w", root, err)
	}
	if len(out) == 0 {
		return nil, treeError(root, "the install tree is empty")
	}
	byPath := map[string]*file{}
	for _, f := range out {
		byPath[f.Path] = f
	}
	for _, f := range out {
		if !f.isLink() {
			continue
		}
		if _, err := resolve(byPath, dirs, f.Path, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkName refuses a name nfpm cannot package as it is: nfpm reads a
// source path as a glob pattern, and package formats have no way to
// write a newline or bytes that are not UTF-8 in a file list.
func checkName(p string) error {
	switch {
	case !utf8.ValidString(p):
		return treeError(strconv.Quote(p), "the name is not UTF-8, which deb and rpm file lists cannot hold: rename it")
	case strings.ContainsAny(p, "*?[]{}\\"):
		return treeError(strconv.Quote(p), "the name has a glob character (* ? [ ] { } \\), which nfpm would expand: rename it")
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return treeError(strconv.Quote(p), "the name has a control character (a newline, a tab), which deb and rpm file lists cannot hold: rename it")
	}
	return nil
}

// resolve follows a symlink inside the tree to the file it names.
func resolve(files map[string]*file, dirs map[string]bool, p string, depth int) (*file, error) {
	f := files[p]
	if f == nil {
		return nil, nil
	}
	if !f.isLink() {
		return f, nil
	}
	if depth > 16 {
		return nil, treeError(p, "too many levels of symlinks")
	}
	t := f.Link
	if path.IsAbs(t) {
		t = strings.TrimPrefix(path.Clean(t), "/")
	} else {
		t = path.Join(path.Dir(p), t)
	}
	if t == ".." || strings.HasPrefix(t, "../") {
		return nil, treeError(p, "symlink to %s escapes the install tree", f.Link)
	}
	next := files[t]
	if next == nil {
		if dirs[t] {
			return nil, nil // a symlink to a directory, kept as a symlink
		}
		return nil, treeError(p, "symlink to %s names nothing in the install tree", f.Link)
	}
	return resolve(files, dirs, t, depth+1)
}

func readELF(data []byte) (*elfInfo, string) {
	if !bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		return nil, ""
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, ""
	}
	defer ef.Close()
	info := &elfInfo{Machine: ef.Machine, Class: ef.Class, Stripped: true, Linked: ef.Type == elf.ET_EXEC || ef.Type == elf.ET_DYN}
	for _, s := range ef.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") {
			info.Stripped = false
		}
	}
	soname := ""
	if ef.Type == elf.ET_DYN {
		if names, err := ef.DynString(elf.DT_SONAME); err == nil && len(names) > 0 {
			soname = names[0]
			info.Shared = true
		}
	}
	return info, soname
}

// checkLibraries refuses a shared library whose soname has no file or
// symlink beside it, and, when nothing strips them (noStrip), an
// unstripped ELF file.
func checkLibraries(files []*file, noStrip bool) error {
	byPath := map[string]*file{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	var errs []error
	for _, f := range files {
		if f.ELF == nil {
			continue
		}
		if !f.ELF.Stripped && f.ELF.Linked && noStrip {
			errs = append(errs, treeError(f.Path, "is not stripped, and --no-strip says not to strip it (strip --strip-unneeded it, or let tiered strip it into a debug package)"))
		}
		if f.Soname == "" || path.Base(f.Path) == f.Soname {
			continue
		}
		link := path.Join(path.Dir(f.Path), f.Soname)
		if _, ok := byPath[link]; !ok {
			errs = append(errs, treeError(f.Path, "has soname %s, but the tree has no %s (make install creates it: ln -s %s %s)", f.Soname, link, path.Base(f.Path), link))
		}
	}
	return errors.Join(errs...)
}

// libDirs are the library directories of install trees, longest first.
var libDirs = []string{
	"usr/local/lib64", "usr/local/lib", "usr/lib64", "usr/lib", "lib64", "lib",
}

// relocate maps a path of the install tree to the path a distribution
// installs it at: /usr/local becomes /usr, and library directories
// become libdir (usr/lib/x86_64-linux-gnu for deb, usr/lib64 for rpm).
// A multiarch directory already in the tree is kept.
func relocate(p, libdir string) string {
	for _, d := range libDirs {
		rest, ok := strings.CutPrefix(p, d+"/")
		if !ok {
			continue
		}
		if first, _, _ := strings.Cut(rest, "/"); strings.HasSuffix(first, "-linux-gnu") || strings.HasSuffix(first, "-linux-gnueabihf") {
			rest = rest[len(first)+1:]
		}
		return libdir + "/" + rest
	}
	if rest, ok := strings.CutPrefix(p, "usr/local/"); ok {
		return "usr/" + rest
	}
	return p
}

// rewritePC points a pkg-config file at the relocated directories.
func rewritePC(data []byte, libdir string) []byte {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		for _, key := range []string{"prefix=", "exec_prefix=", "libdir=", "includedir="} {
			v, ok := strings.CutPrefix(l, key)
			if !ok || strings.HasPrefix(v, "$") {
				continue
			}
			v = strings.TrimPrefix(v, "/")
			switch key {
			case "libdir=":
				v = relocate(v+"/x", libdir)
				v = strings.TrimSuffix(v, "/x")
			default:
				v = relocate(v, libdir)
				if strings.HasPrefix(v, "usr/local") {
					v = "usr" + strings.TrimPrefix(v, "usr/local")
				}
			}
			lines[i] = key + "/" + v
		}
	}
	return []byte(strings.Join(lines, "\n"))
}
