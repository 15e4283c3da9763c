// Command gen writes a synthetic kernel-scale git history for benchmarks:
//
//	go run ./bench/gen -n 1000000 -seed 1 DIR
//
// and, with -btf, kernel BTF declaring every constant and member of a
// UAPI header, for benchmarking features check against a kernel that has
// them all:
//
//	go run ./bench/gen -btf HEADER OUT.btf
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tiered-release/tiered/internal/sample"
	"github.com/tiered-release/tiered/internal/synth"
	"github.com/tiered-release/tiered/kernel"
)

func main() {
	n := flag.Int("n", 10000, "number of commits")
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same shas")
	lines := flag.Int("lines", 0, "kernel lines to fork (default: n/5000, 3 to 40)")
	btf := flag.String("btf", "", "write kernel BTF for the UAPI header `FILE` instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-n N] [-seed S] [-lines L] DIR | gen -btf HEADER OUT")
		os.Exit(2)
	}
	if *btf != "" {
		if err := writeBTF(*btf, flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	s, err := synth.Generate(flag.Arg(0), synth.Options{Commits: *n, Seed: *seed, Lines: *lines})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	s.WriteTo(os.Stdout)
}

// writeBTF declares in BTF every enum constant and member the header has.
func writeBTF(header, out string) error {
	data, err := os.ReadFile(header)
	if err != nil {
		return err
	}
	fs, err := kernel.ParseHeader(header, data)
	if err != nil {
		return err
	}
	enums := map[string][]string{}
	members := map[string][]string{}
	var order []string
	for _, f := range fs {
		switch f.Kind {
		case kernel.KindEnumValue:
			name := strings.TrimPrefix(f.Container, "enum ")
			if name == "enum" {
				name = "-"
			}
			if _, ok := enums[name]; !ok {
				order = append(order, "enum "+name)
			}
			enums[name] = append(enums[name], f.Name)
		case kernel.KindMember:
			key := f.Container
			if _, ok := members[key]; !ok {
				order = append(order, key)
			}
			members[key] = append(members[key], strings.Join(f.Path[1:], "."))
		}
	}
	var desc strings.Builder
	for _, o := range order {
		kind, name, _ := strings.Cut(o, " ")
		if kind == "enum" {
			fmt.Fprintf(&desc, "enum %s %s\n", name, strings.Join(enums[name], " "))
			continue
		}
		fmt.Fprintf(&desc, "%s %s %s\n", kind, name, strings.Join(members[o], " "))
	}
	raw, err := sample.KernelBTF(desc.String())
	if err != nil {
		return err
	}
	return os.WriteFile(out, raw, 0o644)
}
