package policies

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/versioning"
)

// packageSummary is what a test asserts of a PackageSource.
type packageSummary struct {
	Commit  string // the commit's name in the repo
	Release string // the release's tag, "" for a development build
	Version string
	Last    string // the tag of the release a development build is past
	Ahead   int
	Changes []string // subjects
	License string
	Since   map[abi.Export]string
}

func summarizePackage(r *repo, src *PackageSource) packageSummary {
	s := packageSummary{Version: src.Version.String(), Ahead: src.Ahead, License: licenses(src), Since: src.Since}
	for name, sha := range r.sha {
		if sha == src.Commit.Hash {
			s.Commit = name
		}
	}
	if src.Release != nil {
		s.Release = src.Release.Tag
	}
	if src.Last != nil {
		s.Last = src.Last.Tag
	}
	for _, c := range src.Changes {
		s.Changes = append(s.Changes, c.Subject)
	}
	return s
}

// licenses writes a source's license files as "NAME: text" lines.
func licenses(src *PackageSource) string {
	var out string
	for _, f := range src.LicenseFiles {
		out += f.Name + ": " + string(f.Data)
	}
	return out
}

var (
	fooOpen  = abi.Export{Symbol: "foo_open", Node: "LIBFOO_1.0.0"}
	fooClose = abi.Export{Symbol: "foo_close", Node: "LIBFOO_1.0.0"}
	fooMap   = abi.Export{Symbol: "foo_map", Node: "LIBFOO_1.0.1"}
)

