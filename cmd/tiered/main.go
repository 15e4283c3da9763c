package main

import (
	"io"
	"os"
	"runtime/debug"
)

func main() {
	// A plan over a million commits holds a large heap: collect harder as
	// it nears 1.5 GiB, so that tiered stays under 2 GiB of memory. The Go
	// runtime's own GOMEMLIMIT still wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1536 << 20)
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
