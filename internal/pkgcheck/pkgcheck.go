// Package pkgcheck runs the distributions' own package checkers on
// packages tiered built, for tests: lintian on debs, rpmlint on rpms
// (unprivileged, and only after checking that the payload's paths are
// relative: rpmlint unpacks packages, and an absolute path would land in
// this machine's /usr when run as root), and reads what they report.
// Each function skips the test, saying why, when its tool is missing.
package pkgcheck

import (
	"bytes"
	"debug/elf"
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FedoraConfig is the part of Fedora's rpmlint configuration that
// applies to library packages: rpmlint -c reads it.
//
//go:embed fedora.toml
var FedoraConfig []byte

// tag matches a checker's report line: "E: libfoo1: tag-name extra",
// "libfoo.x86_64: W: tag-name extra".
var tag = regexp.MustCompile(`(?:^|: )([EW]): `)

// Lintian runs lintian on debs and returns its error and warning lines.
func Lintian(t testing.TB, debs ...string) []string {
	t.Helper()
	lintian, err := exec.LookPath("lintian")
	if err != nil {
		t.Skip("lintian is needed to check the debs (apt-get install lintian; .ci/run installs it)")
	}
	args := []string{"--no-tag-display-limit"}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	out, err := exec.Command(lintian, append(args, debs...)...).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 2 {
			t.Fatalf("lintian: %v\n%s", err, out)
		}
	}
	return reports(out)
}

func reports(out []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if tag.MatchString(l) && !strings.Contains(l, " packages and ") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	slices.Sort(lines)
	return lines
}

// RelativePayload fails the test unless every path in each rpm's cpio
// payload is relative (./usr/…), asking rpm2cpio | cpio -t, which only
// lists.
func RelativePayload(t testing.TB, rpms ...string) {
	t.Helper()
	for _, r := range rpms {
		out, err := exec.Command("sh", "-c", `rpm2cpio "$1" | cpio -t --quiet`, "sh", r).CombinedOutput()
		if err != nil {
			t.Fatalf("rpm2cpio %s | cpio -t: %v\n%s", r, err, out)
		}
		for _, p := range strings.Fields(string(out)) {
			if !strings.HasPrefix(p, "./") {
				t.Fatalf("%s: payload path %q is not relative: rpmlint or cpio -i would write it into this machine", filepath.Base(r), p)
			}
		}
	}
}

// RPMLint runs rpmlint with Fedora's configuration on rpms, as the
// unprivileged user nobody when this test runs as root, and returns its
// error and warning lines. It checks the payloads first (RelativePayload).
func RPMLint(t testing.TB, rpms ...string) []string {
	t.Helper()
	rpmlint, err := exec.LookPath("rpmlint")
	if err != nil {
		t.Skip("rpmlint is needed to check the rpms (apt-get install rpmlint; .ci/run installs it)")
	}
	for _, tool := range []string{"rpm2cpio", "cpio"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is needed to check the rpms' payloads before rpmlint unpacks them", tool)
		}
	}
	RelativePayload(t, rpms...)
	// A directory nobody can read and write, with copies of the rpms.
	dir, err := os.MkdirTemp("", "tiered-rpmlint-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "fedora.toml")
	if err := os.WriteFile(config, FedoraConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", config}
	for _, r := range rpms {
		data, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		c := filepath.Join(dir, filepath.Base(r))
		if err := os.WriteFile(c, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, c)
	}
	env := []string{"HOME=" + dir, "TMPDIR=" + dir, "XDG_CONFIG_HOME=" + dir, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd := exec.Command(rpmlint, args...)
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			t.Skip("runuser is needed to run rpmlint unprivileged: it is never run as root")
		}
		cmd = exec.Command(runuser, append([]string{"-u", "nobody", "--", "env"}, append(env, append([]string{rpmlint}, args...)...)...)...)
	} else {
		cmd.Env = env
	}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() > 66 {
			t.Fatalf("rpmlint: %v\n%s", err, out)
		}
	}
	if !strings.Contains(string(out), "packages and 0 specfiles checked") {
		t.Fatalf("rpmlint did not check the packages:\n%s", out)
	}
	return reports(out)
}

// HashWaiver says why rpmlint's missing-hash-section error may be
// waived: it is the linker's doing, not packaging's.
const HashWaiver = "the library has only a GNU hash table (DT_GNU_HASH), as ld links by default on Debian and Fedora; " +
	"only a relink adds DT_HASH (LDFLAGS=-Wl,--hash-style=both), which glibc >= 2.36 does not read: rpmlint's check is openSUSE's"

// OnlyGNUHash reports whether an ELF file has a GNU hash table and no
// SysV one: the only case HashWaiver covers.
func OnlyGNUHash(data []byte) bool {
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return false
	}
	defer ef.Close()
	gnu, _ := ef.DynValue(elf.DT_GNU_HASH)
	sysv, _ := ef.DynValue(elf.DT_HASH)
	return len(gnu) > 0 && len(sysv) == 0
}

// Errors keeps the error lines of a checker's report.
func Errors(lines []string) []string {
	var out []string
	for _, l := range lines {
		if m := tag.FindStringSubmatch(l); m != nil && m[1] == "E" {
			out = append(out, l)
		}
	}
	return out
}
