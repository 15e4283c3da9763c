package sample

import (
	"fmt"
	"strings"
)

// Story names the commits of the demo history a walkthrough points at.
type Story struct {
	Dir string
	// RingFix fixes a bug of kernel line 1.3 and is not yet on its stable line.
	RingFix string
	// MapFix fixes a feature only trunk and 1.4 have.
	MapFix string
	// Lookup adds a symbol (an ABI addition).
	Lookup string
	// OpenFix was cherry-picked to release/v1.3 with -x.
	OpenFix string
}

// mapFile writes a version script with one node per entry.
func mapFile(nodes ...string) string {
	var b strings.Builder
	prev := ""
	for _, n := range nodes {
		name, syms, _ := strings.Cut(n, ":")
		fmt.Fprintf(&b, "%s {\n\tglobal:\n", name)
		for _, s := range strings.Fields(syms) {
			fmt.Fprintf(&b, "\t\t%s;\n", s)
		}
		if prev == "" {
			b.WriteString("\tlocal:\n\t\t*;\n}")
		} else {
			b.WriteString("} " + prev)
		}
		b.WriteString(";\n")
		prev = name
	}
	return b.String()
}

func source(funcs ...string) string {
	var b strings.Builder
	b.WriteString("#include <linux/bpf.h>\n\n")
	for _, f := range funcs {
		b.WriteString(f + "\n")
	}
	return b.String()
}

// Demo writes the demo history of libfoo into dir: trunk main, kernel lines
// 1.3 (Linux 6.7, from its tag) and 1.4 (Linux 6.9, from tiered.yaml), a
// stable line 1.3.1, fixes with Fixes: trailers, a -x cherry-pick, and
// unreleased work on every line.
func Demo(dir string) (*Story, error) {
	b, err := Init(dir)
	if err != nil {
		return nil, err
	}
	st := &Story{Dir: dir}
	policy := `# libfoo release policy
scheme: abi.kernel.feature.stable
trunk: main
kernels:
  "1.4": "6.9"
abi:
  library: libfoo
  symbol_map: src/libfoo.map
uapi:
  headers: [include/uapi/linux/bpf.h]
`
	open0 := "int foo_open(const char *path) { return bpf_open(path, 0); }"
	open1 := "int foo_open(const char *path) { return bpf_open(path, O_CLOEXEC); }"
	ring0 := "int foo_ring_new(int size) { return ring(size); }"
	ring1 := "int foo_ring_new(int size) { return ring(size ? size : 4096); }"
	map0 := "int foo_map_new(int type) { return map(type, 0); }"
	map1 := "int foo_map_new(int type) { return map(type, BPF_F_NO_PREALLOC); }"
	uapi := "enum bpf_cmd {\n\tBPF_MAP_CREATE,\n\tBPF_PROG_LOAD,\n};\n"

	b.Commit("main", "libfoo: initial import", map[string]string{
		"tiered.yaml":              policy,
		"src/libfoo.map":           mapFile("LIBFOO_1.0.0:foo_open"),
		"src/foo.c":                source(open0),
		"include/uapi/linux/bpf.h": uapi,
		"README":                   "libfoo: a small BPF loader\n",
	})
	b.Commit("main", "libfoo: add ring buffer API", map[string]string{
		"src/libfoo.map": mapFile("LIBFOO_1.0.0:foo_open", "LIBFOO_1.3.0:foo_ring_new"),
		"src/foo.c":      source(open0, ring0),
	})
	b.Commit("main", "libfoo: document ring buffer", map[string]string{"README": "libfoo: a small BPF loader\nRing buffers: foo_ring_new().\n"})
	b.Tag("v1.3.0.0", "main", "libfoo 1.3.0.0\n\nTier: kernel\nKernel-Baseline: 6.7\nABI: 1\n")
	b.Branch("release/v1.3", "main")
	b.Tag("v1.3.1.0", "release/v1.3", "libfoo 1.3.1.0\n\nTier: feature\nPrevious: 1.3.0.0\n")
	b.Branch("release/v1.3.1", "release/v1.3")

	b.Commit("main", "libfoo: add map API", map[string]string{
		"src/libfoo.map": mapFile("LIBFOO_1.0.0:foo_open", "LIBFOO_1.3.0:foo_ring_new", "LIBFOO_1.4.0:foo_map_new"),
		"src/foo.c":      source(open0, ring0, map0),
	})
	mapAdd, _ := b.repo.Reference("refs/heads/main", true)
	b.Tag("v1.4.0.0", "main", "libfoo 1.4.0.0\n\nTier: kernel\nKernel-Baseline: 6.9\nABI: 1\nPrevious: 1.3.1.0\n")
	b.Branch("release/v1.4", "main")

	st.OpenFix = b.Commit("main", "libfoo: open BPF objects with O_CLOEXEC\n\nCc: stable@vger.kernel.org\n",
		map[string]string{"src/foo.c": source(open1, ring0, map0)})
	st.RingFix = b.Commit("main", fmt.Sprintf("libfoo: default ring buffer size\n\nA zero size made foo_ring_new() fail.\n\nFixes: %s (\"libfoo: add ring buffer API\")\n", "0badc0ffee00"),
		map[string]string{"src/foo.c": source(open1, ring1, map0)})
	st.MapFix = b.Commit("main", fmt.Sprintf("libfoo: do not preallocate maps\n\nFixes: %s (\"libfoo: add map API\")\n", short(mapAdd.Hash().String())),
		map[string]string{"src/foo.c": source(open1, ring1, map1)})
	st.Lookup = b.Commit("main", "libfoo: add foo_map_lookup()", map[string]string{
		"src/libfoo.map": mapFile("LIBFOO_1.0.0:foo_open", "LIBFOO_1.3.0:foo_ring_new", "LIBFOO_1.4.0:foo_map_new", "LIBFOO_1.5.0:foo_map_lookup"),
		"src/foo.c":      source(open1, ring1, map1, "int foo_map_lookup(int fd, void *key) { return lookup(fd, key); }"),
	})

	// release/v1.3 took the O_CLOEXEC fix with cherry-pick -x.
	b.CherryPick("release/v1.3", st.OpenFix, func(path, content string) string {
		return source(open1, ring0)
	})
	b.Checkout("main")
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("build demo repository: %w", err)
	}
	return st, nil
}

func short(h string) string { return h[:12] }
