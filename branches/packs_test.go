package branches

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// catFileObjects lists every object of the repository at dir as git sees
// it: id → "type size".
func catFileObjects(t testing.TB, dir string) map[plumbing.Hash]string {
	t.Helper()
	out, err := gitOut(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype) %(objectsize)")
	if err != nil {
		t.Fatalf("git cat-file: %v", err)
	}
	m := map[plumbing.Hash]string{}
	for _, l := range strings.Split(out, "\n") {
		id, rest, _ := strings.Cut(l, " ")
		m[plumbing.NewHash(id)] = rest
	}
	return m
}

// checkPacks reads every object of every pack of the repository at dir
// and checks it against its id (the SHA-1 of its type and content) and
// against git's type and size.
func checkPacks(t *testing.T, dir string) (n int, kinds map[plumbing.ObjectType]int) {
	t.Helper()
	want := catFileObjects(t, dir)
	ps, err := openPacks(filepath.Join(gitDir(t, dir), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	if len(ps.files) == 0 {
		t.Fatal("no packs")
	}
	kinds = map[plumbing.ObjectType]int{}
	hr := getPackReader()
	defer putPackReader(hr)
	for _, p := range ps.files {
		for i := 0; i < p.n; i++ {
			h := plumbing.Hash(p.ids[20*i : 20*i+20])
			o, ok, err := ps.encoded(plumbing.AnyObject, h)
			if err != nil || !ok {
				t.Fatalf("%s: ok %v, %v", h, ok, err)
			}
			rd, _ := o.Reader()
			var data bytes.Buffer
			data.ReadFrom(rd)
			if got := plumbing.ComputeHash(o.Type(), data.Bytes()); got != h {
				t.Errorf("%s: content hashes to %s", h, got)
			}
			if got := fmt.Sprintf("%s %d", o.Type(), o.Size()); got != want[h] {
				t.Errorf("%s: %s, git says %s", h, got, want[h])
			}
			pp, off, _, _ := ps.find(h)
			if e, err := pp.header(hr, off); err == nil {
				kinds[e.typ]++
			}
			if off > 1<<31 || int64(binary.BigEndian.Uint32(pp.off32[4*i:]))&0x80000000 != 0 {
				kinds[0]++ // a 64-bit offset
			}
			if typ, size, err := ps.info(pp, off); err != nil || typ != o.Type() || size != o.Size() {
				t.Errorf("info(%s) = %s %d, %v; want %s %d", h, typ, size, err, o.Type(), o.Size())
			}
			n++
		}
	}
	if n < len(want) {
		t.Errorf("read %d objects, git has %d", n, len(want))
	}
	return n, kinds
}

func gitDir(t testing.TB, dir string) string {
	t.Helper()
	out, err := gitOut(t, dir, "rev-parse", "--absolute-git-dir")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every object of a pack reads back as git has it, whole or as deltas
// against a base named by offset or by id, with 32- or 64-bit offsets in
// the index, and through Repo as go-git reads it.
func TestPacksReadEveryObject(t *testing.T) {
	dir := fixture(t, "libbpf")
	// Versions of a file that delta against each other, an empty blob, a
	// binary one, and one larger than a pack reader's first read.
	script(t, dir, `
		seq 1 400 > big.txt
		for i in $(seq 1 30); do sed -i "$((i*7))s/.*/changed $i/" big.txt; git add big.txt; git commit -q -m "big $i"; done
		: > empty; head -c 3000 /dev/urandom > bin; seq 1 20000 > long.txt
		git add empty bin long.txt; git commit -q -m more
		git tag -a -m 'an annotated tag' vx HEAD`)
	for _, v := range []struct {
		name, repack string
		kind         plumbing.ObjectType // that the pack must hold; 0: 64-bit offsets
	}{
		{"offset deltas", "git repack -q -a -d -f --depth=20", packOFSDelta},
		{"ref deltas", "git -c repack.useDeltaBaseOffset=false repack -q -a -d -f", packREFDelta},
		{"64-bit offsets", "p=$(ls .git/objects/pack/*.pack); git index-pack --index-version=2,0x20 -o idx.tmp $p >/dev/null && mv -f idx.tmp ${p%.pack}.idx", 0},
		{"two packs", "git commit -q --allow-empty -m 'one more'; git repack -q -d", plumbing.CommitObject},
	} {
		t.Run(v.name, func(t *testing.T) {
			script(t, dir, v.repack)
			n, kinds := checkPacks(t, dir)
			if kinds[v.kind] == 0 {
				t.Errorf("no objects of kind %d: %v", v.kind, kinds)
			}
			t.Logf("%d objects: %v", n, kinds)
		})
	}
	// Through Repo: a loose object (go-git) beside the packed ones.
	script(t, dir, "git commit -q --allow-empty -m loose")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rs, ok := r.r.Storer.(*refStorage); !ok || rs.packs == nil {
		t.Fatal("Open does not read packs")
	}
	for _, rev := range []string{"HEAD", "HEAD~1", "vx"} {
		sha, err := r.Resolve(rev)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := gitOut(t, dir, "rev-parse", rev+"^{commit}")
		if sha != want {
			t.Errorf("Resolve(%s) = %s, want %s", rev, sha, want)
		}
		if _, err := r.Commit(sha); err != nil {
			t.Errorf("Commit(%s): %v", rev, err)
		}
	}
	// Abbreviated ids (go-git lists the candidates from the storage),
	// packed and loose, and subjects, as git finds them.
	log, _ := gitOut(t, dir, "log", "--all", "--format=%H %s")
	bySubject := map[string][]string{}
	for _, l := range strings.Split(log, "\n") {
		sha, subject, _ := strings.Cut(l, " ")
		bySubject[subject] = append(bySubject[subject], sha)
		for _, n := range []int{7, 9} {
			if got, err := r.Resolve(sha[:n]); err != nil || got != sha {
				t.Errorf("Resolve(%s) = %s, %v; want %s", sha[:n], got, err, sha)
			}
		}
	}
	for subject, want := range bySubject {
		slices.Sort(want)
		if got, err := r.FindBySubject(subject); err != nil || !slices.Equal(got, want) {
			t.Errorf("FindBySubject(%q) = %v, %v; want %v", subject, got, err, want)
		}
	}
	head, _ := r.Resolve("HEAD")
	got, err := r.ReadFile(head, "long.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "long.txt"))
	if !bytes.Equal(got, want) {
		t.Errorf("ReadFile(long.txt) differs from the work tree")
	}
}

// TestPacksRealLibbpf reads every object of the libbpf clone at
// $TIERED_LIBBPF (skips otherwise) and checks it against its id.
func TestPacksRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	n, kinds := checkPacks(t, dir)
	t.Logf("%d objects: %v", n, kinds)
}

// A pack damaged anywhere gives errors, never a panic, and never an
// object that is not what its id says.
func TestPacksCorrupt(t *testing.T) {
	dir := fixture(t, "fourtier")
	script(t, dir, "git repack -q -a -d -f")
	objects := filepath.Join(gitDir(t, dir), "objects")
	packFiles, _ := filepath.Glob(filepath.Join(objects, "pack", "*.pack"))
	idxFiles, _ := filepath.Glob(filepath.Join(objects, "pack", "*.idx"))
	if len(packFiles) != 1 || len(idxFiles) != 1 {
		t.Fatalf("packs %v, indexes %v", packFiles, idxFiles)
	}
	pack, _ := os.ReadFile(packFiles[0])
	idx, _ := os.ReadFile(idxFiles[0])
	for _, f := range []struct {
		name string
		data []byte
	}{{packFiles[0], pack}, {idxFiles[0], idx}} {
		os.Chmod(f.name, 0o644)
		step := max(1, len(f.data)/300)
		for at := 0; at < len(f.data); at += step {
			bad := bytes.Clone(f.data)
			bad[at] ^= 0x5a
			os.WriteFile(f.name, bad, 0o644)
			ps, err := openPacks(objects)
			if err != nil {
				if !errors.Is(err, errPackFormat) {
					t.Errorf("%s flipped at %d: open: %v, want errPackFormat", filepath.Base(f.name), at, err)
				}
				continue
			}
			for _, p := range ps.files {
				for i := 0; i < p.n; i++ {
					h := plumbing.Hash(p.ids[20*i : 20*i+20])
					o, ok, err := ps.encoded(plumbing.AnyObject, h)
					if err != nil || !ok {
						continue
					}
					rd, err := o.Reader()
					if err != nil {
						continue
					}
					var data bytes.Buffer
					data.ReadFrom(rd)
					// A flipped id in the index names the object under
					// another id; anything else must still hash right.
					if got := plumbing.ComputeHash(o.Type(), data.Bytes()); got != h && !bytes.Equal(f.data, idx) {
						t.Errorf("%s flipped at %d: %s reads as %s", filepath.Base(f.name), at, h, got)
					}
				}
			}
			ps.Close()
		}
		os.WriteFile(f.name, f.data, 0o644)
	}
}

// BenchmarkPackLookup finds and reads every commit of a history through
// the packs (TIERED_BENCH_REPO, else the libbpf fixture).
func BenchmarkPackLookup(b *testing.B) {
	dir := os.Getenv("TIERED_BENCH_REPO")
	if dir == "" {
		dir = fixture(b, "libbpf")
	}
	out, err := gitOut(b, dir, "rev-list", "--all")
	if err != nil {
		b.Fatal(err)
	}
	var ids []plumbing.Hash
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		ids = append(ids, plumbing.NewHash(sc.Text()))
	}
	ps, err := openPacks(filepath.Join(gitDir(b, dir), "objects"))
	if err != nil {
		b.Fatal(err)
	}
	defer ps.Close()
	b.ReportMetric(float64(len(ids)), "commits")
	for b.Loop() {
		for _, h := range ids {
			if _, ok, err := ps.encoded(plumbing.CommitObject, h); !ok || err != nil {
				b.Fatal(h, err)
			}
		}
	}
}

// TestInflateLongStream reads objects whose zlib streams are longer than
// zlib itself would write for their size (a writer free to pad with empty
// blocks): inflate must not take the first bytes of such a stream for all
// of it. It also reads plain streams, and refuses a stream longer or
// shorter than the size the header gives.
func TestInflateLongStream(t *testing.T) {
	data := []byte("int bench_new(void) { return 1; }\n")
	stream := func(pad int, content []byte) []byte {
		var b bytes.Buffer
		b.Write([]byte{0x78, 0x01})
		for range pad { // empty stored blocks, not final
			b.Write([]byte{0x00, 0x00, 0x00, 0xff, 0xff})
		}
		n := len(content)
		b.Write([]byte{0x01, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)})
		b.Write(content)
		binary.Write(&b, binary.BigEndian, adler32.Checksum(content))
		return b.Bytes()
	}
	for _, tc := range []struct {
		name   string
		stream []byte
		size   int64
		err    string
	}{
		{"plain", stream(0, data), int64(len(data)), ""},
		{"padded", stream(200, data), int64(len(data)), ""},
		{"padded past a window", stream(300_000, data), int64(len(data)), ""},
		{"shorter than its header says", stream(200, data), int64(len(data)) + 1, "unexpected EOF"},
		{"longer than its header says", stream(200, data), int64(len(data)) - 1, "longer than its header says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The stream at offset 12, then 20 bytes of trailer, as in a pack.
			file := append(append(make([]byte, 12), tc.stream...), make([]byte, 20)...)
			for _, p := range packBothWays(t, file) {
				rd := getPackReader()
				rd.reset(p.pack, p.data, 12, p.size-20)
				got, err := p.inflate(rd, tc.size, 12)
				putPackReader(rd)
				switch {
				case tc.err == "" && err != nil:
					t.Fatal(err)
				case tc.err == "" && !bytes.Equal(got, data):
					t.Fatalf("inflated %q, want %q", got, data)
				case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
					t.Fatalf("mapped %t: err = %v, want one saying %q", p.data != nil, err, tc.err)
				}
			}
		})
	}
}

