package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile kernel inputs cost bounded memory and never hang: tiered
// features check, run as its own process, is refused on a FIFO,
// /dev/zero, a 1 GiB file of junk, a gzip bomb of 1 GiB of zeros and a
// 3 GiB file, each with a peak RSS under 300 MiB (a hang would hit the
// context's deadline and fail).
func TestFeaturesCheckHugeInputsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a gzip bomb of 1 GiB of zeros")
	}
	tiered, err := exec.LookPath("tiered")
	if err != nil {
		t.Skipf("tiered is not on PATH (TestMain registers it): %v", err)
	}
	repo := fixture(t, "fourtier.sh")
	dir := t.TempDir()
	sparse := func(name string, size int64, head []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, head, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 1 << 10 {
		zw.Write(zeros)
	}
	zw.Close()
	bombPath := filepath.Join(dir, "6.9.btf.gz")
	os.WriteFile(bombPath, bomb.Bytes(), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct{ name, path string }{
		{"a FIFO", fifo},
		{"/dev/zero", "/dev/zero"},
		{"1 GiB of junk", sparse("6.9.btf", 1<<30, []byte{0xff, 0xfe, 0xfd})},
		{"a gzip bomb of 1 GiB of zeros", bombPath},
		{"3 GiB of zeros", sparse("vmlinux-6.9", 3<<30, nil)},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, tiered, "--repo", repo, "--no-cache", "features", "check", "v1.4.0.0", "--btf", "6.9="+in.path)
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState == nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		code := cmd.ProcessState.ExitCode()
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024 // KiB to MiB
		t.Logf("%s: exit %d, peak RSS %d MiB: %s", in.name, code, rss, strings.TrimSpace(string(out)))
		if code != 3 {
			t.Errorf("%s: exit %d, want 3 (the input cannot be read)", in.name, code)
		}
		if rss >= 300 {
			t.Errorf("%s: peak RSS %d MiB, want under 300", in.name, rss)
		}
	}
}
