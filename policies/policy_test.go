package policies

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// render writes the effective policy, one key a line, for golden files.
func render(p *Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scheme: %s\ntrunk: %s\ntags: %s\n", p.Scheme, p.Trunk, p.Tags)
	fmt.Fprintf(&b, "branches.abi: %s\nbranches.kernel: %s\nbranches.stable: %s\n", p.Branches.ABI, p.Branches.Kernel, p.Branches.Stable)
	var lines []string
	for l := range p.Kernels {
		lines = append(lines, l)
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Fprintf(&b, "kernels.%s: %s\n", l, p.Kernels[l])
	}
	fmt.Fprintf(&b, "abi.library: %s\nabi.symbol_map: %s\n", p.ABI.Library, p.ABI.SymbolMap)
	fmt.Fprintf(&b, "uapi.headers: %s\n", strings.Join(p.UAPI.Headers, ", "))
	fmt.Fprintf(&b, "features.manifest: %s\nfeatures.btf: %s\n", p.Features.Manifest, p.Features.BTF)
	fmt.Fprintf(&b, "fixes.nominate: %s\n", strings.Join(p.Fixes.Nominate, ", "))
	for _, e := range p.Fixes.Evidence {
		fmt.Fprintf(&b, "fixes.evidence: %s\n", e.Source)
	}
	fmt.Fprintf(&b, "backport.upstream_first: %t\nbackport.similarity: %g\n", p.Backport.UpstreamFirst, p.Backport.Similarity)
	for _, pk := range p.Packages {
		fmt.Fprintf(&b, "package: %s %s %v %v %q\n", pk.Name, pk.Kind, pk.Files, pk.Depends, pk.Description)
	}
	if c := p.Packaging; c.Epoch != 0 || c.License != "" || len(c.Copyright) > 0 || c.Homepage != "" || c.Summary != "" || c.Description != "" || c.Static || len(c.DebPackages) > 0 {
		fmt.Fprintf(&b, "packaging.epoch: %d\npackaging.license: %s\npackaging.copyright: %q\n", c.Epoch, c.License, c.Copyright)
		fmt.Fprintf(&b, "packaging.homepage: %s\npackaging.summary: %s\npackaging.description: %q\n", c.Homepage, c.Summary, c.Description)
		fmt.Fprintf(&b, "packaging.static: %v\npackaging.deb_packages: %v\n", c.Static, c.DebPackages)
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/policy/*.yaml")
	if len(files) == 0 {
		t.Fatal("no policy test files")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(name+".yaml", data)
			var got string
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Errorf("Parse error %T does not unwrap to *FileError", err)
				}
				got = "error:\n" + err.Error() + "\n"
			} else {
				got = render(p)
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", file, d)
			}
		})
	}
}

func TestLoadOrDefault(t *testing.T) {
	p, err := LoadOrDefault(filepath.Join(t.TempDir(), "tiered.yaml"))
	if err != nil || p.File != "" || p.Trunk != "main" {
		t.Errorf("LoadOrDefault(missing) = %+v, %v", p, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "tiered.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) err = %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tiered.yaml")
	if err := os.WriteFile(good, []byte("trunk: master\nkernels:\n  \"1.4\": \"6.9\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func(string) (*Policy, error){"Load": Load, "LoadOrDefault": LoadOrDefault} {
		p, err := load(good)
		if err != nil {
			t.Fatalf("%s(%s) err = %v", name, good, err)
		}
		if p.File != good || p.Trunk != "master" || p.Kernels["1.4"].String() != "6.9" {
			t.Errorf("%s(%s) = File %q, Trunk %q, Kernels %v; want the file's values", name, good, p.File, p.Trunk, p.Kernels)
		}
	}

	// A bad file is an error even where a missing one is not.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("trunk: main\nbranches:\n  stable: \"v{minor}\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadOrDefault(bad)
	var fe *FileError
	if !errors.As(err, &fe) || p != nil {
		t.Fatalf("LoadOrDefault(bad) = %v, %v; want a *FileError", p, err)
	}
	if fe.File != bad || fe.Line != 3 || fe.Key != "branches.stable" || errors.Unwrap(fe) != fe.Err {
		t.Errorf("FileError = {%q %d %q %v}, want {%q 3 branches.stable …} unwrapping to its Err", fe.File, fe.Line, fe.Key, fe.Err, bad)
	}

	// A directory is no policy file, and no missing one either.
	if p, err := LoadOrDefault(dir); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadOrDefault(a directory) = %v, %v; want an error that is not ErrNotExist", p, err)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/policy/*.yaml")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil && p == nil {
			t.Fatal("nil policy without error")
		}
		if err != nil && p != nil {
			t.Fatal("policy and error")
		}
	})
}

// A policy's fingerprint is the same in every load of the same file, and
// shows no pointer: the answer cache of a policy with fixes.evidence
// patterns missed every time while it printed their compiled regexps.
func TestPolicyFingerprint(t *testing.T) {
	files, err := filepath.Glob("testdata/policy/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for _, f := range files {
		p1, err := Load(f)
		if err != nil {
			continue // the files that test errors
		}
		p2, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		loaded++
		if a, b := p1.Fingerprint(), p2.Fingerprint(); a != b {
			t.Errorf("%s: two loads print two fingerprints:\n%s\n%s", f, a, b)
		} else if strings.Contains(a, "0x") {
			t.Errorf("%s: the fingerprint shows a pointer: %s", f, a)
		}
	}
	if loaded < 5 {
		t.Fatalf("only %d policies load", loaded)
	}
	p, err := Load("testdata/policy/util-linux.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Fixes.Evidence) == 0 || !strings.Contains(p.Fingerprint(), p.Fixes.Evidence[0].Source) {
		t.Errorf("the util-linux policy's fingerprint does not show its evidence patterns: %s", p.Fingerprint())
	}
}
