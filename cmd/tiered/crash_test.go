package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCutKilled kills `tiered cut` with SIGKILL at random moments, most of
// them in the milliseconds in which it writes, with a `tiered status`
// reading beside each. After every kill: no ref file is empty or torn,
// the release is all there or not at all (a tag never without its
// branches), and the reader exited 0. Then one more cut must finish the
// release (or find it made), with no lock file in its way or left behind,
// reflogs naming the refs, and git fsck clean.
//
// The cuts run as child processes: the test binary itself, which TestMain
// registers as the command tiered. The kill delays are calibrated from
// whole cuts, then follow the delays that landed mid-write. With -v, the
// test logs what the kills hit and what the next cut did.
func TestCutKilled(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to build and check the repositories")
	}
	tiered, err := exec.LookPath("tiered")
	if err != nil {
		t.Skipf("tiered is not on PATH (TestMain registers it): %v", err)
	}
	// Rounds until this many cuts were killed (some finish first: on a
	// loaded machine, up to half of 320 rounds did).
	kills, maxRounds := 200, 480
	if testing.Short() {
		kills, maxRounds = 40, 120
	}
	start := time.Now()
	template := fixture(t, "fourtier.sh")
	home := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Rel Manager", "GIT_AUTHOR_EMAIL=rm@example.org", "GIT_AUTHOR_DATE=2024-03-02T00:00:00Z",
		"GIT_COMMITTER_NAME=Rel Manager", "GIT_COMMITTER_EMAIL=rm@example.org",
		"GIT_COMMITTER_DATE=2024-03-02T00:00:00Z")
	k := &killer{tiered: tiered, env: env, template: template, work: t.TempDir()}
	// Fewer files to copy each round: objects in one pack, no sample hooks.
	k.git(t, template, "repack", "-a", "-d", "-q")
	hooks, _ := filepath.Glob(filepath.Join(template, ".git", "hooks", "*.sample"))
	for _, h := range hooks {
		os.Remove(h)
	}
	// Warm the caches tiered keeps in the repository, so that every copy
	// starts from the same state; then measure a whole cut.
	k.run(t, template, "status")
	var durations []time.Duration
	for i := range 5 {
		dir := k.copy(t, fmt.Sprintf("calibrate%d", i))
		t0 := time.Now()
		if code, out := k.run(t, dir, cutArgs...); code != 0 {
			t.Fatalf("a cut not killed exited %d:\n%s", code, out)
		}
		durations = append(durations, time.Since(t0))
		if i == 0 {
			tag, _ := k.git(t, dir, "rev-parse", "refs/tags/v1.5.0.0")
			commit, _ := k.git(t, dir, "rev-parse", "main")
			k.tagHash, k.commit = strings.TrimSpace(tag), strings.TrimSpace(commit)
		}
	}
	k.durations = durations

	// Two workers, as many as the cores the test must run on.
	var st stats
	t.Run("rounds", func(t *testing.T) {
		for w := range 2 {
			t.Run(fmt.Sprint(w), func(t *testing.T) {
				t.Parallel()
				for !t.Failed() {
					round, ok := st.next(kills, maxRounds)
					if !ok {
						break
					}
					k.round(t, round, &st)
				}
			})
		}
	})
	t.Logf("%d rounds in %v (a whole cut takes about %v): %d cuts killed: %d before writing, %d mid-write, %d after the refs were written; %d finished before the kill",
		st.rounds, time.Since(start).Round(time.Millisecond), k.whole().Round(time.Microsecond), st.killed, st.before, st.mid, st.after, st.finished)
	t.Logf("kills mid-write, by the last thing they left: %v (locks: taken; object: the tag object written; reflog: entries appended; packed-refs.new: the new packed-refs begun, not renamed)", st.stages)
	t.Logf("readers (tiered status) beside the cuts: exit codes %v", st.readers)
	t.Logf("after a kill: %d left lock files (%d in all), %d left a tag object no ref names, %d left reflog entries for refs not written; the next cut: %v",
		st.withLocks, st.locks, st.objects, st.reflogs, st.repairs)
	if st.killed < kills && !t.Failed() {
		t.Errorf("only %d cuts of %d were killed, want %d: the cut finished before most kills", st.killed, st.rounds, kills)
	}
	if st.mid < kills/10 {
		t.Errorf("only %d of %d kills landed while the cut was writing: the test does not test what it should", st.mid, st.killed)
	}
}

