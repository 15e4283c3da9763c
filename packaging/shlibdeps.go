package packaging

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// dpkgDB answers what dpkg-shlibdeps and dpkg -S ask of the build
// machine: which package ships a file, and the shlibs and symbols files
// of the installed library packages (under /var/lib/dpkg/info). root is
// the machine's filesystem root; tests give a fake one.
type dpkgDB struct {
	root   string
	arch   string // Debian architecture of the packages built
	owners map[string]string
}

func newDpkgDB(root, arch string) *dpkgDB {
	if root == "" {
		root = "/"
	}
	return &dpkgDB{root: root, arch: arch, owners: map[string]string{}}
}

func (d *dpkgDB) info() string { return filepath.Join(d.root, "var/lib/dpkg/info") }

// present reports whether the machine has a dpkg database.
func (d *dpkgDB) present() bool {
	fi, err := os.Stat(d.info())
	return err == nil && fi.IsDir()
}

// exists reports whether an absolute path exists on the machine.
func (d *dpkgDB) exists(p string) bool {
	_, err := os.Stat(filepath.Join(d.root, filepath.FromSlash(p)))
	return err == nil
}

// owner returns the package that ships each of paths, as dpkg -S does
// (the info directory's *.list files), "" for a path no package ships.
// Answers are kept: a build asks about the same few paths again.
func (d *dpkgDB) owner(paths ...string) (map[string]string, error) {
	want := map[string]bool{}
	for _, p := range paths {
		if _, ok := d.owners[p]; !ok {
			want[p] = true
		}
	}
	if len(want) > 0 && d.present() {
		lists, err := filepath.Glob(filepath.Join(d.info(), "*.list"))
		if err != nil {
			return nil, err
		}
		slices.Sort(lists)
		for _, l := range lists {
			data, err := os.ReadFile(l)
			if err != nil {
				if errorsIsNotExist(err) {
					continue
				}
				return nil, err
			}
			pkg := strings.TrimSuffix(filepath.Base(l), ".list")
			for _, line := range strings.Split(string(data), "\n") {
				if want[line] {
					if _, ok := d.owners[line]; !ok {
						d.owners[line] = pkg
					}
				}
			}
		}
	}
	out := map[string]string{}
	for _, p := range paths {
		out[p] = d.owners[p]
		if _, ok := d.owners[p]; !ok {
			d.owners[p] = ""
		}
	}
	return out, nil
}

func errorsIsNotExist(err error) bool { return os.IsNotExist(err) || err == fs.ErrNotExist }

// control reads a control file (shlibs, symbols) of an installed
// package, nil if it has none.
func (d *dpkgDB) control(pkg, ext string) ([]byte, error) {
	names := []string{pkg}
	if name, _, ok := strings.Cut(pkg, ":"); ok {
		names = append(names, name)
	} else {
		names = append(names, pkg+":"+d.arch)
	}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(d.info(), n+"."+ext))
		if err == nil {
			return data, nil
		}
		if !os.IsNotExist(err) {
			return nil, err
		}
	}
	return nil, nil
}

// libraryDirs are where the dynamic linker finds a soname, in the order
// dpkg-shlibdeps looks (the unmerged /lib first: dpkg lists libc6 there).
func (d *dpkgDB) libraryDirs() []string {
	var dirs []string
	if t, ok := multiarch[d.arch]; ok {
		dirs = append(dirs, "/lib/"+t, "/usr/lib/"+t)
	}
	return append(dirs, "/lib64", "/usr/lib64", "/lib", "/usr/lib")
}

// libraryPackage finds the installed file of a soname and the package
// that ships it.
func (d *dpkgDB) libraryPackage(soname string) (file, pkg string, err error) {
	var cands []string
	for _, dir := range d.libraryDirs() {
		if p := dir + "/" + soname; d.exists(p) {
			cands = append(cands, p)
		}
	}
	owners, err := d.owner(cands...)
	if err != nil {
		return "", "", err
	}
	for _, c := range cands {
		if owners[c] != "" {
			return c, owners[c], nil
		}
	}
	return "", "", nil
}

// pkgconfigPackage finds the package that ships a pkg-config module's
// .pc file, as dpkg -S of it would.
func (d *dpkgDB) pkgconfigPackage(module string) (string, error) {
	var dirs []string
	if t, ok := multiarch[d.arch]; ok {
		dirs = append(dirs, "/usr/lib/"+t+"/pkgconfig")
	}
	dirs = append(dirs, "/usr/lib64/pkgconfig", "/usr/lib/pkgconfig", "/usr/share/pkgconfig")
	var cands []string
	for _, dir := range dirs {
		if p := dir + "/" + module + ".pc"; d.exists(p) {
			cands = append(cands, p)
		}
	}
	owners, err := d.owner(cands...)
	if err != nil {
		return "", err
	}
	for _, c := range cands {
		if owners[c] != "" {
			name, _, _ := strings.Cut(owners[c], ":")
			return name, nil
		}
	}
	return "", nil
}

