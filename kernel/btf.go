package kernel

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/tiered-release/tiered/versioning"
)

// ErrNoBTF reports that no BTF is known for a kernel the check needs.
var ErrNoBTF = errors.New("no kernel BTF")

// Availability is what one kernel says about a feature.
type Availability string

// Availabilities.
const (
	Present      Availability = "present"
	Missing      Availability = "missing"
	Unverifiable Availability = "unverifiable"
	// Renamed is an enum constant the kernel has under another name with
	// the same value, which the header's own history proves: a commit
	// replaced the one name by the other. Built code works; source using
	// the name does not compile against the kernel's headers.
	Renamed Availability = "renamed"
)

// BTF is one kernel's BTF, indexed by the names features ask for.
// Build it with [NewBTF]; it holds no file.
type BTF struct {
	// Identity is which kernel it is; its Version is zero when nothing
	// says.
	Identity
	// Source is where the BTF came from, for messages.
	Source string

	enums      map[string]bool             // named enums
	values     map[string]string           // enum constant → its enum ("" anonymous)
	byValue    map[string]map[int64]string // named enum → value → constant
	maxValue   map[string]int64            // named enum → its highest value
	composites map[string][]btf.Type       // struct and union by name
	funcs      map[string]bool             // function → carries the bpf_kfunc decl tag
	kfuncTags  bool                        // some function carries bpf_kfunc
}

// kfuncTag is the decl tag the kernel puts on kfuncs (BTF_KFUNC, pahole ≥ 1.25).
const kfuncTag = "bpf_kfunc"

// NewBTF indexes spec. It reads nothing.
func NewBTF(spec *btf.Spec, version versioning.Kernel, source string) (*BTF, error) {
	k := &BTF{
		Identity: Identity{Version: version}, Source: source,
		enums: map[string]bool{}, values: map[string]string{}, byValue: map[string]map[int64]string{},
		maxValue: map[string]int64{}, composites: map[string][]btf.Type{}, funcs: map[string]bool{},
	}
	if err := k.index(spec, source); err != nil {
		return nil, err
	}
	return k, nil
}

// index adds the types spec iterates: a kernel's, or a module's own.
func (k *BTF) index(spec *btf.Spec, source string) error {
	for typ, err := range spec.All() {
		if err != nil {
			return fmt.Errorf("%s: read BTF: %w", source, err)
		}
		switch t := typ.(type) {
		case *btf.Enum:
			if t.Name != "" {
				k.enums[t.Name] = true
				if k.byValue[t.Name] == nil {
					k.byValue[t.Name] = map[int64]string{}
				}
			}
			for _, v := range t.Values {
				if t.Name != "" {
					val := int64(v.Value)
					if t.Size == 4 && t.Signed {
						val = int64(int32(v.Value))
					}
					if _, dup := k.byValue[t.Name][val]; !dup {
						k.byValue[t.Name][val] = v.Name
					}
					if m, ok := k.maxValue[t.Name]; !ok || val > m {
						k.maxValue[t.Name] = val
					}
				}
				if _, ok := k.values[v.Name]; !ok || t.Name != "" {
					k.values[v.Name] = t.Name
				}
			}
		case *btf.Struct:
			if t.Name != "" {
				k.composites[t.Name] = append(k.composites[t.Name], t)
			}
		case *btf.Union:
			if t.Name != "" {
				k.composites[t.Name] = append(k.composites[t.Name], t)
			}
		case *btf.Func:
			tagged := slices.Contains(t.Tags, kfuncTag)
			k.funcs[t.Name] = k.funcs[t.Name] || tagged
			k.kfuncTags = k.kfuncTags || tagged
		}
	}
	return nil
}

// Label names the kernel for messages: its name or version, else its
// source.
func (k *BTF) Label() string {
	if !k.Version.IsZero() {
		return k.Identity.Label()
	}
	return k.Source
}

// Has says whether the kernel's BTF has f, with the reason when it is not
// simply present. It never answers [Renamed]: that takes history.
func (k *BTF) Has(f Feature) (Availability, string) {
	a := k.answer(f)
	return a.Availability, a.Reason
}

