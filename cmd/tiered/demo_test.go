package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The demo runs the whole pipeline on the sample repository: every step
// must run, and the story it tells must be the one the README promises.
func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, k := range []string{"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE"} {
		t.Setenv(k, "") // the demo sets its own; restored after the test
	}
	var out bytes.Buffer
	if err := runDemo(&out, false); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	// It cleans up after itself.
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the demo left %d entries in TMPDIR: %v", len(left), left[0].Name())
	}
	for _, want := range []string{
		"line trunk: 1.4.0.0 -> 1.5.0.0 (kernel bump)",
		"line 1.3.1: at 1.3.1.0, no release possible (abi-addition",
		"release them on the stable line 1.4.0\n",
		"forbidden  abi-addition  libfoo: add foo_map_lookup()",
		`its patch to src/foo.c needs lines that db1b44df19e0 "libfoo: open BPF objects with O_CLOEXEC" introduced first`,
		"v1.3.1.0 (7f01ef086a22) against kernel 6.7: 11 needed, 0 missing",
		"missing BPF_MAP_TYPE_RING_POOL (enum-value, include/uapi/linux/bpf.h:14)",
		"kernel 6.9-rc1 had it, so it was reverted before 6.9 was released",
		`reverted by 1cada84afe2b Revert "sync: bpf: add BPF_MAP_TYPE_RING_POOL"`,
		"gate reverts   failed: reverted-upstream       c08e944867c9 \"sync: bpf: add BPF_MAP_TYPE_RING_POOL\" was reverted on trunk",
		"refused: nothing written",
		"gate features  passed  11 features, all in kernel 6.10",
		"  refs/heads/release/v1.5.0  8f6279351a76",
		"1.5    kernel  release/v1.5    6.10    1.5.0.0",
		"  refs/tags/v1.5.0.0         tag 7fe6ab925636 -> 8f6279351a76",
		"is removed; tiered demo --keep keeps it, packages included.\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	// Packages, when a C compiler can build the library.
	if _, err := exec.LookPath("cc"); err != nil {
		t.Log("no cc: the demo skipped packaging")
		return
	}
	for _, want := range []string{
		"libfoo1       deb     1.5.0.0-1",
		"libfoo-devel  rpm     1.5.0.0-1",
		"checksums in ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
