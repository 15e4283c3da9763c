package policies

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
)

// Facts is what tiered knows about one commit (DESIGN §3).
type Facts struct {
	Commit branches.Commit
	Trailers
	// ABI is how the commit changed the symbol map; zero if it did not.
	ABI abi.SymbolDiff
}

// IsFix reports whether the commit carries fix evidence as a stable line
// counts it: a line of [Trailers.Evidence] (a Fixes: trailer, an issue it
// closes, a nomination, a policy pattern), a revert, or a backport marker.
func (f Facts) IsFix() bool {
	return len(f.Evidence) > 0 || f.Reverts != nil || len(f.BackportOf) > 0
}

// FixEvidence names the evidence that makes the commit a fix, for a
// reason; "" when there is none.
func (f Facts) FixEvidence() string {
	switch {
	case len(f.Evidence) > 0:
		return f.Evidence[0]
	case f.Reverts != nil:
		return "a revert"
	case len(f.BackportOf) > 0:
		return "a backport of " + branches.Short(f.BackportOf[0])
	}
	return ""
}

// ReadFacts reads the facts of commit c: its trailers and, when the policy
// names a symbol map, its ABI change against its first parent.
func ReadFacts(h History, p *Policy, c branches.Commit) (Facts, error) {
	return readFacts(h, p, c, nil)
}

// readFacts is [ReadFacts] with the symbol map's changes over a range read
// beforehand (nil: none), for the commits of that range.
func readFacts(h History, p *Policy, c branches.Commit, idx *symbolIndex) (Facts, error) {
	f := Facts{Commit: c, Trailers: ParseTrailers(c.Subject, c.Message, p.Fixes.Nominate)}
	for _, e := range p.Fixes.Evidence {
		if line, ok := e.match(c.Message); ok && !slices.Contains(f.Evidence, line) {
			f.Evidence = append(f.Evidence, line)
		}
	}
	if p.ABI.SymbolMap == "" || c.IsMerge() {
		return f, nil
	}
	var d abi.SymbolDiff
	var err error
	if ch, ok := idx.lookup(c.Hash); ok {
		d, err = symbolDiffOf(h, p.ABI.SymbolMap, c, ch)
	} else {
		d, err = symbolChange(h, p.ABI.SymbolMap, c)
	}
	if err != nil {
		return f, err
	}
	f.ABI = d
	return f, nil
}

// pathHistory is what a [History] may also do: list the changes of one
// path over a range in one walk, as git log -- path does, where
// [History.ChangedPaths] would diff the whole tree of every commit.
type pathHistory interface {
	PathHistory(from []string, to, path string) ([]branches.PathChange, error)
}

var _ pathHistory = (*branches.Repo)(nil)

// symbolIndex is the symbol map's changes over one range of commits.
type symbolIndex struct {
	covers  map[string]bool
	changes map[string]branches.PathChange
}

// indexSymbols reads the symbol map's changes over from..to, whose commits
// are commits, in one walk; nil when the policy names no symbol map or h
// cannot walk a path's history (then each commit's facts diff its tree).
func indexSymbols(h History, p *Policy, from []string, to string, commits []branches.Commit) (*symbolIndex, error) {
	ph, ok := h.(pathHistory)
	if !ok || p.ABI.SymbolMap == "" {
		return nil, nil
	}
	list, err := ph.PathHistory(from, to, p.ABI.SymbolMap)
	if err != nil {
		return nil, err
	}
	idx := &symbolIndex{covers: make(map[string]bool, len(commits)), changes: make(map[string]branches.PathChange, len(list))}
	for _, c := range commits {
		idx.covers[c.Hash] = true
	}
	for _, ch := range list {
		idx.changes[ch.Commit] = ch
	}
	return idx, nil
}

// lookup returns the change of commit: ok when the index covers it, with
// a zero change when the commit left the symbol map as it was.
func (x *symbolIndex) lookup(commit string) (branches.PathChange, bool) {
	if x == nil || !x.covers[commit] {
		return branches.PathChange{}, false
	}
	return x.changes[commit], true
}

