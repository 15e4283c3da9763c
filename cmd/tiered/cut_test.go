package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/app"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to build the fixture repository")
	}
	script, err := filepath.Abs("../../testdata/fixtures/" + name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return dir
}

// Two cuts racing on one repository: both plan the same release, then
// both write. One release is made; the other fails cleanly, wrapping
// ErrRefChanged or ErrRefLocked, and writes nothing.
func TestCutRace(t *testing.T) {
	t.Setenv("GIT_COMMITTER_NAME", "Rel Manager")
	t.Setenv("GIT_COMMITTER_EMAIL", "rm@example.org")
	for round := range 20 {
		dir := fixture(t, "fourtier.sh")
		g := &globalOpts{repo: dir}
		type planned struct {
			s   *app.Session
			cut func() error
		}
		var ps []planned
		for range 2 {
			s, st, err := app.OpenStatus(g.opts())
			if err != nil {
				t.Fatal(err)
			}
			c, err := planCut(s, st, &cutOpts{line: "1.4"}, time.Now)
			if err != nil || c.Refused {
				t.Fatalf("plan: %v %+v", err, c)
			}
			ps = append(ps, planned{s, func() error { return writeCut(s, c, branches.WriteOptions{}) }})
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ps))
		start := make(chan struct{})
		for i, p := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = p.cut()
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, branches.ErrRefChanged), errors.Is(err, branches.ErrRefLocked):
			default:
				t.Errorf("round %d: a losing cut failed with %v, want ErrRefChanged or ErrRefLocked", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d cuts succeeded (%v), want exactly 1", round, ok, errs)
		}
		out, err := exec.Command("git", "-C", dir, "for-each-ref", "--format=%(refname)", "refs/tags/v1.4.1.0", "refs/heads/release/v1.4.1").Output()
		if err != nil || string(out) != "refs/heads/release/v1.4.1\nrefs/tags/v1.4.1.0\n" {
			t.Fatalf("round %d: refs after the race: %q %v", round, out, err)
		}
		if out, err := exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput(); err != nil {
			t.Fatalf("round %d: git fsck: %v\n%s", round, err, out)
		}
	}
}