// symbolsLib is one library's section of a symbols file (deb-symbols(5)).
type symbolsLib struct {
	template string            // "libc6 #MINVER#"
	alts     []string          // "| …" alternative templates, 1-based ids
	syms     map[string]symVer // "name@VERSION" → minimal version
	symvers  map[string]symVer // (symver)VERSION → minimal version
}

type symVer struct {
	minver string
	id     int
}

// parseSymbols reads the section for soname of a symbols file.
func parseSymbols(data []byte, soname string) *symbolsLib {
	var cur *symbolsLib
	var found *symbolsLib
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "|"):
			if cur != nil {
				cur.alts = append(cur.alts, strings.TrimSpace(line[1:]))
			}
		case strings.HasPrefix(line, "*"):
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			name, tags := f[0], ""
			if strings.HasPrefix(name, "(") {
				if i := strings.Index(name, ")"); i > 0 {
					tags, name = name[1:i], name[i+1:]
				}
			}
			sv := symVer{minver: f[1]}
			if len(f) > 2 {
				sv.id, _ = strconv.Atoi(f[2])
			}
			switch {
			case strings.Contains(tags, "symver"):
				cur.symvers[name] = sv
			case strings.Contains(tags, "c++") || strings.Contains(tags, "regex"):
			default:
				cur.syms[name] = sv
			}
		default:
			so, tmpl, _ := strings.Cut(line, " ")
			cur = nil
			if so == soname {
				cur = &symbolsLib{template: strings.TrimSpace(tmpl), syms: map[string]symVer{}, symvers: map[string]symVer{}}
				found = cur
			}
		}
	}
	return found
}

// lookup is a used symbol's minimal version, if the library lists it.
func (l *symbolsLib) lookup(sym elf.ImportedSymbol) (symVer, bool) {
	if sym.Version != "" {
		if v, ok := l.syms[sym.Name+"@"+sym.Version]; ok {
			return v, true
		}
		v, ok := l.symvers[sym.Version]
		return v, ok
	}
	v, ok := l.syms[sym.Name+"@Base"]
	return v, ok
}

// debDeps collects Depends as dpkg-shlibdeps writes them: one package
// per library, at the highest minimal version any used symbol needs.
type debDeps struct {
	min   map[string]string // package → minimal version, "" unversioned
	fixed []string          // templates and configured dependencies, verbatim
}

func newDebDeps() *debDeps { return &debDeps{min: map[string]string{}} }

func (d *debDeps) need(pkg, version string) {
	old, ok := d.min[pkg]
	if !ok || (version != "" && (old == "" || CompareDeb(old, version) < 0)) {
		d.min[pkg] = version
	}
}

func (d *debDeps) add(dep string) {
	for _, one := range strings.Split(dep, ",") {
		if one = strings.TrimSpace(one); one != "" && !slices.Contains(d.fixed, one) {
			d.fixed = append(d.fixed, one)
		}
	}
}

