package answers

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A stored answer reads back; a corrupt one, or one under another key,
// does not.
func TestStore(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	type entry struct{ Out string }
	k := Key("status", "refs-a")
	if s.Get(k, &entry{}) {
		t.Fatal("Get on an empty store found an entry")
	}
	if err := s.Put(k, entry{"answer"}); err != nil {
		t.Fatal(err)
	}
	var got entry
	if !s.Get(k, &got) || got.Out != "answer" {
		t.Fatalf("Get = %+v", got)
	}
	if s.Get(Key("status", "refs-b"), &got) {
		t.Error("another key found the entry")
	}
	data, _ := os.ReadFile(s.file(k))
	os.WriteFile(s.file(k), data[:len(data)-2], 0o644)
	if s.Get(k, &got) {
		t.Error("a truncated entry was read")
	}
	if (Store{}).Get(k, &got) || (Store{}).Put(k, entry{}) != nil {
		t.Error("the zero Store stored something")
	}
}

func TestFileStamp(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "6.9.btf")
	os.WriteFile(f, []byte("x"), 0o644)
	before := FileStamp(dir)
	os.WriteFile(f, []byte("xy"), 0o644)
	if FileStamp(dir) == before {
		t.Error("FileStamp did not change with the file's size")
	}
	if FileStamp("") != "" {
		t.Error("FileStamp(\"\") is not empty")
	}
}

// The answer cache stays bounded: past Max, the older half goes.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	for i := range Max + 40 {
		sub := filepath.Join(dir, fmt.Sprintf("%02x", i%256))
		os.MkdirAll(sub, 0o755)
		f := filepath.Join(sub, fmt.Sprintf("entry%04d", i))
		os.WriteFile(f, nil, 0o644)
		when := time.Unix(int64(1700000000+i), 0)
		os.Chtimes(f, when, when)
	}
	Store{Dir: dir}.prune()
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, filepath.Base(p))
		}
		return nil
	})
	if len(left) != Max/2 {
		t.Fatalf("%d entries left, want %d", len(left), Max/2)
	}
	for _, name := range left {
		var i int
		fmt.Sscanf(name, "entry%04d", &i)
		if i < Max+40-Max/2 {
			t.Errorf("kept %s, one of the oldest", name)
		}
	}
}

// The store stays bounded in bytes too: past MaxBytes, the oldest go
// until half of it is left.
func TestPruneBytes(t *testing.T) {
	dir := t.TempDir()
	for i := range 10 {
		f := filepath.Join(dir, fmt.Sprintf("entry%04d", i))
		os.WriteFile(f, make([]byte, 100), 0o644)
		when := time.Unix(int64(1700000000+i), 0)
		os.Chtimes(f, when, when)
	}
	Store{Dir: dir, MaxBytes: 900}.prune()
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, filepath.Base(p))
		}
		return nil
	})
	want := []string{"entry0006", "entry0007", "entry0008", "entry0009"}
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

// TestBinaryHashBuildID checks that the fingerprint of an ELF binary is
// its Go build ID, as `go tool buildid` reads it.
func TestBinaryHashBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elf.Open(exe); err != nil {
		t.Skipf("%s is not ELF: the fingerprint is a hash of the file", exe)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want {
		t.Fatalf("goBuildID = %q, go tool buildid says %q", got, want)
	}
	if got := BinaryHash(); got != "buildid:"+want {
		t.Fatalf("BinaryHash = %q, want buildid:%s", got, want)
	}
}
