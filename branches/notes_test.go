package branches

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Notes survive the run that wrote them, under their key and salt only,
// and are not kept without a cache.
func TestNotes(t *testing.T) {
	dir := fixture(t, "fourtier")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.SetNotesSalt("build-1")
	r.SetNote("k", "c1", []byte("one"))
	r.SetNote("k", "c2", []byte{})
	if err := r.SaveCache(); err != nil {
		t.Fatal(err)
	}
	open := func(salt string) *Repo {
		t.Helper()
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		r.SetNotesSalt(salt)
		return r
	}
	r2 := open("build-1")
	if d, ok := r2.Note("k", "c1"); !ok || string(d) != "one" {
		t.Errorf("Note(k, c1) = %q, %v after a new run", d, ok)
	}
	if d, ok := r2.Note("k", "c2"); !ok || len(d) != 0 {
		t.Errorf("Note(k, c2) = %q, %v: an empty note is a note", d, ok)
	}
	if _, ok := r2.Note("other", "c1"); ok {
		t.Errorf("a note under another key was read")
	}
	if _, ok := open("build-2").Note("k", "c1"); ok {
		t.Errorf("a note of another build was read")
	}
	r3 := open("build-1")
	r3.DisableCommitCache()
	if _, ok := r3.Note("k", "c1"); ok {
		t.Errorf("a note was read without a cache")
	}
	r4 := open("")
	r4.SetNote("k", "c3", []byte("x"))
	if _, ok := r4.Note("k", "c3"); ok {
		t.Errorf("a note was kept without a salt")
	}
}

// Each build writes its own notes files; only the newest few stay.
func TestNotesPruned(t *testing.T) {
	dir := fixture(t, "fourtier")
	old := time.Now().Add(-time.Hour)
	for i := range notesFilesKept + 3 {
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		r.SetNotesSalt(fmt.Sprintf("build-%d", i))
		r.SetNote("k", "c1", []byte("one"))
		if err := r.SaveCache(); err != nil {
			t.Fatal(err)
		}
		// Oldest first, a minute apart.
		for _, f := range r.notes.files {
			os.Chtimes(f.name, old.Add(time.Duration(i)*time.Minute), old.Add(time.Duration(i)*time.Minute))
		}
	}
	names, _ := filepath.Glob(filepath.Join(gitDir(t, dir), "tiered", "notes-*"))
	if len(names) != notesFilesKept {
		t.Fatalf("%d notes files kept, want %d", len(names), notesFilesKept)
	}
	for _, i := range []int{0, 1, 2} {
		r, _ := Open(dir)
		r.SetNotesSalt(fmt.Sprintf("build-%d", i))
		if _, ok := r.Note("k", "c1"); ok {
			t.Errorf("build-%d's notes, among the oldest, were kept", i)
		}
	}
	r, _ := Open(dir)
	r.SetNotesSalt(fmt.Sprintf("build-%d", notesFilesKept+2))
	if _, ok := r.Note("k", "c1"); !ok {
		t.Errorf("the newest build's notes were removed")
	}
}

// Notes read back as written; a cut body never decodes.
func TestNotesCodec(t *testing.T) {
	in := map[string][]byte{"c1": []byte("one"), "c2": {}, "c3": []byte(`{"Trailers":{}}`)}
	body := encodePairs(in)
	out, ok := decodePairs(body)
	if !ok || len(out) != len(in) {
		t.Fatalf("decodeNotes: %v, %d notes", ok, len(out))
	}
	for k, v := range in {
		if w, ok := out[k]; !ok || string(w) != string(v) {
			t.Errorf("note %s = %q, %v; want %q", k, w, ok, v)
		}
	}
	for n := range len(body) {
		if _, ok := decodePairs(body[:n]); ok {
			t.Fatalf("a body cut to %d of %d bytes decoded", n, len(body))
		}
	}
}
