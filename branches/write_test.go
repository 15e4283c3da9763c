package branches

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/google/go-cmp/cmp"
)

// newWriteRepo makes a repository with one commit, on disk in dir or in
// memory when dir is "".
func newWriteRepo(t *testing.T, dir string) (*Repo, string) {
	t.Helper()
	var r *git.Repository
	var err error
	if dir == "" {
		r, err = git.Init(memory.NewStorage(), nil)
	} else {
		r, err = git.PlainInit(dir, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	tree := r.Storer.NewEncodedObject()
	if err := (&object.Tree{}).Encode(tree); err != nil {
		t.Fatal(err)
	}
	th, err := r.Storer.SetEncodedObject(tree)
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "T", Email: "t@example.org", When: time.Unix(1700000000, 0).UTC()}
	c := r.Storer.NewEncodedObject()
	if err := (&object.Commit{Author: sig, Committer: sig, Message: "start\n", TreeHash: th}).Encode(c); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Storer.SetEncodedObject(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Storer.SetReference(plumbing.NewHashReference("refs/heads/main", ch)); err != nil {
		t.Fatal(err)
	}
	if dir == "" {
		return &Repo{r: r, dir: dir}, ch.String()
	}
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return repo, ch.String()
}

func release(t *testing.T, repo *Repo, commit string) (*TagObject, []RefUpdate) {
	t.Helper()
	tag := &TagObject{Name: "v1.4.1.0", Target: commit, Message: "libfoo 1.4.1.0\n",
		Tagger: Signature{"T", "t@example.org", time.Unix(1700000000, 0).UTC()}}
	th, err := repo.TagHash(tag)
	if err != nil {
		t.Fatal(err)
	}
	return tag, []RefUpdate{
		{Name: "refs/tags/v1.4.1.0", New: th},
		{Name: "refs/heads/release/v1.4.1", New: commit},
		{Name: "refs/heads/main", New: commit, Old: commit},
	}
}

func refs(t *testing.T, repo *Repo) map[string]string {
	t.Helper()
	out := map[string]string{}
	iter, err := repo.r.Storer.IterReferences()
	if err != nil {
		t.Fatal(err)
	}
	iter.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference {
			out[r.Name().String()] = r.Hash().String()
		}
		return nil
	})
	return out
}

func TestWrite(t *testing.T) {
	for _, where := range []string{"memory", "disk"} {
		t.Run(where, func(t *testing.T) {
			dir := ""
			if where == "disk" {
				dir = t.TempDir()
			}
			repo, commit := newWriteRepo(t, dir)
			tag, updates := release(t, repo, commit)
			if err := repo.Write(tag, updates, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			got := refs(t, repo)
			if got["refs/tags/v1.4.1.0"] != updates[0].New || got["refs/heads/release/v1.4.1"] != commit {
				t.Errorf("refs after write: %v", got)
			}
			to, err := repo.r.TagObject(plumbing.NewHash(updates[0].New))
			if err != nil || to.Target.String() != commit || to.Message != tag.Message {
				t.Errorf("tag object = %v, %v", to, err)
			}
			// The same write again: the refs exist now, and nothing changes.
			err = repo.Write(tag, updates, WriteOptions{})
			if !errors.Is(err, ErrRefChanged) {
				t.Errorf("second write = %v, want ErrRefChanged", err)
			}
			if dir != "" {
				locks, _ := filepath.Glob(filepath.Join(dir, "refs", "*", "*.lock"))
				if len(locks) != 0 {
					t.Errorf("lock files left: %v", locks)
				}
			}
		})
	}
}

// A failure after any step of a write leaves the refs, the reflogs and
// the lock files as they were: the write is all or nothing.
func TestWriteFailureLeavesNoRef(t *testing.T) {
	steps := map[string][]string{
		"memory": {"object", "ref refs/tags/v1.4.1.0", "ref refs/heads/release/v1.4.1", "ref refs/heads/main"},
		"disk":   {"locked", "object", "loose-packed", "reflog", "refs"},
	}
	for _, where := range []string{"memory", "disk"} {
		for _, failAt := range steps[where] {
			t.Run(where+"/"+failAt, func(t *testing.T) {
				dir := ""
				if where == "disk" {
					dir = t.TempDir()
				}
				repo, commit := newWriteRepo(t, dir)
				if dir != "" {
					// Log every ref, so that reflogs are written too.
					os.WriteFile(filepath.Join(dir, "config"), []byte("[core]\n\tbare = true\n\tlogAllRefUpdates = always\n"), 0o644)
				}
				before := refs(t, repo)
				tag, updates := release(t, repo, commit)
				injected := errors.New("injected failure")
				var seen []string
				err := repo.Write(tag, updates, WriteOptions{AfterStep: func(step string) error {
					seen = append(seen, step)
					if step == failAt {
						return injected
					}
					return nil
				}})
				if !errors.Is(err, injected) {
					t.Fatalf("Write = %v, want the injected failure (steps %q)", err, seen)
				}
				if d := cmp.Diff(before, refs(t, repo)); d != "" {
					t.Errorf("refs after a failure at %s (-before +after):\n%s", failAt, d)
				}
				if dir == "" {
					return
				}
				if _, err := os.Stat(filepath.Join(dir, "refs", "tags", "v1.4.1.0")); !os.IsNotExist(err) {
					t.Errorf("tag ref file left behind: %v", err)
				}
				if left := leftovers(t, dir); len(left) != 0 {
					t.Errorf("after a failure at %s, left behind: %q", failAt, left)
				}
			})
		}
	}
}

// leftovers lists the lock files, temporary files and reflogs under a git
// directory.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var left []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, path)
		switch {
		case err != nil || d.IsDir():
		case strings.HasSuffix(path, ".lock"), strings.Contains(path, "tmp_obj_"),
			strings.HasPrefix(rel, "tiered"+string(filepath.Separator)),
			strings.HasPrefix(rel, "logs"+string(filepath.Separator)):
			left = append(left, rel)
		}
		return nil
	})
	return left
}

