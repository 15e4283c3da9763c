package branches

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The commit cache returns what decoding returns, survives a corrupt
// file by rebuilding it, and is neither read nor written when disabled.
func TestCommitCache(t *testing.T) {
	dir := fixture(t, "fourtier")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.Resolve("HEAD")
	all, err := r.BetweenHashes(nil, head)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Commit{}
	wantPaths := map[string][]string{}
	for _, h := range all {
		if want[h], err = r.Commit(h); err != nil {
			t.Fatal(err)
		}
		if wantPaths[h], err = r.ChangedPaths(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(r.CacheDir(), "commits")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no cache file: %v", err)
	}

	check := func(name string) {
		t.Helper()
		r2, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range all {
			c, err := r2.Commit(h)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want[h].Hash, c.Hash); d != "" || c.Subject != want[h].Subject || !c.When.Equal(want[h].When) || c.Message != want[h].Message {
				t.Errorf("%s: Commit(%s) = %+v, want %+v", name, h, c, want[h])
			}
			p, err := r2.ChangedPaths(h)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(wantPaths[h], p); d != "" {
				t.Errorf("%s: ChangedPaths(%s) mismatch (-want +got):\n%s", name, h, d)
			}
		}
		if err := r2.SaveCache(); err != nil {
			t.Fatal(err)
		}
	}
	check("from the cache")
	// Corrupt it: the entries are read from the objects again, and the
	// file is rewritten whole.
	data, _ := os.ReadFile(file)
	data[len(data)-5] ^= 0xff
	os.WriteFile(file, data, 0o644)
	check("after corruption")
	if fixed, _ := os.ReadFile(file); string(fixed) == string(data) {
		t.Error("the corrupt cache file was not rewritten")
	}
	check("after the rewrite")

	os.Remove(file)
	r3, _ := Open(dir)
	r3.DisableCommitCache()
	r3.Commit(head)
	r3.SaveCache()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a disabled cache wrote %s", file)
	}
}

// Patches kept on disk read back as computed, with their patch-ids, and
// are read, not diffed, by the next run; a damaged record, or a patches
// file cut short, is diffed again; with the cache off nothing is written.
func TestPatchCache(t *testing.T) {
	dir := fixture(t, "libbpf")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.Resolve("HEAD")
	all, err := r.BetweenHashes(nil, head)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Patch{}
	for _, h := range all {
		p, err := r.Patch(h)
		if err != nil {
			t.Fatal(err)
		}
		want[h] = p
		p.ID() // computed after the patch was written: saved all the same
	}
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	patches := filepath.Join(r.CacheDir(), "patches")
	check := func(name string, fromDisk bool) {
		t.Helper()
		r2, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		read := 0
		for _, h := range all {
			if e, ok := r2.cache().entry(h); ok {
				if _, ok := r2.cache().readPatch(h, e); ok {
					read++
				}
				if fromDisk && e.PatchID != want[h].ID() {
					t.Errorf("%s: the cache keeps patch-id %q for %s, want %s", name, e.PatchID, h, want[h].ID())
				}
			}
			p, err := r2.Patch(h)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want[h].Files, p.Files); d != "" || p.ID() != want[h].ID() || p.Commit != h {
				t.Errorf("%s: Patch(%s) mismatch (-want +got):\n%s", name, h, d)
			}
			if id, err := r2.PatchID(h); err != nil || id != want[h].ID() {
				t.Errorf("%s: PatchID(%s) = %s, %v; want %s", name, h, id, err, want[h].ID())
			}
		}
		if fromDisk && read != len(all) {
			t.Errorf("%s: %d of %d patches read from disk", name, read, len(all))
		}
		if err := r2.SaveCache(); err != nil {
			t.Fatal(err)
		}
	}
	check("from disk", true)

	data, _ := os.ReadFile(patches)
	for i := 0; i < len(data); i += 97 {
		data[i] ^= 0x55
	}
	os.WriteFile(patches, data, 0o644)
	check("damaged records", false)
	check("rewritten records", true)
	os.Truncate(patches, 100)
	check("cut short", false)

	os.RemoveAll(r.CacheDir())
	r3, _ := Open(dir)
	r3.DisableCommitCache()
	r3.Patch(head)
	r3.SaveCache()
	if _, err := os.Stat(patches); !os.IsNotExist(err) {
		t.Errorf("a disabled cache wrote %s", patches)
	}
}

