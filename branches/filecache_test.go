package branches

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Small files read at a commit are kept across runs and read back from
// the cache (a forged entry shows through); missing files and files over
// the size bound are not kept; a corrupt cache is ignored; --no-cache
// keeps nothing.
func TestFileCache(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", fileCacheItem+1)
	script(t, dir, `
git init -q -b main
printf 'one\n' > small; printf '%s' "`+big+`" > big; git add small big; git commit -q -m one
`)
	head, _ := gitOut(t, dir, "rev-parse", "HEAD")
	read := func(r *Repo, path string) string {
		t.Helper()
		data, err := r.ReadFile(head, path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	store := filepath.Join(gitDir(t, dir), "tiered", "files")

	r := openRepo(t, dir)
	r.DisableCommitCache()
	read(r, "small")
	r.SaveCache()
	if _, err := os.Stat(store); err == nil {
		t.Fatal("--no-cache wrote a file cache")
	}

	r = openRepo(t, dir)
	if got := read(r, "small"); got != "one\n" {
		t.Fatalf("small = %q", got)
	}
	if got := read(r, "big"); got != big {
		t.Fatalf("big: %d bytes", len(got))
	}
	if _, err := r.ReadFile(head, "absent"); !errors.Is(err, ErrNoFile) {
		t.Fatalf("absent: %v", err)
	}
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	r = openRepo(t, dir)
	fc := r.fileStore()
	root, _ := r.rootTree(head)
	if _, ok := fc.get(root, "small"); !ok {
		t.Fatal("small was not kept")
	}
	if _, ok := fc.get(root, "big"); ok {
		t.Error("a file over the bound was kept")
	}
	// A forged entry is what the next run reads: the cache is used.
	fc.m[fileKey(root, "small")] = []byte("forged\n")
	fc.changed = true
	r.SaveCache()
	if got := read(openRepo(t, dir), "small"); got != "forged\n" {
		t.Errorf("small = %q from a cache holding a forged entry", got)
	}
	// The caller may change what it got.
	r = openRepo(t, dir)
	data, _ := r.ReadFile(head, "small")
	data[0] = 'X'
	if got := read(r, "small"); got != "forged\n" {
		t.Errorf("a caller's change reached the cache: %q", got)
	}
	// Past the bound, only what a run read stays.
	r = openRepo(t, dir)
	fc = r.fileStore()
	fc.m["stale"] = []byte(strings.Repeat("s", fileCacheBytes))
	fc.bytes += len("stale") + fileCacheBytes
	read(r, "small")
	r.ReadFile(head, "absent")
	fc.changed = true
	r.SaveCache()
	fc = openRepo(t, dir).fileStore()
	if _, ok := fc.m["stale"]; ok {
		t.Error("an entry no run read survived the cache's bound")
	}
	if _, ok := fc.get(root, "small"); !ok {
		t.Error("the entry this run read was dropped")
	}
	// Nothing is added past twice the bound.
	r = openRepo(t, dir)
	fc = r.fileStore()
	fc.bytes = 2 * fileCacheBytes
	delete(fc.m, fileKey(root, "small"))
	read(r, "small")
	if _, ok := fc.get(root, "small"); ok {
		t.Error("a file was added to a cache twice its bound")
	}
	// A corrupt cache is ignored.
	raw, _ := os.ReadFile(store)
	raw[len(raw)-1] ^= 0xff
	os.WriteFile(store, raw, 0o644)
	if got := read(openRepo(t, dir), "small"); got != "one\n" {
		t.Errorf("small = %q from a corrupt cache", got)
	}
}
