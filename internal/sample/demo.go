package sample

import (
	"fmt"
	"os"
	"path/filepath"
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
	// Sync added BPF_MAP_TYPE_RING_POOL to the UAPI header copy before
	// 1.4.0.0; Revert, on trunk after the release, synced the kernel's
	// revert of it, made before Linux 6.9 was released.
	Sync, Revert string
	// MapFixOn14 is MapFix cherry-picked to release/v1.4 with -x.
	MapFixOn14 string
	// Kernels is the directory of kernel BTF the policy names: 6.7,
	// 6.9-rc1 (with RING_POOL), 6.9 and 6.10 (without).
	Kernels string
	// StableExport was pushed to the stable line release/v1.3.1: it adds
	// a symbol, which a stable line may not.
	StableExport string
	// Steps are the demo's walk through the history: what to look for,
	// then the tiered command that shows it.
	Steps []Step
}

// Step is one step of the demo: a sentence saying what to look for, and
// the tiered command (its arguments) that shows it.
type Step struct {
	Say  string
	Args []string
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
features:
  btf: kernels
`
	open0 := "int foo_open(const char *path) { return bpf_open(path, 0); }"
	open1 := "int foo_open(const char *path) { return bpf_open(path, O_CLOEXEC); }"
	ring0 := "int foo_ring_new(int size) { return ring(size); }"
	ring1 := "int foo_ring_new(int size) { return ring(size ? size : 4096); }"
	map0 := "int foo_map_new(int type) { return map(type, 0); }"
	map1 := "int foo_map_new(int type) { return map(type, BPF_F_NO_PREALLOC); }"
	uapi := header("")

	b.Commit("main", "libfoo: initial import", map[string]string{
		"tiered.yaml":              policy,
		"src/libfoo.map":           mapFile("LIBFOO_1.0.0:foo_open"),
		"src/foo.c":                source(open0),
		"include/uapi/linux/bpf.h": uapi,
		"README":                   "libfoo: a small BPF loader\n",
		".gitignore":               "# kernel BTF for tiered features check, the demo's build\nkernels/\nbuild/\ndist/\n",
		"LICENSE":                  license,
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

	st.Sync = b.Commit("main", "sync: bpf: add BPF_MAP_TYPE_RING_POOL\n\nSync include/uapi/linux/bpf.h with bpf-next for Linux 6.9-rc1.\n",
		map[string]string{"include/uapi/linux/bpf.h": header("\tBPF_MAP_TYPE_RING_POOL,\n")})
	b.Commit("main", "libfoo: add map API", map[string]string{
		"src/libfoo.map": mapFile("LIBFOO_1.0.0:foo_open", "LIBFOO_1.3.0:foo_ring_new", "LIBFOO_1.4.0:foo_map_new"),
		"src/foo.c":      source(open0, ring0, map0),
	})
	mapAdd, _ := b.repo.Reference("refs/heads/main", true)
	b.Tag("v1.4.0.0", "main", "libfoo 1.4.0.0\n\nTier: kernel\nKernel-Baseline: 6.9\nABI: 1\nPrevious: 1.3.1.0\n")
	b.Branch("release/v1.4", "main")
	b.Branch("release/v1.4.0", "main")

	st.Revert = b.Commit("main", fmt.Sprintf("Revert \"sync: bpf: add BPF_MAP_TYPE_RING_POOL\"\n\nThis reverts commit %s.\n\nThe kernel reverted ring pools before Linux 6.9 was released.\n", st.Sync),
		map[string]string{"include/uapi/linux/bpf.h": header("")})
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
	// release/v1.4 took the map fix, but not the revert of RING_POOL.
	st.MapFixOn14 = b.CherryPick("release/v1.4", st.MapFix, func(path, content string) string {
		return source(open0, ring0, map1)
	})
	// Someone pushed a new symbol to the stable line 1.3.1.
	st.StableExport = b.Commit("release/v1.3.1", "libfoo: export foo_ring_stats()", map[string]string{
		"src/libfoo.map": mapFile("LIBFOO_1.0.0:foo_open", "LIBFOO_1.3.0:foo_ring_new", "LIBFOO_1.3.1:foo_ring_stats"),
		"src/foo.c":      source(open0, ring0, "int foo_ring_stats(int fd) { return stats(fd); }"),
	})
	b.Checkout("main")
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("build demo repository: %w", err)
	}
	st.Kernels = filepath.Join(dir, "kernels")
	if err := os.MkdirAll(st.Kernels, 0o755); err != nil {
		return nil, err
	}
	base := "enum bpf_cmd BPF_MAP_CREATE BPF_PROG_LOAD\nenum bpf_map_type BPF_MAP_TYPE_UNSPEC BPF_MAP_TYPE_HASH BPF_MAP_TYPE_RINGBUF\nunion bpf_attr map_type key_size value_size\n"
	for name, desc := range map[string]string{
		"6.7.btf":     base,
		"6.9-rc1.btf": strings.Replace(base, "RINGBUF", "RINGBUF BPF_MAP_TYPE_RING_POOL", 1),
		"6.9.btf":     base,
		"6.10.btf":    base,
	} {
		raw, err := KernelBTF(desc)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(st.Kernels, name), raw, 0o644); err != nil {
			return nil, err
		}
	}
	st.Steps = []Step{
		{"The lines: trunk, kernel lines 1.3 and 1.4 with their kernel baselines, and their stable lines.", []string{"status"}},
		{"What trunk would release next, and why: a new kernel line, which needs its baseline kernel.", []string{"next"}},
		{"Line 1.4 still carries a header sync the kernel reverted before 6.9: the gates refuse it.", []string{"next", "--line", "1.4"}},
		{"Line 1.3 has a backported fix: a feature release of kernel line 1.3.", []string{"next", "--line", "1.3"}},
		{"Someone pushed a new symbol to stable line 1.3.1: a stable line takes no new symbols, so it cannot release.", []string{"next", "--line", "release/v1.3.1"}},
		{"What trunk has that stable line 1.4.0 lacks: the fixes to apply, in order (each names the fix it needs first), and the new symbol a stable line may not take.", []string{"backport", "plan", "--to", "1.4.0"}},
		{"May the ABI addition go to stable line 1.3.1? No, and the rules say why.", []string{"backport", "check", st.Lookup, "--to", "release/v1.3.1"}},
		{"Release 1.3.1.0 needs nothing kernel 6.7 lacks.", []string{"features", "check", "v1.3.1.0"}},
		{"Release 1.4.0.0 needs a map type the kernel reverted before 6.9: the commits that added and removed it are named.", []string{"features", "check", "v1.4.0.0"}},
		{"So cutting 1.4.1.0 is refused, and nothing is written.", []string{"cut", "--line", "1.4", "--dry-run"}},
		{"Trunk synced the revert: cut 1.5.0.0 with its baseline kernel 6.10. The tag and the branches it opens are written together.", []string{"cut", "--kernel", "6.10"}},
		{"The new kernel line 1.5 and its stable line 1.5.0.", []string{"status"}},
		{"The release dashboard, as Markdown for a pull request (tiered report --out DIR writes it as an HTML page).", []string{"report", "--format", "markdown"}},
	}
	return st, nil
}

const license = `Copyright (c) 2024 The libfoo authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
`

// header is the demo's copy of the kernel's bpf.h, with extra map types.
func header(extra string) string {
	return `/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI__LINUX_BPF_H__
#define _UAPI__LINUX_BPF_H__

enum bpf_cmd {
	BPF_MAP_CREATE,
	BPF_PROG_LOAD,
};

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC,
	BPF_MAP_TYPE_HASH,
	BPF_MAP_TYPE_RINGBUF,
` + extra + `};

union bpf_attr {
	struct {
		__u32	map_type;
		__u32	key_size;
		__u32	value_size;
	};
};

#endif
`
}

func short(h string) string { return h[:12] }
