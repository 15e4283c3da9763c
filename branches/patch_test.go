package branches

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gitPatchIDs returns git's `git patch-id --stable` of each commit of
// shas that has one, from a single `git log -p` piped into a single `git
// patch-id`: git's default diff (myers, indent heuristic, renames
// detected), without user configuration. Binary files are diffed with
// --full-index, as [Patch.ID] hashes them.
func gitPatchIDs(t testing.TB, dir string, shas []string) map[string]string {
	t.Helper()
	env := append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	log := exec.Command("git", "log", "--no-walk=unsorted", "--stdin", "-p", "--full-index",
		"--no-color", "--no-ext-diff", "--format=commit %H")
	log.Dir, log.Env = dir, env
	log.Stdin = strings.NewReader(strings.Join(shas, "\n") + "\n")
	pid := exec.Command("git", "patch-id", "--stable")
	pid.Dir, pid.Env = dir, env
	diffs, err := log.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	pid.Stdin = diffs
	var out, logErr, pidErr bytes.Buffer // one buffer each: the two run at once
	pid.Stdout = &out
	log.Stderr, pid.Stderr = &logErr, &pidErr
	if err := log.Start(); err != nil {
		t.Fatal(err)
	}
	if err := pid.Start(); err != nil {
		t.Fatal(err)
	}
	if err := log.Wait(); err != nil {
		t.Fatalf("git log -p: %v\n%s", err, logErr.Bytes())
	}
	if err := pid.Wait(); err != nil {
		t.Fatalf("git patch-id: %v\n%s", err, pidErr.Bytes())
	}
	ids := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			ids[f[1]] = f[0]
		}
	}
	return ids
}

// checkPatchIDs compares PatchID with git for the commits shas (not
// merges); it returns how many were compared and how many differ.
func checkPatchIDs(t testing.TB, dir string, shas []string) (n, bad int) {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := gitPatchIDs(t, dir, shas)
	for _, sha := range shas {
		got, err := r.PatchID(sha)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[sha]
		if !ok {
			continue // an empty change has no patch-id
		}
		n++
		if got != w {
			bad++
			t.Errorf("PatchID(%.12s) = %s, git says %s", sha, got, w)
		}
	}
	return n, bad
}

