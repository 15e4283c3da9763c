package app

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The answer cache gives the stored answer for an unchanged repository
// and policy, and recomputes when a ref moves, the policy changes, or the
// stored entry is corrupt; it never gives an answer computed for other
// inputs.
func TestAnswerCache(t *testing.T) {
	dir := fixture(t, "fourtier.sh")
	o := Options{Repo: dir}
	runs := 0
	query := func(inputs ...string) (string, error) {
		var out bytes.Buffer
		err := Answer(o, &out, "test", inputs, func(s *Session, w io.Writer) error {
			runs++
			st, err := s.Status()
			if err != nil {
				return err
			}
			io.WriteString(w, st.Lines[len(st.Lines)-1].Tip)
			if len(inputs) > 0 && inputs[0] == "no" {
				return ErrNo
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
	if _, err := query("no"); !errors.Is(err, ErrNo) || runs != 2 {
		t.Fatalf("a no: %v, %d runs", err, runs)
	}
	if _, err := query("no"); !errors.Is(err, ErrNo) || runs != 2 {
		t.Fatalf("a stored no: %v, %d runs", err, runs)
	}
	// A corrupt entry is recomputed and rewritten.
	entries, _ := filepath.Glob(filepath.Join(dir, ".git", "tiered", "answers", "*", "*"))
	if len(entries) != 2 {
		t.Fatalf("cache entries: %v", entries)
	}
	for _, e := range entries {
		data, _ := os.ReadFile(e)
		data[len(data)-1] ^= 0xff // the answer's last byte
		os.WriteFile(e, data, 0o644)
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
	o.NoCache = true
	query()
	query()
	if runs != 7 {
		t.Fatalf("with --no-cache: %d runs, want 7", runs)
	}
}

// fixture builds a test history with a recipe of testdata/fixtures.
func fixture(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to build the fixture repository")
	}
	script, err := filepath.Abs("../../testdata/fixtures/" + name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return dir
}

// Rev, Line and TargetAndSource name what is wrong as bad usage.
func TestNames(t *testing.T) {
	s, st, err := OpenStatus(Options{Repo: fixture(t, "fourtier.sh")})
	if err != nil {
		t.Fatal(err)
	}
	var ue *UsageError
	if _, err := s.Rev("--at", "nope"); !errors.As(err, &ue) {
		t.Errorf("Rev(nope) = %v, want a UsageError", err)
	}
	if l, err := s.Line(st, ""); err != nil || l.Name != "trunk" {
		t.Errorf("Line(\"\") = %v, %v; want trunk", l, err)
	}
	if _, _, err := s.TargetAndSource(st, "--to", "1.4", "1.4"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "name the same line 1.4") {
		t.Errorf("TargetAndSource(1.4, 1.4) = %v", err)
	}
	if _, _, err := s.TargetAndSource(st, "--to", "", ""); !errors.As(err, &ue) {
		t.Errorf("TargetAndSource without a target = %v", err)
	}
	if _, err := s.KernelIndex(nil, nil); !errors.As(err, &ue) {
		t.Errorf("KernelIndex without BTF = %v, want a UsageError", err)
	}
	if got := s.Title(); got != "libfoo" {
		t.Errorf("Title() = %q", got)
	}
}
