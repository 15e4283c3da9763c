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
	// A file with only GNU-style hash tables needs a dynamic linker that
	// reads them, as elfdeps says.
	if hasDynTag(ef, elf.DT_GNU_HASH) && !hasDynTag(ef, elf.DT_HASH) {
		requires = append(requires, "rtld(GNU_HASH)")
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

// hasDynTag reports whether an ELF file's dynamic section has tag.
func hasDynTag(ef *elf.File, tag elf.DynTag) bool {
	vals, err := ef.DynValue(tag)
	return err == nil && len(vals) > 0
}

// debLibraries maps the sonames a library commonly needs to the Debian
// packages that ship them: the unversioned fallback on a build machine
// without a dpkg database to ask (see shlibDeps).
var debLibraries = map[string]string{
	"libc.so.6": "libc6", "libm.so.6": "libc6", "libpthread.so.0": "libc6", "libdl.so.2": "libc6",
	"librt.so.1": "libc6", "libresolv.so.2": "libc6",
	"libz.so.1": "zlib1g", "libelf.so.1": "libelf1", "libzstd.so.1": "libzstd1",
	"liblzma.so.5": "liblzma5", "libbpf.so.1": "libbpf1", "libxdp.so.1": "libxdp1",
	"libmnl.so.0": "libmnl0", "libcap.so.2": "libcap2", "libgcc_s.so.1": "libgcc-s1",
	"libstdc++.so.6": "libstdc++6",
}

// debControl writes the shlibs and symbols control files of a library
// package. The symbols file gives each symbol the first release that
// exported it under its node, which dpkg-gensymbols cannot know: a
// program built against it then depends on the oldest library that has
// what it uses.
func (b *Build) debControl(lib *file, pkg, dev string) map[string][]byte {
	exports, err := exportsOf(lib)
	// Versions carry the epoch: (>= 1.1.2) would let 0:1.1.2 satisfy
	// what only 1:1.1.2 provides.
	epoch := ""
	if b.Version.Epoch > 0 {
		epoch = fmt.Sprintf("%d:", b.Version.Epoch)
	}
	current := epoch + b.Version.Upstream
	if b.Version.Pre != "" {
		current += "~" + b.Version.Pre
	}
	if err != nil || len(exports) == 0 {
		return map[string][]byte{
			"shlibs": fmt.Appendf(nil, "%s %d %s (>= %s)\n", b.Library, b.ABI, pkg, current),
		}
	}
	since := func(e abi.Export) string {
		if v, ok := b.Since[e]; ok {
			return epoch + v
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
	if dev != "" {
		// What dpkg-shlibdeps checks a program's build against.
		fmt.Fprintf(&sym, "* Build-Depends-Package: %s\n", dev)
	}
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
