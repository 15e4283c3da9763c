package main

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/tiered-release/tiered/internal/app"
)

// A query that reads many commits one by one, for want of a commit-graph
// file, says once how to write one; with the file it says nothing.
func TestCommitGraphAdvice(t *testing.T) {
	dir := fixture(t, "fourtier.sh")
	defer func(n int) { app.CommitGraphAdviceAt = n }(app.CommitGraphAdviceAt)
	app.CommitGraphAdviceAt = 3
	var stderr bytes.Buffer
	if code := run([]string{"--repo", dir, "--no-cache", "status"}, io.Discard, &stderr); code != 0 {
		t.Fatalf("status: exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stderr.String(), "git commit-graph write --reachable"); n != 1 {
		t.Errorf("without a commit-graph, stderr says it %d times:\n%s", n, stderr.String())
	}
	cmd := exec.Command("git", "commit-graph", "write", "--reachable")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit-graph write: %v\n%s", err, out)
	}
	stderr.Reset()
	run([]string{"--repo", dir, "--no-cache", "status"}, io.Discard, &stderr)
	if strings.Contains(stderr.String(), "commit-graph") {
		t.Errorf("with a commit-graph, stderr says:\n%s", stderr.String())
	}
}