// revList lists the commits of `git rev-list args`.
func revList(t testing.TB, dir string, args ...string) []string {
	t.Helper()
	out, err := gitOut(t, dir, append([]string{"rev-list"}, args...)...)
	if err != nil {
		t.Fatalf("git rev-list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(out)
}

func TestPatchIDAgainstGit(t *testing.T) {
	for _, name := range []string{"libbpf", "fourtier"} {
		dir := fixture(t, name)
		n, bad := checkPatchIDs(t, dir, revList(t, dir, "--no-merges", "--all"))
		if n == 0 || bad > 0 {
			t.Errorf("%s: %d of %d patch-ids differ from git", name, bad, n)
		}
	}
}

// TestPatchIDEdgeCases compares patch-ids with git's on commits built to
// hit what git's diff output and patch-id do besides hunks: renames found
// by content, by basename and by best match, renames with mode changes,
// identical twins, binary files, empty files (hashed with the next file),
// mode-only and type changes, symlinks, submodules, a file becoming a
// directory, missing final newlines, CRLF, paths git quotes, and a file
// over the 1 MiB that Patch used to hash by blob id.
func TestPatchIDEdgeCases(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required to build the repository")
	}
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
git config commit.gpgsign false
c() { git add -A && git commit -q --allow-empty -m "$1"; }
seq 1 100 > a.txt; printf 'x\0y' > bin.dat; seq 1 50 > keep.c; mkdir d; seq 200 300 > d/moved.c
printf 'no newline' > nonl.txt; seq 1 40 > other.c
c initial
mkdir e; git mv d/moved.c e/moved.c; sed -i 's/^250$/two-fifty/' e/moved.c; c 'rename, same basename'
git mv a.txt b.txt; chmod +x b.txt; echo 101 >> b.txt; c 'rename with mode change and edit'
git rm -q other.c; seq 1 38 > other2.c; seq 1 20 > unrelated.c; c 'rename among candidates'
seq 1 10 > s1; seq 1 10 > s2; c twins; git mv s1 t1; git mv s2 t2; c 'rename twins'
printf 'x\0z' > bin.dat; : > empty; chmod +x keep.c; c 'binary, empty file, mode change'
git rm -q bin.dat empty; c 'delete binary and empty file'
ln -s keep.c link; c symlink; rm link; echo text > link; c 'type change'
printf 'no newline\n' > nonl.txt; printf 'a\r\nb\r\n' > crlf.txt; c newlines; printf 'a\r\nc\r\n' > crlf.txt; c crlf
rm link; mkdir link; echo inside > link/f; c 'file to directory'
printf 'q\n' > $'tab\tname'; printf 'u\n' > 'ünï'; printf 'x\n' > 'quo"te'; c 'quoted paths'
git mv 'ünï' 'ü2'; c 'quoted rename'
seq 1 300000 > big.txt; c big; sed -i 's/^1000$/thousand/; s/^200000$/x/' big.txt; c 'big edit'
git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub; git commit -q -m submodule
git update-index --cacheinfo 160000,$(git rev-parse HEAD~2),sub; git commit -q -m 'submodule update'
`)
	shas := revList(t, dir, "--no-merges", "--all")
	n, bad := checkPatchIDs(t, dir, shas)
	if n != len(shas) || bad > 0 {
		t.Errorf("%d of %d patch-ids differ from git (of %d commits)", bad, n, len(shas))
	}

	// The rename is one file, with git's similarity index.
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sha, _ := gitOut(t, dir, "rev-list", "-1", "--grep=rename with mode change", "HEAD")
	p, err := r.Patch(sha)
	if err != nil {
		t.Fatal(err)
	}
	stat, _ := gitOut(t, dir, "show", "--format=", "--summary", sha)
	want := FilePatch{OldPath: "a.txt", NewPath: "b.txt", OldMode: 0o100644, NewMode: 0o100755, Similarity: 98}
	if len(p.Files) != 1 || !strings.Contains(stat, "rename a.txt => b.txt (98%)") {
		t.Fatalf("Patch(rename) = %+v; git: %s", p.Files, stat)
	}
	got := p.Files[0]
	got.OldID, got.NewID, got.Hunks = "", "", nil
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Patch(rename) mismatch (-want +got):\n%s", d)
	}
}

// TestPatchIDRealLibbpf compares patch-ids with git's on the real libbpf
// history at $TIERED_LIBBPF (skips otherwise): every non-merge commit of
// every branch and tag, among them syncs of thousands of lines, 3 MiB
// vmlinux.h regenerations, renames and binary files. All must agree.
func TestPatchIDRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	if testing.Short() {
		t.Skip("the whole libbpf history: not in -short")
	}
	n, bad := checkPatchIDs(t, dir, revList(t, dir, "--no-merges", "--all"))
	t.Logf("%d of %d patch-ids agree with git", n-bad, n)
	if n < 500 || bad > 0 {
		t.Errorf("%d of %d patch-ids differ from git (want 0 of at least 500)", bad, n)
	}
}

// TestIDOfDiffFiles checks that a patch built by DiffFiles, without blob
// ids, hashes as git hashes the same change.
func TestIDOfDiffFiles(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required to build the repository")
	}
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
printf 'a\nb\nc\n' > f; git add f; git commit -q -m one
printf 'a\nB\nc\n' > f; printf 'new\n' > g; git add f g; git commit -q -m two
`)
	want := gitPatchIDs(t, dir, revList(t, dir, "HEAD"))
	head, _ := gitOut(t, dir, "rev-parse", "HEAD")
	p := &Patch{Files: []FilePatch{DiffFiles("f", "f", "a\nb\nc\n", "a\nB\nc\n"), DiffFiles("", "g", "", "new\n")}}
	if got := p.ID(); got != want[head] {
		t.Errorf("ID of DiffFiles patch = %s, git says %s", got, want[head])
	}
}

