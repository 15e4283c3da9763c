package policies

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
)

// Facts kept across runs: a commit's trailers and ABI change depend only
// on the commit and on the policy's nominations, evidence patterns and
// symbol map, so a History that keeps notes on commits (a repository
// with a cache) keeps them under a key naming those. A plan after one
// new commit then reads the others' facts instead of parsing messages
// and walking the symbol map's history again.

// noteStore is what a History may also do: keep notes on commits across
// runs ([branches.Repo.Note]).
type noteStore interface {
	Note(key, commit string) ([]byte, bool)
	SetNote(key, commit string, data []byte)
}

var _ noteStore = (*branches.Repo)(nil)

// factsKey names what a commit's facts depend on besides the commit.
func factsKey(p *Policy) string {
	var b strings.Builder
	b.WriteString("facts-v1")
	for _, n := range p.Fixes.Nominate {
		b.WriteString("\x00nominate:" + n)
	}
	for _, e := range p.Fixes.Evidence {
		b.WriteString("\x00evidence:" + e.Source)
	}
	b.WriteString("\x00symbol_map:" + p.ABI.SymbolMap)
	return b.String()
}

// storedFacts is a note of Facts: all but the commit itself.
type storedFacts struct {
	Trailers Trailers
	ABI      abi.SymbolDiff
}

// zeroFacts is how facts with nothing in them are stored: no bytes.
var zeroFacts, _ = json.Marshal(storedFacts{})

func encodeFacts(f Facts) ([]byte, error) {
	s := storedFacts{f.Trailers, f.ABI}
	if reflect.ValueOf(s).IsZero() { // most commits: no trailers, no ABI change
		return []byte{}, nil
	}
	data, err := json.Marshal(s)
	if err != nil || string(data) == string(zeroFacts) {
		return []byte{}, err
	}
	return data, nil
}

func decodeFacts(c branches.Commit, data []byte) (Facts, error) {
	f := Facts{Commit: c}
	if len(data) == 0 {
		return f, nil
	}
	var s storedFacts
	if err := json.Unmarshal(data, &s); err != nil {
		return Facts{}, err
	}
	f.Trailers, f.ABI = s.Trailers, s.ABI
	return f, nil
}

// storedFactsOf returns c's facts from the notes, if h keeps them.
func (b *Backport) storedFactsOf(c branches.Commit) (Facts, bool) {
	ns, ok := b.h.(noteStore)
	if !ok {
		return Facts{}, false
	}
	data, ok := ns.Note(b.factsKey, c.Hash)
	if !ok {
		return Facts{}, false
	}
	f, err := decodeFacts(c, data)
	return f, err == nil
}

// storeFacts keeps c's facts in the notes, if h keeps them.
func (b *Backport) storeFacts(f Facts) {
	ns, ok := b.h.(noteStore)
	if !ok {
		return
	}
	if data, err := encodeFacts(f); err == nil {
		ns.SetNote(b.factsKey, f.Commit.Hash, data)
	}
}

// unstored counts the commits whose facts the notes lack, up to max.
func (b *Backport) unstored(commits []branches.Commit, max int) int {
	ns, ok := b.h.(noteStore)
	if !ok {
		return len(commits)
	}
	n := 0
	for _, c := range commits {
		if _, ok := ns.Note(b.factsKey, c.Hash); !ok {
			if n++; n > max {
				break
			}
		}
	}
	return n
}