// answer is what one witness says about one feature.
type answer struct {
	Availability
	Reason string
	// Same is, for an enum constant missing from an enum the kernel has,
	// the kernel's constant with the same value; Bound says that constant
	// is the enum's bound (a sentinel), not a feature.
	Same  string
	Bound bool
}

func (k *BTF) answer(f Feature) answer {
	switch f.Kind {
	case KindEnumValue:
		if _, ok := k.values[f.Name]; ok {
			return answer{Availability: Present}
		}
		if name, ok := strings.CutPrefix(f.Container, "enum "); ok {
			if k.enums[name] {
				a := answer{Availability: Missing, Reason: fmt.Sprintf("enum %s has no %s", name, f.Name)}
				if other, ok := k.byValue[name][f.Value]; ok && f.HasValue {
					a.Same, a.Bound = other, k.bound(name, other, f.Value)
					if a.Bound {
						a.Reason += fmt.Sprintf("; its value %d is %s there, the enum's bound", f.Value, other)
					} else {
						a.Reason += fmt.Sprintf("; its value %d means %s there", f.Value, other)
					}
				}
				return a
			}
			return answer{Availability: Unverifiable, Reason: fmt.Sprintf("enum %s is not in the BTF (a kernel built without its subsystem, or one that never uses it, has no BTF for it)", name)}
		}
		if f.Group != "" && f.Group != f.Name {
			if _, ok := k.values[f.Group]; ok {
				return answer{Availability: Missing, Reason: fmt.Sprintf("the enum of %s has no %s", f.Group, f.Name)}
			}
		}
		return answer{Availability: Unverifiable, Reason: "no constant of its anonymous enum is in the BTF (an enum the kernel never uses has no BTF)"}
	case KindType:
		if k.enums[f.Name] || len(k.composites[f.Name]) > 0 {
			return answer{Availability: Present}
		}
		return answer{Availability: Unverifiable, Reason: "the type is not in the BTF (a type the kernel never uses has no BTF)"}
	case KindMember:
		a, why := k.hasMember(f)
		return answer{Availability: a, Reason: why}
	case KindFunc:
		if _, ok := k.funcs[f.Name]; ok {
			return answer{Availability: Present}
		}
		return answer{Availability: Missing, Reason: fmt.Sprintf("no function %s", f.Name)}
	case KindKfunc:
		tagged, ok := k.funcs[f.Name]
		switch {
		case ok && tagged:
			return answer{Availability: Present}
		case !ok && k.kfuncTags:
			return answer{Availability: Missing, Reason: fmt.Sprintf("no kfunc %s", f.Name)}
		case !ok:
			return answer{Availability: Missing, Reason: fmt.Sprintf("no function %s", f.Name)}
		case k.kfuncTags:
			return answer{Availability: Missing, Reason: fmt.Sprintf("%s is a function but not a kfunc", f.Name)}
		}
		return answer{Availability: Unverifiable, Reason: fmt.Sprintf("%s exists, but this BTF has no %s decl tags (pahole before 1.25)", f.Name, kfuncTag)}
	case KindDefine:
		return answer{Availability: Unverifiable, Reason: "#define constants are not in BTF"}
	}
	return answer{Availability: Unverifiable, Reason: fmt.Sprintf("unknown feature kind %q", f.Kind)}
}

// bound reports whether the kernel's constant name, of value v in enum,
// is the enum's bound: a "__" name, or a MAX_ or _MAX name at the enum's
// highest value.
func (k *BTF) bound(enum, name string, v int64) bool {
	if strings.HasPrefix(name, "__") {
		return true
	}
	return boundName(name) && v >= k.maxValue[enum]
}

