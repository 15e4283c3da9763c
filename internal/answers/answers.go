// Package answers stores the answers of read-only queries under a
// repository's git directory, keyed by everything an answer depends on:
// the query and its flags, the tiered binary, the policy, kernel BTF
// files, and every ref. Git objects never change, so with the same refs
// the same query has the same answer; a new commit, tag or branch, an
// edited policy or a rebuilt tiered gives a new key.
//
// Each entry carries a checksum: one that fails it is ignored and
// rewritten. Entries are written through a temporary file and a rename.
// The store keeps at most [Max] entries, dropping the older half past it.
// It never reads the repository itself: callers put what they read into
// the key.
package answers

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"debug/elf"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tiered-release/tiered/internal/atomicfile"
)

// format names the entry format; a change makes older entries unreadable.
const format = "tiered-cache-v2"

// Max and MaxBytes bound a store by default: past either, the older
// entries go until half of both is left. A plan's answer at 1M commits is
// 6 MB: 512 of them would fill 3 GB.
const (
	Max      = 512
	MaxBytes = 256 << 20
)

// Store is a directory of answers; the zero Store stores nothing.
type Store struct {
	// Dir is the directory; "" disables the store.
	Dir string
	// Max and MaxBytes bound the entries and their bytes; 0: the default.
	Max      int
	MaxBytes int64
}

// Key fingerprints a query: the entry format, the running binary, and
// parts, each in order.
func Key(parts ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", format, BinaryHash())
	for _, p := range parts {
		fmt.Fprintf(h, "%s\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Get reads the answer stored under key into v; it reports whether there
// was a whole one.
func (s Store) Get(key string, v any) bool {
	if s.Dir == "" {
		return false
	}
	body, err := atomicfile.ReadChecked(s.file(key), format)
	return err == nil && gob.NewDecoder(bytes.NewReader(body)).Decode(v) == nil
}

// Put stores v under key and prunes the store. A store that cannot be
// written only costs time: callers may ignore the error.
func (s Store) Put(key string, v any) error {
	if s.Dir == "" {
		return nil
	}
	// gob, not JSON: an answer is mostly one long text (a plan at 1M
	// commits prints 8 MB), which gob copies and JSON escapes byte by
	// byte, 40 ms each way.
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(v); err != nil {
		return err
	}
	file := s.file(key)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteChecked(file, format, body.Bytes()); err != nil {
		return err
	}
	s.prune()
	return nil
}

func (s Store) file(key string) string { return filepath.Join(s.Dir, key[:2], key) }

// prune removes the least recently written entries once there are more
// than Max or they hold more than MaxBytes, until half of both is left.
func (s Store) prune() {
	maxN, maxBytes := cmp.Or(s.Max, Max), cmp.Or(s.MaxBytes, MaxBytes)
	var files []string
	filepath.WalkDir(s.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	type aged struct {
		path string
		mod  int64
		size int64
	}
	var list []aged
	var total int64
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			list = append(list, aged{f, info.ModTime().UnixNano(), info.Size()})
			total += info.Size()
		}
	}
	if len(list) <= maxN && total <= maxBytes {
		return
	}
	slices.SortFunc(list, func(a, b aged) int { return cmp.Compare(a.mod, b.mod) })
	for i, a := range list {
		if len(list)-i <= maxN/2 && total <= maxBytes/2 {
			break
		}
		os.Remove(a.path)
		total -= a.size
	}
}

// BinaryHash fingerprints the running binary, so that a rebuilt tiered
// never reads an older one's answers: by the Go build ID the linker
// writes into an ELF binary (a hash of the binary's content), else by a
// hash of the whole file.
var BinaryHash = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	if id := goBuildID(exe); id != "" {
		return "buildid:" + id
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))
})

// goBuildID returns the Go build ID note of an ELF executable, "" when it
// has none (another format, or linked with -buildid=).
func goBuildID(exe string) string {
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil || sec.Size > 4096 {
		return ""
	}
	note, err := sec.Data()
	// The note: name size, description size, type, "Go\0\0", the ID.
	if err != nil || len(note) < 16 || string(note[12:16]) != "Go\x00\x00" {
		return ""
	}
	n := f.ByteOrder.Uint32(note[4:8])
	if n == 0 || uint64(n) > uint64(len(note)-16) {
		return ""
	}
	return string(note[16 : 16+n])
}

// FileStamp describes a file, or a directory's files, by name, size and
// modification time: a key part for answers that depend on their content.
func FileStamp(path string) string {
	if path == "" {
		return ""
	}
	var b strings.Builder
	filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(&b, "%s:err;", p)
			return nil
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			fmt.Fprintf(&b, "%s:%d:%d;", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}
