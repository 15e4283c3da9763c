package tiered_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection enforces STYLE.md §1: which of our packages each
// package may import, and which may use cobra, go-git or print.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/tiered-release/tiered/"
	allowed := map[string][]string{
		"versioning":          {},
		"branches":            {"versioning", "internal/atomicfile"},
		"policies":            {"versioning", "branches"},
		"packaging":           {"versioning", "policies", "internal/atomicfile"},
		"internal/atomicfile": {},
		"internal/sample":     {},
		"internal/synth":      {},
		"bench/gen":           {"internal/sample", "internal/synth", "policies"},
		"cmd/tiered":          {"versioning", "branches", "policies", "packaging", "internal/sample", "internal/synth", "internal/atomicfile"},
	}
	forbidden := map[string][]string{
		"versioning": {"os", "io", "time", "github.com/go-git/go-git/v5", "github.com/spf13/cobra"},
		"branches":   {"github.com/spf13/cobra"},
		"policies":   {"github.com/go-git/go-git/v5", "github.com/spf13/cobra"},
		"packaging":  {"github.com/go-git/go-git/v5", "github.com/spf13/cobra"},
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		if pkg == fields[0] || pkg == "github.com/tiered-release/tiered" {
			continue
		}
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the import table of deps_test.go", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if ours, isOurs := strings.CutPrefix(imp, mod); isOurs {
				if !contains(ok, ours) {
					t.Errorf("%s imports %s: not allowed (STYLE.md §1)", pkg, ours)
				}
				continue
			}
			for _, f := range forbidden[pkg] {
				if imp == f || strings.HasPrefix(imp, f+"/") {
					t.Errorf("%s imports %s: forbidden (STYLE.md §1)", pkg, imp)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
