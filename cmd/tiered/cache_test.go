package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The answer cache gives the stored answer for an unchanged repository
// and policy, and recomputes when a ref moves, the policy changes, or the
// stored entry is corrupt; it never gives an answer computed for other
// inputs.
func TestAnswerCache(t *testing.T) {
	dir := fixture(t, "fourtier.sh")
	g := &globalOpts{repo: dir}
	runs := 0
	query := func(inputs ...string) (string, error) {
		var out bytes.Buffer
		err := g.answer(&out, "test", inputs, func(s *session, w io.Writer) error {
			runs++
			st, err := s.status()
			if err != nil {
				return err
			}
			io.WriteString(w, st.Lines[len(st.Lines)-1].Tip)
			if len(inputs) > 0 && inputs[0] == "no" {
				return errNo
			}
			return nil
		})
		return out.String(), err
	}
	first, err := query()
	if err != nil || runs != 1 {
		t.Fatalf("first query: %q, %v, %d runs", first, err, runs)
	}
	if again, err := query(); err != nil || again != first || runs != 1 {
		t.Fatalf("repeated query: %q, %v, %d runs; want the stored answer", again, err, runs)
	}
	// "no" is stored as such.
	if _, err := query("no"); !errors.Is(err, errNo) || runs != 2 {
		t.Fatalf("a no: %v, %d runs", err, runs)
	}
	if _, err := query("no"); !errors.Is(err, errNo) || runs != 2 {
		t.Fatalf("a stored no: %v, %d runs", err, runs)
	}
	// A corrupt entry is recomputed and rewritten.
	entries, _ := filepath.Glob(filepath.Join(dir, ".git", "tiered", "answers", "*", "*"))
	if len(entries) != 2 {
		t.Fatalf("cache entries: %v", entries)
	}
	for _, e := range entries {
		data, _ := os.ReadFile(e)
		os.WriteFile(e, bytes.Replace(data, []byte("out"), []byte("OUT"), 1), 0o644)
	}
	if again, err := query(); err != nil || again != first || runs != 3 {
		t.Fatalf("after corruption: %q, %v, %d runs; want a recomputation", again, err, runs)
	}
	if _, err := query(); err != nil || runs != 3 {
		t.Fatalf("after the rewrite: %v, %d runs", err, runs)
	}
	// A new commit moves a ref: recomputed.
	cmd := exec.Command("git", "commit", "-q", "--allow-empty", "-m", "libfoo: more")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	if _, err := query(); err != nil || runs != 4 {
		t.Fatalf("after a commit: %v, %d runs; want a recomputation", err, runs)
	}
	// A policy change: recomputed.
	policy := filepath.Join(dir, "tiered.yaml")
	data, _ := os.ReadFile(policy)
	os.WriteFile(policy, append(data, []byte("fixes:\n  nominate: [\"Cc: stable@example.org\"]\n")...), 0o644)
	if _, err := query(); err != nil || runs != 5 {
		t.Fatalf("after a policy change: %v, %d runs; want a recomputation", err, runs)
	}
	// --no-cache computes every time.
	g.noCache = true
	query()
	query()
	if runs != 7 {
		t.Fatalf("with --no-cache: %d runs, want 7", runs)
	}
}
