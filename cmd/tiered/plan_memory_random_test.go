package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Random histories, each step a few of what lands on a real trunk (fixes
// naming earlier commits by sha or by subject, reverts, patch series,
// named prerequisites, duplicate subjects, merges of side branches,
// branches made and deleted elsewhere, now and then a backport onto the
// target, a force-push, a commit-graph written): after every step the
// plan with memory must print what the plan without it prints. The steps
// are drawn so that references often name what a later step brings.
func TestPlanMemoryRandomHistories(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to build the histories")
	}
	seeds := 3 // TIERED_MEMORY_SEEDS=N searches more; TIERED_MEMORY_SEED=K runs seed K alone
	if v, err := strconv.Atoi(os.Getenv("TIERED_MEMORY_SEEDS")); err == nil {
		seeds = v
	}
	reused, judged := 0, 0
	for seed := range uint64(seeds) {
		if only := os.Getenv("TIERED_MEMORY_SEED"); only != "" && only != fmt.Sprint(seed) {
			continue
		}
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r, j := randomHistory(t, seed, 14)
			reused, judged = reused+r, judged+j
		})
	}
	t.Logf("%d of %d verdicts reused", reused, judged)
	if reused == 0 {
		t.Error("no verdict was reused: the memory was never tried")
	}
}

