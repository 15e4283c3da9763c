package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/tiered-release/tiered/internal/synth"
)

// Benchmarks on a synthetic history of $TIERED_BENCH_COMMITS commits
// (default 20000), generated once per run: go test -bench . -run '^$'
// ./cmd/tiered; or on the repository at $TIERED_BENCH_REPO (one bench/run.sh
// kept), to profile at scale. bench/run.sh compares with the git CLI at
// 10k, 100k and 1M.
var benchRepo = sync.OnceValues(func() (string, error) {
	if dir := os.Getenv("TIERED_BENCH_REPO"); dir != "" {
		return dir, nil
	}
	n := 20000
	if s := os.Getenv("TIERED_BENCH_COMMITS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil {
			n = v
		}
	}
	dir, err := os.MkdirTemp("", "tiered-bench-")
	if err != nil {
		return "", err
	}
	_, err = synth.Generate(filepath.Join(dir, "repo"), synth.Options{Commits: n, Seed: 1})
	return filepath.Join(dir, "repo"), err
})

func benchRun(b *testing.B, args ...string) {
	if testing.Short() {
		b.Skip("a synthetic history takes seconds to generate")
	}
	dir, err := benchRepo()
	if err != nil {
		b.Skip("cannot generate a synthetic history: ", err)
	}
	b.ResetTimer()
	for b.Loop() {
		if code := run(append([]string{"--repo", dir}, args...), io.Discard, io.Discard); code > 1 {
			b.Fatalf("tiered %v: exit %d", args, code)
		}
	}
}

func BenchmarkStatus(b *testing.B) { benchRun(b, "--no-cache", "status") }

func BenchmarkPlanStableLine(b *testing.B) {
	benchRun(b, "--no-cache", "backport", "plan", "--to", "1.4.0")
}

func BenchmarkPlanRepeated(b *testing.B) { benchRun(b, "backport", "plan", "--to", "1.4.0") }

// BenchmarkFeaturesCheck explains missing features from history: the
// running kernel has none of the synthetic BPF_PROG_TYPE_SYNTH* constants.
func BenchmarkFeaturesCheck(b *testing.B) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		b.Skip("no /sys/kernel/btf/vmlinux")
	}
	benchRun(b, "--no-cache", "features", "check", "v1.4.0.0", "--btf", "/sys/kernel/btf/vmlinux", "--kernel", "5.4")
}

// BenchmarkPlanAfterNewCommit is a plan after one new commit on main, each
// on top of the last (the answer cache misses; the plan's memory and the
// commit caches hold the rest), on a mirror of the benchmark history so
// that its main is left alone.
func BenchmarkPlanAfterNewCommit(b *testing.B) {
	if testing.Short() {
		b.Skip("a synthetic history takes seconds to generate")
	}
	src, err := benchRepo()
	if err != nil {
		b.Skip("cannot generate a synthetic history: ", err)
	}
	dir := filepath.Join(b.TempDir(), "repo")
	git := gitIn(b, dir)
	if out, err := exec.Command("git", "clone", "-q", "--mirror", src, dir).CombinedOutput(); err != nil {
		b.Skipf("git clone: %v\n%s", err, out)
	}
	plan := []string{"--repo", dir, "backport", "plan", "--to", "1.4.0"}
	if code := run(plan, io.Discard, io.Discard); code > 1 {
		b.Fatalf("tiered %v: exit %d", plan, code)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		tree := git("rev-parse", "main^{tree}")
		git("update-ref", "refs/heads/main", git("commit-tree", tree, "-p", "main", "-m", "bench: one more commit "+strconv.Itoa(i)))
		b.StartTimer()
		if code := run(plan, io.Discard, io.Discard); code > 1 {
			b.Fatalf("tiered %v: exit %d", plan, code)
		}
	}
}
