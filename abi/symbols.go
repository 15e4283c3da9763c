package abi

import (
	"slices"
	"strings"
)

// SymbolMap is an ELF version script: each exported symbol and the version
// node that exports it.
type SymbolMap map[string]string

// ParseSymbolMap reads a version script: NODE { global: sym; local: *; }
// [PARENT]; blocks. Wildcards (local: *;) are not symbols and are skipped.
func ParseSymbolMap(data []byte) SymbolMap {
	text := stripMapComments(string(data))
	m := SymbolMap{}
	for {
		open := strings.IndexByte(text, '{')
		if open < 0 {
			return m
		}
		node := lastWord(text[:open])
		end := strings.IndexByte(text[open:], '}')
		if end < 0 {
			end = len(text) - open
		}
		body := text[open+1 : open+end]
		text = text[min(open+end+1, len(text)):]
		if node == "" {
			continue
		}
		global := true
		for _, stmt := range strings.Split(body, ";") {
			stmt = strings.TrimSpace(stmt)
			for {
				scope, rest, ok := strings.Cut(stmt, ":")
				scope = strings.TrimSpace(scope)
				if !ok || (scope != "global" && scope != "local") {
					break
				}
				global = scope == "global"
				stmt = strings.TrimSpace(rest)
			}
			if stmt == "" || !global || strings.ContainsAny(stmt, "*?[]{}; \t\r\n\"") {
				continue
			}
			m[stmt] = node
		}
	}
}

// stripMapComments removes /* */, # and // comments.
func stripMapComments(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		case s[i] == '#' || strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// lastWord is the identifier that ends s (before spaces): a node name.
func lastWord(s string) string {
	s = strings.TrimRight(s, " \t\r\n")
	i := len(s)
	for i > 0 {
		c := s[i-1]
		if c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i--
			continue
		}
		break
	}
	return s[i:]
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

// Within keeps the parts of d that are also in net: what a commit
// contributed to a net change.
func (d SymbolDiff) Within(net SymbolDiff) SymbolDiff {
	keep := func(xs, in []string) []string {
		var out []string
		for _, x := range xs {
			if slices.Contains(in, x) {
				out = append(out, x)
			}
		}
		return out
	}
	// A move is "sym: OLD -> NEW"; the net move may differ in OLD or NEW.
	var removedOrMoved []string
	removedOrMoved = append(removedOrMoved, net.Removed...)
	for _, m := range net.Moved {
		sym, _, _ := strings.Cut(m, ":")
		removedOrMoved = append(removedOrMoved, sym)
	}
	out := SymbolDiff{Added: keep(d.Added, net.Added)}
	for _, r := range d.Removed {
		if slices.Contains(removedOrMoved, r) {
			out.Removed = append(out.Removed, r)
		}
	}
	for _, m := range d.Moved {
		sym, _, _ := strings.Cut(m, ":")
		if slices.Contains(removedOrMoved, sym) {
			out.Moved = append(out.Moved, m)
		}
	}
	return out
}
