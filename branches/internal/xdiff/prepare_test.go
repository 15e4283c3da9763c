package xdiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// referencePrepare is prepare as first written: every line of both files
// interned, the classes then trimmed. The faster prepare must give the
// same edit scripts.
func referencePrepare(a, b []string) (*side, *side) {
	ids := make(map[string]int, len(a)+len(b))
	var count [2][]int
	sc := new(scratch)
	x, y := sc.side(0, a), sc.side(1, b)
	for k, s := range []*side{x, y} {
		for i, l := range s.lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
				count[0] = append(count[0], 0)
				count[1] = append(count[1], 0)
			}
			count[k][id]++
			s.class[i] = id
		}
	}
	n1, n2 := len(a), len(b)
	lim := min(n1, n2)
	start := 0
	for start < lim && x.class[start] == y.class[start] {
		start++
	}
	tail := 0
	for tail < lim-start && x.class[n1-1-tail] == y.class[n2-1-tail] {
		tail++
	}
	h1, r1 := reduce(x, start, n1-1-tail, count[1])
	h2, r2 := reduce(y, start, n2-1-tail, count[0])
	m := &myers{ha1: h1, ha2: h2, rindex1: r1, rindex2: r2, x: x, y: y}
	ndiags := len(h1) + len(h2) + 3
	m.fwd = make([]int, ndiags)
	m.bwd = make([]int, ndiags)
	m.zero = len(h2) + 1
	m.mxcost = max(bogosqrt(ndiags), maxCostMin)
	m.compare(0, len(h1), 0, len(h2), false)
	return x, y
}

func referenceDiff(a, b []string) []Edit {
	x, y := referencePrepare(a, b)
	compact(x, y)
	compact(y, x)
	return script(x, y)
}

// Diff equals the reference on texts whose changes sit amid long common
// heads and tails made of the same few lines the changes use: what
// trimming before interning must count and slide through exactly.
func TestPrepareTrimsAsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabets := [][]string{
		{"a\n", "b\n", "c\n"},
		{"}\n", "\n", "\tx;\n", "\t}\n", "if (a) {\n", "\tfoo();\n"},
	}
	for i := range 3000 {
		alpha := alphabets[i%len(alphabets)]
		head := randomLines(r, r.IntN(60), alpha)
		tail := randomLines(r, r.IntN(60), alpha)
		mid := randomLines(r, r.IntN(12), alpha)
		a := slices.Concat(head, mid, tail)
		b := slices.Concat(head, mutate(r, mid, alpha, 1+r.IntN(4)), tail)
		if got, want := Diff(a, b), referenceDiff(a, b); !slices.Equal(got, want) {
			t.Fatalf("case %d: Diff(%q, %q) = %v, reference %v", i, a, b, got, want)
		}
	}
}

// BenchmarkDiffSmallChangeLargeFile is the common case of a plan: a few
// lines changed in a file of 13,000 (libbpf.c).
func BenchmarkDiffSmallChangeLargeFile(b *testing.B) {
	var a []string
	for i := range 13000 {
		a = append(a, fmt.Sprintf("\tline %d of a large file;\n", i))
	}
	c := slices.Clone(a)
	c[6000] = "\tchanged;\n"
	c = slices.Insert(c, 9000, "\tadded;\n")
	for b.Loop() {
		Diff(a, c)
	}
}
