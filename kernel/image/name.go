package image

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Release is an upstream kernel release, read from a file name, a uname
// -r string or a distro's banner.
type Release struct {
	Major, Minor, Patch int
	RC                  int    // N of an -rcN; 0 for a release
	Full                string // the string it was read from: "6.1.0-28-amd64", "6.9-rc3"
}

// String writes the release as kernel.org does: "6.8", "6.8.1", "6.9-rc3".
// A patch level of 0 is not written: distros name a series' kernels
// "6.1.0-28-amd64" whatever their upstream patch level.
func (r Release) String() string {
	s := fmt.Sprintf("%d.%d", r.Major, r.Minor)
	if r.Patch != 0 {
		s += fmt.Sprintf(".%d", r.Patch)
	}
	if r.RC != 0 {
		s += fmt.Sprintf("-rc%d", r.RC)
	}
	return s
}

// Compare returns -1, 0 or +1 as r sorts before, with or after s: by
// major, minor and patch level, an -rc before its release, -rc2 before
// -rc10. Full is not compared.
func (r Release) Compare(s Release) int {
	return r.semver().Compare(s.semver())
}

// semver writes r for Masterminds/semver, "-rcN" as "-rc.N" so that
// pre-releases compare by number, not as text (where rc10 < rc2).
func (r Release) semver() *semver.Version {
	pre := ""
	if r.RC != 0 {
		pre = "rc." + strconv.Itoa(r.RC)
	}
	return semver.New(uint64(r.Major), uint64(r.Minor), uint64(r.Patch), pre, "")
}

var (
	// A release as uname -r prints it: numbers, an optional -rcN, then
	// a distro's suffix ("-28-amd64", "+bpo-amd64", "-45-generic").
	releasePattern = regexp.MustCompile(`^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:-rc(\d{1,3}))?([-+~_.][0-9A-Za-z._+~-]*)?$`)
	// Distro suffixes that carry an -rc: Fedora's "-0.rc3.30.fc41.x86_64"
	// and Ubuntu mainline's "-060900rc3-generic".
	fedoraRC   = regexp.MustCompile(`^-0\.rc(\d{1,3})\.`)
	ubuntuRC   = regexp.MustCompile(`^-\d{6}rc(\d{1,3})(?:-|$)`)
	rcAnywhere = regexp.MustCompile(`rc\d`)
)

// ParseRelease reads the upstream release from a kernel release string
// as uname -r prints it: "6.8", "6.9-rc3", "6.1.0-28-amd64" (6.1),
// "6.12.12+bpo-amd64" (6.12.12), "6.8.0-45-generic" (6.8). It reports
// false, guessing nothing, for strings it does not know, including a
// distro suffix that mentions an -rc in a form it does not know.
func ParseRelease(s string) (Release, bool) {
	m := releasePattern.FindStringSubmatch(s)
	if m == nil {
		return Release{}, false
	}
	r := Release{Full: s}
	r.Major, _ = strconv.Atoi(m[1])
	r.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		r.Patch, _ = strconv.Atoi(m[3])
	}
	if m[4] != "" {
		r.RC, _ = strconv.Atoi(m[4])
	}
	if suffix := m[5]; suffix != "" {
		rc := fedoraRC.FindStringSubmatch(suffix)
		if rc == nil {
			rc = ubuntuRC.FindStringSubmatch(suffix)
		}
		switch {
		case rc != nil && r.RC == 0:
			r.RC, _ = strconv.Atoi(rc[1])
		case rc == nil && rcAnywhere.MatchString(suffix):
			return Release{}, false
		}
	}
	if r.Major == 0 || (r.RC != 0 && r.Patch != 0) {
		return Release{}, false // no kernel 0.x here; an -rc has no patch level
	}
	return r, true
}

// ParseName reads the release a kernel file's name states: "6.18",
// "6.18.15", "6.9-rc3.btf.gz", "vmlinux-6.1.0-28-amd64" (6.1),
// "vmlinuz-6.12.12+bpo-amd64" (6.12.12), "6.8.0-45-generic" (6.8),
// "vmlinux-6.10.zst" (6.10). A directory part is ignored; so are a
// vmlinux-, vmlinuz- or bzImage- prefix, a compression suffix (.gz, .xz,
// .zst, .zstd, .lz4, .bz2, .lzma) and then a .btf, .BTF, .elf or .raw
// suffix. Full is the name without them. Unknown names report false.
func ParseName(name string) (Release, bool) {
	name = path.Base(name)
	for _, ext := range []string{".gz", ".xz", ".zst", ".zstd", ".lz4", ".bz2", ".lzma"} {
		if s, ok := strings.CutSuffix(name, ext); ok {
			name = s
			break
		}
	}
	for _, ext := range []string{".btf", ".BTF", ".elf", ".raw"} {
		if s, ok := strings.CutSuffix(name, ext); ok {
			name = s
			break
		}
	}
	for _, prefix := range []string{"vmlinux-", "vmlinuz-", "bzImage-"} {
		if s, ok := strings.CutPrefix(name, prefix); ok {
			name = s
			break
		}
	}
	return ParseRelease(name)
}

// distroUpstream finds the upstream release in the part of a banner that
// uname -v prints: Debian's "Debian 6.1.119-1 (2024-11-22)" (and
// "Debian 6.9~rc3-1~exp1"), Ubuntu's "(Ubuntu 6.8.0-45.45-generic 6.8.12)".
var distroUpstream = []*regexp.Regexp{
	regexp.MustCompile(`\bDebian (\d{1,4}\.\d{1,4}(?:\.\d{1,6})?)(?:~rc(\d{1,3}))?-[0-9A-Za-z.+~]+`),
	regexp.MustCompile(`\(Ubuntu [0-9A-Za-z.+~-]+ (\d{1,4}\.\d{1,4}(?:\.\d{1,6})?)\)`),
}

// Upstream reads the upstream release a distro kernel's banner states
// ([Kernel.Banner]): Debian's and Ubuntu's banners name it, where their
// release strings do not ("6.1.0-28-amd64" is Linux 6.1.119). Full is
// the banner. It reports false for other banners.
func Upstream(banner string) (Release, bool) {
	// The compiler's version comes first ("gcc-12 (Debian 12.2.0-14)"):
	// look only at what follows the build number, "#1 SMP …".
	i := strings.LastIndex(banner, " #")
	if i < 0 {
		if !strings.HasPrefix(banner, "#") {
			return Release{}, false
		}
		i = 0
	}
	tail := banner[i:]
	for _, re := range distroUpstream {
		m := re.FindStringSubmatch(tail)
		if m == nil {
			continue
		}
		s := m[1]
		if len(m) > 2 && m[2] != "" {
			s += "-rc" + m[2]
		}
		r, ok := ParseRelease(s)
		if !ok {
			return Release{}, false
		}
		r.Full = banner
		return r, true
	}
	return Release{}, false
}
