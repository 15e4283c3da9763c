package kernel

import (
	"fmt"

	"github.com/tiered-release/tiered/versioning"
)

// Needs maps the identifiers a commit can use (enum constants and
// kfuncs) to the kernels that have them: the index behind the
// kernel-too-new rule.
type Needs struct {
	first map[string]versioning.Kernel // the first release with it; an -rc if no release has it
	index *Index
}

// Needs loads every kernel of the index and maps each enum constant and
// kfunc to the first kernel that has it. C keywords and the standard
// macros (false, true, NULL) are not kernel features, though the kernel's
// BTF has an enum of false and true.
func (idx *Index) Needs() (*Needs, error) {
	n := &Needs{first: map[string]versioning.Kernel{}, index: idx}
	for _, e := range idx.entries {
		if e.Version.IsZero() {
			continue
		}
		k, err := e.get()
		if err != nil {
			return nil, err
		}
		note := func(name string) {
			if notFeature[name] {
				return
			}
			if old, ok := n.first[name]; !ok || old.IsRC() && !e.Version.IsRC() {
				n.first[name] = e.Version
			}
		}
		for name := range k.values {
			note(name)
		}
		for name, tagged := range k.funcs {
			if tagged {
				note(name)
			}
		}
	}
	return n, nil
}

// notFeature are identifiers that are never kernel features: C's keywords
// and the macros of its standard headers. The kernel's BTF has some of
// them (enum { false, true } from linux/stddef.h).
var notFeature = map[string]bool{}

func init() {
	for _, s := range []string{
		"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
		"extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
		"short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
		"volatile", "while", "_Bool", "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic",
		"_Generic", "_Noreturn", "_Static_assert", "_Thread_local", "alignas", "alignof", "bool",
		"constexpr", "false", "nullptr", "static_assert", "thread_local", "true", "typeof", "typeof_unqual",
		"NULL", "EOF", "offsetof", "errno", "stdin", "stdout", "stderr",
	} {
		notFeature[s] = true
	}
}

// Judges reports whether the index has BTF for baseline, so that [Needs.Check]
// can say what it lacks; if not, the reason says what would make it.
func (n *Needs) Judges(baseline versioning.Kernel) (bool, string) {
	if baseline.IsZero() {
		return false, "the line has no kernel baseline (set kernels: in tiered.yaml)"
	}
	if _, _, err := n.index.baseline(baseline); err != nil {
		return false, fmt.Sprintf("%s: no BTF for kernel %s (%s; add kernel %s's BTF, named by its version, or pass --btf %s=PATH)", n.index.Source, baseline, n.index.have(), baseline, baseline)
	}
	return true, ""
}

// Check says whether baseline has ident. known is false for identifiers
// no kernel of the index has: not a kernel feature, as far as BTF knows.
// first is the first kernel of the index that has it. When the index has
// no BTF for baseline ([Needs.Judges]), ok is true: nothing is decided
// by another kernel.
func (n *Needs) Check(ident string, baseline versioning.Kernel) (ok, known bool, first versioning.Kernel) {
	first, known = n.first[ident]
	if !known {
		return true, false, first
	}
	e, _, err := n.index.baseline(baseline)
	if err != nil || baseline.IsZero() {
		return true, true, first
	}
	k, err := e.get()
	if err != nil {
		return true, true, first
	}
	_, enum := k.values[ident]
	return enum || k.funcs[ident], true, first
}