func (k *BTF) hasMember(f Feature) (Availability, string) {
	if len(f.Path) < 2 {
		return Unverifiable, "no member path"
	}
	roots := k.composites[f.Path[0]]
	kind, _, _ := strings.Cut(f.Container, " ")
	var root btf.Type
	for _, r := range roots {
		if root == nil || kind == "struct" && isStruct(r) || kind == "union" && !isStruct(r) {
			root = r
		}
	}
	if root == nil {
		return Unverifiable, fmt.Sprintf("%s is not in the BTF (a type the kernel never uses has no BTF)", strings.TrimSpace(kind+" "+f.Path[0]))
	}
	cur := root
	for i, name := range f.Path[1:] {
		m, ok := findMember(cur, name, 0)
		if !ok {
			return Missing, fmt.Sprintf("%s has no member %s", strings.Join(f.Path[:i+1], "."), name)
		}
		if i == len(f.Path)-2 {
			break
		}
		next, ok := composite(m.Type)
		if !ok {
			return Missing, fmt.Sprintf("%s is not a struct or union", strings.Join(f.Path[:i+2], "."))
		}
		cur = next
	}
	return Present, ""
}

func isStruct(c btf.Type) bool {
	_, ok := c.(*btf.Struct)
	return ok
}

// findMember finds name among c's members, walking into unnamed struct
// and union members as C does (bpf_attr.link_create.kprobe_multi).
func findMember(c btf.Type, name string, depth int) (btf.Member, bool) {
	if depth > 32 {
		return btf.Member{}, false
	}
	for _, m := range members(c) {
		if m.Name == name {
			return m, true
		}
		if m.Name == "" {
			if inner, ok := composite(m.Type); ok {
				if found, ok := findMember(inner, name, depth+1); ok {
					return found, true
				}
			}
		}
	}
	return btf.Member{}, false
}

func members(t btf.Type) []btf.Member {
	switch c := t.(type) {
	case *btf.Struct:
		return c.Members
	case *btf.Union:
		return c.Members
	}
	return nil
}

// composite peels typedefs, qualifiers and arrays down to a struct or union.
func composite(t btf.Type) (btf.Type, bool) {
	for range 32 {
		t = btf.UnderlyingType(t)
		if a, ok := t.(*btf.Array); ok {
			t = a.Type
			continue
		}
		switch c := t.(type) {
		case *btf.Struct:
			return c, true
		case *btf.Union:
			return c, true
		}
		return nil, false
	}
	return nil, false
}

// Index is a set of kernels' BTF ordered by version: the baseline a check
// runs against, the other kernels a matrix shows, and the history that
// explains a missing feature.
type Index struct {
	// Source is the files and directories it came from.
	Source string
	// Skipped are the files of its directories that were not read, and why.
	Skipped []Skip
	entries []*kernelEntry
	headers []*Headers // kernel UAPI headers that match no kernel of the index
}

type kernelEntry struct {
	Identity
	source  string
	load    func() (*BTF, error)
	k       *BTF
	err     error
	headers *Headers // the kernel's own UAPI headers, a second witness
}

func (e *kernelEntry) get() (*BTF, error) {
	if e.k == nil && e.err == nil {
		e.k, e.err = e.load()
	}
	return e.k, e.err
}

// label names the kernel: its name, else its file.
func (e *kernelEntry) label() string {
	if e.Version.IsZero() {
		return e.source
	}
	return e.Identity.Label()
}

// NewIndex orders kernels into an index. It reads nothing.
func NewIndex(source string, kernels ...*BTF) *Index {
	idx := &Index{Source: source}
	for _, k := range kernels {
		idx.entries = append(idx.entries, &kernelEntry{Identity: k.Identity, source: k.Source, k: k})
	}
	idx.sort()
	return idx
}

func (idx *Index) sort() {
	slices.SortStableFunc(idx.entries, func(a, b *kernelEntry) int { return a.Version.Compare(b.Version) })
}

// Versions lists the kernels with a version, oldest first.
func (idx *Index) Versions() []versioning.Kernel {
	var out []versioning.Kernel
	for _, e := range idx.entries {
		if !e.Version.IsZero() {
			out = append(out, e.Version)
		}
	}
	return out
}

// Kernels lists the kernels of the index, oldest first: which kernel
// each is, and how that is known.
func (idx *Index) Kernels() []Identity {
	out := make([]Identity, len(idx.entries))
	for i, e := range idx.entries {
		out[i] = e.Identity
	}
	return out
}

