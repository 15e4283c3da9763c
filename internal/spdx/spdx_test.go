package spdx

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct{ in, want, licenses string }{
		{"MIT", "MIT", "MIT"},
		{"mit", "MIT", "MIT"},
		{"LGPL-2.1 OR BSD-2-Clause", "LGPL-2.1-only OR BSD-2-Clause", "LGPL-2.1-only BSD-2-Clause"},
		{"(LGPL-2.1 OR BSD-2-Clause)", "LGPL-2.1-only OR BSD-2-Clause", "LGPL-2.1-only BSD-2-Clause"},
		{"lgpl-2.1+ or bsd-2-clause", "LGPL-2.1-or-later OR BSD-2-Clause", "LGPL-2.1-or-later BSD-2-Clause"},
		{"GPL-2.0-only WITH Linux-syscall-note", "GPL-2.0-only WITH Linux-syscall-note", "GPL-2.0-only WITH Linux-syscall-note"},
		{"MIT AND (Apache-2.0 OR BSD-3-Clause)", "MIT AND (Apache-2.0 OR BSD-3-Clause)", "MIT Apache-2.0 BSD-3-Clause"},
		{"MIT AND Apache-2.0 OR BSD-3-Clause", "MIT AND Apache-2.0 OR BSD-3-Clause", "MIT Apache-2.0 BSD-3-Clause"},
		{"(MIT OR ISC) OR Zlib", "MIT OR ISC OR Zlib", "MIT ISC Zlib"},
		{"MIT OR MIT", "MIT OR MIT", "MIT"},
		{"LicenseRef-Proprietary", "LicenseRef-Proprietary", "LicenseRef-Proprietary"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var ids []string
		for _, l := range e.Licenses() {
			ids = append(ids, l.String())
		}
		if got := strings.Join(ids, " "); got != tt.licenses {
			t.Errorf("Parse(%q).Licenses() = %q, want %q", tt.in, got, tt.licenses)
		}
		// The canonical form parses to itself.
		again, err := Parse(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("Parse(%q) = %v, %v: not a fixed point", e.String(), again, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "MIT OR", "OR MIT", "(MIT", "MIT)", "MIT AND AND ISC", "GPL-2.0-only+", "M!T", "MIT WITH", "MIT ISC"} {
		if e, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, %v; want an error wrapping ErrSyntax", in, e, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"MIT", "LGPL-2.1 OR BSD-2-Clause", "(a AND b) OR c WITH d", "a+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(e.String())
		if err != nil || again.String() != e.String() {
			t.Fatalf("Parse(%q) = %q, which parses to %v, %v", s, e, again, err)
		}
	})
}
