package xdiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// windowDiff is what a caller of a window gets: the edits of the whole
// texts, from the window when it fits, and whether it did.
func windowDiff(t *testing.T, w Window, a, b string) ([]Edit, bool) {
	t.Helper()
	if w.Head+len(w.A)+w.Tail != len(Split(a)) || w.Head+len(w.B)+w.Tail != len(Split(b)) {
		t.Fatalf("window of %q and %q: %d+%d+%d and %d+%d+%d lines, want %d and %d", a, b,
			w.Head, len(w.A), w.Tail, w.Head, len(w.B), w.Tail, len(Split(a)), len(Split(b)))
	}
	edits, ok, fits := w.Diff(0)
	if !fits {
		return nil, false
	}
	if !ok {
		t.Fatalf("window diff without a budget stopped")
	}
	for i := range edits {
		edits[i].Old += w.Head
		edits[i].New += w.Head
	}
	return edits, fits
}

// The diff of a window, when it fits, is the diff of the whole texts:
// long common heads and tails of the few lines the changes use (lines
// counted outside the window, groups sliding towards its edges), blank
// runs for the indent heuristic, texts without a final newline, and
// margins from none to more than the guard.
func TestWindowDiffAsWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabets := [][]string{
		{"a", "b", "c"},
		{"}", "", "\tx;", "\t}", "if (a) {", "\tfoo();", "    bar", "", ""},
		{"x", "y", "z", "w", "v", "u", "", "}"},
	}
	fits, narrow := 0, 0
	for i := range 4000 {
		alpha := alphabets[i%len(alphabets)]
		head := randomLines(r, r.IntN(200), alpha)
		tail := randomLines(r, r.IntN(200), alpha)
		if r.IntN(4) == 0 { // a distinct line amid them: slides stop there
			head = append(head, fmt.Sprint("h", i))
			tail = append([]string{fmt.Sprint("t", i)}, tail...)
		}
		mid := randomLines(r, r.IntN(12), alpha)
		midB := mutate(r, mid, alpha, 1+r.IntN(4))
		if i%5 < 2 {
			// Lines of the alphabet amid lines found nowhere else: they
			// are discarded with them when they occur often enough in
			// the whole other text, counted outside the window too.
			mid, midB = nil, nil
			for k := range 2 + r.IntN(30) {
				mid = append(mid, alpha[r.IntN(len(alpha))])
				midB = append(midB, alpha[r.IntN(len(alpha))])
				for q := range 1 + r.IntN(6) {
					mid = append(mid, fmt.Sprint("a", k, q))
					midB = append(midB, fmt.Sprint("b", k, q))
				}
			}
		}
		ra := slices.Concat(head, mid, tail)
		rb := slices.Concat(head, midB, tail)
		a, b := join(r, ra), strings.Join(rb, "\n")
		if strings.HasSuffix(a, "\n") && len(rb) > 0 {
			b += "\n"
		}
		margin := r.IntN(3 * windowGuard)
		w, ok := cut(a, b, margin, 0)
		if !ok {
			continue
		}
		got, fit := windowDiff(t, w, a, b)
		if !fit {
			narrow++
			continue
		}
		fits++
		if want := Diff(Split(a), Split(b)); !slices.Equal(got, want) {
			t.Fatalf("case %d (margin %d): window diff of %q and %q = %v, whole %v", i, margin, a, b, got, want)
		}
	}
	t.Logf("fits %d narrow %d", fits, narrow)
	if fits < 1000 || narrow < 100 {
		t.Errorf("windows that fit: %d, too narrow: %d; want at least 1000 and 100", fits, narrow)
	}
}

// A window too narrow for a slide says so: a change amid a run of blank
// lines longer than the margin slides out of it.
func TestWindowTooNarrow(t *testing.T) {
	var lines []string
	for i := range 3000 {
		lines = append(lines, fmt.Sprintf("\tline %d of a large file;\n", i))
	}
	blank := slices.Repeat([]string{"\n"}, 2*windowMargin)
	a := strings.Join(slices.Concat(lines, blank, lines), "")
	b := strings.Join(slices.Concat(lines, blank, []string{"\n"}, lines), "")
	w, ok := Cut(a, b)
	if !ok {
		t.Fatal("Cut of 6,000 lines changed in one: no window")
	}
	if _, _, fits := w.Diff(0); fits {
		t.Error("window of a blank line added amid 128 blank lines: fits, want too narrow")
	}
	b = strings.Join(slices.Concat(lines[:1500], []string{"\tchanged;\n"}, lines[1501:], blank, lines), "")
	w, ok = Cut(a, b)
	if !ok || w.Head != 1500-windowMargin || len(w.A) != 2*windowMargin+1 {
		t.Fatalf("Cut of a one-line change at line 1500: head %d, %d lines, ok %v; want %d, %d, true", w.Head, len(w.A), ok, 1500-windowMargin, 2*windowMargin+1)
	}
	if got, fits := windowDiff(t, w, a, b); !fits || !slices.Equal(got, []Edit{{Old: 1500, New: 1500, Del: 1, Ins: 1}}) {
		t.Errorf("window diff of a one-line change = %v, fits %v", got, fits)
	}
	if _, ok := Cut(a[:1000], b[:1000]); ok {
		t.Error("Cut of 1,000 bytes: a window, want none")
	}
}

// BenchmarkWindowSmallChangeLargeFile is BenchmarkDiffSmallChangeLargeFile
// from the texts, as a plan diffs a revision of libbpf.c: cut, then
// diffed in a window.
func BenchmarkWindowSmallChangeLargeFile(b *testing.B) {
	var lines []string
	for i := range 13000 {
		lines = append(lines, fmt.Sprintf("%sline %d of a large file%s\n", strings.Repeat("\t", i%4), i, []string{";", " {", "", ")"}[i%4]))
	}
	c := slices.Clone(lines)
	c[6000] = "\tchanged;\n"
	c = slices.Insert(c, 6040, "\tadded;\n", "\t}\n", "\n")
	x, y := strings.Join(lines, ""), strings.Join(c, "")
	for b.Loop() {
		w, _ := Cut(x, y)
		w.Diff(0)
	}
}
