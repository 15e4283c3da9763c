package main

import (
	"io"
	"os"
	"runtime/debug"
)

func main() {
	// Collect garbage at three times the live heap (GOGC=200) while the
	// heap is small, which saves a tenth of most runs' CPU (measured: a
	// plan after one new commit at 1M commits 1.58 -> 1.38 s, a libbpf
	// plan 0.51 -> 0.47 s), and harder as the heap nears
	// 700 MiB, so that a cold plan over a million commits stays under
	// 1 GiB of memory with the pack index and commit-graph it maps. GOGC
	// and GOMEMLIMIT in the environment still win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(700 << 20)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs tiered with args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.Execute()
	return exitCode(err, stderr)
}