// randomHistory runs one history and returns how many verdicts its plans
// reused, of how many.
func randomHistory(t *testing.T, seed uint64, steps int) (reused, judged int) {
	rng := rand.New(rand.NewPCG(seed, 42))
	dir := fixture(t, "stable.sh")
	git := gitIn(t, dir)
	type made struct{ sha, subject, file string }
	var trunk []made // commits on master, oldest first
	n := 0
	// Subjects drawn from a small set, so that some repeat and some are
	// named before a commit has them.
	subject := func() string {
		return fmt.Sprintf("lib: %s ul_%s()", []string{"fix", "rework", "add", "handle EOF in"}[rng.IntN(4)], []string{"open", "read", "seek", "sync", "stat"}[rng.IntN(5)])
	}
	var elsewhere []made // commits of other branches, which references name too
	pick := func() made {
		if len(elsewhere) > 0 && rng.IntN(4) == 0 {
			return elsewhere[rng.IntN(len(elsewhere))]
		}
		return trunk[rng.IntN(len(trunk))]
	}
	message := func() string {
		s := subject()
		if len(trunk) == 0 {
			return s
		}
		x := pick()
		switch rng.IntN(8) {
		case 0:
			return s + "\n\nFixes: " + x.sha[:12] + " (\"" + x.subject + "\")"
		case 1: // by subject: the sha is the kernel's, not this repository's
			return s + "\n\nFixes: 0123456789" + fmt.Sprintf("%02x", rng.IntN(256)) + " (\"" + subject() + "\")"
		case 2:
			return "Revert \"" + x.subject + "\"\n\nThis reverts commit " + x.sha + "."
		case 3:
			return "Revert \"" + subject() + "\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567."
		case 4:
			return s + "\n\nLink: https://lore.kernel.org/r/20240102000000." + strconv.Itoa(rng.IntN(3)) + "-" + strconv.Itoa(rng.IntN(4)+1) + "-k@example.org"
		case 5:
			return s + "\n\nCc: stable@vger.kernel.org # 2.39.x: " + x.sha[:12] + ": " + x.subject
		case 6:
			return s + "\n\nCloses: #" + strconv.Itoa(rng.IntN(100))
		}
		return s
	}
	// land commits on the current branch: an edit of a shared file, or a
	// file of its own (which merges and cherry-picks cannot conflict on).
	land := func(msg string, own bool) made {
		t.Helper()
		n++
		file := "lib/fileutils.c"
		if own {
			file = "lib/new" + strconv.Itoa(n) + ".c"
			os.WriteFile(filepath.Join(dir, file), []byte("int new"+strconv.Itoa(n)+";\n"), 0o644)
		} else {
			f, err := os.OpenFile(filepath.Join(dir, file), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "/* change %d */\n", n)
			f.Close()
		}
		git("add", file)
		git("commit", "-qm", msg)
		subject, _, _ := strings.Cut(msg, "\n")
		return made{git("rev-parse", "HEAD"), subject, file}
	}
	counts := regexp.MustCompile(`msg="plan memory" reused=(\d+) commits=(\d+)`)
	plan := func(cache bool) string {
		t.Helper()
		args := []string{"--repo", dir, "-v", "backport", "plan", "--to", "2.39", "--json"}
		if !cache {
			args = append([]string{"--no-cache"}, args...)
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("plan: exit %d\n%s", code, stderr.String())
		}
		if m := counts.FindStringSubmatch(stderr.String()); cache && m != nil {
			r, _ := strconv.Atoi(m[1])
			j, _ := strconv.Atoi(m[2])
			reused, judged = reused+r, judged+j
		}
		return stdout.String()
	}
	var log []string // what each step did, for a failure's message
	branches := 0
	for step := range steps {
		var did []string
		for range 1 + rng.IntN(3) {
			switch k := rng.IntN(12); {
			case k < 6 || len(trunk) < 3:
				c := land(message(), rng.IntN(2) == 0)
				trunk = append(trunk, c)
				did = append(did, "commit "+c.sha[:7]+" "+c.subject)
			case k == 6: // a side branch forked a few commits back, merged
				back := rng.IntN(min(len(trunk), 5))
				branches++
				name := "side" + strconv.Itoa(branches)
				git("checkout", "-q", "-b", name, "HEAD~"+strconv.Itoa(back))
				var side []made
				for range 1 + rng.IntN(2) {
					side = append(side, land(message(), true))
				}
				git("checkout", "-q", "master")
				git("merge", "-q", "--no-ff", "-m", "Merge branch '"+name+"'", name)
				trunk = append(trunk, side...)
				did = append(did, fmt.Sprintf("merge %s (%d commits, forked %d back)", name, len(side), back))
			case k == 7: // a branch elsewhere with a commit of a drawn subject
				branches++
				name := "topic" + strconv.Itoa(branches)
				git("checkout", "-q", "-b", name, "HEAD~"+strconv.Itoa(rng.IntN(min(len(trunk), 4))))
				c := land(message(), true)
				elsewhere = append(elsewhere, c)
				if rng.IntN(2) == 0 { // and one on the target of its own
					git("checkout", "-q", "stable/v2.39")
					elsewhere = append(elsewhere, land(message(), true))
					did = append(did, "a commit on the target")
				}
				git("checkout", "-q", "master")
				did = append(did, "branch "+name+" with "+c.subject)
			case k == 8: // a branch deleted
				out := git("for-each-ref", "--format=%(refname:short)", "refs/heads/side*", "refs/heads/topic*")
				if out == "" {
					continue
				}
				names := strings.Fields(out)
				name := names[rng.IntN(len(names))]
				git("branch", "-q", "-D", name)
				did = append(did, "delete "+name)
			case k == 10: // master rewound (a force-push)
				if len(trunk) < 4 {
					continue
				}
				git("reset", "-q", "--hard", "HEAD~1")
				kept := trunk[:0]
				for _, c := range trunk {
					if exec.Command("git", "-C", dir, "merge-base", "--is-ancestor", c.sha, "HEAD").Run() == nil {
						kept = append(kept, c)
					}
				}
				trunk = kept
				did = append(did, "rewind master")
			case k == 11: // a commit-graph: a layer on top, layers merged, or a plain file
				how := [][]string{{"--split=no-merge"}, {"--split=replace"}, {}}[rng.IntN(3)]
				if len(how) == 0 {
					os.RemoveAll(filepath.Join(dir, ".git/objects/info/commit-graphs"))
				} else {
					os.Remove(filepath.Join(dir, ".git/objects/info/commit-graph"))
				}
				git(append([]string{"commit-graph", "write", "--reachable"}, how...)...)
				did = append(did, fmt.Sprint("commit-graph ", how))
			default: // a backport of a commit with a file of its own
				var own []made
				for _, c := range trunk {
					if c.file != "lib/fileutils.c" {
						own = append(own, c)
					}
				}
				if len(own) == 0 {
					continue
				}
				c := own[rng.IntN(len(own))]
				git("checkout", "-q", "stable/v2.39")
				if out, err := exec.Command("git", "-C", dir, "cherry-pick", "-x", c.sha).CombinedOutput(); err != nil {
					exec.Command("git", "-C", dir, "cherry-pick", "--abort").Run()
					t.Logf("cherry-pick %s: %s", c.sha[:7], out)
				} else {
					did = append(did, "backport "+c.sha[:7])
				}
				git("checkout", "-q", "master")
			}
		}
		log = append(log, fmt.Sprintf("step %d: %s", step, strings.Join(did, "; ")))
		if got, want := plan(true), plan(false); got != want {
			t.Fatalf("the plan with memory differs from the plan without after:\n%s\n--- with\n%s\n--- without\n%s", strings.Join(log, "\n"), got, want)
		}
	}
	return reused, judged
}