var cutArgs = []string{"cut", "--kernel", "6.10"}

// The refs the cut writes: tiered cut --kernel 6.10 on fourtier.sh.
var releaseRefs = []string{"refs/heads/release/v1.5", "refs/heads/release/v1.5.0", "refs/tags/v1.5.0.0"}

type killer struct {
	tiered   string
	env      []string
	template string
	work     string
	tagHash  string
	commit   string

	mu        sync.Mutex
	durations []time.Duration // of whole cuts
	midDelays []time.Duration // kill delays that landed mid-write
}

type stats struct {
	mu                                 sync.Mutex
	started                            int // rounds begun
	rounds, killed, finished           int
	before, mid, after                 int
	withLocks, locks, objects, reflogs int
	readers                            map[int]int
	repairs                            map[string]int // what the cut after a kill did
	stages                             map[string]int // of kills mid-write: what they left
}

// next returns the number of the next round to run, while fewer than
// kills cuts were killed and fewer than max rounds were begun.
func (st *stats) next(kills, max int) (int, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.killed >= kills || st.started >= max {
		return 0, false
	}
	st.started++
	return st.started - 1, true
}

// whole is how long a whole cut takes: the median of those measured.
func (k *killer) whole() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := slices.Sorted(slices.Values(k.durations))
	return s[len(s)/2]
}

