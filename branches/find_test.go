package branches

import (
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// commitSubject reads a commit's subject as Commit has it from go-git's
// decoding: for signed commits (a signature's empty lines are indented),
// mergetags, messages that start with an empty line or carry spaces and
// CRs, and every commit of the real libbpf history at $TIERED_LIBBPF.
func TestCommitSubject(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
git commit -q --allow-empty -m 'plain subject' -m 'body'
tree=$(git rev-parse HEAD^{tree})
sig() { printf 'tree %s\nauthor T <t@example.org> 1 +0000\ncommitter T <t@example.org> 1 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEz\n -----END PGP SIGNATURE-----\n\n%s' "$tree" "$1"; }
for m in 'signed subject\n\nbody\n' '\nsecond line after an empty one\n' '  spaced subject \r\nbody\n' 'no newline at all' ''; do
  sig "$(printf "$m")" | git hash-object -t commit -w --stdin >> shas
done
printf 'tree %s\nauthor T <t@example.org> 1 +0000\ncommitter T <t@example.org> 1 +0000\nmergetag object %s\n type commit\n tag v1\n \n tag message\n\nmerge subject\n' "$tree" "$(git rev-parse HEAD)" | git hash-object -t commit -w --stdin >> shas
git rev-parse HEAD >> shas
`)
	data, err := os.ReadFile(dir + "/shas")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	shas := splitLines(string(data))
	if lib := os.Getenv("TIERED_LIBBPF"); lib != "" {
		if testing.Short() {
			t.Log("libbpf's commits: not in -short")
		} else {
			rl, err := Open(lib)
			if err != nil {
				t.Fatal(err)
			}
			n := checkSubjects(t, rl, revList(t, lib, "--all"))
			t.Logf("%d libbpf subjects agree with go-git's", n)
		}
	}
	if n := checkSubjects(t, r, shas); n != 7 {
		t.Errorf("%d subjects checked, want 7", n)
	}
}

func checkSubjects(t *testing.T, r *Repo, shas []string) int {
	t.Helper()
	n := 0
	for _, sha := range shas {
		c, err := r.commitObject(sha)
		if err != nil {
			t.Fatal(err)
		}
		raw, _, err := r.object(plumbing.CommitObject, plumbing.NewHash(sha), math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := commitSubject(raw), toCommit(c).Subject; got != want {
			t.Errorf("commitSubject(%s) = %q, go-git reads %q", sha, got, want)
		}
		n++
	}
	return n
}

// Creates agrees with git's name-status on every changed path of every
// commit: added (A) or retyped (T, a file become a symlink) creates,
// modified or deleted does not; a rename is a deletion and an addition.
func TestCreates(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
printf 'a\n' > a; printf 'b\n' > b; git add a b; git commit -q -m one
printf 'a2\n' > a; printf 'c\n' > c; git add a c; git commit -q -m two
git mv b d; git commit -q -m rename
rm c; ln -s a c; git add c; git commit -q -m retype
git rm -q a; git commit -q -m delete
`)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, sha := range revList(t, dir, "--all") {
		out, err := gitOut(t, dir, "diff-tree", "-r", "--root", "--no-renames", "--no-commit-id", "--name-status", sha)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range splitLines(out) {
			status, path, _ := strings.Cut(line, "\t")
			got, err := r.Creates(sha, path)
			if err != nil {
				t.Fatal(err)
			}
			if want := status == "A" || status == "T"; got != want {
				t.Errorf("Creates(%s, %s) = %v, git says %s", Short(sha), path, got, status)
			}
			if got {
				created++
			}
		}
		if got, err := r.Creates(sha, "never"); err != nil || got {
			t.Errorf("Creates(%s, never) = %v, %v", Short(sha), got, err)
		}
	}
	if created != 5 { // a, b, c, d, and c retyped
		t.Errorf("%d creations, want 5", created)
	}
}

