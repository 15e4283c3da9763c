package branches

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// An entry with every field set reads back equal, zone offset included;
// every truncation of it, and trailing bytes, is an error, never a panic.
func TestEntryCodec(t *testing.T) {
	when := time.Date(2024, 3, 1, 12, 30, 0, 0, time.FixedZone("", -7*3600))
	full := &commitEntry{
		Commit: Commit{
			Hash: "1111111111111111111111111111111111111111", Parents: []string{"2222222222222222222222222222222222222222", "3333333333333333333333333333333333333333"},
			Author: "A U Thor <a@example.org>", Committer: "C O Mitter <c@example.org>", When: when,
			Subject: "libbpf: fix a leak", Message: "libbpf: fix a leak\n\nFixes: 123456789012 (\"x\")\n",
		},
		Paths: []string{"src/libbpf.c", "src/libbpf.h"}, HasPaths: true, Created: []string{"src/libbpf.h"},
		PatchID: "abcdef", PatchAt: 1 << 33, PatchLen: 4096, PatchSum: 0xdeadbeef,
		LineSum: 0xfedcba9876543210, LineSumOK: true, LineSumV: lineSumVersion,
		Parts: map[string]recordRef{
			"src/libbpf.c": {At: 77, Len: 12, Sum: 9, Added: []uint32{1, 5, 0xffffffff}, HasAdded: true},
			"src/libbpf.h": {At: 90, Len: 3, Sum: 1},
		},
	}
	empty := &commitEntry{}
	in := map[string]*commitEntry{full.Commit.Hash: full, "4444444444444444444444444444444444444444": empty}
	body := encodeEntries(in)
	out, err := decodeEntries(body)
	if err != nil {
		t.Fatal(err)
	}
	opt := cmp.Comparer(func(a, b time.Time) bool {
		_, oa := a.Zone()
		_, ob := b.Zone()
		return a.Equal(b) && oa == ob
	})
	if d := cmp.Diff(in, out, opt); d != "" {
		t.Errorf("round trip (-in +out):\n%s", d)
	}
	for n := 0; n < len(body); n++ {
		if _, err := decodeEntries(body[:n]); err == nil {
			t.Fatalf("a body cut to %d of %d bytes decoded", n, len(body))
		}
	}
	if _, err := decodeEntries(append(body[:len(body):len(body)], 0)); err == nil {
		t.Error("trailing bytes decoded")
	}
}