// The files a repository maps are counted: the pack's index, the pack
// itself (small), the commit-graph; unmapped, they are not.
func TestMappedBytes(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
echo a > f; git add f; git commit -q -m one
echo b > f; git commit -q -am two
git gc -q
git commit-graph write --reachable
`)
	size := func(glob string) int64 {
		t.Helper()
		names, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", glob))
		var n int64
		for _, name := range names {
			st, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			n += st.Size()
		}
		return n
	}
	want := size("pack/*.idx") + size("pack/*.pack") + size("info/commit-graph")
	before := MappedBytes()
	r := openRepo(t, dir)
	if _, err := r.loadGraph(); err != nil {
		t.Fatal(err)
	}
	if got := MappedBytes() - before; got != want {
		t.Errorf("%d bytes mapped while open, want %d (index, pack and commit-graph)", got, want)
	}
	// Unmapping counts once, however often it is asked.
	rs := r.r.Storer.(*refStorage)
	for range 2 {
		for _, p := range rs.packs.files {
			p.unmapPack()
			p.unmap()
		}
	}
	if got := MappedBytes() - before; got != size("info/commit-graph") {
		t.Errorf("%d bytes mapped after the packs were unmapped twice, want %d (the commit-graph)", got, size("info/commit-graph"))
	}
}

// A header read at an offset out of the pack (a corrupt index or delta)
// is an error, read through a mapping as through pread.
func TestPackOffsetOutOfRange(t *testing.T) {
	file := append([]byte("PACK\x00\x00\x00\x02\x00\x00\x00\x01"), make([]byte, 40)...)
	for _, p := range packBothWays(t, file) {
		for _, off := range []int64{-1, int64(len(file)) - 10, int64(len(file)), 1 << 40} {
			rd := getPackReader()
			if _, err := p.header(rd, off); err == nil {
				t.Errorf("mapped %t: a header at %d read without an error", p.data != nil, off)
			}
			putPackReader(rd)
		}
	}
}

// packBothWays writes file as a pack and returns it opened twice: read
// with pread, and read from memory as a mapped pack is.
func packBothWays(t *testing.T, file []byte) []*packFile {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.pack")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return []*packFile{
		{name: "x", pack: f, size: int64(len(file))},
		{name: "x", pack: f, size: int64(len(file)), data: file},
	}
}

// Packs are mapped while they fit in what is left of the budget.
func TestPackMapBudget(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, `
git init -q -b main
echo a > f; git add f; git commit -q -m one
git gc -q
`)
	names, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "pack-*.pack"))
	if len(names) != 1 {
		t.Fatalf("%d packs", len(names))
	}
	base := strings.TrimSuffix(names[0], ".pack")
	st, err := os.Stat(names[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		budget int64
		mapped bool
	}{{st.Size(), true}, {st.Size() - 1, false}} {
		budget := c.budget
		p, err := openPack(base, &budget)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.data != nil; got != c.mapped {
			t.Errorf("budget %d for a pack of %d: mapped %v, want %v", c.budget, st.Size(), got, c.mapped)
		}
		if c.mapped && budget != 0 {
			t.Errorf("budget left %d, want 0", budget)
		}
		p.close()
	}
}
