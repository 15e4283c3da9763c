package xdiff

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// unified returns the hunks of a and b as git prints them, headers
// without function names.
func unified(a, b string) string {
	x, y := Split(a), Split(b)
	var out strings.Builder
	for _, h := range Hunks(x, y, Diff(x, y), 3) {
		out.WriteString(h.String())
	}
	return out.String()
}

// gitDiff returns what `git diff --no-index` prints for a and b from the
// first hunk header on, function names cut from the headers. It skips the
// test without git.
func gitDiff(t testing.TB, a, b string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found: no cross-check")
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"a": a, "b": b} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("git", "-c", "diff.algorithm=myers", "-c", "diff.indentHeuristic=true",
		"diff", "--no-index", "--no-color", "--no-ext-diff", "-U3", "a", "b")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("git diff: %v", err)
	}
	i := bytes.Index(out, []byte("\n@@ "))
	if i < 0 {
		return ""
	}
	var b2 strings.Builder
	for _, l := range strings.SplitAfter(string(out[i+1:]), "\n") {
		if strings.HasPrefix(l, "@@ ") {
			if j := strings.Index(l[3:], " @@"); j >= 0 {
				l = l[:3+j+3] + "\n"
			}
		}
		b2.WriteString(l)
	}
	return b2.String()
}

// lines joins its arguments, each with a newline.
func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

var diffTests = []struct {
	name string
	a, b string
	want string
}{
	{"equal", lines("a", "b"), lines("a", "b"), ""},
	{"both empty", "", "", ""},
	{"empty old", "", lines("a", "b"), "@@ -0,0 +1,2 @@\n+a\n+b\n"},
	{"empty new", lines("a", "b"), "", "@@ -1,2 +0,0 @@\n-a\n-b\n"},
	{"one line", lines("a"), lines("b"), "@@ -1 +1 @@\n-a\n+b\n"},
	{"no final newline added", "a\nb", lines("a", "b"),
		"@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
	{"no final newline removed", lines("a", "b"), "a\nb",
		"@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n"},
	{"no final newline both", "a\nb", "a\nc",
		"@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
	{"context joins at 6", lines("1", "2", "3", "4", "5", "6", "7", "8", "9"), lines("1", "X", "3", "4", "5", "6", "7", "8", "Y"),
		"@@ -1,9 +1,9 @@\n 1\n-2\n+X\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+Y\n"},
	{"context splits at 7", lines("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), lines("1", "X", "3", "4", "5", "6", "7", "8", "9", "Y"),
		"@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+Y\n"},
	{"removals before additions", lines("a", "b", "c", "d"), lines("a", "x", "y", "d"),
		"@@ -1,4 +1,4 @@\n a\n-b\n-c\n+x\n+y\n d\n"},
	{"closing braces slide", lines("int f() {", "\treturn 1;", "}", "", "int h() {", "\treturn 3;", "}"),
		lines("int f() {", "\treturn 1;", "}", "", "int g() {", "\treturn 2;", "}", "", "int h() {", "\treturn 3;", "}"), ""},
	{"blank lines slide", lines("a", "", "b", "", "c"), lines("a", "", "b", "", "x", "", "c"), ""},
	{"indent heuristic", lines("if (a) {", "\tfoo();", "}", "if (b) {", "\tbar();", "}"),
		lines("if (a) {", "\tfoo();", "}", "if (c) {", "\tbaz();", "}", "if (b) {", "\tbar();", "}"), ""},
	{"indent heuristic nested", lines("def f():", "    if x:", "        a()", "", "    return 1"),
		lines("def f():", "    if x:", "        a()", "", "    if y:", "        b()", "", "    return 1"), ""},
	{"moved block", lines("a", "b", "c", "d", "e", "f", "g", "h"), lines("e", "f", "g", "a", "b", "c", "d", "h"), ""},
	{"repeated lines", lines("}", "}", "}", "x", "}", "}"), lines("}", "x", "}", "}", "}", "}"), ""},
	{"all lines differ", lines("a", "b", "c"), lines("x", "y", "z"), ""},
	{"only blank lines", lines("", "", ""), lines("", "", "", "", ""), ""},
	{"crlf", "a\r\nb\r\n", "a\r\nc\r\n", ""},
	{"deep indent", lines("x", deep+"a", deep+"b", "x", deep+"a", deep+"b", "y"),
		lines("x", deep+"a", deep+"b", "x", deep+"a", deep+"b", "x", deep+"a", deep+"b", "y"), ""},
	{"long blank runs", lines("a") + strings.Repeat("\n", 25) + lines("b", "a") + strings.Repeat("\n", 25) + lines("b"),
		lines("a") + strings.Repeat("\n", 25) + lines("b", "a") + strings.Repeat("\n", 25) + lines("b", "a") + strings.Repeat("\n", 25) + lines("b"), ""},
	{"whitespace only lines", lines("a", " \t", "b", " \t", "a"), lines("a", " \t", "b", " \t", "a", " \t", "b", " \t", "a"), ""},
}

var deep = strings.Repeat(" ", 230)

func TestDiff(t *testing.T) {
	for _, tt := range diffTests {
		t.Run(tt.name, func(t *testing.T) {
			got := unified(tt.a, tt.b)
			if tt.want != "" || tt.a == tt.b {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("unified(%q, %q) mismatch (-want +got):\n%s", tt.a, tt.b, d)
				}
			}
			want := gitDiff(t, tt.a, tt.b)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("unified(%q, %q) differs from git diff (-git +got):\n%s", tt.a, tt.b, d)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a\n"}},
		{"a\n\nb", []string{"a\n", "\n", "b"}},
	} {
		if got := Split(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
