package branches

import (
	"math"
	"os"
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
