package policies

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// Package gathers the license files at the root, the commits since the
// previous release, and one entry per earlier release the commit
// descends from, newest first, each with its own commits: not a release
// on another line (1.0.1.0), which the packaged commit does not have.
func TestPackageSource(t *testing.T) {
	h := newFake()
	c1 := h.add("libfoo: initial import", map[string]string{
		"LICENSE": "MIT OR BSD-2-Clause\n", "LICENSE.BSD-2-Clause": "bsd\n", "COPYING.LIB": "lgpl\n",
		"LICENSES/MIT": "mit\n", "src/LICENSE": "not the project's\n", "README": "readme\n",
	})
	c2 := h.add("libfoo: add foo", map[string]string{"src/foo.c": "foo\n"}, c1)
	side := h.add("libfoo: fix on 1.0", map[string]string{"src/a.c": "a\n"}, c1)
	c3 := h.add("libfoo: add bar", map[string]string{"src/bar.c": "bar\n"}, c2)
	c4 := h.add("libfoo: fix bar", map[string]string{"src/bar.c": "bar2\n"}, c3)
	rel := func(v, commit string) branches.Release {
		return branches.Release{Version: versioning.MustParse(v), Name: v, Tag: "v" + v, Commit: commit, OnTrunk: true}
	}
	st := &branches.Status{Scheme: versioning.SchemeFour, Releases: []branches.Release{
		rel("1.0.0.0", c1), rel("1.0.1.0", side), rel("1.1.0.0", c2), rel("1.2.0.0", c4),
	}}
	src, err := Package(h, Default(), st, "v1.2.0.0", "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range src.LicenseFiles {
		names = append(names, f.Name)
	}
	if d := cmp.Diff([]string{"COPYING.LIB", "LICENSE", "LICENSE.BSD-2-Clause"}, names); d != "" {
		t.Errorf("license files (-want +got):\n%s", d)
	}
	subjects := func(cs []branches.Commit) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Subject)
		}
		return out
	}
	if d := cmp.Diff([]string{"libfoo: add bar", "libfoo: fix bar"}, subjects(src.Changes)); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	var earlier []string
	for _, r := range src.Earlier {
		earlier = append(earlier, r.Release.Name+": "+r.Commit.Subject)
		for _, s := range subjects(r.Changes) {
			earlier = append(earlier, "  "+s)
		}
	}
	want := []string{
		"1.1.0.0: libfoo: add foo", "  libfoo: add foo",
		"1.0.0.0: libfoo: initial import", "  libfoo: initial import",
	}
	if d := cmp.Diff(want, earlier); d != "" {
		t.Errorf("earlier releases (-want +got):\n%s", d)
	}
}

func TestIsLicenseFile(t *testing.T) {
	for name, want := range map[string]bool{
		"LICENSE": true, "LICENSE.md": true, "LICENSE.BSD-2-Clause": true, "LICENCE": true, "COPYING": true, "COPYING.LIB": true,
		"LICENSE-MIT": true, "LICENSES": false, "license": false, "README": false,
	} {
		if got := IsLicenseFile(name); got != want {
			t.Errorf("IsLicenseFile(%q) = %v, want %v", name, got, want)
		}
	}
}
