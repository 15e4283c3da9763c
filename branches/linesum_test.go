package branches

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// patchSum is the line sum a patch implies: its added lines' hashes less
// its removed lines'.
func patchSum(p *Patch) uint64 {
	var sum uint64
	for _, f := range p.Files {
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				switch l[0] {
				case '+':
					sum += LineHash(l[1:])
				case '-':
					sum -= LineHash(l[1:])
				}
			}
		}
	}
	return sum
}

// checkLineSums checks, for every commit given, that LineSum equals the
// sum its patch implies (so equal patch-ids give equal sums), and that it
// declines exactly when the patch has a binary file or a submodule.
func checkLineSums(t *testing.T, dir string, shas []string) (n, declined int) {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sha := range shas {
		sum, ok, err := r.LineSum(sha)
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Patch(sha)
		if err != nil {
			t.Fatal(err)
		}
		binary := false
		for _, f := range p.Files {
			binary = binary || f.Binary
		}
		n++
		switch {
		case ok == binary:
			t.Errorf("LineSum(%.12s): ok %v, but the patch has a binary file or submodule: %v", sha, ok, binary)
		case !ok:
			declined++
		case sum != patchSum(p):
			t.Errorf("LineSum(%.12s) = %x, its patch's lines sum to %x", sha, sum, patchSum(p))
		}
	}
	return n, declined
}

func TestLineSum(t *testing.T) {
	for _, name := range []string{"libbpf", "fourtier"} {
		dir := fixture(t, name)
		n, declined := checkLineSums(t, dir, revList(t, dir, "--no-merges", "--all"))
		t.Logf("%s: %d commits, %d declined", name, n, declined)
	}
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
printf 'a\nb\nc\n' > f; printf 'x\0y' > bin; git add f bin; git commit -q -m one
printf 'a\n  b\t\nc\nd' > f; git add f; git commit -q -m whitespace
printf 'x\0z' > bin; git add bin; git commit -q -m binary
git mv f g; git commit -q -m rename
chmod +x g; git add g; git commit -q -m mode
`)
	n, declined := checkLineSums(t, dir, revList(t, dir, "--all"))
	if n != 5 || declined != 2 { // the first commit adds a binary file too
		t.Errorf("%d commits, %d declined; want 5, 2", n, declined)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"HEAD", "HEAD~1"} { // a mode change, a rename: nothing added or removed
		sha, _ := gitOut(t, dir, "rev-parse", rev)
		if sum, ok, err := r.LineSum(sha); err != nil || !ok || sum != 0 {
			t.Errorf("LineSum(%s) = %x, %v, %v; want 0, true", rev, sum, ok, err)
		}
	}
	// Whitespace is not part of a line, as patch-ids ignore it.
	if LineHash("  b\t\n") != LineHash("b") || LineHash("b") == LineHash("c") {
		t.Errorf("LineHash does not ignore exactly whitespace")
	}
	if got, want := sumLines([]byte("a\n  b\t\nc\nd")), LineHash("a")+LineHash("b")+LineHash("c")+LineHash("d"); got != want {
		t.Errorf("sumLines = %x, want %x", got, want)
	}
}

func TestLineSumRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	if testing.Short() {
		t.Skip("the whole libbpf history: not in -short")
	}
	n, declined := checkLineSums(t, dir, revList(t, dir, "--no-merges", "--all"))
	t.Logf("%d commits, %d declined (binary files)", n, declined)
	if n < 500 {
		t.Errorf("only %d commits", n)
	}
}

// The commit cache keeps line sums: a second run reads them back equal,
// without computing them.
func TestLineSumCached(t *testing.T) {
	dir := fixture(t, "fourtier")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	shas := revList(t, dir, "--no-merges", "--all")
	type result struct {
		sum uint64
		ok  bool
	}
	want := map[string]result{}
	for _, sha := range shas {
		sum, ok, err := r.LineSum(sha)
		if err != nil {
			t.Fatal(err)
		}
		want[sha] = result{sum, ok}
	}
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sha := range shas {
		e, found := r2.cache().entry(sha)
		if !found || e.LineSumV != lineSumVersion {
			t.Fatalf("%.12s: no line sum in the cache", sha)
		}
		sum, ok, err := r2.LineSum(sha)
		if err != nil || (result{sum, ok}) != want[sha] {
			t.Errorf("%.12s: cached line sum %x %v %v, computed %v", sha, sum, ok, err, want[sha])
		}
	}
	if n := len(r2.sums.m); n != 0 {
		t.Errorf("the second run read %d blobs for line sums; the cache has them all", n)
	}
}

// middles leaves whole lines: what it drops is the same lines in both.
func TestMiddles(t *testing.T) {
	for _, tc := range []struct{ a, b, ma, mb string }{
		{"a\nb\nc\n", "a\nB\nc\n", "b\n", "B\n"},
		{"a\nb\nc\n", "a\nb\nc\n", "", ""},
		{"ab\nc\n", "xb\nc\n", "ab\n", "xb\n"},
		{"a\nbc", "a\nxc", "bc", "xc"},
		{"X\nL\n", "L\n", "X\nL\n", "L\n"},
		{"", "a\n", "", "a\n"},
		{"a\n", "a\nb\n", "", "b\n"},
	} {
		ma, mb := middles([]byte(tc.a), []byte(tc.b))
		if string(ma) != tc.ma || string(mb) != tc.mb {
			t.Errorf("middles(%q, %q) = %q, %q; want %q, %q", tc.a, tc.b, ma, mb, tc.ma, tc.mb)
		}
		if sumLines([]byte(tc.b))-sumLines([]byte(tc.a)) != sumLines(mb)-sumLines(ma) {
			t.Errorf("middles(%q, %q): the sums of what it drops differ", tc.a, tc.b)
		}
	}
}

// middles agrees with a byte-at-a-time reference on files of many lines
// with edits anywhere, across its chunk size.
func TestMiddlesRandom(t *testing.T) {
	naive := func(a, b []byte) ([]byte, []byte) {
		p := 0
		for p < min(len(a), len(b)) && a[p] == b[p] {
			p++
		}
		p = bytes.LastIndexByte(a[:p], '\n') + 1
		a, b = a[p:], b[p:]
		s := 0
		for s < min(len(a), len(b)) && a[len(a)-1-s] == b[len(b)-1-s] {
			s++
		}
		if i := bytes.IndexByte(a[len(a)-s:], '\n'); i >= 0 {
			s -= i + 1
		} else {
			s = 0
		}
		return a[:len(a)-s], b[:len(b)-s]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var lines []string
		for range rng.IntN(200) {
			lines = append(lines, strings.Repeat(string(rune('a'+rng.IntN(3))), rng.IntN(40)))
		}
		a := strings.Join(lines, "\n")
		edited := slices.Clone(lines)
		for range rng.IntN(4) {
			if len(edited) > 0 {
				edited[rng.IntN(len(edited))] = "edited"
			}
		}
		b := strings.Join(edited, "\n")
		if rng.IntN(2) == 0 {
			b += "\n"
		}
		ma, mb := middles([]byte(a), []byte(b))
		na, nb := naive([]byte(a), []byte(b))
		if !bytes.Equal(ma, na) || !bytes.Equal(mb, nb) {
			t.Fatalf("middles(%q, %q) = %q, %q; byte by byte %q, %q", a, b, ma, mb, na, nb)
		}
		if sumLines([]byte(b))-sumLines([]byte(a)) != sumLines(mb)-sumLines(ma) {
			t.Fatalf("middles(%q, %q): the sums of what it drops differ", a, b)
		}
	}
}
