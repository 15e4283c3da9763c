package kernel

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/versioning"
)

// Config says where a release declares the kernel features it needs: its
// copies of the kernel's UAPI headers and an optional manifest, both paths
// in the release's tree.
type Config struct {
	Headers  []string
	Manifest string
}

// History is what explaining a missing feature asks of a repository: file
// contents at a commit, ancestry, first-parent chains, and which commits
// are reverts. Package branches provides the first four, package policies
// the revert fact; tests use a map-backed fake.
type History interface {
	// ReadFile returns path at commit: an error wrapping fs.ErrNotExist
	// when the commit has no such file.
	ReadFile(commit, path string) ([]byte, error)
	// FileID returns the blob id of path at commit, "" if absent.
	FileID(commit, path string) (string, error)
	// IsAncestor reports whether a is reachable from b.
	IsAncestor(a, b string) (bool, error)
	// FirstParents lists commit and its first-parent ancestors, newest
	// first, at most max of them.
	FirstParents(commit string, max int) ([]string, error)
	// Parents lists a commit's parents, the first parent first.
	Parents(commit string) ([]string, error)
	// IsRevert reports whether a commit reverts another.
	IsRevert(commit string) (bool, error)
}

// ErrMissingFeature is what a [MissingFeatureError] is.
var ErrMissingFeature = errors.New("missing kernel feature")

// MissingFeatureError is the features gate refusing a release: a feature
// the release needs is not in its baseline kernel.
type MissingFeatureError struct {
	Feature, Kernel, IntroducedIn string
	RevertedBy                    []string
}

func (e *MissingFeatureError) Error() string {
	s := fmt.Sprintf("needs %s, which kernel %s does not have", e.Feature, e.Kernel)
	if e.IntroducedIn != "" {
		s += " (first in " + e.IntroducedIn + ")"
	}
	if len(e.RevertedBy) > 0 {
		s += " (reverted by " + strings.Join(e.RevertedBy, ", ") + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrMissingFeature) true.
func (e *MissingFeatureError) Is(target error) bool { return target == ErrMissingFeature }

// Report is the answer of a features check (DESIGN §5, §9).
type Report struct {
	Commit string `json:"commit"`
	// Kernel is the kernel checked against; Provisional says it is an -rc
	// standing in for a baseline that has no final BTF yet.
	Kernel      string `json:"kernel"`
	Provisional bool   `json:"provisional"`
	// Checked counts the distinct features the release needs.
	Checked      int                 `json:"checked"`
	Missing      []MissingFeature    `json:"missing"`
	Unverifiable []UnverifiedFeature `json:"unverifiable"`
	// Renamed are constants the kernel has under another name with the
	// same value (the 5.10-rc names libbpf 0.2 shipped): not missing, but
	// source that uses the name does not build against the kernel's UAPI.
	Renamed []UnverifiedFeature `json:"renamed"`
}

// OK reports whether nothing is missing.
func (r *Report) OK() bool { return len(r.Missing) == 0 }

// Err is the first missing feature as a [MissingFeatureError], nil if none.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	m := r.Missing[0]
	return &MissingFeatureError{Feature: m.Feature, Kernel: r.Kernel, IntroducedIn: m.FirstKernel, RevertedBy: m.RevertedBy}
}

// MissingFeature is a needed feature the kernel lacks, and why.
type MissingFeature struct {
	Feature string      `json:"feature"`
	Kind    FeatureKind `json:"kind"`
	Source  string      `json:"source"`
	Reason  string      `json:"reason"`
	// IntroducedBy are the commits of the release's history that added it.
	IntroducedBy []string `json:"introduced_by"`
	// RevertedBy are the reverts, elsewhere in the repository, that removed
	// it; RemovedBy are other commits that did.
	RevertedBy []string `json:"reverted_by"`
	RemovedBy  []string `json:"removed_by,omitempty"`
	// FirstKernel is the oldest kernel of the index that has it.
	FirstKernel string `json:"first_kernel,omitempty"`
}

// UnverifiedFeature is a feature BTF cannot speak for.
type UnverifiedFeature struct {
	Feature string      `json:"feature"`
	Kind    FeatureKind `json:"kind"`
	Reason  string      `json:"reason"`
}

