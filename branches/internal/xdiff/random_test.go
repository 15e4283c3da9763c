package xdiff

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDiffRandomAgainstGit compares the hunks with `git diff` on generated
// pairs of texts: small ones over few distinct lines (repeated lines,
// braces, blank lines: sliding and the indent heuristic), shuffled blocks
// (Myers' cost cut-off), and files of 40,000 lines with scattered swaps
// (the heuristics that need more than 256 edits in a large box).
func TestDiffRandomAgainstGit(t *testing.T) {
	if testing.Short() {
		t.Skip("many git runs: not in -short")
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabets := [][]string{
		{"a", "b", "c"},
		{"}", "", "\tx;", "\t}", "if (a) {", "\tfoo();", "    bar", "", ""},
		{"x", "y", "z", "w", "v", "u", "", "}"},
	}
	for i := range 150 {
		alpha := alphabets[i%len(alphabets)]
		a := randomLines(r, r.IntN(40), alpha)
		b := mutate(r, a, alpha, 1+r.IntN(10))
		checkAgainstGit(t, fmt.Sprintf("small %d", i), join(r, a), join(r, b))
	}
	for i := range 6 {
		a, b := shuffledBlocks(r, 50+r.IntN(200))
		checkAgainstGit(t, fmt.Sprintf("shuffled %d", i), join(r, a), join(r, b))
	}
	for i := range 2 {
		a, b := scatteredSwaps(r, 40000)
		checkAgainstGit(t, fmt.Sprintf("swaps %d", i), join(r, a), join(r, b))
	}
}

func checkAgainstGit(t *testing.T, name, a, b string) {
	t.Helper()
	if got, want := unified(a, b), gitDiff(t, a, b); got != want {
		t.Errorf("%s: unified(%q, %q) =\n%s\ngit diff:\n%s", name, a, b, got, want)
	}
}

// join makes a text of lines, one time in five without a final newline.
func join(r *rand.Rand, ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	s := strings.Join(ls, "\n")
	if r.IntN(5) > 0 {
		s += "\n"
	}
	return s
}

func randomLines(r *rand.Rand, n int, alpha []string) []string {
	ls := make([]string, n)
	for i := range ls {
		ls[i] = alpha[r.IntN(len(alpha))]
	}
	return ls
}

// mutate deletes, inserts and swaps lines of a copy of ls, k times.
func mutate(r *rand.Rand, ls []string, alpha []string, k int) []string {
	out := append([]string(nil), ls...)
	for range k {
		switch j := r.IntN(len(out) + 1); r.IntN(3) {
		case 0:
			if j < len(out) {
				out = append(out[:j], out[min(len(out), j+1+r.IntN(4)):]...)
			}
		case 1:
			out = append(out[:j], append(randomLines(r, 1+r.IntN(4), alpha), out[j:]...)...)
		case 2:
			if len(out) > 1 {
				k := r.IntN(len(out))
				j = min(j, len(out)-1)
				out[j], out[k] = out[k], out[j]
			}
		}
	}
	return out
}

// shuffledBlocks returns n blocks of distinct lines (and a few common
// ones), and the same blocks shuffled, a tenth of them dropped.
func shuffledBlocks(r *rand.Rand, n int) (a, b []string) {
	blocks := make([][]string, n)
	for k := range blocks {
		for q := range 1 + r.IntN(40) {
			if r.IntN(8) == 0 {
				blocks[k] = append(blocks[k], []string{"}", "", "\t}", "x"}[r.IntN(4)])
			} else {
				blocks[k] = append(blocks[k], fmt.Sprintf("l%d_%d", k, q))
			}
		}
		a = append(a, blocks[k]...)
	}
	for _, k := range r.Perm(n) {
		if r.IntN(10) > 0 {
			b = append(b, blocks[k]...)
		}
	}
	return a, b
}

// scatteredSwaps returns n mostly distinct lines, and a copy with lines
// swapped or replaced every few dozen lines.
func scatteredSwaps(r *rand.Rand, n int) (a, b []string) {
	a = make([]string, n)
	for k := range a {
		if r.IntN(30) == 0 {
			a[k] = []string{"}", "", "\t}", "x"}[r.IntN(4)]
		} else {
			a[k] = fmt.Sprint("L", k)
		}
	}
	b = append([]string(nil), a...)
	for k := r.IntN(40); k+12 < len(b); k += 1 + r.IntN(80) {
		switch r.IntN(3) {
		case 0:
			b[k], b[k+1] = b[k+1], b[k]
		case 1:
			j := k + 2 + r.IntN(10)
			b[k], b[j] = b[j], b[k]
		case 2:
			b[k] = fmt.Sprint("N", k)
		}
	}
	return a, b
}

// TestDiffWithin checks that a diff within its budget is the diff, and
// that the budget stops the search on a large shuffle and on nothing
// smaller than it.
func TestDiffWithin(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a, b := scatteredSwaps(r, 40000)
	want := Diff(a, b)
	got, ok := DiffWithin(a, b, 1<<40)
	if !ok {
		t.Fatal("DiffWithin with a budget no diff needs: stopped")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Error("DiffWithin within budget differs from Diff")
	}
	x, y := shuffledBlocks(r, 20000)
	if _, ok := DiffWithin(x, y, 1e5); ok {
		t.Error("DiffWithin(shuffled 20,000-line blocks, 1e5 diagonals): finished, want stopped")
	}
	small := []string{"a\n", "b\n", "c\n"}
	if got, ok := DiffWithin(small, []string{"a\n", "x\n", "c\n"}, 100); !ok || len(got) != 1 {
		t.Errorf("DiffWithin of a one-line change, 100 diagonals = %v, %v; want one edit", got, ok)
	}
}
