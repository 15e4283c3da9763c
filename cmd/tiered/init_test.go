package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tiered-release/tiered/report"
)

// lineSummary is what a policy must read the same: every line and its
// latest release.
type lineSummary struct{ Name, Latest string }

func statusLines(t *testing.T, args ...string) []lineSummary {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append(args, "--no-cache", "status", "--json"), &out, &errb); code != 0 {
		t.Fatalf("tiered %v status: exit %d\n%s", args, code, errb.String())
	}
	var rep report.StatusReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var lines []lineSummary
	for _, l := range rep.Lines {
		lines = append(lines, lineSummary{l.Name, l.Latest})
	}
	return lines
}

// tiered init writes a policy that reads the repository as the
// hand-written one does: the same lines, the same latest releases. On
// the fixtures always; on a clone of the real libbpf when TIERED_LIBBPF
// names one.
func TestInitReadsLikeHandWritten(t *testing.T) {
	type repo struct{ name, dir, handWritten string }
	var repos []repo
	for _, f := range []string{"fourtier.sh", "libbpf.sh"} {
		dir := fixture(t, f)
		hand := filepath.Join(t.TempDir(), "hand.yaml")
		data, err := os.ReadFile(filepath.Join(dir, "tiered.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(hand, data, 0o644)
		os.Remove(filepath.Join(dir, "tiered.yaml"))
		repos = append(repos, repo{f, dir, hand})
	}
	if src := os.Getenv("TIERED_LIBBPF"); src != "" {
		dir := filepath.Join(t.TempDir(), "libbpf")
		if out, err := exec.Command("git", "clone", "-q", src, dir).CombinedOutput(); err != nil {
			t.Fatalf("git clone: %v\n%s", err, out)
		}
		hand, _ := filepath.Abs("../../policies/testdata/policy/libbpf.yaml")
		repos = append(repos, repo{"libbpf clone", dir, hand})
	} else {
		t.Log("TIERED_LIBBPF is not set: the real libbpf is not checked")
	}
	for _, r := range repos {
		t.Run(r.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"--repo", r.dir, "init"}, &out, &errb); code != 0 {
				t.Fatalf("init: exit %d\n%s", code, errb.String())
			}
			want := statusLines(t, "--repo", r.dir, "--config", r.handWritten)
			got := statusLines(t, "--repo", r.dir)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("lines read with the inferred policy (-hand-written +inferred):\n%s\ninferred:\n%s", d, out.String())
			}
			// A second init refuses to overwrite it.
			if code := run([]string{"--repo", r.dir, "init"}, &out, &errb); code != 2 {
				t.Errorf("second init: exit %d, want 2", code)
			}
		})
	}
}