// The patches kept in memory stay within their budget, the most recent
// kept, and a patch over patchKeepMax is never kept.
func TestPatchMemoryBound(t *testing.T) {
	var m patchMemory
	line := "+" + strings.Repeat("x", 1<<10)
	patch := func(lines int) *Patch {
		h := Hunk{OldStart: 1, Lines: make([]string, lines)}
		for i := range h.Lines {
			h.Lines[i] = line
		}
		return &Patch{Files: []FilePatch{{NewPath: "f", Hunks: []Hunk{h}}}}
	}
	n := 2 * patchMemoryBytes / (patchKeepMax / 2)
	for i := range n {
		m.put(strconv.Itoa(i), patch(patchKeepMax/2/1050)) // about half the cap each
	}
	if m.bytes > patchMemoryBytes {
		t.Errorf("%d bytes kept, budget %d", m.bytes, patchMemoryBytes)
	}
	if _, ok := m.get(strconv.Itoa(n - 1)); !ok {
		t.Error("the most recent patch was dropped")
	}
	if _, ok := m.get("0"); ok {
		t.Error("the oldest patch was kept")
	}
	m.put("huge", patch(patchKeepMax/1000))
	if _, ok := m.get("huge"); ok {
		t.Error("a patch over an eighth of the budget was kept")
	}
}

// A run that adds a few entries appends them to the log beside the
// snapshot instead of rewriting it; the next run reads both; a damaged
// record is skipped, and many new entries rewrite the snapshot.
func TestCommitCacheLog(t *testing.T) {
	dir := fixture(t, "libbpf")
	r, _ := Open(dir)
	head, _ := r.Resolve("HEAD")
	all, _ := r.BetweenHashes(nil, head)
	for _, h := range all {
		r.Commit(h)
	}
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(r.CacheDir(), "commits")
	snapshot, _ := os.ReadFile(file)

	script(t, dir, "git commit -q --allow-empty -m one && git commit -q --allow-empty -m two")
	r2, _ := Open(dir)
	head2, _ := r2.Resolve("HEAD")
	r2.Commit(head2)
	r2.ChangedPaths(head2)
	if err := r2.SaveCache(); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(file); string(now) != string(snapshot) {
		t.Error("one new entry rewrote the snapshot")
	}
	if _, err := os.Stat(file + ".log"); err != nil {
		t.Fatalf("no log: %v", err)
	}
	r3, _ := Open(dir)
	if e, ok := r3.cache().entry(head2); !ok || e.Commit.Subject != "two" || !e.HasPaths {
		t.Errorf("entry from the log: %+v, %v", e, ok)
	}
	if len(r3.cache().entries) != len(all)+1 {
		t.Errorf("%d entries, want %d", len(r3.cache().entries), len(all)+1)
	}

	log, _ := os.ReadFile(file + ".log")
	log[len(log)-3] ^= 0xff
	os.WriteFile(file+".log", log, 0o644)
	r4, _ := Open(dir)
	if _, ok := r4.cache().entry(head2); ok {
		t.Error("a damaged log record was read")
	}
	for _, h := range all {
		r4.ChangedPaths(h) // completes every entry: more than a quarter new
	}
	r4.SaveCache()
	if now, _ := os.ReadFile(file); string(now) == string(snapshot) {
		t.Error("many new entries did not rewrite the snapshot")
	}
	if _, err := os.Stat(file + ".log"); !os.IsNotExist(err) {
		t.Errorf("the log outlived the snapshot rewrite: %v", err)
	}
}