func TestApplies(t *testing.T) {
	f := FilePatch{Hunks: hunks("a\nb\nc\nd\n", "a\nb\nX\nd\n")}
	if ok, _ := f.Applies([]byte("a\nb\nc\nd\n")); !ok {
		t.Errorf("patch does not apply to its own pre-image")
	}
	ok, missing := f.Applies([]byte("a\nB\nc\nd\n"))
	if ok || len(missing) != 1 || missing[0] != "b" {
		t.Errorf("Applies(changed context) = %v, %q; want missing [b]", ok, missing)
	}
}

// poFile returns a gettext catalogue of about n bytes, like the 1 MB
// translations some projects keep: entries of a source reference, a
// message and its translation. With edited, one entry in 40 has a new
// translation and one in 7 a moved reference, as after a catalogue update.
func poFile(n int, edited bool) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		line := i * 3
		if edited && i%7 == 0 {
			line += 2
		}
		msg := fmt.Sprintf("Message number %d about %s", i, strings.Repeat("words ", i%9))
		tr := fmt.Sprintf("Traduction numéro %d de %s", i, strings.Repeat("mots ", i%9))
		if edited && i%40 == 0 {
			tr = "Nouvelle " + tr
		}
		fmt.Fprintf(&b, "#: src/file%d.c:%d\nmsgid %q\nmsgstr %q\n\n", i%97, line, msg, tr)
	}
	return b.String()
}

// BenchmarkPatchLargeFile diffs two versions of a 1 MB translation file
// (30,372 lines; 1,165 hunks, 2,594 lines removed or added), as Patch does
// for a commit updating one.
func BenchmarkPatchLargeFile(b *testing.B) {
	old, new := poFile(1<<20, false), poFile(1<<20, true)
	b.SetBytes(int64(len(old) + len(new)))
	for b.Loop() {
		f := DiffFiles("po/fr.po", "po/fr.po", old, new)
		if len(f.Hunks) == 0 {
			b.Fatal("no hunks")
		}
	}
}

// PatchWithin returns Patch's patch when the diff fits its budget, and a
// CostlyError naming the file when a file rewritten out of order does not.
func TestPatchWithin(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required to build the fixture")
	}
	dir := t.TempDir()
	var ordered, shuffled strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&ordered, "struct s%d { int f%d; };\n", i, i%7)
		j := (i * 7919) % 20000
		fmt.Fprintf(&shuffled, "struct s%d { int f%d; };\n", j, j%7)
	}
	if err := os.WriteFile(filepath.Join(dir, "vmlinux.h"), []byte(ordered.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "foo.c"), []byte("int a;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script(t, dir, "git init -q -b main && git add -A && git commit -q -m one && echo 'int b;' >> foo.c && git commit -qam two")
	if err := os.WriteFile(filepath.Join(dir, "vmlinux.h"), []byte(shuffled.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	script(t, dir, "git commit -qam three")
	small, _ := gitOut(t, dir, "rev-parse", "HEAD~1")
	costly, _ := gitOut(t, dir, "rev-parse", "HEAD")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.PatchWithin(small, 1000)
	if err != nil {
		t.Fatalf("PatchWithin(one-line change, 1000): %v", err)
	}
	if want := gitPatchIDs(t, dir, []string{small})[small]; p.ID() != want {
		t.Errorf("PatchWithin's patch-id %s, git's %s", p.ID(), want)
	}
	_, err = r.PatchWithin(costly, 1_000_000)
	var ce *CostlyError
	if !errors.As(err, &ce) || ce.Path != "vmlinux.h" || ce.Commit != costly {
		t.Fatalf("PatchWithin(shuffled 20,000 lines, 1e6) = %v, want a CostlyError for vmlinux.h", err)
	}
	if p, err := r.Patch(costly); err != nil || len(p.Files) != 1 || len(p.Files[0].Hunks) == 0 {
		t.Errorf("Patch after a costly PatchWithin = %v, %v; want the whole diff", p, err)
	}
}
