package policies

import (
	"regexp"
	"slices"
	"strings"
)

// SymbolMap is an ELF version script: each exported symbol and the version
// node that exports it.
type SymbolMap map[string]string

var (
	mapComment = regexp.MustCompile(`(?s)/\*.*?\*/|#[^\n]*|//[^\n]*`)
	mapScope   = regexp.MustCompile(`^\s*(global|local)\s*:`)
	mapNode    = regexp.MustCompile(`(?s)([A-Za-z_][A-Za-z0-9_.]*)\s*\{(.*?)\}\s*([A-Za-z_][A-Za-z0-9_.]*)?\s*;`)
)

// ParseSymbolMap reads a version script. Wildcards (local: *;) are not
// symbols and are skipped.
func ParseSymbolMap(data []byte) SymbolMap {
	text := mapComment.ReplaceAllString(string(data), "")
	m := SymbolMap{}
	for _, node := range mapNode.FindAllStringSubmatch(text, -1) {
		name, body := node[1], node[2]
		global := true
		for _, stmt := range strings.Split(body, ";") {
			for {
				m := mapScope.FindStringSubmatch(stmt)
				if m == nil {
					break
				}
				global = m[1] == "global"
				stmt = stmt[len(m[0]):]
			}
			stmt = strings.TrimSpace(stmt)
			if stmt == "" || !global || strings.ContainsAny(stmt, "*?[ \t\n") {
				continue
			}
			m[stmt] = name
		}
	}
	return m
}

// SymbolDiff is how an exported ABI changed.
type SymbolDiff struct {
	Added   []string // new symbols: an ABI addition
	Removed []string // gone: an ABI break
	Moved   []string // "sym: OLD -> NEW" node changed: an ABI break
}

// IsBreak reports whether the diff removes or moves a symbol.
func (d SymbolDiff) IsBreak() bool { return len(d.Removed) > 0 || len(d.Moved) > 0 }

// DiffSymbols compares two symbol maps.
func DiffSymbols(old, new SymbolMap) SymbolDiff {
	var d SymbolDiff
	for sym, node := range new {
		if was, ok := old[sym]; !ok {
			d.Added = append(d.Added, sym)
		} else if was != node {
			d.Moved = append(d.Moved, sym+": "+was+" -> "+node)
		}
	}
	for sym := range old {
		if _, ok := new[sym]; !ok {
			d.Removed = append(d.Removed, sym)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	slices.Sort(d.Moved)
	return d
}
