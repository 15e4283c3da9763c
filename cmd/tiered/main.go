package main

import (
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		tuneGC(quietHeap, 200, heapLimit)
	} else if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	} else if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(heapLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// The collector's settings. A run of tiered is short: most allocate a few
// hundred MiB and exit, and collecting garbage in them only costs CPU (a
// plan after one new commit at 1M commits spent a fifth of its time in
// the collector). So no run collects before its heap reaches quietHeap;
// from there the heap is collected at three times its live size (GOGC=200)
// and harder as it nears heapLimit, so that a cold plan over a million
// commits stays under 1 GiB of memory with the pack index and
// commit-graph it maps. GOGC or GOMEMLIMIT in the environment wins.
const (
	quietHeap = 400 << 20
	heapLimit = 700 << 20
)

// tuneGC turns the collector off until the heap reaches quiet, then
// collects at percent with a soft limit of limit: the first collection
// (the one quiet forces) runs a finalizer that switches the settings.
func tuneGC(quiet int64, percent int, limit int64) {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(quiet)
	runtime.SetFinalizer(new([64]byte), func(*[64]byte) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
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
