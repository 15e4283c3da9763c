package xdiff

import (
	"slices"
	"strings"
	"testing"
)

// FuzzDiff checks that the edit script of any two texts turns one into the
// other, that the hunks cover it, and (with git on PATH, unless -short)
// that the hunks are the ones `git diff` prints. Fuzz with -short for
// speed, without it to hunt for differences from git.
func FuzzDiff(f *testing.F) {
	for _, tt := range diffTests {
		f.Add(tt.a, tt.b)
	}
	f.Add(lines("a", "b", "c", "a", "b", "b", "a"), lines("c", "b", "a", "b", "a", "c"))
	f.Add("}\n}\n\n}\n", "\n}\n}\n}\n\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		x, y := Split(a), Split(b)
		edits := Diff(x, y)
		if got := apply(x, y, edits); got != b {
			t.Fatalf("applying Diff(%q, %q) = %v gives %q", a, b, edits, got)
		}
		checkHunks(t, x, y, Hunks(x, y, edits, 3))
		if ref := referenceDiff(x, y); !slices.Equal(edits, ref) {
			t.Fatalf("Diff(%q, %q) = %v, reference %v", a, b, edits, ref)
		}
		if testing.Short() || IsBinary([]byte(a)) || IsBinary([]byte(b)) {
			return
		}
		if want, got := gitDiff(t, a, b), unified(a, b); got != want {
			t.Errorf("unified(%q, %q) =\n%s\ngit diff:\n%s", a, b, got, want)
		}
	})
}

// apply returns a with edits applied, taking inserted lines from b. It
// returns a marker string for an edit script that is out of order, empty,
// touching or out of range.
func apply(a, b []string, edits []Edit) string {
	var out strings.Builder
	i, j := 0, 0
	for k, e := range edits {
		if e.Del == 0 && e.Ins == 0 || e.Old < i || e.Old+e.Del > len(a) || e.New+e.Ins > len(b) ||
			e.New-j != e.Old-i || k > 0 && e.Old == i {
			return "<bad edit script>"
		}
		for ; i < e.Old; i++ {
			out.WriteString(a[i])
		}
		for _, l := range b[e.New : e.New+e.Ins] {
			out.WriteString(l)
		}
		i, j = e.Old+e.Del, e.New+e.Ins
	}
	if len(a)-i != len(b)-j {
		return "<bad edit script>"
	}
	for ; i < len(a); i++ {
		out.WriteString(a[i])
	}
	return out.String()
}

// checkHunks checks that each hunk's context and removed lines are the
// lines of a it claims to cover, its context and added lines those of b,
// and that hunks are in order without overlap.
func checkHunks(t *testing.T, a, b []string, hunks []Hunk) {
	t.Helper()
	end := 0
	for _, h := range hunks {
		var old, new []string
		for _, l := range h.Lines {
			if l.Op != Insert {
				old = append(old, l.Text)
			}
			if l.Op != Delete {
				new = append(new, l.Text)
			}
		}
		if h.OldPos < end || h.OldPos+h.OldLen > len(a) || h.NewPos+h.NewLen > len(b) ||
			strings.Join(old, "") != strings.Join(a[h.OldPos:h.OldPos+h.OldLen], "") ||
			strings.Join(new, "") != strings.Join(b[h.NewPos:h.NewPos+h.NewLen], "") {
			t.Fatalf("hunk %s does not match its ranges:\n%s", h.Header(), h)
		}
		end = h.OldPos + h.OldLen
	}
}
