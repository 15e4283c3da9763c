package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	if err := WriteFile(name, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(name, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(name)
	info, _ := os.Stat(name)
	if string(data) != "two" || info.Mode().Perm() != 0o600 {
		t.Errorf("content %q, mode %v", data, info.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir"), nil, 0o644); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}

func TestChecked(t *testing.T) {
	name := filepath.Join(t.TempDir(), "c")
	if err := WriteChecked(name, "fmt-v1", []byte("body\nwith lines")); err != nil {
		t.Fatal(err)
	}
	if body, err := ReadChecked(name, "fmt-v1"); err != nil || string(body) != "body\nwith lines" {
		t.Fatalf("ReadChecked = %q, %v", body, err)
	}
	if _, err := ReadChecked(name, "fmt-v2"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("another format: %v, want ErrCorrupt", err)
	}
	data, _ := os.ReadFile(name)
	data[len(data)-1] ^= 1
	os.WriteFile(name, data, 0o644)
	if _, err := ReadChecked(name, "fmt-v1"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a flipped bit: %v, want ErrCorrupt", err)
	}
}
