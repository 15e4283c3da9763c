package branches

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/tiered-release/tiered/internal/atomicfile"
)

// The reach store keeps, across runs, everything a commit of git's
// commit-graph files reaches, as a bitset over the files' commits: the
// walk that places every release against trunk visits a whole history
// (0.2 s at a million commits) and gives the same answer until the files
// change. The bitsets are numbered by position in the files, so the store
// names the files it was computed from (their checksums) and is dropped
// when git rewrites them. A commit written after the files reaches what
// its nearest first-parent ancestor in the files reaches plus a walk of
// the new commits: one new commit costs a file read, not a history walk.
// A corrupt or foreign file is ignored; without a cache none is kept.

const (
	reachFormat = "tiered-reach-v1"
	reachKeep   = 8 // bitsets kept (125 KiB each at a million commits)
)

type reachStore struct {
	once    sync.Once
	file    string
	graph   [32]byte // which commit-graph files the bitsets number
	words   int      // bitset length: the files' commits, in 64-bit words
	sets    []reachSet
	changed bool
}

type reachSet struct {
	id   plumbing.Hash
	bits bitset
}

// newReachStore returns the store of g under dir, or nil when g has no
// commit-graph files or there is no cache.
func newReachStore(g *graph, dir string) *reachStore {
	if dir == "" || g.sorted == 0 {
		return nil
	}
	h := sha256.New()
	for _, gf := range g.files {
		h.Write(gf.id[:])
	}
	s := &reachStore{file: filepath.Join(dir, "reach"), words: (g.sorted + 63) / 64}
	copy(s.graph[:], h.Sum(nil))
	return s
}

// load reads the file once; a file for other commit-graph files, or one
// this reader does not read, is as good as none.
func (s *reachStore) load() {
	s.once.Do(func() {
		body, err := atomicfile.ReadChecked(s.file, reachFormat)
		if err != nil || len(body) < 32 || !bytes.Equal(body[:32], s.graph[:]) {
			return
		}
		body = body[32:]
		size := 20 + 8*s.words
		for len(body) >= size && len(s.sets) < reachKeep {
			set := reachSet{bits: make(bitset, s.words)}
			copy(set.id[:], body[:20])
			for i := range set.bits {
				set.bits[i] = binary.LittleEndian.Uint64(body[20+8*i:])
			}
			s.sets = append(s.sets, set)
			body = body[size:]
		}
	})
}

// get returns what commit id reaches, if kept.
func (s *reachStore) get(id plumbing.Hash) (bitset, bool) {
	s.load()
	for _, set := range s.sets {
		if set.id == id {
			return set.bits, true
		}
	}
	return nil, false
}

// put keeps what commit id reaches (bits over the files' commits and
// maybe beyond: only the files' part is kept), dropping the oldest kept.
func (s *reachStore) put(id plumbing.Hash, bits bitset) {
	s.load()
	if _, ok := s.get(id); ok {
		return
	}
	set := reachSet{id: id, bits: make(bitset, s.words)}
	copy(set.bits, bits)
	if len(s.sets) >= reachKeep {
		s.sets = s.sets[:reachKeep-1]
	}
	s.sets = append([]reachSet{set}, s.sets...)
	s.changed = true
}

// save writes the store if this run added to it.
func (s *reachStore) save() error {
	if !s.changed {
		return nil
	}
	body := make([]byte, 0, 32+len(s.sets)*(20+8*s.words))
	body = append(body, s.graph[:]...)
	for _, set := range s.sets {
		body = append(body, set.id[:]...)
		for _, w := range set.bits {
			body = binary.LittleEndian.AppendUint64(body, w)
		}
	}
	if err := writeCacheFile(s.file, reachFormat, body); err != nil {
		return err
	}
	s.changed = false
	return nil
}
