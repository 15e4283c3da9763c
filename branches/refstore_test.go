package branches

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRepo makes a repository with the git CLI: a work tree, main with two
// commits, HEAD on main. It returns the directory and the two commits.
func gitRepo(t *testing.T) (dir, first, second string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required to check refs against git")
	}
	dir = t.TempDir()
	script(t, dir, `git init -q -b main
		git commit -q --allow-empty -m first
		git tag -a v1.4.0.0 -m 'libfoo 1.4.0.0'
		git commit -q --allow-empty -m second`)
	first, _ = gitOut(t, dir, "rev-parse", "main~1")
	second, _ = gitOut(t, dir, "rev-parse", "main")
	return dir, first, second
}

func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Readers ignore lock files, even empty ones, and broken ref files, as
// git does; go-git failed every listing on an empty lock file.
func TestReadersIgnoreLocks(t *testing.T) {
	dir, first, _ := gitRepo(t)
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before, err := repo.RefsFingerprint()
	if err != nil {
		t.Fatal(err)
	}
	refsDir := filepath.Join(dir, ".git", "refs")
	os.WriteFile(filepath.Join(refsDir, "heads", "main.lock"), nil, 0o644)
	os.WriteFile(filepath.Join(refsDir, "tags", "v9.lock"), []byte(first+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".git", "packed-refs.lock"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(refsDir, "heads", "broken"), nil, 0o644)
	after, err := repo.RefsFingerprint()
	if err != nil || after != before {
		t.Errorf("RefsFingerprint with lock files = %s, %v; want %s", after, err, before)
	}
	branches, err := repo.Branches()
	if err != nil || len(branches) != 1 || branches[0].Name != "main" {
		t.Errorf("Branches() with lock files = %v, %v; want main", branches, err)
	}
	tags, err := repo.Tags()
	if err != nil || len(tags) != 1 {
		t.Errorf("Tags() with lock files = %v, %v; want v1.4.0.0", tags, err)
	}
	if _, err := repo.Resolve("main"); err != nil {
		t.Errorf("Resolve(main) with main.lock: %v", err)
	}
}

func TestCheckRefName(t *testing.T) {
	for _, name := range []string{
		"refs/heads/main", "refs/heads/release/v1.4", "refs/tags/v1.4.0.0-rc.1", "refs/heads/libbpf-1.0.2",
		"refs/heads/a.b", "refs/heads/x@y", "refs/heads/ü",
	} {
		if err := CheckRefName(name); err != nil {
			t.Errorf("CheckRefName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{
		"", "@", "refs/heads/a..b", "refs/heads//a", "refs/heads/a/", "/refs/heads/a", "refs/heads/a.",
		"refs/heads/-a", "refs/tags/-v1", "refs/heads/a\x01", "refs/heads/a\x7f", "refs/heads/a b",
		"refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*", "refs/heads/a[",
		"refs/heads/a\\b", "refs/heads/a@{1}", "refs/heads/.a", "refs/heads/x.lock", "refs/heads/x.lock/y",
	} {
		err := CheckRefName(name)
		var re *RefNameError
		if !errors.As(err, &re) || !errors.Is(err, ErrBadRefName) {
			t.Errorf("CheckRefName(%q) = %v, want a *RefNameError", name, err)
		}
	}
	repo, commit := newWriteRepo(t, "")
	if err := repo.Write(nil, []RefUpdate{{Name: "refs/heads/a..b", New: commit}}, WriteOptions{}); !errors.Is(err, ErrBadRefName) {
		t.Errorf("Write(refs/heads/a..b) = %v, want ErrBadRefName", err)
	}
}

// git check-ref-format agrees with CheckRefName on the names both judge.
func TestCheckRefNameAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required")
	}
	for _, name := range []string{
		"refs/heads/main", "refs/heads/a..b", "refs/heads//a", "refs/heads/a.", "refs/heads/a b",
		"refs/heads/a~1", "refs/heads/a@{1}", "refs/heads/.a", "refs/heads/x.lock", "refs/heads/a\\b",
		"refs/heads/x@y", "refs/heads/a/.b/c", "refs/heads/a.lock/b", "refs/heads/a\x01",
	} {
		gitOK := exec.Command("git", "check-ref-format", name).Run() == nil
		if ok := checkRefFormat(name) == ""; ok != gitOK {
			t.Errorf("checkRefFormat(%q) ok = %v, git check-ref-format says %v", name, ok, gitOK)
		}
	}
}
