package branches

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkPatchOf checks, for every commit given and each path it changes,
// that PatchOf gives the whole patch's files for that path, read from a
// repository that has diffed nothing yet, and that the whole patch read
// after it (reusing the part) is the one read alone.
func checkPatchOf(t *testing.T, dir string, shas []string) (n int) {
	t.Helper()
	whole, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	whole.noCommitCache = true
	for _, sha := range shas {
		paths, err := whole.ChangedPaths(sha)
		if err != nil {
			t.Fatal(err)
		}
		p, err := whole.Patch(sha)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			part, err := Open(dir) // nothing cached: PatchOf diffs
			if err != nil {
				t.Fatal(err)
			}
			part.noCommitCache = true
			got, err := part.PatchOf(sha, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(p.only([]string{path}).Files, got.Files); d != "" {
				t.Errorf("PatchOf(%.12s, %s) differs from the whole patch's (-whole +part):\n%s", sha, path, d)
			}
			// The whole patch after the part, which it may reuse.
			after, err := part.Patch(sha)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(p.Files, after.Files); d != "" {
				t.Errorf("Patch(%.12s) after PatchOf(%s) differs (-alone +after):\n%s", sha, path, d)
			}
			n++
		}
	}
	return n
}

func TestPatchOf(t *testing.T) {
	for _, name := range []string{"libbpf", "fourtier"} {
		dir := fixture(t, name)
		n := checkPatchOf(t, dir, revList(t, dir, "--no-merges", "--all"))
		t.Logf("%s: %d files", name, n)
	}
}

func TestPatchOfRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	if testing.Short() {
		t.Skip("libbpf history: not in -short")
	}
	// Every 5th commit: a whole run opens the repository once per file.
	var shas []string
	for i, sha := range revList(t, dir, "--no-merges", "--all") {
		if i%5 == 0 {
			shas = append(shas, sha)
		}
	}
	t.Logf("%d files of %d commits", checkPatchOf(t, dir, shas), len(shas))
}

// A file a commit modifies is diffed alone, even when the commit adds
// another; a file it adds is diffed with the whole patch (a rename may
// pair it).
func TestPatchOfDiffsOnlyWhatItMust(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
printf 'a\nb\n' > f; printf 'x\n' > g; git add f g; git commit -q -m one
printf 'a\nB\n' > f; printf 'X\n' > g; git add f g; git commit -q -m modify
printf 'a\nB\nc\n' > f; printf 'new\n' > h; git add f h; git commit -q -m add
`)
	for _, tc := range []struct {
		rev, path string
		whole     bool
	}{
		{"HEAD~1", "f", false},
		{"HEAD", "f", false}, // h is added, f only modified
		{"HEAD", "h", true},
	} {
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		r.noCommitCache = true
		sha, _ := gitOut(t, dir, "rev-parse", tc.rev)
		p, err := r.PatchOf(sha, []string{tc.path})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Files) != 1 || p.Files[0].NewPath != tc.path {
			t.Errorf("PatchOf(%s, %s): files %+v", tc.rev, tc.path, p.Files)
		}
		if _, ok := r.patches.get(sha); ok != tc.whole {
			t.Errorf("PatchOf(%s, %s): whole patch diffed %v, want %v", tc.rev, tc.path, ok, tc.whole)
		}
	}
}

// A part of a patch is kept in the patch cache: the next run reads it
// back equal.
func TestPatchOfCached(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
printf 'a\nb\n' > f; printf 'x\n' > g; git add f g; git commit -q -m one
printf 'a\nB\n' > f; printf 'X\n' > g; git add f g; git commit -q -m modify
`)
	sha, _ := gitOut(t, dir, "rev-parse", "HEAD")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.PatchOf(sha, []string{"f"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r2.cache().partRef(sha, "f"); !ok {
		t.Fatalf("the commit cache notes no part for f")
	}
	got, err := r2.PatchOf(sha, []string{"f"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want.Files, got.Files); d != "" {
		t.Errorf("cached part differs (-computed +cached):\n%s", d)
	}
	if _, ok := r2.patches.get(sha); ok {
		t.Errorf("reading the part diffed the whole patch")
	}
}
