package xdiff

import (
	"fmt"
	"strings"
)

// Op is what a line of a hunk does, as its unified-diff prefix.
type Op byte

// The three kinds of hunk lines.
const (
	Context Op = ' '
	Delete  Op = '-'
	Insert  Op = '+'
)

// Line is one line of a hunk. Text is the line as [Split] returned it,
// with its "\n" unless it is a last line without one.
type Line struct {
	Op   Op
	Text string
}

// Hunk is one hunk of a unified diff: it covers a[OldPos:OldPos+OldLen]
// and b[NewPos:NewPos+NewLen], context included.
type Hunk struct {
	OldPos, OldLen int
	NewPos, NewLen int
	Lines          []Line
}

// Header returns the hunk's "@@ -l,s +l,s @@" line as git writes it,
// without a function name: a count of 1 is left out, and the line number
// of an empty range is the line before it.
func (h Hunk) Header() string {
	rng := func(pos, n int) string {
		switch n {
		case 0:
			return fmt.Sprintf("%d,0", pos)
		case 1:
			return fmt.Sprint(pos + 1)
		}
		return fmt.Sprintf("%d,%d", pos+1, n)
	}
	return "@@ -" + rng(h.OldPos, h.OldLen) + " +" + rng(h.NewPos, h.NewLen) + " @@"
}

// String returns the hunk as git prints it: the header, then each line
// with its prefix, followed by "\ No newline at end of file" where a line
// lacks its newline.
func (h Hunk) String() string {
	var b strings.Builder
	b.WriteString(h.Header())
	b.WriteByte('\n')
	for _, l := range h.Lines {
		b.WriteByte(byte(l.Op))
		b.WriteString(l.Text)
		if !strings.HasSuffix(l.Text, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
	return b.String()
}

// Hunks groups the edits of a into b (as [Diff] returns them) into hunks
// with context lines of context on each side, as git does: edits at most
// 2×context unchanged lines apart share a hunk, and each change lists its
// removed lines before its added ones.
func Hunks(a, b []string, edits []Edit, context int) []Hunk {
	var hunks []Hunk
	for first := 0; first < len(edits); {
		last := first
		for last+1 < len(edits) && edits[last+1].Old-(edits[last].Old+edits[last].Del) <= 2*context {
			last++
		}
		e, f := edits[first], edits[last]
		s1, s2 := max(e.Old-context, 0), max(e.New-context, 0)
		after := min(context, len(a)-(f.Old+f.Del), len(b)-(f.New+f.Ins))
		e1, e2 := f.Old+f.Del+after, f.New+f.Ins+after
		h := Hunk{OldPos: s1, OldLen: e1 - s1, NewPos: s2, NewLen: e2 - s2}
		h.Lines = make([]Line, 0, e1-s1+e2-s2)
		j := s2 // next line of b to print as context
		for _, ed := range edits[first : last+1] {
			for ; j < ed.New; j++ {
				h.Lines = append(h.Lines, Line{Context, b[j]})
			}
			for _, l := range a[ed.Old : ed.Old+ed.Del] {
				h.Lines = append(h.Lines, Line{Delete, l})
			}
			for _, l := range b[ed.New : ed.New+ed.Ins] {
				h.Lines = append(h.Lines, Line{Insert, l})
			}
			j = ed.New + ed.Ins
		}
		for ; j < e2; j++ {
			h.Lines = append(h.Lines, Line{Context, b[j]})
		}
		hunks = append(hunks, h)
		first = last + 1
	}
	return hunks
}
