package packaging

import (
	"bytes"
	"debug/elf"
	"fmt"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/abi"
)

// rpmELFDeps is what rpm's ELF dependency generator (elfdeps) would add,
// which nfpm does not run: Requires for every DT_NEEDED library and every
// version needed from it, and for a shared library, Provides of its
// soname and each version node it defines: libfoo.so.1()(64bit),
// libfoo.so.1(LIBFOO_1.0.0)(64bit).
func rpmELFDeps(f *file, runtime bool) (requires, provides []string, err error) {
	ef, err := elf.NewFile(bytes.NewReader(f.Data))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	defer ef.Close()
	mark := ""
	if ef.Class == elf.ELFCLASS64 {
		mark = "(64bit)"
	}
	needs, err := ef.DynamicVersionNeeds()
	if err != nil {
		needs = nil
	}
	libs, _ := ef.ImportedLibraries()
	for _, l := range libs {
		requires = append(requires, l+"()"+mark)
	}
	for _, n := range needs {
		for _, d := range n.Needs {
			requires = append(requires, fmt.Sprintf("%s(%s)%s", n.Name, d.Dep, mark))
		}
	}
	if runtime && f.Soname != "" {
		provides = append(provides, f.Soname+"()"+mark)
		defs, _ := ef.DynamicVersions()
		for _, d := range defs {
			if d.Flags&elf.VER_FLG_BASE != 0 {
				continue
			}
			provides = append(provides, fmt.Sprintf("%s(%s)%s", f.Soname, d.Name, mark))
		}
	}
	slices.Sort(requires)
	slices.Sort(provides)
	return slices.Compact(requires), slices.Compact(provides), nil
}

// debLibraries maps the sonames a library commonly needs to the Debian
// packages that ship them (what dpkg-shlibdeps would look up).
var debLibraries = map[string]string{
	"libc.so.6": "libc6", "libm.so.6": "libc6", "libpthread.so.0": "libc6", "libdl.so.2": "libc6",
	"librt.so.1": "libc6", "libresolv.so.2": "libc6",
	"libz.so.1": "zlib1g", "libelf.so.1": "libelf1", "libzstd.so.1": "libzstd1",
	"liblzma.so.5": "liblzma5", "libbpf.so.1": "libbpf1", "libxdp.so.1": "libxdp1",
	"libmnl.so.0": "libmnl0", "libcap.so.2": "libcap2", "libgcc_s.so.1": "libgcc-s1",
	"libstdc++.so.6": "libstdc++6",
}

// debELFDeps names the Debian packages a library's DT_NEEDED entries come
// from. An unknown library is refused: name its package in the package's
// depends: in tiered.yaml.
func debELFDeps(f *file) ([]string, error) {
	ef, err := elf.NewFile(bytes.NewReader(f.Data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	defer ef.Close()
	libs, _ := ef.ImportedLibraries()
	var out []string
	for _, l := range libs {
		pkg, ok := debLibraries[l]
		if !ok {
			return nil, fmt.Errorf("%s needs %s, and tiered does not know its Debian package: add it to the package's depends: in tiered.yaml", f.Path, l)
		}
		if !slices.Contains(out, pkg) {
			out = append(out, pkg)
		}
	}
	return out, nil
}

// debControl writes the shlibs and symbols control files of a library
// package. The symbols file gives each symbol the first release that
// exported it under its node, which dpkg-gensymbols cannot know: a
// program built against it then depends on the oldest library that has
// what it uses.
func (b *Build) debControl(lib *file, pkg string) map[string][]byte {
	exports, err := exportsOf(lib)
	if err != nil || len(exports) == 0 {
		return map[string][]byte{
			"shlibs": fmt.Appendf(nil, "%s %d %s (>= %s)\n", b.Library, b.ABI, pkg, b.Version.Upstream),
		}
	}
	current := b.Version.Upstream
	if b.Version.Pre != "" {
		current += "~" + b.Version.Pre
	}
	since := func(e abi.Export) string {
		if v, ok := b.Since[e]; ok {
			return v
		}
		return current
	}
	nodes := map[string]string{} // node → its oldest symbol's version
	var lines []string
	newest := ""
	for _, e := range exports {
		v := since(e)
		if old, ok := nodes[e.Node]; !ok || debLess(v, old) {
			nodes[e.Node] = v
		}
		lines = append(lines, fmt.Sprintf(" %s %s", e, v))
		if newest == "" || debLess(newest, v) {
			newest = v
		}
	}
	for node, v := range nodes {
		if node != "" {
			lines = append(lines, fmt.Sprintf(" %s@%s %s", node, node, v))
		}
	}
	slices.Sort(lines)
	var sym strings.Builder
	fmt.Fprintf(&sym, "%s %s #MINVER#\n", lib.Soname, pkg)
	for _, l := range lines {
		sym.WriteString(l + "\n")
	}
	return map[string][]byte{
		"shlibs":  fmt.Appendf(nil, "%s %d %s (>= %s)\n", b.Library, b.ABI, pkg, newest),
		"symbols": []byte(sym.String()),
	}
}

// exportsOf lists a library's exports, sorted.
func exportsOf(lib *file) ([]abi.Export, error) {
	e, err := abi.ReadLibrary(bytes.NewReader(lib.Data), lib.Path)
	if err != nil {
		return nil, err
	}
	return e.Sorted(), nil
}

// debLess orders two versions as dpkg does.
func debLess(a, b string) bool { return CompareDeb(a, b) < 0 }
