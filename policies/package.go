package policies

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// LicenseFiles are where a repository keeps its license, in the order
// they are looked for.
var LicenseFiles = []string{"LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING", "COPYING.md", "LICENCE"}

// maxChanges bounds a changelog: a first release's whole history is not
// a changelog.
const maxChanges = 200

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
	// License is the first of [LicenseFiles] at the commit, nil if none.
	License []byte
	// Since maps each export of earlier releases of the ABI to the first
	// release that exported it.
	Since map[abi.Export]string
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
	for _, f := range LicenseFiles {
		data, err := h.ReadFile(head, f)
		if err == nil {
			src.License = data
			break
		}
		if !errors.Is(err, branches.ErrNoFile) {
			return nil, err
		}
	}
	var from []string
	if prev != nil {
		from = []string{prev.Commit}
	}
	commits, err := h.Between(from, head)
	if err != nil {
		return nil, err
	}
	for _, x := range commits {
		if !x.IsMerge() {
			src.Changes = append(src.Changes, x)
		}
	}
	if len(src.Changes) > maxChanges {
		src.Changes = src.Changes[len(src.Changes)-maxChanges:]
	}
	if src.Since, err = ExportsSince(h, p, st, src.Version); err != nil {
		return nil, err
	}
	return src, nil
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