// FindBySubject finds every commit of the real libbpf by its subject as
// git log prints it, whether the graph read the commit from a
// commit-graph or walked it (the newest 500 are outside the graph file).
func TestFindBySubjectRealLibbpf(t *testing.T) {
	src := libbpfClone(t)
	dir := t.TempDir()
	if out, err := exec.Command("git", "clone", "-q", "--mirror", src, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	script(t, dir, `git rev-list --all --skip=500 | git commit-graph write --stdin-commits`)
	// A subject is the message's first line (git's %s joins the first
	// paragraph's lines).
	log, _ := gitOut(t, dir, "log", "--all", "--format=%x01%H %B")
	want := map[string][]string{}
	for _, c := range strings.Split(log, "\x01")[1:] {
		sha, msg, _ := strings.Cut(c, " ")
		subject, _, _ := strings.Cut(msg, "\n")
		want[strings.TrimSpace(subject)] = append(want[strings.TrimSpace(subject)], sha)
	}
	r := openRepo(t, dir)
	for subject, shas := range want {
		slices.Sort(shas)
		if got, err := r.FindBySubject(subject); err != nil || !slices.Equal(got, shas) {
			t.Errorf("FindBySubject(%q) = %v, %v; want %v", subject, got, err, shas)
		}
		// A plan resolves a subject among its candidates first, by
		// Commit's Subject: it must be the subject FindBySubject reads.
		for _, sha := range shas {
			if c, err := r.Commit(sha); err != nil || c.Subject != subject {
				t.Errorf("Commit(%.12s).Subject = %q, %v; want %q", sha, c.Subject, err, subject)
			}
		}
	}
	if r.UngraphedCommits() != 500 {
		t.Errorf("%d commits outside the commit-graph, want 500", r.UngraphedCommits())
	}
	t.Logf("%d subjects, %d commits walked", len(want), r.UngraphedCommits())
}

// The subjects FindBySubject reads are kept across runs: the next run
// reads only the commits it has not seen, answers alike, and the cache
// forgets the commits the repository lost.
func TestFindBySubjectCached(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
git commit -q --allow-empty -m "libbpf: fix a leak"
git commit -q --allow-empty -m "libbpf: add a feature"
git checkout -q -b side
git commit -q --allow-empty -m "side: fix a leak"
git checkout -q main
`)
	find := func(wantRead int, subjects ...string) {
		t.Helper()
		r := openRepo(t, dir)
		for _, s := range subjects {
			log, _ := gitOut(t, dir, "log", "--all", "--format=%H", "--fixed-strings", "--grep", s)
			var want []string
			for _, sha := range strings.Fields(log) {
				if body, _ := gitOut(t, dir, "log", "-1", "--format=%s", sha); body == s {
					want = append(want, sha)
				}
			}
			slices.Sort(want)
			if got, err := r.FindBySubject(s); err != nil || !slices.Equal(got, want) {
				t.Errorf("FindBySubject(%q) = %v, %v; want %v", s, got, err, want)
			}
		}
		if r.subjectsRead != wantRead {
			t.Errorf("read %d commits for their subjects, want %d", r.subjectsRead, wantRead)
		}
		if err := r.SaveCache(); err != nil {
			t.Fatal(err)
		}
	}
	find(3, "libbpf: fix a leak", "side: fix a leak")
	find(0, "libbpf: fix a leak", "side: fix a leak", "libbpf: add a feature")
	script(t, dir, `git commit -q --allow-empty -m "libbpf: fix a leak"`)
	find(1, "libbpf: fix a leak")
	script(t, dir, `git branch -q -D side && git reflog expire --expire=now --all && git gc -q --prune=now`)
	find(0, "side: fix a leak", "libbpf: fix a leak")
	r := openRepo(t, dir)
	if sc := r.subjectStore(); sc == nil || len(sc.m) != 3 {
		t.Errorf("the subject cache holds %v, want the 3 commits left", sc)
	}
	// Without a cache nothing is read from it or written.
	r = openRepo(t, dir)
	r.noCommitCache = true
	if _, err := r.FindBySubject("x"); err != nil || r.subjectsRead != 3 {
		t.Errorf("without a cache: read %d commits (%v), want 3", r.subjectsRead, err)
	}
}
