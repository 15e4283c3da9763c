package branches

import (
	"testing"
)

// MayAddLines rules a commit out only from a part kept in the patch
// cache: never one whose part adds the line, never one that adds or
// deletes one of the paths (no part is kept for it), never without a
// cache. A file added elsewhere in the commit does not matter.
func TestMayAddLines(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
printf 'a\nb\nc\n' > f; printf 'x\n' > g; git add f g; git commit -q -m one
printf 'a\nB\nc\n' > f; printf 'X\n' > g; git add f g; git commit -q -m modify
printf 'a\nB\nc\nd\n' > f; printf 'new\n' > h; git add f h; git commit -q -m add
`)
	modify, _ := gitOut(t, dir, "rev-parse", "HEAD~1")
	add, _ := gitOut(t, dir, "rev-parse", "HEAD")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	may := func(r *Repo, commit string, paths []string, lines ...string) bool {
		t.Helper()
		ok, err := r.MayAddLines(commit, paths, lines)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	f := []string{"f"}
	if !may(r, modify, f, "a") {
		t.Error("ruled out before its part was diffed")
	}
	for _, c := range []string{modify, add} {
		for _, path := range []string{"f", "h"} {
			if _, err := r.PatchOf(c, []string{path}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		commit string
		paths  []string
		lines  []string
		want   bool
	}{
		{modify, f, []string{"B"}, true},       // the line it adds
		{modify, f, []string{"a", "c"}, false}, // context only
		{modify, f, []string{"b"}, false},      // the line it removes
		{modify, f, nil, false},                // creates nothing
		{modify, []string{"h"}, []string{"B"}, false},
		{add, f, []string{"d"}, true},             // the line it adds to f
		{add, f, []string{"a"}, false},            // adds h, but only context of f
		{add, []string{"h"}, []string{"x"}, true}, // creates h: no part kept
		{add, []string{"f", "h"}, nil, true},      // creates one of them
	} {
		if got := may(r, tc.commit, tc.paths, tc.lines...); got != tc.want {
			t.Errorf("MayAddLines(%.7s, %v, %q) = %v, want %v", tc.commit, tc.paths, tc.lines, got, tc.want)
		}
	}
	// Without a cache there are no kept parts to answer from.
	bare, _ := Open(dir)
	bare.noCommitCache = true
	if _, err := bare.PatchOf(modify, f); err != nil {
		t.Fatal(err)
	}
	if !may(bare, modify, f, "a") {
		t.Error("ruled out without a cache")
	}
}

// Never a false "no": on real libbpf history, every line a kept part
// adds is one MayAddLines says the commit may add.
func TestMayAddLinesRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	if testing.Short() {
		t.Skip("libbpf history: not in -short")
	}
	// A copy, so that the cache this test writes is its own.
	clone := t.TempDir()
	if _, err := gitOut(t, dir, "clone", "-q", "--bare", "--no-local", dir, clone); err != nil {
		t.Fatal(err)
	}
	r, err := Open(clone)
	if err != nil {
		t.Fatal(err)
	}
	parts, lines := 0, 0
	for i, sha := range revList(t, clone, "--no-merges", "--all") {
		if i%3 != 0 {
			continue
		}
		paths, err := r.ChangedPaths(sha)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			p, err := r.PatchOf(sha, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := r.cache().partRef(sha, path); !ok {
				continue // not a part: a whole patch, which MayAddLines never rules out
			}
			parts++
			for _, fp := range p.Files {
				for _, h := range fp.Hunks {
					for _, l := range h.Added() {
						lines++
						if ok, err := r.MayAddLines(sha, []string{path}, []string{l}); err != nil || !ok {
							t.Fatalf("%.12s %s: MayAddLines(%q) = %v, %v; its part adds it", sha, path, l, ok, err)
						}
					}
				}
			}
		}
	}
	t.Logf("%d parts, %d added lines, none ruled out", parts, lines)
}
