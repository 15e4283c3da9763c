package branches

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/tiered-release/tiered/branches/internal/xdiff"
)

// Every change of src/libbpf.c (300 KB, 10,000 lines) in the real libbpf
// history at $TIERED_LIBBPF (skips otherwise), diffed in a window as
// Patch diffs a large file changed in a few places, has the hunks of the
// diff of the whole revisions; and nearly every one fits its window.
// (TestPatchIDRealLibbpf checks the same patches against git.)
func TestWindowRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gitOut(t, dir, "log", "--all", "--no-merges", "--format=", "--raw", "--no-abbrev", "--", "src/libbpf.c")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	n, fits := 0, 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line) // :mode mode old new M path
		if len(f) < 6 || f[4] != "M" || seen[f[2]+f[3]] {
			continue
		}
		seen[f[2]+f[3]] = true
		var texts [2]string
		for k, id := range []string{f[2], f[3]} {
			data, _, err := r.blob(plumbing.NewHash(id), bigFileBytes)
			if err != nil {
				t.Fatal(err)
			}
			texts[k] = unsafe.String(unsafe.SliceData(data), len(data))
		}
		n++
		w, ok := xdiff.Cut(texts[0], texts[1])
		if !ok {
			continue
		}
		edits, ok, fit := w.Diff(0)
		if !fit {
			continue
		}
		if !ok {
			t.Fatalf("%s..%s: window diff without a budget stopped", f[2], f[3])
		}
		fits++
		a, b := xdiff.Split(texts[0]), xdiff.Split(texts[1])
		want := hunksOfEdits(a, b, xdiff.Diff(a, b), 0)
		if got := hunksOfEdits(w.A, w.B, edits, w.Head); !slices.EqualFunc(got, want, func(x, y Hunk) bool {
			return x.OldStart == y.OldStart && slices.Equal(x.Lines, y.Lines)
		}) {
			t.Errorf("src/libbpf.c %s..%s: window hunks differ from the whole diff's", f[2], f[3])
		}
	}
	t.Logf("%d changes of src/libbpf.c, %d diffed in a window", n, fits)
	if n < 500 || fits < n*8/10 {
		t.Errorf("%d changes, %d in a window: want at least 500, 80%% in a window", n, fits)
	}
}