// symbolDiffOf diffs the symbol map across a change the index found.
func symbolDiffOf(h History, path string, c branches.Commit, ch branches.PathChange) (abi.SymbolDiff, error) {
	if ch.From == ch.To {
		return abi.SymbolDiff{}, nil
	}
	newMap, err := parsedMap(h, path, c.Hash, ch.To)
	if err != nil {
		return abi.SymbolDiff{}, err
	}
	oldMap := abi.SymbolMap{}
	if ch.From != "" && len(c.Parents) > 0 {
		if oldMap, err = parsedMap(h, path, c.Parents[0], ch.From); err != nil {
			return abi.SymbolDiff{}, err
		}
	}
	return abi.DiffSymbols(oldMap, newMap), nil
}

// ABIBetween returns the net change of the symbol map from commit from
// ("" for none) to commit to. A symbol added and then moved between two
// releases never shipped in its first node, so only the net change counts
// for a release.
func ABIBetween(h History, p *Policy, from, to string) (abi.SymbolDiff, error) {
	if p.ABI.SymbolMap == "" {
		return abi.SymbolDiff{}, nil
	}
	read := func(commit string) (abi.SymbolMap, error) { return readSymbolMap(h, p.ABI.SymbolMap, commit) }
	old, err := read(from)
	if err != nil {
		return abi.SymbolDiff{}, err
	}
	now, err := read(to)
	if err != nil {
		return abi.SymbolDiff{}, err
	}
	return abi.DiffSymbols(old, now), nil
}

// symbolChange diffs the symbol map of c against its first parent, reading
// the files only when their blob ids differ.
func symbolChange(h History, path string, c branches.Commit) (abi.SymbolDiff, error) {
	changed, err := h.ChangedPaths(c.Hash)
	if err != nil {
		return abi.SymbolDiff{}, err
	}
	if _, ok := slices.BinarySearch(changed, path); !ok {
		return abi.SymbolDiff{}, nil
	}
	now, err := h.FileID(c.Hash, path)
	if err != nil {
		return abi.SymbolDiff{}, err
	}
	was := ""
	if len(c.Parents) > 0 {
		if was, err = h.FileID(c.Parents[0], path); err != nil {
			return abi.SymbolDiff{}, err
		}
	}
	if now == was {
		return abi.SymbolDiff{}, nil
	}
	newMap, err := parsedMap(h, path, c.Hash, now)
	if err != nil {
		return abi.SymbolDiff{}, err
	}
	oldMap := abi.SymbolMap{}
	if was != "" {
		if oldMap, err = parsedMap(h, path, c.Parents[0], was); err != nil {
			return abi.SymbolDiff{}, err
		}
	}
	return abi.DiffSymbols(oldMap, newMap), nil
}

// readSymbolMap reads the version script at path in commit; no commit ("")
// or no file is an empty map.
func readSymbolMap(h History, path, commit string) (abi.SymbolMap, error) {
	if commit == "" {
		return abi.SymbolMap{}, nil
	}
	data, err := h.ReadFile(commit, path)
	if errors.Is(err, branches.ErrNoFile) {
		return abi.SymbolMap{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read symbol map: %w", err)
	}
	return abi.ParseSymbolMap(data), nil
}

// mapCache keeps parsed symbol maps by blob id: a plan diffs each version
// of the map against the next, and a blob's content never changes.
var mapCache struct {
	sync.Mutex
	m map[string]abi.SymbolMap
}

// parsedMap reads and parses the map blob id at commit, once.
func parsedMap(h History, path, commit, id string) (abi.SymbolMap, error) {
	if id == "" {
		return abi.SymbolMap{}, nil
	}
	mapCache.Lock()
	m, ok := mapCache.m[id]
	mapCache.Unlock()
	if ok {
		return m, nil
	}
	m, err := readSymbolMap(h, path, commit)
	if err != nil {
		return nil, err
	}
	mapCache.Lock()
	if mapCache.m == nil || len(mapCache.m) > 64 {
		mapCache.m = map[string]abi.SymbolMap{}
	}
	mapCache.m[id] = m
	mapCache.Unlock()
	return m, nil
}
