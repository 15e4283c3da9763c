package sample

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// RunDemo builds the demo repository in a temporary directory and runs
// the pipeline on it with run (tiered's command line, args as typed after
// "tiered"), printing what to look for and each command as a release
// manager types it, then packages the demo's release when a C compiler
// can build it. It removes the directory unless keep, and sets git's
// committer identity and date for the cut when the environment does not.
func RunDemo(w io.Writer, keep bool, run func(args []string, w io.Writer) int) (err error) {
	dir, err := os.MkdirTemp("", "tiered-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if keep {
			fmt.Fprintf(w, "\nThe sample repository is kept in %s: try tiered --repo %s status.\n", dir, dir)
			return
		}
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = rerr
		} else if rerr == nil {
			fmt.Fprintf(w, "\nThe sample repository in %s is removed; tiered demo --keep keeps it, packages included.\n", dir)
		}
	}()
	st, err := Demo(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "A sample repository of libfoo, a BPF library: four-tier versions, kernel BTF in kernels/.\n")
	// cut signs its tag as git would; the demo has an identity and a date
	// of its own, so that its tag, like its history, is the same every run.
	for k, v := range map[string]string{"GIT_COMMITTER_NAME": "libfoo release manager", "GIT_COMMITTER_EMAIL": "releases@libfoo.example", "GIT_COMMITTER_DATE": "2024-06-01T00:00:00Z"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	for _, s := range st.Steps {
		fmt.Fprintf(w, "\n# %s\n$ tiered %s\n", s.Say, strings.Join(s.Args, " "))
		if code := run(append([]string{"--repo", dir, "--no-cache"}, s.Args...), w); code > 1 {
			return fmt.Errorf("demo step %q failed with exit code %d", strings.Join(s.Args, " "), code)
		}
	}
	// What a distribution gets: make install, then tiered package.
	root := filepath.Join(dir, "build", "root")
	fmt.Fprintf(w, "\n# What a distribution gets: deb and rpm packages of 1.5.0.0.\n$ make install DESTDIR=build/root   # the demo compiles libfoo.so.1.5.0.0 with cc\n")
	if err := InstallTree(dir, root, "1.5.0.0"); err != nil {
		fmt.Fprintf(w, "skipped: %v\n", err)
		return nil
	}
	fmt.Fprintf(w, "$ tiered package --release v1.5.0.0 --root build/root --out dist\n")
	out := filepath.Join(dir, "dist")
	if code := run([]string{"--repo", dir, "package", "--release", "v1.5.0.0", "--root", root, "--out", out}, w); code != 0 {
		return fmt.Errorf("demo step package failed with exit code %d", code)
	}
	return nil
}
