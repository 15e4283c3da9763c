package policies

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tiered-release/tiered/branches"
)

// TestSymbolIndexMatchesTreeDiff checks that the facts read with the
// symbol map's history walked once equal the facts read by diffing each
// commit's tree, on a real repository whose map is added, changed,
// touched without change, deleted, restored and merged.
func TestSymbolIndexMatchesTreeDiff(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot build the fixture repository")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
			"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(msg string) {
		t.Helper()
		git("add", "-A")
		git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", msg)
	}
	v1 := "LIBFOO_1.0.0 {\n\tglobal:\n\t\tfoo_open;\n\tlocal: *;\n};\n"
	v2 := v1 + "LIBFOO_1.1.0 {\n\tglobal:\n\t\tfoo_read;\n} LIBFOO_1.0.0;\n"
	git("init", "-q", "-b", "main")
	write("README", "x\n")
	commit("start")
	base := git("rev-parse", "HEAD")
	write("src/libfoo.map", v1)
	commit("add the map")
	write("src/foo.c", "int x;\n")
	commit("touch another file")
	write("src/libfoo.map", v2)
	commit("add foo_read")
	git("checkout", "-q", "-b", "side", "HEAD~1")
	write("src/libfoo.map", v1+"/* side */\n")
	commit("side: comment")
	git("checkout", "-q", "main")
	git("-c", "user.name=T", "-c", "user.email=t@example.org", "merge", "-q", "--no-edit", "-X", "ours", "side")
	write("src/libfoo.map", v2)
	commit("map as on main")
	os.Remove(filepath.Join(dir, "src/libfoo.map"))
	commit("delete the map")
	write("src/libfoo.map", v1)
	commit("restore an older map")
	write("src/libfoo.map", v1)
	commit("empty change")
	tip := git("rev-parse", "HEAD")

	r, err := branches.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{}
	p.ABI.SymbolMap = "src/libfoo.map"
	commits, err := r.Between([]string{base}, tip)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := indexSymbols(r, p, []string{base}, tip, commits)
	if err != nil {
		t.Fatal(err)
	}
	if idx == nil {
		t.Fatal("a branches.Repo walks a path's history: want an index")
	}
	changed := 0
	for _, c := range commits {
		if _, ok := idx.lookup(c.Hash); !ok {
			t.Errorf("%s %q: not covered by the index of its own range", branches.Short(c.Hash), c.Subject)
		}
		want, err := ReadFacts(r, p, c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readFacts(r, p, c, idx)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.ABI, got.ABI); d != "" {
			t.Errorf("%s %q: ABI facts differ (-tree diff +index):\n%s", branches.Short(c.Hash), c.Subject, d)
		}
		if len(want.ABI.Added)+len(want.ABI.Removed)+len(want.ABI.Moved) > 0 {
			changed++
		}
	}
	if changed < 4 {
		t.Errorf("only %d commits changed the ABI: the fixture no longer exercises the index", changed)
	}
	if _, ok := idx.lookup(base); ok {
		t.Errorf("the index covers %s, outside its range", branches.Short(base))
	}
}
