package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tiered-release/tiered/internal/sample"
)

// runDemo builds the sample repository in a temporary directory and runs
// the pipeline on it, printing each command as a release manager types it.
func runDemo(w io.Writer) error {
	dir, err := os.MkdirTemp("", "tiered-demo-")
	if err != nil {
		return err
	}
	st, err := sample.Demo(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Sample repository of libfoo in %s (kept for you to explore).\n", dir)
	// cut signs its tag as git would; the demo has an identity and a date
	// of its own, so that its tag, like its history, is the same every run.
	for k, v := range map[string]string{"GIT_COMMITTER_NAME": "libfoo release manager", "GIT_COMMITTER_EMAIL": "releases@libfoo.example", "GIT_COMMITTER_DATE": "2024-06-01T00:00:00Z"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	steps := [][]string{
		{"status"},
		{"next"},
		{"next", "--line", "1.4"},
		{"next", "--line", "1.3"},
		{"next", "--line", "release/v1.3.1"},
		{"backport", "plan", "--to", "1.3"},
		{"backport", "check", st.Lookup, "--to", "release/v1.3.1"},
		{"features", "check", "v1.3.1.0"},
		{"features", "check", "v1.4.0.0"},
		{"cut", "--line", "1.4", "--dry-run"},
		{"cut", "--kernel", "6.10"},
		{"status"},
	}
	for _, args := range steps {
		fmt.Fprintf(w, "\n$ tiered %s\n", strings.Join(args, " "))
		code := run(append([]string{"--repo", dir}, args...), w, w)
		if code > 1 {
			return fmt.Errorf("demo step %q failed with exit code %d", strings.Join(args, " "), code)
		}
	}
	// What a distribution gets: make install, then tiered package.
	root := filepath.Join(dir, "build", "root")
	fmt.Fprintf(w, "\n$ make install DESTDIR=build/root   # the demo compiles libfoo.so.1.5.0.0 with cc\n")
	if err := sample.InstallTree(dir, root, "1.5.0.0"); err != nil {
		fmt.Fprintf(w, "skipped: %v\n", err)
		return nil
	}
	args := []string{"package", "--release", "v1.5.0.0", "--root", root, "--out", filepath.Join(dir, "dist")}
	fmt.Fprintf(w, "\n$ tiered package --release v1.5.0.0 --root build/root --out dist\n")
	if code := run(append([]string{"--repo", dir}, args...), w, w); code != 0 {
		return fmt.Errorf("demo step package failed with exit code %d", code)
	}
	return nil
}
