package sample

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestDemoIsReproducible(t *testing.T) {
	a, err := Demo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Demo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b.Dir, b.Kernels = a.Dir, a.Kernels
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two builds differ: %+v vs %+v", a, b)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required to check the repository with git fsck")
	}
	out, err := exec.Command("git", "-C", a.Dir, "fsck", "--strict").CombinedOutput()
	if err != nil {
		t.Fatalf("git fsck: %v\n%s", err, out)
	}
	log, _ := exec.Command("git", "-C", a.Dir, "log", "-1", "--format=%B", "release/v1.3").Output()
	if !strings.Contains(string(log), "(cherry picked from commit "+a.OpenFix+")") {
		t.Errorf("release/v1.3 tip is not the -x cherry-pick of %s:\n%s", a.OpenFix, log)
	}
	status, _ := exec.Command("git", "-C", a.Dir, "status", "--porcelain").Output()
	if len(status) != 0 {
		t.Errorf("work tree is not clean after checkout:\n%s", status)
	}
}
