package branches

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FailingHunks names the hunks Applies refuses, one by one.
func TestFailingHunks(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	fp := DiffFiles("f", "f", old, strings.Replace(strings.Replace(old, "b\n", "B\n", 1), "l\n", "L\n", 1))
	if len(fp.Hunks) != 2 {
		t.Fatalf("want 2 hunks, have %d", len(fp.Hunks))
	}
	content := []byte(strings.Replace(old, "l\n", "x\n", 1))
	failing, missing := fp.FailingHunks(content)
	if ok, _ := fp.Applies(content); ok || len(failing) != 1 || failing[0] != 1 || strings.Join(missing, ",") != "l" {
		t.Errorf("FailingHunks = %v %q", failing, missing)
	}
	if failing, _ := fp.FailingHunks([]byte(old)); failing != nil {
		t.Errorf("FailingHunks(old) = %v, want none", failing)
	}
}

// contains finds a block wherever a naive search does, on texts of few
// distinct lines (long chains of equal lines to follow) and blocks taken
// from them, changed, or of lines the text lacks.
func TestTextContains(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	found := 0
	for i := range 2000 {
		lines := make([]string, r.IntN(60))
		for k := range lines {
			lines[k] = string(rune('a' + r.IntN(4)))
		}
		text := NewText([]byte(strings.Join(lines, "\n")))
		var block []string
		if len(lines) > 0 && r.IntN(3) > 0 {
			s := r.IntN(len(lines))
			block = slices.Clone(lines[s:min(len(lines), s+1+r.IntN(5))])
		} else {
			block = []string{"a"}
		}
		switch r.IntN(4) {
		case 0:
			block[r.IntN(len(block))] = string(rune('a' + r.IntN(4)))
		case 1:
			block[r.IntN(len(block))] = "z" // nowhere in the text
		}
		want := false
		for s := 0; s+len(block) <= len(lines); s++ {
			if slices.Equal(lines[s:s+len(block)], block) {
				want = true
			}
		}
		if got := text.contains(block); got != want {
			t.Fatalf("case %d: contains(%q) in %q = %v, want %v", i, block, lines, got, want)
		}
		if want {
			found++
		}
	}
	if found < 500 {
		t.Errorf("only %d of 2000 blocks found: the test checks little", found)
	}
}
