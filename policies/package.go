package policies

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// IsLicenseFile reports whether a file at the repository's root is one
// of its license files: LICENSE, LICENSE.*, LICENSE-* (LICENSE-MIT), the
// same spelt LICENCE, and COPYING*.
func IsLicenseFile(name string) bool {
	for _, p := range []string{"LICENSE", "LICENCE"} {
		if name == p || strings.HasPrefix(name, p+".") || strings.HasPrefix(name, p+"-") {
			return true
		}
	}
	return strings.HasPrefix(name, "COPYING")
}

// maxChanges bounds a changelog entry: a first release's whole history
// is not a changelog. Earlier releases' entries list fewer.
const (
	maxChanges        = 200
	maxEarlierChanges = 20
)

// PackageSource is what a package build needs from the repository: the
// commit built, its version, its changelog, its license and the history
// of its exports. Package packaging turns it into packages; this one
// never touches an install tree.
type PackageSource struct {
	// Commit is the commit packaged.
	Commit branches.Commit
	// Release is the release packaged; nil for a development build.
	Release *branches.Release
	// Version is the release's version or, for a development build, the
	// version the next release would get.
	Version versioning.Version
	// Last is, for a development build, the release it is Ahead commits
	// past.
	Last  *branches.Release
	Ahead int
	// Changes are the commits since the previous release, oldest first,
	// merges left out, at most the last 200.
	Changes []branches.Commit
	// Earlier are the earlier releases the commit descends from, newest
	// first, each with its own changes: the changelog's older entries.
	Earlier []ReleaseChanges
	// LicenseFiles are the license files at the root of the commit
	// ([IsLicenseFile]), by name.
	LicenseFiles []NamedFile
	// Since maps each export of earlier releases of the ABI to the first
	// release that exported it.
	Since map[abi.Export]string
}

// NamedFile is a file of the repository at the commit packaged.
type NamedFile struct {
	Name string
	Data []byte
}

// ReleaseChanges is an earlier release, for the changelog: its commit
// and the commits it added over the release before it, oldest first,
// merges left out, at most the last 20 (More says how many more).
type ReleaseChanges struct {
	Release *branches.Release
	Commit  branches.Commit
	Changes []branches.Commit
	More    int
}

// ReleaseError reports a --release that names no release.
type ReleaseError struct {
	Name  string
	Known []string // the release tags, the last few
}

func (e *ReleaseError) Error() string {
	return fmt.Sprintf("--release %q: no such release (tags: %s)", e.Name, strings.Join(e.Known, ", "))
}

// ErrNoRelease reports a development build of a commit that descends from
// no release: it has no version to count from.
var ErrNoRelease = errors.New("HEAD descends from no release: package one with --release TAG, or cut the first")