// A ref moved since it was read, or locked by git, fails before anything
// is written.
func TestWriteCompareAndSwap(t *testing.T) {
	dir := t.TempDir()
	repo, commit := newWriteRepo(t, dir)
	tag, updates := release(t, repo, commit)
	updates[2].Old = "1111111111111111111111111111111111111111"
	if err := repo.Write(tag, updates, WriteOptions{}); !errors.Is(err, ErrRefChanged) {
		t.Errorf("Write with a stale old value = %v, want ErrRefChanged", err)
	}
	if got := refs(t, repo); len(got) != 1 {
		t.Errorf("refs after a refused write: %v", got)
	}
	tag, updates = release(t, repo, commit)
	lock := filepath.Join(dir, "refs", "heads", "release", "v1.4.1.lock")
	os.MkdirAll(filepath.Dir(lock), 0o755)
	os.WriteFile(lock, nil, 0o644)
	if err := repo.Write(tag, updates, WriteOptions{}); !errors.Is(err, ErrRefLocked) {
		t.Errorf("Write with a held lock = %v, want ErrRefLocked", err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("someone else's lock was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "refs", "tags", "v1.4.1.0.lock")); !os.IsNotExist(err) {
		t.Errorf("own lock left behind: %v", err)
	}
}

// A write reads to git as git's own: refs in packed-refs with the tag's
// peeled line, a reflog entry in git's format for each branch (and for
// HEAD, whose branch moved), none for the tag, and git fsck is clean.
func TestWriteAsGit(t *testing.T) {
	dir, first, second := gitRepo(t)
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tag, updates := release(t, repo, first)
	updates[2] = RefUpdate{Name: "refs/heads/main", New: first, Old: second} // main moves back: HEAD's branch
	if err := repo.Write(tag, updates, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := mustGit(t, dir, "for-each-ref", "--format=%(refname) %(objectname) %(*objectname)")
	want := fmt.Sprintf("refs/heads/main %[1]s \nrefs/heads/release/v1.4.1 %[1]s \n", first) +
		fmt.Sprintf("refs/tags/v1.4.0.0 %s %s\nrefs/tags/v1.4.1.0 %s %s\n", repo.peelTag(t, "v1.4.0.0"), first, updates[0].New, first)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("git for-each-ref after the write (-want +got):\n%s", d)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "refs", "heads", "main")); !os.IsNotExist(err) {
		t.Errorf("loose refs/heads/main left beside the packed one: %v", err)
	}
	if out := mustGit(t, dir, "show-ref", "-d", "v1.4.1.0"); !strings.Contains(out, first+" refs/tags/v1.4.1.0^{}") {
		t.Errorf("git show-ref -d v1.4.1.0 = %q, want the peeled commit", out)
	}
	line := func(old, new string) string {
		return old + " " + new + " T <t@example.org> 1700000000 +0000\ttiered: release v1.4.1.0\n"
	}
	for name, want := range map[string]string{
		"refs/heads/release/v1.4.1": line(zeroHash, first),
		"refs/heads/main":           line(second, first),
		"HEAD":                      line(second, first),
	} {
		data, err := os.ReadFile(filepath.Join(dir, ".git", "logs", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		if got := lines[len(lines)-2]; got != want {
			t.Errorf("last reflog entry of %s = %q, want %q", name, got, want)
		}
	}
	if out := mustGit(t, dir, "reflog", "show", "--format=%gs", "release/v1.4.1"); out != "tiered: release v1.4.1.0\n" {
		t.Errorf("git reflog show release/v1.4.1 = %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "logs", "refs", "tags")); !os.IsNotExist(err) {
		t.Errorf("a reflog for tags, which git does not log by default: %v", err)
	}
	mustGit(t, dir, "fsck", "--strict", "--no-dangling")
	if left := leftovers(t, filepath.Join(dir, ".git")); slices.ContainsFunc(left, func(s string) bool { return !strings.HasPrefix(s, "logs") }) {
		t.Errorf("left behind: %q", left)
	}
}

func (r *Repo) peelTag(t *testing.T, name string) string {
	t.Helper()
	h, ok := r.RefTarget("refs/tags/" + name)
	if !ok {
		t.Fatalf("no tag %s", name)
	}
	return h
}

// A reflog line is byte for byte the one git update-ref writes for the same
// update, committer and message.
func TestReflogLineMatchesGit(t *testing.T) {
	dir, first, second := gitRepo(t)
	cmd := exec.Command("git", "update-ref", "-m", "tiered: release  v1.5.0.0\nsecond line", "refs/heads/x", first)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_COMMITTER_NAME=Rel Manager", "GIT_COMMITTER_EMAIL=rm@example.org", "GIT_COMMITTER_DATE=@1700000000 +0130")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git update-ref: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".git", "logs", "refs", "heads", "x"))
	if err != nil {
		t.Fatal(err)
	}
	who := Signature{"Rel Manager", "rm@example.org", time.Unix(1700000000, 0).In(time.FixedZone("", 90*60))}
	if got := reflogLine("", first, who, "tiered: release  v1.5.0.0\nsecond line"); got != string(data) {
		t.Errorf("reflogLine = %q\ngit wrote  %q", got, data)
	}
	_ = second
}

// core.logAllRefUpdates = always logs tags too, as git does; false logs
// nothing new, but a ref that has a reflog is logged still.
func TestWriteLogAllRefUpdates(t *testing.T) {
	for _, tc := range []struct {
		value string
		logs  []string // which of the refs have a reflog after the write
	}{
		{"always", []string{"refs/heads/main", "refs/heads/release/v1.4.1", "refs/tags/v1.4.1.0"}},
		{"true", []string{"refs/heads/main", "refs/heads/release/v1.4.1"}},
		{"false", []string{"refs/heads/main"}},
	} {
		t.Run(tc.value, func(t *testing.T) {
			dir, first, _ := gitRepo(t)
			mustGit(t, dir, "config", "core.logAllRefUpdates", tc.value)
			repo, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			tag, updates := release(t, repo, first)
			updates = updates[:2]
			if err := repo.Write(tag, updates, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, name := range []string{"refs/heads/main", "refs/heads/release/v1.4.1", "refs/tags/v1.4.1.0"} {
				if _, err := os.Stat(filepath.Join(dir, ".git", "logs", name)); err == nil {
					got = append(got, name)
				}
			}
			if d := cmp.Diff(tc.logs, got); d != "" {
				t.Errorf("reflogs with core.logAllRefUpdates=%s (-want +got):\n%s", tc.value, d)
			}
			mustGit(t, dir, "fsck", "--strict", "--no-dangling")
		})
	}
}

// Entries git packed (with peeled lines) stay as they were when a write
// rewrites packed-refs.
func TestWriteKeepsPackedRefs(t *testing.T) {
	dir, first, _ := gitRepo(t)
	script(t, dir, `git branch release/v1.3 HEAD~1
		git tag -a v1.3.0.0 -m x HEAD~1
		git tag light HEAD
		git pack-refs --all`)
	before := mustGit(t, dir, "show-ref", "-d")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tag, updates := release(t, repo, first)
	if err := repo.Write(tag, updates[:2], WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	after := mustGit(t, dir, "show-ref", "-d")
	var gone []string
	for _, l := range strings.SplitAfter(before, "\n") {
		if !strings.Contains(after, l) {
			gone = append(gone, l)
		}
	}
	if len(gone) != 0 {
		t.Errorf("lines of git show-ref -d gone after the write: %q", gone)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ".git", "packed-refs"))
	if !strings.HasPrefix(string(data), "# pack-refs with: peeled fully-peeled sorted \n") {
		t.Errorf("packed-refs header lost:\n%s", data)
	}
	mustGit(t, dir, "fsck", "--strict", "--no-dangling")
}

// A lock file that is hours old and not tiered's is reported with its age
// and what to do, and left alone.
func TestWriteStaleLock(t *testing.T) {
	dir := t.TempDir()
	repo, commit := newWriteRepo(t, dir)
	tag, updates := release(t, repo, commit)
	lock := filepath.Join(dir, "refs", "heads", "release", "v1.4.1.lock")
	os.MkdirAll(filepath.Dir(lock), 0o755)
	os.WriteFile(lock, nil, 0o644)
	old := time.Now().Add(-3*time.Hour - time.Minute)
	os.Chtimes(lock, old, old)
	err := repo.Write(tag, updates, WriteOptions{})
	var le *LockError
	if !errors.As(err, &le) || !errors.Is(err, ErrRefLocked) {
		t.Fatalf("Write with a stale lock = %v, want a *LockError", err)
	}
	want := "refs/heads/release/v1.4.1.lock is 3h old, left by a writer that died: remove it if no git or tiered is running"
	if err.Error() != want {
		t.Errorf("Write with a stale lock:\n got %s\nwant %s", err, want)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("the stale lock was removed: %v", err)
	}
	if got := refs(t, repo); len(got) != 1 {
		t.Errorf("refs after a refused write: %v", got)
	}
}

// A lock file a tiered that died on this host left (its marker, nobody
// holding its flock) is taken over; one a running tiered holds is
// reported as such.
func TestWriteLockOfTiered(t *testing.T) {
	if !flockSupported {
		t.Skip("no flock(2) here: locks are only reported")
	}
	dir := t.TempDir()
	repo, commit := newWriteRepo(t, dir)
	tag, updates := release(t, repo, commit)
	lock := filepath.Join(dir, "refs", "tags", "v1.4.1.0.lock")

	held, err := acquireLock(lock, filepath.Join(dir, "tiered"), 0)
	if err != nil {
		t.Fatal(err)
	}
	err = repo.Write(tag, updates, WriteOptions{})
	var le *LockError
	if !errors.As(err, &le) || le.Holder != "tiered (pid "+strconv.Itoa(os.Getpid())+")" {
		t.Errorf("Write beside a running tiered = %v, want a *LockError naming it", err)
	}
	held.release()

	// A dead tiered's locks: of a ref the write takes, and of another,
	// which would stop git; the write clears both.
	dead := []byte(lockMarker + "pid=999999 host=" + hostname() + "\n")
	other := filepath.Join(dir, "refs", "heads", "other.lock")
	os.WriteFile(lock, dead, 0o644)
	os.WriteFile(other, dead, 0o644)
	if err := repo.Write(tag, updates, WriteOptions{}); err != nil {
		t.Errorf("Write over a dead tiered's lock: %v", err)
	}
	for _, l := range []string{lock, other} {
		if _, err := os.Stat(l); !os.IsNotExist(err) {
			t.Errorf("dead tiered's lock %s still there: %v", l, err)
		}
	}
	if got := refs(t, repo); got["refs/tags/v1.4.1.0"] != updates[0].New {
		t.Errorf("refs after taking over a dead lock: %v", got)
	}

	// Another host's tiered may be alive: its lock is only reported.
	tag2, updates2 := release(t, repo, commit)
	tag2.Name, updates2[0].Name = "v1.4.2.0", "refs/tags/v1.4.2.0"
	updates2[0].New, _ = repo.TagHash(tag2)
	updates2 = updates2[:1]
	lock2 := filepath.Join(dir, "refs", "tags", "v1.4.2.0.lock")
	os.WriteFile(lock2, []byte(lockMarker+"pid=1 host=elsewhere.example\n"), 0o644)
	if err := repo.Write(tag2, updates2, WriteOptions{}); !errors.Is(err, ErrRefLocked) {
		t.Errorf("Write over another host's lock = %v, want ErrRefLocked", err)
	}
}

// Writers racing for the same release: exactly one wins, every other
// fails cleanly, wrapping ErrRefChanged or ErrRefLocked.
func TestWriteRace(t *testing.T) {
	dir := t.TempDir()
	repo, commit := newWriteRepo(t, dir)
	for round := range 20 {
		tag, updates := release(t, repo, commit)
		tag.Name = fmt.Sprintf("v1.4.%d.0", round+1)
		updates[0].Name = "refs/tags/" + tag.Name
		updates[0].New, _ = repo.TagHash(tag)
		updates[1].Name = fmt.Sprintf("refs/heads/release/v1.4.%d", round+1)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				r, err := Open(dir)
				if err != nil {
					errs[i] = err
					return
				}
				errs[i] = r.Write(tag, updates, WriteOptions{})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrRefChanged), errors.Is(err, ErrRefLocked):
			default:
				t.Errorf("round %d: a loser failed with %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers won (%v), want 1", round, won, errs)
		}
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}

// A new ref inside an existing one, or around one, is refused: git could
// not keep both.
func TestWriteRefConflict(t *testing.T) {
	dir := t.TempDir()
	repo, commit := newWriteRepo(t, dir)
	for _, name := range []string{"refs/heads/main/x", "refs/heads/ma"} {
		err := repo.Write(nil, []RefUpdate{{Name: name, New: commit}}, WriteOptions{})
		if name == "refs/heads/ma" {
			if err != nil {
				t.Errorf("Write(%s) = %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "ref refs/heads/main exists") {
			t.Errorf("Write(%s) = %v, want a conflict with refs/heads/main", name, err)
		}
	}
	if err := repo.Write(nil, []RefUpdate{{Name: "refs/heads/a/b", New: commit}, {Name: "refs/heads/a", New: commit}}, WriteOptions{}); err == nil {
		t.Errorf("Write(a/b and a) succeeded")
	}
}

// A writer minds a broken ref file of a name it writes (readers skip it):
// it names the file, and what to do.
func TestWriteBrokenRef(t *testing.T) {
	dir, first, _ := gitRepo(t)
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ".git", "refs", "heads", "broken"), nil, 0o644)
	tag, updates := release(t, repo, first)
	updates = append(updates[:2], RefUpdate{Name: "refs/heads/broken", New: first})
	err = repo.Write(tag, updates, WriteOptions{})
	want := "refs/heads/broken: the ref file is broken (empty, or no sha: left by an interrupted write): remove refs/heads/broken if no git or tiered is running"
	if err == nil || err.Error() != want {
		t.Errorf("Write over a broken ref file = %v, want %s", err, want)
	}
}

// In a linked work tree, refs, packed-refs and their reflogs are the
// common directory's; HEAD's reflog is the work tree's own.
func TestWriteLinkedWorkTree(t *testing.T) {
	dir, first, second := gitRepo(t)
	wt := filepath.Join(t.TempDir(), "wt")
	mustGit(t, dir, "worktree", "add", "-q", "-b", "topic", wt, "main")
	repo, err := Open(wt)
	if err != nil {
		t.Fatal(err)
	}
	tag, updates := release(t, repo, first)
	updates[2] = RefUpdate{Name: "refs/heads/topic", New: first, Old: second}
	if err := repo.Write(tag, updates, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := mustGit(t, dir, "for-each-ref", "--format=%(refname)", "refs/heads/release", "refs/heads/topic", "refs/tags/v1.4.1.0")
	if want := "refs/heads/release/v1.4.1\nrefs/heads/topic\nrefs/tags/v1.4.1.0\n"; got != want {
		t.Errorf("refs seen from the main work tree:\n%s\nwant\n%s", got, want)
	}
	if out := mustGit(t, wt, "reflog", "show", "--format=%H %gs", "HEAD"); !strings.HasPrefix(out, first+" tiered: release v1.4.1.0\n") {
		t.Errorf("the linked work tree's HEAD reflog: %q", out)
	}
	if out := mustGit(t, dir, "reflog", "show", "--format=%gs", "HEAD"); strings.Contains(out, "tiered") {
		t.Errorf("the main work tree's HEAD reflog names the write: %q", out)
	}
	if left := leftovers(t, filepath.Join(dir, ".git", "worktrees")); slices.ContainsFunc(left, func(s string) bool { return !strings.Contains(s, "logs") }) {
		t.Errorf("left in the work tree's git directory: %q", left)
	}
	mustGit(t, dir, "fsck", "--strict", "--no-dangling")
}

// A lock taken the fallback way (O_CREAT|O_EXCL, where hard links fail) by
// a running tiered is never taken over.
func TestCreateLockHeld(t *testing.T) {
	if !flockSupported {
		t.Skip("no flock(2) here")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "refs", "heads", "x.lock")
	held, err := createLock(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	_, err = acquireLock(path, filepath.Join(dir, "tiered"), 0)
	var le *LockError
	if !errors.As(err, &le) || le.Holder == "" {
		t.Errorf("acquireLock beside a running holder = %v, want a *LockError naming it", err)
	}
}
