// Package spdx parses SPDX license expressions (SPDX specification,
// annex D), the form tiered.yaml's packaging.license takes and rpm's
// License tag carries:
//
//	expression := and { "OR" and }
//	and        := term { "AND" term }
//	term       := "(" expression ")" | license [ "WITH" exception ]
//	license    := id [ "+" ]
//
// Operators may be written in upper or lower case. Deprecated GNU ids are
// normalised to their current form (LGPL-2.1 is LGPL-2.1-only, GPL-2.0+
// is GPL-2.0-or-later), and the case of well-known ids is corrected
// (mit is MIT). It touches nothing but its input.
package spdx

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrSyntax is what every parse error wraps.
var ErrSyntax = errors.New("bad SPDX license expression")

// Expression is a parsed license expression: a license (ID set), or Op
// ("AND" or "OR") over Args.
type Expression struct {
	Op   string
	Args []*Expression
	// ID is a license's SPDX id, normalised ("LGPL-2.1-only").
	ID string
	// Exception is the id after WITH ("Linux-syscall-note").
	Exception string
}

// Parse parses an SPDX license expression. Errors wrap [ErrSyntax].
func Parse(s string) (*Expression, error) {
	p := &parser{src: s, toks: tokenize(s)}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrSyntax)
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("%w %q: unexpected %q", ErrSyntax, s, p.toks[p.i])
	}
	return e, nil
}

// String is the expression in SPDX form, parenthesised only where an OR
// sits inside an AND: "LGPL-2.1-only OR BSD-2-Clause".
func (e *Expression) String() string {
	if e.Op == "" {
		if e.Exception != "" {
			return e.ID + " WITH " + e.Exception
		}
		return e.ID
	}
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
		if e.Op == "AND" && a.Op == "OR" {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " "+e.Op+" ")
}

// Licenses lists the expression's licenses in order of appearance, each
// once.
func (e *Expression) Licenses() []*Expression {
	var out []*Expression
	var walk func(*Expression)
	walk = func(x *Expression) {
		if x.Op == "" {
			if !slices.ContainsFunc(out, func(y *Expression) bool { return y.ID == x.ID && y.Exception == x.Exception }) {
				out = append(out, x)
			}
			return
		}
		for _, a := range x.Args {
			walk(a)
		}
	}
	walk(e)
	return out
}

type parser struct {
	src  string
	toks []string
	i    int
}

func tokenize(s string) []string {
	var out []string
	cur := ""
	flush := func() {
		if cur != "" {
			out = append(out, cur)
			cur = ""
		}
	}
	for _, r := range s {
		switch {
		case r == '(' || r == ')':
			flush()
			out = append(out, string(r))
		case r == ' ' || r == '\t' || r == '\n':
			flush()
		default:
			cur += string(r)
		}
	}
	flush()
	return out
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func isOp(tok, op string) bool { return tok == op || tok == strings.ToLower(op) }

func (p *parser) or() (*Expression, error) {
	return p.binary("OR", p.and)
}

func (p *parser) and() (*Expression, error) {
	return p.binary("AND", p.term)
}

func (p *parser) binary(op string, next func() (*Expression, error)) (*Expression, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	args := []*Expression{first}
	for isOp(p.peek(), op) {
		p.i++
		x, err := next()
		if err != nil {
			return nil, err
		}
		if x.Op == op { // (a OR b) OR c is a OR b OR c
			args = append(args, x.Args...)
		} else {
			args = append(args, x)
		}
	}
	if len(args) == 1 {
		return first, nil
	}
	return &Expression{Op: op, Args: args}, nil
}

func (p *parser) term() (*Expression, error) {
	tok := p.peek()
	switch {
	case tok == "":
		return nil, fmt.Errorf("%w %q: ends where a license should be", ErrSyntax, p.src)
	case tok == "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("%w %q: missing )", ErrSyntax, p.src)
		}
		p.i++
		return e, nil
	case tok == ")" || isOp(tok, "AND") || isOp(tok, "OR") || isOp(tok, "WITH"):
		return nil, fmt.Errorf("%w %q: unexpected %q where a license should be", ErrSyntax, p.src, tok)
	}
	p.i++
	id, err := normalize(tok)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrSyntax, p.src, err)
	}
	e := &Expression{ID: id}
	if isOp(p.peek(), "WITH") {
		p.i++
		exc := p.peek()
		if exc == "" || !validID(exc) {
			return nil, fmt.Errorf("%w %q: WITH needs an exception id", ErrSyntax, p.src)
		}
		p.i++
		e.Exception = exc
	}
	return e, nil
}

// validID reports whether s is an SPDX idstring: letters, digits, "." and "-".
func validID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// deprecated maps the GNU ids SPDX deprecated to their current ones.
var deprecated = map[string]string{
	"GPL-1.0": "GPL-1.0-only", "GPL-1.0+": "GPL-1.0-or-later",
	"GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later",
	"GPL-3.0": "GPL-3.0-only", "GPL-3.0+": "GPL-3.0-or-later",
	"LGPL-2.0": "LGPL-2.0-only", "LGPL-2.0+": "LGPL-2.0-or-later",
	"LGPL-2.1": "LGPL-2.1-only", "LGPL-2.1+": "LGPL-2.1-or-later",
	"LGPL-3.0": "LGPL-3.0-only", "LGPL-3.0+": "LGPL-3.0-or-later",
	"GFDL-1.2": "GFDL-1.2-only", "GFDL-1.3": "GFDL-1.3-only",
}

// Known are the license ids tiered knows by name: their case is
// corrected, and package packaging knows how Debian names them.
var Known = []string{
	"0BSD", "Apache-2.0", "Artistic-2.0", "BSD-2-Clause", "BSD-3-Clause", "BSL-1.0", "CC0-1.0",
	"GFDL-1.2-only", "GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later",
	"GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
	"ISC", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
	"MIT", "MPL-1.1", "MPL-2.0", "Unlicense", "Zlib",
}

// normalize checks a license id and gives its current, well-cased form.
func normalize(tok string) (string, error) {
	plus := strings.HasSuffix(tok, "+")
	base := strings.TrimSuffix(tok, "+")
	if !validID(base) {
		return "", fmt.Errorf("%q is not a license id (letters, digits, . and -)", tok)
	}
	for _, k := range Known {
		if strings.EqualFold(k, base) {
			base = k
		}
	}
	for old := range deprecated {
		if strings.EqualFold(old, base) {
			base = old
		}
	}
	if plus {
		if n, ok := deprecated[base+"+"]; ok {
			return n, nil
		}
		if strings.HasSuffix(base, "-only") || strings.HasSuffix(base, "-or-later") {
			return "", fmt.Errorf("%q: a + after -only or -or-later", tok)
		}
		return base + "+", nil
	}
	if n, ok := deprecated[base]; ok {
		return n, nil
	}
	return base, nil
}