func (k *killer) copy(t *testing.T, name string) string {
	dir := filepath.Join(k.work, name)
	if err := os.CopyFS(dir, os.DirFS(k.template)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (k *killer) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(k.tiered, append([]string{"--repo", dir}, args...)...)
	cmd.Env = k.env
	return cmd
}

// run runs tiered to its end and returns its exit code and output.
func (k *killer) run(t *testing.T, dir string, args ...string) (int, string) {
	out, err := k.command(dir, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// git runs git in dir and returns what it printed: its standard output
// then its standard error (warnings, such as of a broken ref).
func (k *killer) git(t *testing.T, dir string, args ...string) (stdout, stderr string) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = k.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("in %s: git %s: %v\n%s%s", dir, strings.Join(args, " "), err, &out, &errOut)
	}
	return out.String(), errOut.String()
}

// delay picks when to kill: a third of the rounds anywhere from early in
// the cut to after its end, the rest around the delays that landed
// mid-write so far (at first, the cut's last fifth, where its writes are).
func (k *killer) delay(round int) time.Duration {
	f := k.whole()
	if round%3 == 0 {
		return f*3/10 + rand.N(f*9/10)
	}
	k.mu.Lock()
	mid := slices.Sorted(slices.Values(k.midDelays))
	k.mu.Unlock()
	center, spread := f*9/10, f/5
	if len(mid) >= 3 {
		center = mid[len(mid)/2]
		spread = max(mid[len(mid)*3/4]-mid[len(mid)/4], f/20)
	}
	return max(center-spread+rand.N(2*spread+1), 0)
}

func (k *killer) round(t *testing.T, round int, st *stats) {
	dir := k.copy(t, fmt.Sprintf("round%d", round))
	defer os.RemoveAll(dir)
	gitDir := filepath.Join(dir, ".git")
	d := k.delay(round)

	cut := k.command(dir, cutArgs...)
	var cutOut, readerOut bytes.Buffer
	cut.Stdout, cut.Stderr = &cutOut, &cutOut
	reader := k.command(dir, "status")
	reader.Stdout, reader.Stderr = &readerOut, &readerOut
	readerDelay := rand.N(d + 1)
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	readerDone := make(chan error, 1)
	go func() {
		time.Sleep(readerDelay)
		readerDone <- reader.Run()
	}()
	exited := make(chan error, 1)
	go func() { exited <- cut.Wait() }()
	var cutErr error
	killed := false
	select {
	case cutErr = <-exited:
		k.mu.Lock()
		k.durations = append(k.durations, time.Since(started))
		k.mu.Unlock()
	case <-time.After(d - time.Since(started)):
		cut.Process.Signal(syscall.SIGKILL)
		cutErr = <-exited
		if ee, ok := cutErr.(*exec.ExitError); ok {
			ws, _ := ee.Sys().(syscall.WaitStatus)
			killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
		}
	}
	readerErr := <-readerDone
	readerCode := 0
	if ee, ok := readerErr.(*exec.ExitError); ok {
		readerCode = ee.ExitCode()
	} else if readerErr != nil {
		t.Fatal(readerErr)
	}
	if readerCode != 0 {
		t.Errorf("round %d: tiered status beside the cut exited %d:\n%s", round, readerCode, readerOut.String())
	}
	if !killed && cutErr != nil {
		t.Errorf("round %d: the cut, not killed, failed: %v\n%s", round, cutErr, cutOut.String())
	}

	// Right after the kill: no torn ref file, all or none of the release.
	checkRefFiles(t, round, gitDir)
	written := k.releaseState(t, round, dir)
	locks := lockFiles(gitDir)
	var marks []string
	if len(locks) > 0 {
		marks = append(marks, "locks")
	}
	if !written && exists(gitDir, "objects", k.tagHash[:2], k.tagHash[2:]) {
		marks = append(marks, "object")
	}
	if !written && exists(gitDir, "logs", "refs", "heads", "release", "v1.5") {
		marks = append(marks, "reflog")
	}
	if exists(gitDir, "tiered", "packed-refs.new") {
		marks = append(marks, "packed-refs.new")
	}
	if killed && !written && len(marks) > 0 {
		k.mu.Lock()
		k.midDelays = append(k.midDelays, d)
		k.mu.Unlock()
	}

	if !killed {
		if !written || len(locks) > 0 {
			t.Errorf("round %d: the cut finished, and left the release written: %v, lock files %q:\n%s", round, written, locks, cutOut.String())
		}
		st.count(readerCode, killed, written, marks, locks, "")
		return
	}

	// One more cut finishes the release, or finds it made.
	next, out := k.run(t, dir, cutArgs...)
	var repair string
	switch {
	case !written && next == 0 && strings.Contains(out, "\nwrote:\n"):
		repair = "wrote the release"
	case written && next == 1 && strings.Contains(out, "no commits since v1.5.0.0"):
		repair = "found it made"
	default:
		t.Errorf("round %d: the cut after the kill (release written: %v, locks left: %q) exited %d:\n%s", round, written, locks, next, out)
	}
	checkRefFiles(t, round, gitDir)
	if !k.releaseState(t, round, dir) {
		t.Errorf("round %d: no release after the next cut", round)
	}
	// A cut that found the release made wrote nothing, and left the
	// locks a kill after the refs were written left: they are a dead
	// tiered's, and the next write, of any refs, clears them.
	left := lockFiles(gitDir)
	if len(left) > 0 && repair == "found it made" {
		for _, l := range left {
			if data, _ := os.ReadFile(filepath.Join(gitDir, l)); !bytes.HasPrefix(data, []byte("tiered-lock pid=")) {
				t.Errorf("round %d: lock file %s is not tiered's: %q", round, l, data)
			}
		}
		k.git(t, dir, "commit", "-q", "--allow-empty", "-m", "libfoo: more work")
		if code, out := k.run(t, dir, "cut", "--kernel", "6.11"); code != 0 {
			t.Errorf("round %d: a later cut beside a dead tiered's locks exited %d:\n%s", round, code, out)
		}
		repair += ", and a later write cleared the locks left"
		left = lockFiles(gitDir)
	}
	if len(left) > 0 {
		t.Errorf("round %d: lock files left after the next write: %q", round, left)
	}
	logs, _ := k.git(t, dir, "log", "-g", "--format=%gD %H %gs", "release/v1.5", "release/v1.5.0")
	for _, b := range []string{"release/v1.5", "release/v1.5.0"} {
		if want := b + "@{0} " + k.commit + " tiered: release v1.5.0.0\n"; !strings.Contains(logs, want) {
			t.Errorf("round %d: git log -g %s:\n%s\nwant %q", round, b, logs, want)
		}
	}
	// fsck without the commit-graph and multi-pack-index checks, which
	// would only start two more processes to find no such files.
	if out, errOut := k.git(t, dir, "-c", "core.commitGraph=false", "-c", "core.multiPackIndex=false", "fsck", "--no-dangling"); out+errOut != "" {
		t.Errorf("round %d: git fsck --no-dangling:\n%s%s", round, out, errOut)
	}

	st.count(readerCode, killed, written, marks, locks, repair)
}

// count adds a round's outcome to the stats.
func (st *stats) count(readerCode int, killed, written bool, marks, locks []string, repair string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.readers == nil {
		st.readers, st.repairs, st.stages = map[int]int{}, map[string]int{}, map[string]int{}
	}
	st.rounds++
	st.readers[readerCode]++
	switch {
	case !killed:
		st.finished++
		return
	case written:
		st.after++
	case len(marks) > 0:
		st.mid++
	default:
		st.before++
	}
	st.killed++
	if len(locks) > 0 {
		st.withLocks++
		st.locks += len(locks)
	}
	if slices.Contains(marks, "object") {
		st.objects++
	}
	if slices.Contains(marks, "reflog") {
		st.reflogs++
	}
	if !written && len(marks) > 0 {
		st.stages[marks[len(marks)-1]]++ // the furthest the write got
	}
	if len(locks) > 0 && repair == "wrote the release" {
		repair += " (taking over the locks left)"
	}
	st.repairs[repair]++
}

var refFile = regexp.MustCompile(`^[0-9a-f]{40}\n$`)

// checkRefFiles fails the test on an empty or torn ref file.
func checkRefFiles(t *testing.T, round int, gitDir string) {
	filepath.WalkDir(filepath.Join(gitDir, "refs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".lock") {
			return err
		}
		if data, err := os.ReadFile(path); err != nil || !refFile.Match(data) {
			t.Errorf("round %d: ref file %s holds %q (%v)", round, path, data, err)
		}
		return nil
	})
}

// releaseState reports whether the release's refs are there, as git reads
// them; all of them or none, or the test fails.
func (k *killer) releaseState(t *testing.T, round int, dir string) bool {
	out, warnings := k.git(t, dir, append([]string{"for-each-ref", "--format=%(refname)"}, releaseRefs...)...)
	if warnings != "" {
		t.Errorf("round %d: git for-each-ref: %s", round, warnings)
	}
	got := strings.Fields(out)
	if len(got) != 0 && !slices.Equal(got, releaseRefs) {
		t.Errorf("round %d: part of a release: %q of %q", round, got, releaseRefs)
	}
	return len(got) != 0
}

// lockFiles lists the lock files under gitDir.
func lockFiles(gitDir string) []string {
	var locks []string
	filepath.WalkDir(gitDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".lock") {
			rel, _ := filepath.Rel(gitDir, path)
			locks = append(locks, rel)
		}
		return nil
	})
	return locks
}

func exists(elem ...string) bool {
	_, err := os.Stat(filepath.Join(elem...))
	return err == nil
}
