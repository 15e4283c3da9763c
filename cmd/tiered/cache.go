package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tiered-release/tiered/internal/atomicfile"
)

// The answer cache: a query's result stored under the git directory,
// keyed by everything the answer depends on: the query, the tiered
// binary, the policy, kernel BTF files, and every ref. Objects are
// immutable, so with the same refs the same query has the same answer;
// a new commit, tag or branch, an edited policy or a rebuilt tiered
// changes the key. An entry that fails its checksum is ignored and
// rewritten; entries are written to a temporary file and renamed.

const cacheFormat = "tiered-cache-v1"

// cacheKey fingerprints a query: its name and arguments, the policy,
// extra inputs (BTF files), the refs and the binary.
func (s *session) cacheKey(query string, inputs ...string) (string, error) {
	refs, err := s.repo.RefsFingerprint()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%+v\x00", cacheFormat, binaryHash(), query, refs, *s.policy)
	for _, in := range inputs {
		fmt.Fprintf(h, "%s\x00", in)
	}
	if btf := s.policy.Features.BTF; btf != "" {
		if !filepath.IsAbs(btf) && s.repo.WorkTree() != "" {
			btf = filepath.Join(s.repo.WorkTree(), btf)
		}
		fmt.Fprintf(h, "btf %s\x00", fileStamp(btf))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// binaryHash fingerprints the running tiered, so that a rebuilt tiered
// never reads an older one's answers.
var binaryHash = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
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

// fileStamp describes files (or a directory's files) by name, size and
// modification time, for keys that depend on their content.
func fileStamp(path string) string {
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

// cached returns the answer stored under key, or computes, stores and
// returns it. ok reports a cache hit. Without a cache directory (or with
// --no-cache) it only computes.
func cached[T any](s *session, key string, compute func() (T, error)) (T, bool, error) {
	dir := s.repo.CacheDir()
	if dir == "" || s.noCache {
		v, err := compute()
		return v, false, err
	}
	file := filepath.Join(dir, "answers", key[:2], key)
	if v, err := readEntry[T](file); err == nil {
		return v, true, nil
	}
	v, err := compute()
	if err != nil {
		return v, false, err
	}
	writeEntry(file, v) // a cache that cannot be written only costs time
	prune(filepath.Join(dir, "answers"))
	return v, false, nil
}

// maxAnswers bounds the answer cache: past it, the older half goes.
const maxAnswers = 512

// prune removes the least recently written half of the answers once there
// are more than maxAnswers.
func prune(dir string) {
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) <= maxAnswers {
		return
	}
	type aged struct {
		path string
		mod  int64
	}
	var list []aged
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			list = append(list, aged{f, info.ModTime().UnixNano()})
		}
	}
	slices.SortFunc(list, func(a, b aged) int { return cmp.Compare(a.mod, b.mod) })
	for _, a := range list[:len(list)-maxAnswers/2] {
		os.Remove(a.path)
	}
}

func readEntry[T any](file string) (T, error) {
	var v T
	body, err := atomicfile.ReadChecked(file, cacheFormat)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(body, &v)
}

func writeEntry(file string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteChecked(file, cacheFormat, body)
}