// Package gathers what packaging release needs, a tag or version name
// ("v1.4.2.1", "1.4.2.1"), or, when release is "", a development build of
// head: versioned above the last release it descends from and below the
// next one. It returns a *[ReleaseError] for a release that does not
// exist and [ErrNoRelease] for a head past no release.
func Package(h History, p *Policy, st *branches.Status, release, head string) (*PackageSource, error) {
	src := &PackageSource{}
	var prev *branches.Release
	if release != "" {
		for i := range st.Releases {
			r := &st.Releases[i]
			if r.Tag == release || r.Name == strings.TrimPrefix(release, "v") {
				src.Release = r
			}
		}
		if src.Release == nil {
			return nil, &ReleaseError{Name: release, Known: releaseTags(st)}
		}
		head, src.Version = src.Release.Commit, src.Release.Version
		var err error
		if prev, err = previousRelease(h, st, head, &src.Version); err != nil {
			return nil, err
		}
	} else {
		last, err := previousRelease(h, st, head, nil)
		if err != nil {
			return nil, err
		}
		if last == nil {
			return nil, ErrNoRelease
		}
		ahead, err := h.Between([]string{last.Commit}, head)
		if err != nil {
			return nil, err
		}
		if len(ahead) == 0 {
			src.Release, src.Version = last, last.Version
			if prev, err = previousRelease(h, st, head, &src.Version); err != nil {
				return nil, err
			}
		} else {
			next := last.Version.Release().Bump(versioning.TierStable)
			if last.Version.IsPrerelease() {
				id, _, _ := strings.Cut(last.Version.Pre, ".")
				next = nextPre(st, last.Version, id)
			}
			if np, err := Next(h, p, st, st.LineOf(head)); err == nil && np.Version.Compare(last.Version) > 0 {
				next = np.Version
			}
			src.Version, src.Last, src.Ahead = next, last, len(ahead)
			prev = last
		}
	}
	var err error
	if src.Commit, err = h.Commit(head); err != nil {
		return nil, err
	}
	names, err := h.ListDir(head, "")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if !IsLicenseFile(name) {
			continue
		}
		data, err := h.ReadFile(head, name)
		if err != nil {
			return nil, err
		}
		src.LicenseFiles = append(src.LicenseFiles, NamedFile{name, data})
	}
	if src.Changes, _, err = changesSince(h, prev, head, maxChanges); err != nil {
		return nil, err
	}
	if src.Earlier, err = earlierReleases(h, st, head, src.Version); err != nil {
		return nil, err
	}
	if src.Since, err = ExportsSince(h, p, st, src.Version); err != nil {
		return nil, err
	}
	return src, nil
}

// changesSince lists the commits from prev (nil: the root) to head,
// oldest first, merges left out, at most the last max, and how many it
// left out.
func changesSince(h History, prev *branches.Release, head string, max int) ([]branches.Commit, int, error) {
	var from []string
	if prev != nil {
		from = []string{prev.Commit}
	}
	commits, err := h.Between(from, head)
	if err != nil {
		return nil, 0, err
	}
	var out []branches.Commit
	for _, x := range commits {
		if !x.IsMerge() {
			out = append(out, x)
		}
	}
	if len(out) > max {
		return out[len(out)-max:], len(out) - max, nil
	}
	return out, 0, nil
}

// earlierReleases lists the releases below version that head descends
// from, newest first, each with the commits since the one before it.
func earlierReleases(h History, st *branches.Status, head string, version versioning.Version) ([]ReleaseChanges, error) {
	var rs []*branches.Release
	for i := range st.Releases {
		r := &st.Releases[i]
		if r.Version.Compare(version) >= 0 {
			continue
		}
		ok, err := h.IsAncestor(r.Commit, head)
		if err != nil {
			return nil, err
		}
		if ok {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b *branches.Release) int { return b.Version.Compare(a.Version) })
	out := make([]ReleaseChanges, len(rs))
	for i, r := range rs {
		var prev *branches.Release
		if i+1 < len(rs) {
			prev = rs[i+1]
		}
		c, err := h.Commit(r.Commit)
		if err != nil {
			return nil, err
		}
		changes, more, err := changesSince(h, prev, r.Commit, maxEarlierChanges)
		if err != nil {
			return nil, err
		}
		out[i] = ReleaseChanges{Release: r, Commit: c, Changes: changes, More: more}
	}
	return out, nil
}

// previousRelease is the highest release reachable from commit, below
// *below when set.
func previousRelease(h History, st *branches.Status, commit string, below *versioning.Version) (*branches.Release, error) {
	var best *branches.Release
	for i := range st.Releases {
		r := &st.Releases[i]
		if below != nil && r.Version.Compare(*below) >= 0 {
			continue
		}
		if best != nil && r.Version.Compare(best.Version) <= 0 {
			continue
		}
		ok, err := h.IsAncestor(r.Commit, commit)
		if err != nil {
			return nil, err
		}
		if ok {
			best = r
		}
	}
	return best, nil
}

// releaseTags lists the release tags, the last eight after an ellipsis.
func releaseTags(st *branches.Status) []string {
	var names []string
	for _, r := range st.Releases {
		if r.Tag != "" {
			names = append(names, r.Tag)
		}
	}
	if len(names) > 8 {
		names = append([]string{"…"}, names[len(names)-8:]...)
	}
	return names
}