// Baseline returns the BTF to check a line with baseline v against: the
// kernel v itself, else a stable or distro update of release v (the
// oldest: 6.1.0-28-amd64 for 6.1), else, when v has no BTF yet, its
// newest -rc, with provisional set. A zero v takes the index's only
// kernel. A kernel whose version nothing states is never a baseline.
// It returns an error wrapping [ErrNoBTF] otherwise, naming the kernels
// the index has.
func (idx *Index) Baseline(v versioning.Kernel) (k *BTF, provisional bool, err error) {
	e, provisional, err := idx.baseline(v)
	if err != nil {
		return nil, false, err
	}
	k, err = e.get()
	return k, provisional, err
}

func (idx *Index) baseline(v versioning.Kernel) (*kernelEntry, bool, error) {
	if v.IsZero() {
		if len(idx.entries) == 1 {
			return idx.entries[0], false, nil
		}
		return nil, false, fmt.Errorf("%s: %w: the line has no kernel baseline and there are %d kernels (set kernels: in tiered.yaml, or pass one BTF file)", idx.Source, ErrNoBTF, len(idx.entries))
	}
	var exact, stable, rc *kernelEntry
	for _, e := range idx.entries {
		switch {
		case e.Version.IsZero():
		case e.Version.Compare(v) == 0 && !e.Stable() && exact == nil:
			exact = e
		case e.Version.Compare(v) == 0 || e.Release().Compare(releaseOf(v)) == 0 && !v.IsRC() && e.Version.Compare(v) >= 0:
			if stable == nil {
				stable = e
			}
		case !v.IsRC() && e.Version.IsRC() && e.Version.Final().Compare(v) == 0:
			rc = e
		}
	}
	switch {
	case exact != nil:
		return exact, false, nil
	case stable != nil:
		return stable, false, nil
	case rc != nil:
		return rc, true, nil
	}
	return nil, false, fmt.Errorf("%s: %w for kernel %s (%s; add kernel %s's BTF, named by its version, or pass --btf %s=PATH)", idx.Source, ErrNoBTF, v, idx.have(), v, v)
}

// have lists the kernels of the index for messages: "have 6.8, 6.10 (the
// running kernel); x.btf names no kernel".
func (idx *Index) have() string {
	var named, unnamed []string
	for _, e := range idx.entries {
		if e.Version.IsZero() {
			unnamed = append(unnamed, e.source)
			continue
		}
		s := e.label()
		if e.By == ByRunning {
			s += " (the running kernel)"
		}
		named = append(named, s)
	}
	var parts []string
	if len(named) > 0 {
		parts = append(parts, "have "+strings.Join(named, ", "))
	} else {
		parts = append(parts, "have none")
	}
	if len(unnamed) > 0 {
		parts = append(parts, strings.Join(unnamed, ", ")+" "+noVersion)
	}
	return strings.Join(parts, "; ")
}

// skippedNote says which files of a directory were skipped, for errors.
func (idx *Index) skippedNote() string {
	if len(idx.Skipped) == 0 {
		return ""
	}
	var names []string
	for _, s := range idx.Skipped {
		names = append(names, filepath.Base(s.Path))
	}
	return "; skipped " + strings.Join(names, ", ")
}

// Seen is one kernel's answer for a feature.
type Seen struct {
	Kernel       versioning.Kernel
	Identity     Identity
	Availability Availability
}

// Trace asks every versioned kernel of the index about f, oldest first,
// BTF first and the kernel's own headers where BTF cannot say. It loads
// each kernel's BTF once.
func (idx *Index) Trace(f Feature) ([]Seen, error) { return idx.trace(f, nil) }

// LoadBTF reads one kernel (see [Read]) and indexes it. It is the kernel
// its name or its banner says, else its version is zero.
func LoadBTF(file string) (*BTF, error) {
	e, err := loadFile(file, versioning.Kernel{}, LoadOptions{})
	if err != nil {
		return nil, err
	}
	return e.k, nil
}
