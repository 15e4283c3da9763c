package tiered_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tiered-release/tiered"

// goPackage is what `go list -deps -json` says of one package.
type goPackage struct {
	ImportPath string
	Standard   bool
	Module     *struct{ Path string }
	Deps       []string
	Imports    []string
}

// listPackages runs `go list -deps -json ./...`. It fails the test, never
// skips it, when go list fails: a dependency rule that cannot be checked
// is not kept.
func listPackages(t *testing.T) map[string]*goPackage {
	t.Helper()
	touchSources(t)
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps: %v\n%s", err, stderr)
	}
	pkgs := map[string]*goPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		p := &goPackage{}
		if err := dec.Decode(p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// TestImportDirection enforces STYLE.md §1 and DESIGN §7 on the
// transitive dependencies (`go list -deps`), not just direct imports:
// which of our packages each package may reach, and which third-party
// modules it must never reach.
func TestImportDirection(t *testing.T) {
	pkgs := listPackages(t)
	// Our packages each package may reach, transitively.
	allowed := map[string][]string{
		"versioning":              {},
		"branches":                {"versioning", "internal/atomicfile", "branches/internal/xdiff"},
		"branches/internal/xdiff": {},
		"kernel":                  {"versioning", "kernel/image"},
		"kernel/image":            {},
		"abi":                     {},
		"policies":                {"versioning", "branches", "branches/internal/xdiff", "kernel", "kernel/image", "abi", "internal/atomicfile", "internal/spdx"},
		"packaging":               {"versioning", "abi", "internal/atomicfile", "internal/spdx"},
		"report":                  {"versioning", "branches", "branches/internal/xdiff", "kernel", "kernel/image", "abi", "policies", "internal/atomicfile", "internal/spdx"},
		"internal/atomicfile":     {},
		"internal/spdx":           {},
		"internal/pkgcheck":       {},
		"internal/answers":        {"internal/atomicfile"},
		"internal/app":            {"versioning", "branches", "branches/internal/xdiff", "kernel", "kernel/image", "abi", "policies", "internal/atomicfile", "internal/answers", "internal/spdx"},
		"internal/buildinfo":      {},
		"internal/progress":       {},
		"internal/sample":         {},
		"internal/synth":          {},
		"bench/gen":               {"internal/sample", "internal/synth", "kernel", "kernel/image", "versioning"},
		"cmd/tiered":              nil, // everything
	}
	// Third-party modules each package must never reach.
	const (
		gogit = "github.com/go-git/go-git/v5"
		nfpm  = "github.com/goreleaser/nfpm/v2"
		cobra = "github.com/spf13/cobra"
	)
	forbidden := map[string][]string{
		"branches":     {nfpm, cobra, "github.com/cilium/ebpf"},
		"kernel":       {gogit, nfpm, cobra},
		"kernel/image": {gogit, nfpm, cobra},
		"abi":          {gogit, nfpm, cobra, "github.com/cilium/ebpf"},
		"policies":     {nfpm, cobra},
		"packaging":    {gogit, cobra, "github.com/cilium/ebpf"},
		"report":       {nfpm, cobra},
		"internal/app": {nfpm, cobra},
	}
	// Modules whose own dependencies are theirs, not ours: nfpm renders
	// changelogs with goreleaser/chglog, which imports go-git to read
	// changelogs from git, a path packaging never takes. A forbidden
	// module reached only through one of these is allowed; reached any
	// other way it is not.
	through := map[string][]string{
		"packaging": {"github.com/goreleaser/chglog"},
	}
	// versioning reaches the standard library and semver, nothing else.
	onlyModules := map[string][]string{
		"versioning":              {"github.com/Masterminds/semver/v3"},
		"branches/internal/xdiff": {},
	}
	var checked int
	for path, p := range pkgs {
		pkg, ours := strings.CutPrefix(path, module+"/")
		if !ours {
			continue
		}
		checked++
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the import table of deps_test.go", pkg)
			continue
		}
		deps := p.Deps
		if skip := through[pkg]; skip != nil {
			deps = reach(pkgs, path, skip)
		}
		for _, dep := range deps {
			d := pkgs[dep]
			if ours, isOurs := strings.CutPrefix(dep, module+"/"); isOurs {
				if ok != nil && !slices.Contains(ok, ours) {
					t.Errorf("%s reaches %s: not allowed (STYLE.md §1)", pkg, ours)
				}
				continue
			}
			for _, f := range forbidden[pkg] {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s reaches %s: forbidden (STYLE.md §1)", pkg, dep)
				}
			}
			if mods, only := onlyModules[pkg]; only && d != nil && !d.Standard {
				if d.Module == nil || !slices.Contains(mods, d.Module.Path) {
					t.Errorf("%s reaches %s: it may reach only the standard library and %v", pkg, dep, mods)
				}
			}
		}
	}
	if checked < 8 {
		t.Fatalf("go list found %d of our packages; want the whole module", checked)
	}
}

// TestNoCLIBelowCmd: only cmd/tiered imports cobra, reads os.Args or exits
// the process (STYLE.md §1).
func TestNoCLIBelowCmd(t *testing.T) {
	pkgs := listPackages(t)
	for path, p := range pkgs {
		pkg, ours := strings.CutPrefix(path, module+"/")
		if !ours || pkg == "cmd/tiered" || pkg == "bench/gen" {
			continue
		}
		if slices.Contains(p.Imports, "github.com/spf13/cobra") {
			t.Errorf("%s imports cobra: only cmd/tiered may", pkg)
		}
	}
}

// reach lists the packages reachable from root by imports, not walking
// into the packages of the skip prefixes.
func reach(pkgs map[string]*goPackage, root string, skip []string) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(string)
	walk = func(path string) {
		p := pkgs[path]
		if p == nil {
			return
		}
		for _, imp := range p.Imports {
			if seen[imp] || slices.ContainsFunc(skip, func(s string) bool { return imp == s || strings.HasPrefix(imp, s+"/") }) {
				continue
			}
			seen[imp] = true
			out = append(out, imp)
			walk(imp)
		}
	}
	walk(root)
	return out
}

// touchSources reads every Go file and go.mod of the module, so that go
// test's cache, which knows the files a test opens, reruns this test when
// any of them changes: go list, which it runs, is invisible to the cache.
func touchSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".go") || path == "go.mod") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
