package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A plan remembers its verdicts; after commits land, the next plan judges
// only what they can change. Each step changes the history in a way that
// changes an earlier verdict (or must not reuse any), and the plan with
// memory must print what a plan without it prints.
func TestPlanMemoryMatchesFullPlan(t *testing.T) {
	dir := fixture(t, "stable.sh")
	git := gitIn(t, dir)
	n := 0
	commit := func(msg string) string {
		t.Helper()
		n++
		f, err := os.OpenFile(dir+"/lib/fileutils.c", os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("/* change " + strconv.Itoa(n) + " */\n")
		f.Close()
		git("commit", "-qam", msg)
		return git("rev-parse", "HEAD")
	}
	// commitNew adds a file of its own: reverting it cannot conflict.
	commitNew := func(msg string) string {
		t.Helper()
		n++
		name := "lib/new" + strconv.Itoa(n) + ".c"
		os.WriteFile(dir+"/"+name, []byte("int new"+strconv.Itoa(n)+";\n"), 0o644)
		git("add", name)
		git("commit", "-qm", msg)
		return git("rev-parse", "HEAD")
	}
	reusedRE := regexp.MustCompile(`msg="plan memory" reused=(\d+) commits=(\d+)`)
	plan := func(cache bool) (string, int, int) {
		t.Helper()
		args := []string{"--repo", dir, "-v", "backport", "plan", "--to", "2.39"}
		if !cache {
			args = append([]string{"--no-cache"}, args...)
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("plan: exit %d\n%s", code, stderr.String())
		}
		reused, judged := -1, 0
		if m := reusedRE.FindStringSubmatch(stderr.String()); m != nil {
			reused, _ = strconv.Atoi(m[1])
			judged, _ = strconv.Atoi(m[2])
		}
		return stdout.String(), reused, judged
	}
	fix := git("rev-parse", ":/fileutils: fix ul_close")
	var open, unreached, ghost string
	steps := []struct {
		name string
		do   func()
		want string // in the plan after the step: the verdict it changed
		// reuse: -1 none (the memory cannot be trusted), 1 some, 0 any
		reuse int
	}{
		{"first plan", func() {}, "fileutils: fix ul_close", -1},
		{"a fix lands", func() { open = commitNew("fileutils: fix ul_open() flags\n\nCloses: #7") }, "fileutils: fix ul_open", 1},
		{"a fix of that fix lands", func() {
			commit("fileutils: fix ul_open() flags again\n\nFixes: " + open[:12] + " (\"fileutils: fix ul_open() flags\")")
		}, "itself pending", 1},
		// Only what the fix of the fix consulted changes.
		{"the fix it fixes is reverted", func() { git("revert", "--no-edit", open) }, "which 2.39 does not contain", 1},
		{"an earlier candidate is reverted", func() { git("revert", "--no-edit", fix) }, "reverted on trunk by", 1},
		{"the revert is reverted", func() { git("revert", "--no-edit", "HEAD") }, `Revert "Revert`, 1},
		{"a commit names, by subject, one still to come", func() {
			commit("fileutils: check ul_read() result\n\nFixes: 0123456789ab (\"fileutils: handle EINTR in ul_read()\")")
		}, "resolves to no commit", 1},
		{"the commit it names lands", func() { commit("fileutils: handle EINTR in ul_read()") }, "itself in review", 1},
		{"a commit without fix evidence, posted in a series", func() {
			commit("fileutils: tidy ul_read()\n\nLink: https://lore.kernel.org/r/20240102000000.42-1-k@example.org")
		}, "fileutils: tidy ul_read()", 1},
		{"a fix of the same series lands", func() {
			commit("fileutils: fix ul_read() on EOF\n\nCloses: #8\nLink: https://lore.kernel.org/r/20240102000000.42-2-k@example.org")
		}, "same series as", 1},
		{"a commit names, by subject, one on no branch yet", func() {
			commit("fileutils: fix ul_write() short writes\n\nFixes: 0123456789ac (\"lib: add ul_write()\")")
		}, "fileutils: fix ul_write() short writes", 1},
		{"a branch elsewhere gains the commit it names", func() {
			git("checkout", "-q", "-b", "topic", "HEAD~3")
			commit("lib: add ul_write()")
			git("checkout", "-q", "master")
		}, "which 2.39 does not contain", 1},
		{"a commit names, by sha, one no ref reaches yet", func() {
			unreached = git("commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "lib: add ul_sync()")
			commit("fileutils: fix ul_sync() flags\n\nFixes: " + unreached[:12] + " (\"lib: ul_sync\")")
		}, "resolves to no commit", 1},
		{"a branch comes to reach it", func() { git("branch", "sync", unreached) }, `"lib: add ul_sync()", which 2.39 does not contain`, 1},
		{"the target gains a backport", func() {
			git("checkout", "-q", "stable/v2.39")
			git("cherry-pick", "-x", open)
			git("checkout", "-q", "master")
		}, "whose backport marker names it", -1},
		{"a commit lands after that", func() { commit("fileutils: fix ul_seek()\n\nCloses: #9") }, "fileutils: fix ul_seek()", 1},
		{"a ref is deleted", func() { git("branch", "-q", "-D", "topic") }, "fileutils: fix ul_seek()", -1},
		// The side commits come before the last old ones in apply order:
		// those are judged again, the ones before reused.
		{"a side branch forked earlier is merged", func() {
			git("checkout", "-q", "-b", "side", "HEAD~6")
			commitNew("fileutils: fix ul_stat()\n\nCloses: #10")
			git("checkout", "-q", "master")
			git("merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side")
		}, "fileutils: fix ul_stat()", 1},
		// Its commits are on master: nothing is lost.
		{"the merged branch is deleted", func() { git("branch", "-q", "-D", "side") }, "fileutils: fix ul_stat()", 1},
		// A commit-graph may keep a deleted branch's commit, which a
		// reference by subject then still resolves to: the answer depends
		// on the commit-graph files, not on the refs alone.
		{"a deleted branch's commit kept by a commit-graph layer", func() {
			git("checkout", "-q", "-b", "ghost")
			ghost = commitNew("lib: add ul_ghost()")
			git("checkout", "-q", "master")
			git("commit-graph", "write", "--reachable", "--split=no-merge")
			git("branch", "-q", "-D", "ghost")
			commit("Revert \"lib: add ul_ghost()\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.")
		}, "reverts {ghost}, which 2.39 does not have", -1},
		// A commit lands as the layer is rewritten: the graph's size is
		// what it was, and only knowing that the old graph held a commit
		// its refs did not reach tells that one was lost.
		{"a commit lands and the commit-graph is rewritten without it", func() {
			commit("fileutils: fix ul_tell()\n\nCloses: #12")
			git("commit-graph", "write", "--reachable", "--split=replace")
		}, `Revert "lib: add ul_ghost()"{gap}fix evidence: a revert`, -1},
		{"nothing changed", func() { os.RemoveAll(dir + "/.git/tiered/answers") }, "fileutils: fix ul_stat()", 1},
		// git gc rewrites the commit-graph: its commits were all reached,
		// and still are, so nothing was lost.
		{"a commit lands and git gc rewrites the commit-graph", func() {
			commit("fileutils: fix ul_flush()\n\nCloses: #11")
			git("gc", "-q")
		}, "fileutils: fix ul_flush()", 1},
	}
	report := func(cache bool) string {
		t.Helper()
		args := []string{"--repo", dir, "report", "--format", "markdown"}
		if !cache {
			args = append([]string{"--no-cache"}, args...)
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("report: exit %d\n%s", code, stderr.String())
		}
		return stdout.String()
	}
	for _, s := range steps {
		s.do()
		got, reused, judged := plan(true)
		want, _, _ := plan(false)
		if got != want {
			t.Fatalf("%s: the plan with memory differs from the plan without:\n--- with\n%s\n--- without\n%s", s.name, got, want)
		}
		// The dashboard plans the line with a memory of its own.
		if got, want := report(true), report(false); got != want {
			t.Fatalf("%s: the report with memory differs from the report without:\n--- with\n%s\n--- without\n%s", s.name, got, want)
		}
		// In want, {ghost} is the ghost commit's short sha, {gap} the
		// space between a verdict's row and its reasons.
		w := strings.NewReplacer(`\{ghost\}`, ghost[:min(12, len(ghost))], `\{gap\}`, `\s+`).Replace(regexp.QuoteMeta(s.want))
		if !regexp.MustCompile(w).MatchString(want) {
			t.Errorf("%s: the plan does not show %q:\n%s", s.name, s.want, want)
		}
		switch {
		case reused < 0:
			t.Fatalf("%s: no plan memory line on stderr", s.name)
		case s.reuse < 0 && reused != 0:
			t.Errorf("%s: reused %d verdicts, want none", s.name, reused)
		case s.reuse > 0 && reused == 0:
			t.Errorf("%s: reused no verdict", s.name)
		}
		t.Logf("%s: %d of %d verdicts reused", s.name, reused, judged)
	}
}

// gitIn returns a function that runs git in dir as one committer and
// returns its trimmed output, failing the test on an error.
func gitIn(t testing.TB, dir string) func(args ...string) string {
	env := append(os.Environ(), "GIT_AUTHOR_NAME=K", "GIT_AUTHOR_EMAIL=k@example.org", "GIT_COMMITTER_NAME=K", "GIT_COMMITTER_EMAIL=k@example.org")
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
}

// Replaying the real libbpf's trunk one commit at a time (--until), the
// plan with memory prints what the plan without it prints, at every step,
// and reuses most verdicts (when TIERED_LIBBPF names a clone).
func TestPlanMemoryRealLibbpf(t *testing.T) {
	src := os.Getenv("TIERED_LIBBPF")
	if src == "" {
		t.Skip("TIERED_LIBBPF is not set: plans with memory are not replayed on the real libbpf")
	}
	dir := t.TempDir()
	if out, err := exec.Command("git", "clone", "-q", "--mirror", src, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	out, err := exec.Command("git", "-C", dir, "rev-list", "--first-parent", "-n", "15", "master").Output()
	if err != nil {
		t.Fatal(err)
	}
	revs := strings.Fields(string(out))
	slices.Reverse(revs)
	reusedRE := regexp.MustCompile(`msg="plan memory" reused=(\d+) commits=(\d+)`)
	cfg, err := filepath.Abs("../../policies/testdata/policy/libbpf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"1.5", "1.6"} {
		reused, judged := 0, 0
		for i, rev := range revs {
			args := []string{"--repo", dir, "--config", cfg, "-v", "backport", "plan", "--to", line, "--until", rev, "--json"}
			var with, without, stderr bytes.Buffer
			if code := run(args, &with, &stderr); code != 0 {
				t.Fatalf("%s at %s: exit %d\n%s", line, rev, code, stderr.String())
			}
			if code := run(append([]string{"--no-cache"}, args...), &without, io.Discard); code != 0 {
				t.Fatalf("%s at %s without memory: exit %d", line, rev, code)
			}
			if with.String() != without.String() {
				t.Fatalf("%s at %s: the plan with memory differs from the plan without", line, rev)
			}
			m := reusedRE.FindStringSubmatch(stderr.String())
			if m == nil {
				t.Fatalf("%s at %s: no plan memory line on stderr", line, rev)
			}
			r, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			if i > 0 {
				reused, judged = reused+r, judged+n
			}
		}
		t.Logf("%s: %d of %d verdicts reused over %d steps", line, reused, judged, len(revs)-1)
		if reused < judged*9/10 {
			t.Errorf("%s: only %d of %d verdicts reused", line, reused, judged)
		}
	}
}
