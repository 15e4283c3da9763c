package main

import (
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/tiered-release/tiered/branches"
)

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		tuneGC(quietHeap, 200, softLimit)
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
// and harder as it nears its soft limit: what of memoryBudget the
// repository files tiered maps (pack indexes, small packs, commit-graphs)
// leave, and never under heapLimit. A cold plan over a million commits
// maps 230 MB and stays under 1 GiB with a 700 MiB heap; a util-linux plan
// maps 5 MB, and with 900 MiB of heap instead of 700 spends a quarter
// less CPU (its caches, the objects and patches it reuses, fill most of
// 700, and the collector ran again and again). GOGC or GOMEMLIMIT in the
// environment wins.
const (
	quietHeap    = 400 << 20
	heapLimit    = 700 << 20
	memoryBudget = 900 << 20
)

// softLimit is the heap's soft limit once it is collected.
func softLimit() int64 { return max(heapLimit, memoryBudget-branches.MappedBytes()) }

// tuneGC turns the collector off until the heap reaches quiet, then
// collects at percent with a soft limit of limit(): the first collection
// (the one quiet forces) runs a finalizer that switches the settings.
func tuneGC(quiet int64, percent int, limit func() int64) {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(quiet)
	runtime.SetFinalizer(new([64]byte), func(*[64]byte) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit())
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
