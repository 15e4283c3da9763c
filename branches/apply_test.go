package branches

import (
	"strings"
	"testing"
)

// FailingHunks names the hunks Applies refuses, one by one.
func TestFailingHunks(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	fp := DiffFiles("f", "f", old, strings.Replace(strings.Replace(old, "b\n", "B\n", 1), "l\n", "L\n", 1))
	if len(fp.Hunks) != 2 {
		t.Fatalf("want 2 hunks, have %d", len(fp.Hunks))
	}
	content := []byte(strings.Replace(old, "l\n", "x\n", 1))
	failing, missing := fp.FailingHunks(content)
	if ok, _ := fp.Applies(content); ok || len(failing) != 1 || failing[0] != 1 || strings.Join(missing, ",") != "l" {
		t.Errorf("FailingHunks = %v %q", failing, missing)
	}
	if failing, _ := fp.FailingHunks([]byte(old)); failing != nil {
		t.Errorf("FailingHunks(old) = %v, want none", failing)
	}
}