// packageRepo: 1.0.0.0 at root; 1.0.1.0 at the merge of foo_map and a
// side fix; two commits past it on kernel line 1.0.
func packageRepo(t *testing.T) *repo {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	r.commit("map", "libfoo: add foo_map", map[string]string{mapPath: mapV1Map}, "root")
	r.commit("side", fixes(r, "libfoo: fix open", "root"), map[string]string{"src/foo.c": "int foo = 1;\n"}, "root")
	r.commit("merge", "Merge branch 'side'", map[string]string{"src/foo.c": "int foo = 1;\n"}, "map", "side")
	r.tag("1.0.1.0", "merge", "")
	r.commit("bar", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n", "COPYING": "GPL-2.0\n"}, "merge")
	r.commit("fixbar", fixes(r, "libfoo: fix bar", "root"), map[string]string{"src/bar.c": "int bar = 1;\n"}, "bar")
	r.line("trunk", "fixbar")
	r.line("1.0", "fixbar")
	return r
}

func TestPackage(t *testing.T) {
	p := Default()
	p.ABI.SymbolMap = mapPath
	tests := []struct {
		name          string
		release, head string // head is a commit name
		want          packageSummary
	}{
		{
			name: "a release by tag", release: "v1.0.1.0",
			want: packageSummary{Commit: "merge", Release: "v1.0.1.0", Version: "1.0.1.0",
				Changes: []string{"libfoo: add foo_map", "libfoo: fix open"},
				Since:   map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0"}},
		},
		{
			name: "a release by version", release: "1.0.1.0",
			want: packageSummary{Commit: "merge", Release: "v1.0.1.0", Version: "1.0.1.0",
				Changes: []string{"libfoo: add foo_map", "libfoo: fix open"},
				Since:   map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0"}},
		},
		{
			name: "the first release", release: "v1.0.0.0",
			want: packageSummary{Commit: "root", Release: "v1.0.0.0", Version: "1.0.0.0",
				Changes: []string{"libfoo: initial import"}, Since: map[abi.Export]string{}},
		},
		{
			name: "a development build is a release when nothing is past it", head: "merge",
			want: packageSummary{Commit: "merge", Release: "v1.0.1.0", Version: "1.0.1.0",
				Changes: []string{"libfoo: add foo_map", "libfoo: fix open"},
				Since:   map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0"}},
		},
		{
			// Versioned as the next release of its line: kernel line 1.0
			// releases features, 1.0.2.0.
			name: "a development build past a release", head: "fixbar",
			want: packageSummary{Commit: "fixbar", Version: "1.0.2.0", Last: "v1.0.1.0", Ahead: 2,
				Changes: []string{"libfoo: add foo_bar", "libfoo: fix bar"}, License: "COPYING: GPL-2.0\n",
				Since: map[abi.Export]string{fooOpen: "1.0.0.0", fooClose: "1.0.0.0", fooMap: "1.0.1.0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := packageRepo(t)
			head := ""
			if tt.head != "" {
				head = r.at(tt.head)
			}
			src, err := Package(r, p, r.st, tt.release, head)
			if err != nil {
				t.Fatalf("Package(%q, %s) err = %v", tt.release, tt.head, err)
			}
			if d := cmp.Diff(tt.want, summarizePackage(r, src)); d != "" {
				t.Errorf("Package(%q, %s) mismatch (-want +got):\n%s", tt.release, tt.head, d)
			}
		})
	}
}

// A development build past a pre-release: the next version is the final
// when its line would cut it, else the next pre-release of the same kind.
func TestPackagePastRC(t *testing.T) {
	p := Default()
	t.Run("the line cuts the final next", func(t *testing.T) {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
		r.tag("1.1.0.0-rc.1", "feat", "")
		r.commit("fix", fixes(r, "libfoo: fix bar", "root"), map[string]string{"src/bar.c": "int bar = 1;\n"}, "feat")
		r.line("trunk", "fix")
		src, err := Package(r, p, r.st, "", r.at("fix"))
		if err != nil {
			t.Fatal(err)
		}
		want := packageSummary{Commit: "fix", Version: "1.1.0.0", Last: "v1.1.0.0-rc.1", Ahead: 1,
			Changes: []string{"libfoo: fix bar"}, Since: map[abi.Export]string{}}
		if d := cmp.Diff(want, summarizePackage(r, src)); d != "" {
			t.Errorf("Package(past rc.1) mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("no line plans past it", func(t *testing.T) {
		// rc.2 was cut off trunk, which has nothing new; the build is a
		// commit on top of rc.2 that no line's tip names.
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("feat", "libfoo: add foo_bar", map[string]string{"src/bar.c": "int bar;\n"}, "root")
		r.tag("1.1.0.0-rc.2", "feat", "")
		r.commit("wip", "libfoo: work in progress", map[string]string{"src/bar.c": "int bar = 3;\n"}, "feat")
		r.line("trunk", "root")
		src, err := Package(r, p, r.st, "", r.at("wip"))
		if err != nil {
			t.Fatal(err)
		}
		want := packageSummary{Commit: "wip", Version: "1.1.0.0-rc.3", Last: "v1.1.0.0-rc.2", Ahead: 1,
			Changes: []string{"libfoo: work in progress"}, Since: map[abi.Export]string{}}
		if d := cmp.Diff(want, summarizePackage(r, src)); d != "" {
			t.Errorf("Package(past rc.2, off any line) mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("no line plans past a release", func(t *testing.T) {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("wip", "libfoo: work in progress", map[string]string{"src/bar.c": "int bar = 3;\n"}, "root")
		r.line("trunk", "root")
		src, err := Package(r, p, r.st, "", r.at("wip"))
		if err != nil {
			t.Fatal(err)
		}
		if src.Version != versioning.MustParse("1.0.0.1") || src.Last == nil || src.Last.Tag != "v1.0.0.0" {
			t.Errorf("Package(past 1.0.0.0, off any line) = %s past %+v, want 1.0.0.1 past v1.0.0.0", src.Version, src.Last)
		}
	})
}

// The license files are every license file at the root, by name.
func TestPackageLicense(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"none", nil, ""},
		{"COPYING", map[string]string{"COPYING": "copying\n"}, "COPYING: copying\n"},
		{"LICENSE and COPYING", map[string]string{"COPYING": "copying\n", "LICENSE": "license\n"}, "COPYING: copying\nLICENSE: license\n"},
		{"LICENSE.md and LICENSE.txt", map[string]string{"LICENSE.txt": "txt\n", "LICENSE.md": "md\n"}, "LICENSE.md: md\nLICENSE.txt: txt\n"},
		{"LICENCE", map[string]string{"LICENCE": "licence\n"}, "LICENCE: licence\n"},
		{"not at the root", map[string]string{"LICENSES/GPL-2.0": "gpl\n"}, ""},
	}
	for _, tt := range tests {
		r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
		r.commit("head", "libfoo: license", tt.files, "root")
		r.line("trunk", "head")
		src, err := Package(r, Default(), r.st, "", r.at("head"))
		if err != nil {
			t.Fatalf("%s: Package err = %v", tt.name, err)
		}
		if got := licenses(src); got != tt.want {
			t.Errorf("%s: license files = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A changelog keeps the last 200 commits: the newest are the news.
func TestPackageChangelogCap(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	prev := "root"
	for i := 1; i <= maxChanges+5; i++ {
		name := fmt.Sprintf("c%d", i)
		r.commit(name, fmt.Sprintf("libfoo: change %d", i), map[string]string{"src/foo.c": fmt.Sprintf("int foo = %d;\n", i)}, prev)
		prev = name
	}
	r.tag("1.0.1.0", prev, "")
	src, err := Package(r, Default(), r.st, "v1.0.1.0", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Changes) != maxChanges {
		t.Fatalf("Changes: %d commits, want %d", len(src.Changes), maxChanges)
	}
	if first, last := src.Changes[0].Subject, src.Changes[maxChanges-1].Subject; first != "libfoo: change 6" || last != "libfoo: change 205" {
		t.Errorf("Changes run from %q to %q, want change 6 to change 205", first, last)
	}
}

func TestPackageErrors(t *testing.T) {
	r := libfoo(t, versioning.SchemeFour, "1.0.0.0")
	for i := 1; i <= 9; i++ {
		r.tag(fmt.Sprintf("1.0.0.%d", i), "root", "")
	}
	_, err := Package(r, Default(), r.st, "v2.0.0.0", "")
	var re *ReleaseError
	if !errors.As(err, &re) {
		t.Fatalf("Package(v2.0.0.0) err = %v, want a *ReleaseError", err)
	}
	want := &ReleaseError{Name: "v2.0.0.0", Known: []string{"…", "v1.0.0.2", "v1.0.0.3", "v1.0.0.4", "v1.0.0.5", "v1.0.0.6", "v1.0.0.7", "v1.0.0.8", "v1.0.0.9"}}
	if d := cmp.Diff(want, re); d != "" {
		t.Errorf("ReleaseError mismatch (-want +got):\n%s", d)
	}
	if got, want := re.Error(), `--release "v2.0.0.0": no such release (tags: …, v1.0.0.2, v1.0.0.3, v1.0.0.4, v1.0.0.5, v1.0.0.6, v1.0.0.7, v1.0.0.8, v1.0.0.9)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}

	r.commit("orphan", "libfoo: unrelated root", map[string]string{"README": "x\n"})
	r.line("trunk", "root")
	if _, err := Package(r, Default(), r.st, "", r.at("orphan")); !errors.Is(err, ErrNoRelease) {
		t.Errorf("Package(a commit past no release) err = %v, want ErrNoRelease", err)
	}
	if _, err := Package(r, Default(), r.st, "", "0000000000000000000000000000000000000bad"); !errors.Is(err, ErrNoRelease) {
		t.Errorf("Package(an unknown commit) err = %v, want ErrNoRelease", err)
	}
}
