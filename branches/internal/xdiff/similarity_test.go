package xdiff

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// similarityIndex is the percentage git prints for a rename of src to dst
// (sizes permitting).
func similarityIndex(src, dst []byte) int {
	if len(dst) == 0 {
		return 0
	}
	c := Copied(CountSpans(src, !IsBinary(src)), CountSpans(dst, !IsBinary(dst)))
	return int(c*MaxScore/uint64(max(len(src), len(dst)))) * 100 / MaxScore
}

func TestCopied(t *testing.T) {
	text := []byte(strings.Repeat("some line of text\n", 20))
	sp := CountSpans(text, true)
	if got := Copied(sp, sp); got != uint64(len(text)) {
		t.Errorf("Copied(text, text) = %d, want %d", got, len(text))
	}
	crlf := bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
	if got := Copied(sp, CountSpans(crlf, true)); got != uint64(len(text)) {
		t.Errorf("Copied(text, text with CRLF) = %d, want %d: a text's CRs before LFs do not count", got, len(text))
	}
	if got := Copied(sp, CountSpans(crlf, false)); got != 0 {
		t.Errorf("Copied(text, binary with CRLF) = %d, want 0", got)
	}
	if got := Copied(sp, CountSpans([]byte("no newline"), true)); got != 0 {
		t.Errorf("Copied(text, short unterminated) = %d, want 0: git leaves out a last short span", got)
	}
}

// renameCases are pairs of contents whose similarity git computes in
// TestSimilarityAgainstGit.
func renameCases() [][2][]byte {
	base := make([]string, 60)
	for i := range base {
		base[i] = fmt.Sprintf("line %d: %s", i, strings.Repeat("x", i%90))
	}
	text := []byte(strings.Join(base, "\n") + "\n")
	edit := func(every int) []byte {
		ls := append([]string(nil), base...)
		for i := 0; i < len(ls); i += every {
			ls[i] = "changed " + ls[i]
		}
		return []byte(strings.Join(ls, "\n") + "\n")
	}
	bin := append([]byte("\x00\x01binary"), text...)
	return [][2][]byte{
		{text, edit(10)},
		{text, edit(3)},
		{text, edit(2)},
		{text, bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))},
		{text, bytes.TrimSuffix(text, []byte("\n"))},
		{text, append(append([]byte(nil), text...), text[:len(text)/3]...)},
		{bin, append(append([]byte(nil), bin...), "more\n"...)},
	}
}

func TestSimilarityAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found: no cross-check")
	}
	dir := t.TempDir()
	env := append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	run("", "init", "-q")
	for i, c := range renameCases() {
		var ids [2]string
		for k := range c {
			f := fmt.Sprintf("%s/blob%d", dir, k)
			if err := os.WriteFile(f, c[k], 0o644); err != nil {
				t.Fatal(err)
			}
			ids[k] = run("", "hash-object", "-w", f)
		}
		old := run("100644 blob "+ids[0]+"\ta.c\n", "mktree")
		new := run("100644 blob "+ids[1]+"\tb.c\n", "mktree")
		raw := run("", "diff-tree", "-r", "-M", "--raw", old, new)
		git := 0
		if f := strings.Fields(raw); len(f) >= 5 && strings.HasPrefix(f[4], "R") {
			git, _ = strconv.Atoi(f[4][1:])
		}
		got := similarityIndex(c[0], c[1])
		if got < 50 {
			got = 0 // git shows no rename under 50%
		}
		t.Logf("case %d: %d%%", i, git)
		if got != git {
			t.Errorf("case %d: similarity %d%%, git says %d%% (%s)", i, got, git, raw)
		}
	}
}
