package packaging

import (
	"fmt"
	"strings"

	"github.com/tiered-release/tiered/versioning"
)

// Version is a package version in the parts both formats share: the
// epoch (0: none), the upstream release ("1.4.2.1"), an optional
// pre-release that must sort below it ("rc.1", "dev.12.g1a2b3c4":
// written after a "~"), and the packaging revision ("1").
type Version struct {
	Epoch    uint32
	Upstream string
	Pre      string
	Revision string
}

func (v Version) epoch() string {
	if v.Epoch == 0 {
		return ""
	}
	return fmt.Sprintf("%d:", v.Epoch)
}

// ReleaseVersion maps a release to its package version: 1.4.2.1 is
// 1.4.2.1-1, 1.5.0.0-rc.1 is 1.5.0.0~rc.1-1 (dpkg and rpm sort "~" below
// the release; a "-" would sort above it).
func ReleaseVersion(s versioning.Scheme, v versioning.Version) Version {
	return Version{Upstream: s.Format(v.Release()), Pre: v.Pre, Revision: "1"}
}

// DevVersion maps a build n commits past the last release, at commit sha,
// to a version above that release and below the next one and its
// pre-releases: 1.5.0.0~dev.12.g1a2b3c4-1 (dev sorts below rc). next is
// the release the line would cut next; when it is a pre-release (the last
// release was rc.1 and next is rc.2), the build sorts between them:
// 1.5.0.0~rc.1+dev.3.g1a2b3c4-1.
func DevVersion(s versioning.Scheme, last, next versioning.Version, n int, sha string) Version {
	if len(sha) > 7 {
		sha = sha[:7]
	}
	dev := fmt.Sprintf("dev.%d.g%s", n, sha)
	if last.IsPrerelease() && last.Release().Compare(next.Release()) == 0 {
		return Version{Upstream: s.Format(last.Release()), Pre: last.Pre + "+" + dev, Revision: "1"}
	}
	return Version{Upstream: s.Format(next.Release()), Pre: dev, Revision: "1"}
}

// Deb is the Debian version: [epoch:]upstream[~pre]-revision.
func (v Version) Deb() string {
	s := v.epoch() + v.Upstream
	if v.Pre != "" {
		s += "~" + v.Pre
	}
	return s + "-" + v.Revision
}

// RPM is the rpm Version (upstream[~pre]; "-" is not allowed in it) and
// Release.
func (v Version) RPM() (version, release string) {
	s := v.Upstream
	if v.Pre != "" {
		s += "~" + strings.ReplaceAll(v.Pre, "-", "_")
	}
	return s, v.Revision
}

// RPMFull is [epoch:]version-release, as rpm dependencies name it.
func (v Version) RPMFull() string {
	ver, rel := v.RPM()
	return v.epoch() + ver + "-" + rel
}
