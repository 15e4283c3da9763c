package synth

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// The same seed gives the same history, sha for sha; the history has the
// shape the benchmarks rely on.
func TestGenerate(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to generate histories")
	}
	if testing.Short() {
		t.Skip("generates three histories")
	}
	a, err := Generate(filepath.Join(t.TempDir(), "a"), Options{Commits: 3000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(filepath.Join(t.TempDir(), "b"), Options{Commits: 3000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if x, y := git(t, a.Dir, "rev-parse", "main", "release/v1.2"), git(t, b.Dir, "rev-parse", "main", "release/v1.2"); x != y {
		t.Errorf("same seed, different shas:\n%s\n%s", x, y)
	}
	c, err := Generate(filepath.Join(t.TempDir(), "c"), Options{Commits: 3000, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	if git(t, a.Dir, "rev-parse", "main") == git(t, c.Dir, "rev-parse", "main") {
		t.Error("different seeds, same history")
	}
	if n := git(t, a.Dir, "rev-list", "--count", "--all"); n != "3000" {
		t.Errorf("%s commits, want 3000", n)
	}
	merges := git(t, a.Dir, "rev-list", "--count", "--merges", "main")
	if merges == "0" || a.Fixes == 0 || a.Picks == 0 || a.Reverts == 0 || len(a.Lines) != 3 || a.Releases < 4 {
		t.Errorf("shape: %d merges, %+v", len(merges), a)
	}
	// A cherry-pick names a commit of trunk; a Fixes: names an earlier one.
	pick := git(t, a.Dir, "log", "-1", "--format=%B", "--grep=cherry picked from", "release/v1.2")
	if !strings.Contains(pick, "(cherry picked from commit ") || !strings.Contains(pick, "Fixes: ") {
		t.Errorf("a cherry-pick on release/v1.2:\n%s", pick)
	}
	// What makes real histories costly: ~1 MB catalogs updated under one
	// subject on trunk and on the lines, a large generated file that
	// changes, renames.
	if a.Translations == 0 || a.Regenerations == 0 || a.Renames == 0 {
		t.Errorf("shape: %+v", a)
	}
	if size, _ := strconv.Atoi(git(t, a.Dir, "cat-file", "-s", "main:po/de.po")); size < 900_000 {
		t.Errorf("po/de.po is %d bytes, want about 1 MB", size)
	}
	if n := git(t, a.Dir, "rev-list", "--count", "--author=Translation Bot", "main..release/v1.2"); n == "0" {
		t.Error("no translation update on release/v1.2")
	}
	if out := git(t, a.Dir, "log", "--format=", "--diff-filter=R", "--name-status", "main"); !strings.Contains(out, "R") {
		t.Error("git log detects no rename on main")
	}
	if out := git(t, a.Dir, "fsck", "--no-dangling"); strings.Contains(out, "error") {
		t.Errorf("git fsck: %s", out)
	}
}
