package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tiered-release/tiered/internal/sample"
)

var update = flag.Bool("update", false, "rewrite the cmp files of testscripts")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tiered": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	fixtures, err := filepath.Abs("../../testdata/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, ".home")
			e.Vars = append(e.Vars,
				"FIXTURES="+fixtures,
				"HOME="+home,
				"GIT_CONFIG_NOSYSTEM=1",
				"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.org",
				"GIT_COMMITTER_NAME=Test Author", "GIT_COMMITTER_EMAIL=author@example.org",
				"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
			)
			// Real kernels for the scripts that need them (see .ci/kernels.sh).
			if dir := os.Getenv("TIERED_KERNELS"); dir != "" {
				e.Vars = append(e.Vars, "TIERED_KERNELS="+dir)
			}
			return os.MkdirAll(home, 0o755)
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "kernels": // [kernels]: real kernels in $TIERED_KERNELS
				return os.Getenv("TIERED_KERNELS") != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// mkbtf OUT DESC: write raw kernel BTF built from the
			// declarations in file DESC (see sample.KernelBTF).
			"mkbtf": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: mkbtf OUT DESC")
				}
				raw, err := sample.KernelBTF(ts.ReadFile(args[1]))
				ts.Check(err)
				ts.Check(os.MkdirAll(filepath.Dir(ts.MkAbs(args[0])), 0o755))
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), raw, 0o644))
			},
			// exits N cmd args…: run cmd and check that it exits with code N.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits N cmd args...")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}
