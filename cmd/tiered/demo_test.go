package main

import (
	"bytes"
	"strings"
	"testing"
)

// The demo runs the whole pipeline on the sample repository: every step
// must run, and the story it tells must be the one the README promises.
func TestDemo(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // the demo keeps its repository
	var out bytes.Buffer
	if err := runDemo(&out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"line trunk: 1.4.0.0 -> 1.5.0.0 (kernel bump)",
		"forbidden  abi-addition  libfoo: add foo_map_lookup()",
		"v1.3.1.0 (6ebeb800929e) against kernel 6.7: 11 needed, 0 missing",
		"missing BPF_MAP_TYPE_RING_POOL (enum-value, include/uapi/linux/bpf.h:14)",
		"kernel 6.9-rc1 had it, so it was reverted before 6.9 was released",
		`reverted by f0e0d7b77d93 Revert "sync: bpf: add BPF_MAP_TYPE_RING_POOL"`,
		"gate reverts   failed  bd3a9fdc163e \"sync: bpf: add BPF_MAP_TYPE_RING_POOL\" was reverted on trunk",
		"refused: nothing written",
		"gate features  passed  11 features, all in kernel 6.10",
		"  refs/heads/release/v1.5.0  0bc6ca0488dc",
		"1.5    kernel  release/v1.5    6.10    1.5.0.0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