// list is the Depends entries, sorted as Debian writes them.
func (d *debDeps) list() []string {
	var out []string
	for pkg, v := range d.min {
		if v == "" {
			out = append(out, pkg)
		} else {
			out = append(out, fmt.Sprintf("%s (>= %s)", pkg, v))
		}
	}
	for _, f := range d.fixed {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// shlibDeps adds what an ELF file needs from other libraries, as
// dpkg-shlibdeps works it out: for each DT_NEEDED soname, the package
// that ships the library on the build machine and, from that package's
// symbols file, the highest minimal version of the symbols the file
// uses (libc6 (>= 2.34) from GLIBC_2.34 symbols), else its shlibs
// line. A soname the tree itself ships depends on that package
// (ours); one configured in packaging.deb_packages takes that; one the
// machine does not know is refused.
func (b *Build) shlibDeps(f *file, db *dpkgDB, ours map[string]string, deps *debDeps) error {
	ef, err := elf.NewFile(bytes.NewReader(f.Data))
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	defer ef.Close()
	needed, _ := ef.ImportedLibraries()
	syms, _ := ef.ImportedSymbols()
	libs := map[string]*symbolsLib{}
	var unversioned []elf.ImportedSymbol
	used := map[string][]elf.ImportedSymbol{}
	for _, s := range syms {
		if s.Library == "" {
			unversioned = append(unversioned, s)
		} else {
			used[s.Library] = append(used[s.Library], s)
		}
	}
	var pending []string // sonames whose symbols files are read
	for _, so := range needed {
		if dep, ok := ours[so]; ok {
			if dep != "" {
				deps.add(dep)
			}
			continue
		}
		if dep, ok := b.DebPackages[so]; ok {
			deps.add(dep)
			continue
		}
		_, pkg, err := db.libraryPackage(so)
		if err != nil {
			return err
		}
		if pkg == "" {
			if name, ok := debLibraries[so]; ok && !db.present() {
				deps.need(name, "")
				continue
			}
			return needsPolicy("%s needs %s, and no package of this machine ships it (install it, or name its package in packaging.deb_packages in tiered.yaml: %q: \"PACKAGE (>= VERSION)\")", f.Path, so, so)
		}
		sym, err := db.control(pkg, "symbols")
		if err != nil {
			return err
		}
		if l := parseSymbols(sym, so); l != nil {
			libs[so] = l
			pending = append(pending, so)
			continue
		}
		shl, err := db.control(pkg, "shlibs")
		if err != nil {
			return err
		}
		if dep := shlibsDep(shl, so); dep != "" {
			deps.add(dep)
			continue
		}
		name, _, _ := strings.Cut(pkg, ":")
		deps.need(name, "")
	}
	// Unversioned symbols belong to the first library that lists them.
	for _, s := range unversioned {
		for _, so := range pending {
			if _, ok := libs[so].lookup(s); ok {
				used[so] = append(used[so], s)
				break
			}
		}
	}
	for _, so := range pending {
		l := libs[so]
		minver := ""
		for _, s := range used[so] {
			v, ok := l.lookup(s)
			if !ok {
				continue
			}
			if v.id > 0 && v.id <= len(l.alts) {
				deps.add(l.alts[v.id-1])
				continue
			}
			if minver == "" || CompareDeb(minver, v.minver) < 0 {
				minver = v.minver
			}
		}
		pkg, rest, _ := strings.Cut(l.template, " ")
		if !strings.Contains(rest, "#MINVER#") {
			deps.add(l.template)
			continue
		}
		deps.need(pkg, minver)
	}
	return nil
}

// shlibsDep is the dependency a shlibs file gives a soname
// ("libz 1 zlib1g (>= 1:1.2.3.3)" for libz.so.1), "" if none.
func shlibsDep(data []byte, soname string) string {
	name, version := soname, ""
	if i := strings.LastIndex(soname, ".so."); i >= 0 {
		name, version = soname[:i], soname[i+4:]
	} else if i := strings.Index(soname, "-"); i >= 0 && strings.HasSuffix(soname, ".so") {
		name, version = soname[:i], strings.TrimSuffix(soname[i+1:], ".so")
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || strings.HasSuffix(f[0], ":") {
			continue
		}
		if f[0] == name && f[1] == version {
			return strings.Join(f[2:], " ")
		}
	}
	return ""
}

// pcRequires lists the modules a pkg-config file requires (Requires and
// Requires.private), with their version constraints ("libelf >= 0.1").
func pcRequires(data []byte) [][2]string {
	var out [][2]string
	for _, line := range strings.Split(string(data), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (strings.TrimSpace(key) != "Requires" && strings.TrimSpace(key) != "Requires.private") {
			continue
		}
		toks := strings.Fields(strings.ReplaceAll(val, ",", " "))
		for i := 0; i < len(toks); i++ {
			mod := [2]string{toks[i], ""}
			if i+2 < len(toks) && strings.ContainsAny(toks[i+1][:1], "<>=!") {
				mod[1] = toks[i+1] + " " + toks[i+2]
				i += 2
			}
			if !slices.ContainsFunc(out, func(m [2]string) bool { return m[0] == mod[0] }) {
				out = append(out, mod)
			}
		}
	}
	return out
}

// pcDeps is what a development package needs for its pkg-config files'
// requirements: the -dev package that ships each required module on the
// build machine (dpkg -S of its .pc file) or the configured one, in
// Debian; pkgconfig(module) in rpm, with the .pc file's version
// constraint. Modules the tree itself provides are left out.
func (b *Build) pcDeps(format string, pcs []*file, provided map[string]bool, db *dpkgDB) ([]string, error) {
	var out []string
	for _, f := range pcs {
		for _, m := range pcRequires(f.Data) {
			if provided[m[0]] {
				continue
			}
			if format == "rpm" {
				dep := "pkgconfig(" + m[0] + ")"
				if m[1] != "" {
					dep += " " + m[1]
				}
				out = appendNew(out, dep)
				continue
			}
			if pkg, ok := b.DebPackages[m[0]]; ok {
				out = appendNew(out, pkg)
				continue
			}
			pkg, err := db.pkgconfigPackage(m[0])
			if err != nil {
				return nil, err
			}
			if pkg == "" {
				return nil, needsPolicy("%s requires the pkg-config module %s, and no package of this machine ships %s.pc (install its -dev package, or name it in packaging.deb_packages in tiered.yaml: %s: PACKAGE-dev)",
					f.Path, m[0], m[0], m[0])
			}
			out = appendNew(out, pkg)
		}
	}
	slices.Sort(out)
	return out, nil
}

// pcModule is the module a .pc file provides: its base name.
func pcModule(p string) string { return strings.TrimSuffix(path.Base(p), ".pc") }