// ReadNeeds lists the kernel features the tree at commit needs: those its
// copies of the UAPI headers declare and those its manifest lists, each
// once. Configured files the commit does not have are skipped.
func ReadNeeds(h History, cfg Config, commit string) ([]Feature, error) {
	var out []Feature
	seen := map[string]bool{}
	add := func(fs []Feature) {
		for _, f := range fs {
			if !seen[f.ID] {
				seen[f.ID] = true
				out = append(out, f)
			}
		}
	}
	for _, path := range cfg.Headers {
		data, err := h.ReadFile(commit, path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		fs, err := ParseHeader(path, data)
		if err != nil {
			return nil, err
		}
		add(fs)
	}
	if m := cfg.Manifest; m != "" {
		data, err := h.ReadFile(commit, m)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err == nil {
			fs, err := ParseManifest(m+"@"+short(commit), data)
			if err != nil {
				return nil, err
			}
			add(fs)
		}
	}
	return out, nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// Check proves a release's kernel needs against a baseline kernel.
type Check struct {
	History History
	Config  Config
	Index   *Index
	// Baseline is the kernel the line targets (zero: the index's only file).
	Baseline versioning.Kernel
	// Elsewhere are tips (trunk, other lines) searched for the commits that
	// removed a missing feature.
	Elsewhere []string
	// ElsewhereFunc, if set, gives Elsewhere when it is first needed: only
	// a missing feature is explained from history.
	ElsewhereFunc func() ([]string, error)
}

// Check checks the release at commit.
func (c *Check) Check(commit string) (*Report, error) {
	k, provisional, err := c.Index.Baseline(c.Baseline)
	if err != nil {
		return nil, err
	}
	needs, err := ReadNeeds(c.History, c.Config, commit)
	if err != nil {
		return nil, err
	}
	label := k.Label()
	if k.Version.IsZero() && !c.Baseline.IsZero() {
		label = fmt.Sprintf("%s (%s)", c.Baseline, k.Source)
	}
	r := &Report{Commit: commit, Kernel: label, Provisional: provisional, Checked: len(needs),
		Missing: []MissingFeature{}, Unverifiable: []UnverifiedFeature{}, Renamed: []UnverifiedFeature{}}
	var missing []Feature
	for _, f := range needs {
		a, why := k.Has(f)
		var first string
		switch a {
		case Present:
			continue
		case Renamed:
			r.Renamed = append(r.Renamed, UnverifiedFeature{f.ID, f.Kind, why})
			continue
		case Missing:
			why, first, err = c.explainByKernels(f, k, why)
		case Unverifiable:
			// Another kernel of the index may speak for it.
			a, why, first, err = c.verifyByKernels(f, k, why)
		}
		if err != nil {
			return nil, err
		}
		if a == Unverifiable {
			r.Unverifiable = append(r.Unverifiable, UnverifiedFeature{f.ID, f.Kind, why})
			continue
		}
		r.Missing = append(r.Missing, MissingFeature{Feature: f.ID, Kind: f.Kind, Source: f.Source, Reason: why, FirstKernel: first,
			IntroducedBy: []string{}, RevertedBy: []string{}})
		missing = append(missing, f)
	}
	if len(missing) > 0 {
		if err := c.explainByHistory(commit, missing, r.Missing); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// explainByKernels adds what the other kernels say to why f is missing
// from k: an older kernel or an -rc had it (it was reverted or removed),
// or a newer kernel has it (the line targets too old a kernel). It also
// returns the first kernel release to have it, an -rc only if no final
// release of the index does.
func (c *Check) explainByKernels(f Feature, k *BTF, why string) (string, string, error) {
	why = fmt.Sprintf("not in kernel %s: %s", k.Label(), why)
	trace, err := c.Index.Trace(f)
	if err != nil {
		return "", "", err
	}
	var had, firstFinal, firstRC, newer versioning.Kernel
	for _, s := range trace {
		if s.Availability != Present {
			continue
		}
		if s.Kernel.IsRC() && firstRC.IsZero() {
			firstRC = s.Kernel
		}
		if !s.Kernel.IsRC() && firstFinal.IsZero() {
			firstFinal = s.Kernel
		}
		if k.Version.IsZero() {
			continue
		}
		if s.Kernel.Compare(k.Version) < 0 && had.IsZero() {
			had = s.Kernel
		}
		if s.Kernel.Compare(k.Version) > 0 && (newer.IsZero() || newer.IsRC() && !s.Kernel.IsRC()) {
			newer = s.Kernel
		}
	}
	first := firstFinal
	if first.IsZero() {
		first = firstRC
	}
	switch {
	case !had.IsZero() && had.IsRC() && had.Final().Compare(k.Version) == 0:
		why += fmt.Sprintf("; kernel %s had it, so it was reverted before %s was released", had, k.Label())
	case !had.IsZero():
		why += fmt.Sprintf("; kernel %s had it, so it was removed by %s", had, k.Label())
	case !newer.IsZero() && newer.IsRC():
		why += fmt.Sprintf("; only kernel %s has it, no release yet: the line targets too old a kernel", newer)
	case !newer.IsZero():
		why += fmt.Sprintf("; kernel %s is the first release to have it: the line targets too old a kernel", newer)
	case len(trace) > 1:
		why += fmt.Sprintf("; no kernel in %s has it", c.Index.Source)
	}
	if first.IsZero() {
		return why, "", nil
	}
	return why, first.String(), nil
}

// verifyByKernels decides a feature k's BTF cannot speak for: when a newer
// kernel of the index has it and no kernel up to k does, k lacks it.
func (c *Check) verifyByKernels(f Feature, k *BTF, why string) (Availability, string, string, error) {
	if k.Version.IsZero() {
		return Unverifiable, why, "", nil
	}
	trace, err := c.Index.Trace(f)
	if err != nil {
		return "", "", "", err
	}
	for _, s := range trace {
		if s.Availability != Present {
			continue
		}
		if s.Kernel.Compare(k.Version) <= 0 || s.Kernel.Final().Compare(k.Version) == 0 {
			return Unverifiable, why, "", nil
		}
		return Missing, fmt.Sprintf("not in kernel %s's BTF (%s); kernel %s is the first to have it: the line targets too old a kernel", k.Label(), why, s.Kernel), s.Kernel.String(), nil
	}
	return Unverifiable, why, "", nil
}

// explainByHistory finds, for each missing header feature, the commit of
// the release's history that added it to a UAPI header copy, and the
// commits elsewhere (trunk, other lines) that removed it, reverts named as
// such. It bisects first-parent chains on "the header declares it", so it
// reads O(log n) versions of the header, not every commit: a history of a
// million commits costs a few dozen reads per feature. A merge found on a
// chain is followed into the branch it merged.
func (c *Check) explainByHistory(commit string, missing []Feature, out []MissingFeature) error {
	want := map[string]int{}
	for i, f := range missing {
		for _, path := range c.Config.Headers {
			if strings.HasPrefix(f.Source, path+":") {
				want[f.ID] = i
			}
		}
	}
	if len(want) == 0 || len(c.Config.Headers) == 0 {
		return nil
	}
	// blob id → the wanted features it declares
	declared := map[string]map[string]bool{}
	present := func(x, id string) (bool, error) {
		for _, path := range c.Config.Headers {
			blob, err := c.History.FileID(x, path)
			if err != nil {
				return false, err
			}
			if blob == "" {
				continue
			}
			d, ok := declared[blob]
			if !ok {
				data, err := c.History.ReadFile(x, path)
				if err != nil {
					return false, err
				}
				d = map[string]bool{}
				if fs, err := ParseHeader(path, data); err == nil {
					for _, f := range fs {
						if _, ok := want[f.ID]; ok {
							d[f.ID] = true
						}
					}
				}
				declared[blob] = d
			}
			if d[id] {
				return true, nil
			}
		}
		return false, nil
	}
	// change walks back from tip along first parents to the commit where
	// present(id) last changed from what it is at tip, following merges
	// into their merged branch; "" if it never changes. stop bounds the
	// walk: commits it reports true for are not searched.
	chains := map[string]*lazyChain{}
	var change func(tip, id string, stop func(string) (bool, error), depth int) (string, error)
	change = func(tip, id string, stop func(string) (bool, error), depth int) (string, error) {
		chain, ok := chains[tip]
		if !ok {
			chain = &lazyChain{h: c.History, hashes: []string{tip}}
			chains[tip] = chain
		}
		// pred past the end of history is true: the root is where all began.
		at := func(i int, pred func(string) (bool, error)) (bool, error) {
			x, ok, err := chain.at(i)
			if err != nil || !ok {
				return true, err
			}
			return pred(x)
		}
		limit := maxChain
		if stop != nil {
			k, err := boundary(limit, func(i int) (bool, error) { return at(i, stop) })
			if err != nil {
				return "", err
			}
			limit = min(k+1, limit) // the first stopped commit is where the change is measured from
		}
		at0, err := present(tip, id)
		if err != nil {
			return "", err
		}
		k, err := boundary(limit, func(i int) (bool, error) {
			return at(i, func(x string) (bool, error) {
				p, err := present(x, id)
				return p != at0, err
			})
		})
		if err != nil || k >= limit || k == 0 {
			return "", err
		}
		found, _, err := chain.at(k - 1)
		if err != nil {
			return "", err
		}
		parents, err := c.History.Parents(found)
		if err != nil {
			return "", err
		}
		if len(parents) > 1 && depth < 8 {
			// The merge brought it: find where on the merged branch.
			base, _, err := chain.at(k)
			if err != nil {
				return "", err
			}
			for _, p := range parents[1:] {
				pp, err := present(p, id)
				if err != nil {
					return "", err
				}
				if pp == at0 {
					side, err := change(p, id, func(y string) (bool, error) { return c.History.IsAncestor(y, base) }, depth+1)
					if err != nil {
						return "", err
					}
					if side != "" {
						return side, nil
					}
				}
			}
		}
		return found, nil
	}
	elsewhere := c.Elsewhere
	if c.ElsewhereFunc != nil {
		var err error
		if elsewhere, err = c.ElsewhereFunc(); err != nil {
			return err
		}
	}
	inRelease := func(y string) (bool, error) { return c.History.IsAncestor(y, commit) }
	for id, i := range want {
		m := &out[i]
		if ok, err := present(commit, id); err != nil {
			return err
		} else if ok {
			added, err := change(commit, id, nil, 0)
			if err != nil {
				return err
			}
			if added != "" {
				m.IntroducedBy = appendNew(m.IntroducedBy, added)
			}
		}
		for _, tip := range elsewhere {
			if mine, err := inRelease(tip); err != nil {
				return err
			} else if mine {
				continue
			}
			if has, err := present(tip, id); err != nil || has {
				if err != nil {
					return err
				}
				continue
			}
			removed, err := change(tip, id, inRelease, 0)
			if err != nil {
				return err
			}
			if removed == "" {
				continue
			}
			if ok, err := present(removed, id); err != nil || ok {
				if err != nil {
					return err
				}
				continue // the line never had it: nothing removed it there
			}
			revert, err := c.History.IsRevert(removed)
			if err != nil {
				return err
			}
			if revert {
				m.RevertedBy = appendNew(m.RevertedBy, removed)
			} else {
				m.RemovedBy = appendNew(m.RemovedBy, removed)
			}
		}
	}
	return nil
}

// maxChain bounds a first-parent chain walked to explain a feature.
const maxChain = 1 << 24

// lazyChain is a first-parent chain read as far as it is asked for.
type lazyChain struct {
	h      History
	hashes []string // hashes[0] is the tip
	ended  bool
}

// at returns the i-th first-parent ancestor; ok is false past the root.
func (l *lazyChain) at(i int) (string, bool, error) {
	for i >= len(l.hashes) && !l.ended {
		last := l.hashes[len(l.hashes)-1]
		more, err := l.h.FirstParents(last, max(len(l.hashes), 64)+1)
		if err != nil {
			return "", false, err
		}
		if len(more) <= 1 {
			l.ended = true
			break
		}
		l.hashes = append(l.hashes, more[1:]...)
	}
	if i >= len(l.hashes) {
		return "", false, nil
	}
	return l.hashes[i], true, nil
}

// boundary returns the first index in [0, n) for which pred is true,
// assuming pred is false then true along the index (it gallops from 0,
// then bisects); n if it is never true.
func boundary(n int, pred func(int) (bool, error)) (int, error) {
	if n == 0 {
		return 0, nil
	}
	lo, step := 0, 1 // pred(lo) is false, or lo == 0 unchecked
	if ok, err := pred(0); err != nil || ok {
		return 0, err
	}
	hi := n
	for lo+step < n {
		ok, err := pred(lo + step)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = lo + step
			break
		}
		lo += step
		step *= 2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := pred(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

func appendNew(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}
