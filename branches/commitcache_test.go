package branches

import (
	"os"
	"path/filepath"
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
