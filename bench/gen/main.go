// Command gen writes a synthetic kernel-scale git history for benchmarks:
//
//	go run ./bench/gen -n 1000000 -seed 1 DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tiered-release/tiered/internal/synth"
)

func main() {
	n := flag.Int("n", 10000, "number of commits")
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same shas")
	lines := flag.Int("lines", 0, "kernel lines to fork (default: n/5000, 3 to 40)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-n N] [-seed S] [-lines L] DIR")
		os.Exit(2)
	}
	s, err := synth.Generate(flag.Arg(0), synth.Options{Commits: *n, Seed: *seed, Lines: *lines})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	s.WriteTo(os.Stdout)
}
