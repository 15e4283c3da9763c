package kernel

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
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
	// Kernel is the kernel checked against, as it names itself
	// (6.1.0-28-amd64); Baseline is the line's baseline it stands for
	// (6.1), KernelBy how the kernel is known (its file name, its ELF
	// banner, the running kernel). Provisional says it is an -rc
	// standing in for a baseline that has no final BTF yet; Stable that
	// it is a stable or distro update of the baseline release.
	Kernel      string `json:"kernel"`
	Baseline    string `json:"baseline,omitempty"`
	KernelBy    string `json:"kernel_by,omitempty"`
	Provisional bool   `json:"provisional"`
	Stable      bool   `json:"stable,omitempty"`
	// Headers are the kernel's own UAPI headers heard where its BTF
	// cannot say, "" if none.
	Headers string `json:"headers,omitempty"`
	// Checked counts the distinct features the release needs.
	Checked      int                 `json:"checked"`
	Missing      []MissingFeature    `json:"missing"`
	Unverifiable []UnverifiedFeature `json:"unverifiable"`
	// Renamed are constants the kernel has under another name with the
	// same value, where the header's history proves the rename (libbpf
	// 0.2 shipped the 5.10-rc name BPF_FUNC_bpf_per_cpu_ptr): not missing,
	// but source that uses the name does not build against the kernel's
	// UAPI.
	Renamed []UnverifiedFeature `json:"renamed"`
	// Skipped are the files of the BTF directories that were not read.
	Skipped []Skip `json:"skipped,omitempty"`
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
	// IntroducedBy are the commits of the release's history that added it
	// (the last time, when it was removed and added again).
	IntroducedBy []string `json:"introduced_by"`
	// RevertedBy are the reverts, elsewhere in the repository, that removed
	// it; RemovedBy are other commits that did.
	RevertedBy []string `json:"reverted_by"`
	RemovedBy  []string `json:"removed_by,omitempty"`
	// FirstKernel is the oldest kernel of the index that has it.
	FirstKernel string `json:"first_kernel,omitempty"`
}

// UnverifiedFeature is a feature no witness can speak for, or one the
// kernel has under another name.
type UnverifiedFeature struct {
	Feature string      `json:"feature"`
	Kind    FeatureKind `json:"kind"`
	Reason  string      `json:"reason"`
}

// MissingFileError reports a configured header copy or manifest that the
// release checked does not have: no data is not a pass.
type MissingFileError struct {
	Path   string
	Key    string // the policy key that names it: uapi.headers, features.manifest
	Rev    string // the revision as the user named it
	Commit string
}

func (e *MissingFileError) Error() string {
	rev := short(e.Commit)
	if e.Rev != "" && e.Rev != e.Commit {
		rev = fmt.Sprintf("%s (%s)", e.Rev, short(e.Commit))
	}
	return fmt.Sprintf("%s: not in %s (fix %s in tiered.yaml, or check a revision that has it)", e.Path, rev, e.Key)
}

// Unwrap makes errors.Is(err, fs.ErrNotExist) true.
func (e *MissingFileError) Unwrap() error { return fs.ErrNotExist }

// ReadNeeds lists the kernel features the tree at commit needs: those its
// copies of the UAPI headers declare and those its manifest lists, each
// once. A configured file the commit does not have is a
// *[MissingFileError].
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
			return nil, &MissingFileError{Path: path, Key: "uapi.headers", Commit: commit}
		}
		if err != nil {
			return nil, err
		}
		fs, err := ParseHeaderWith(path, data, includer(path, func(p string) []byte {
			data, _ := h.ReadFile(commit, p)
			return data
		}))
		if err != nil {
			return nil, err
		}
		add(fs)
	}
	if m := cfg.Manifest; m != "" {
		data, err := h.ReadFile(commit, m)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &MissingFileError{Path: m, Key: "features.manifest", Commit: commit}
		}
		if err != nil {
			return nil, err
		}
		fs, err := ParseManifest(m+"@"+short(commit), data)
		if err != nil {
			return nil, err
		}
		// A manifest's enum constant is in the enum the headers put it in.
		consts := map[string]Feature{}
		for _, f := range out {
			if f.Kind == KindEnumValue {
				consts[f.Name] = f
			}
		}
		for i, f := range fs {
			if c, ok := consts[f.Name]; ok && f.Kind == KindEnumValue {
				fs[i].Container, fs[i].Group, fs[i].Value, fs[i].HasValue = c.Container, c.Group, c.Value, c.HasValue
			}
		}
		add(fs)
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
	// Baseline is the kernel the line targets (zero: the index's only
	// kernel).
	Baseline versioning.Kernel
	// Rev is the revision as the user named it, for messages.
	Rev string
	// Elsewhere are tips (trunk, other lines) searched for the commits that
	// removed a missing feature.
	Elsewhere []string
	// ElsewhereFunc, if set, gives Elsewhere when it is first needed: only
	// a missing feature is explained from history.
	ElsewhereFunc func() ([]string, error)

	elsewhere []string
	gotOthers bool
	history   *headerHistory
	chains    map[string]*lazyChain
	scans     map[*lazyChain]*headerScan
	changes   map[string][]string // feature → the commits that added or removed it
}

// files are the kernel headers the release's copies copy.
func (c *Check) files() []string {
	var out []string
	for _, h := range c.Config.Headers {
		out = append(out, counterpart(h))
	}
	return out
}

// Check checks the release at commit.
func (c *Check) Check(commit string) (*Report, error) {
	e, provisional, err := c.Index.baseline(c.Baseline)
	if err != nil {
		return nil, err
	}
	k, err := e.get()
	if err != nil {
		return nil, err
	}
	needs, err := ReadNeeds(c.History, c.Config, commit)
	var mfe *MissingFileError
	if errors.As(err, &mfe) {
		mfe.Rev = c.Rev
	}
	if err != nil {
		return nil, err
	}
	r := &Report{Commit: commit, Kernel: e.label(), KernelBy: e.By, Provisional: provisional, Stable: e.Stable() && !provisional,
		Checked: len(needs), Missing: []MissingFeature{}, Unverifiable: []UnverifiedFeature{}, Renamed: []UnverifiedFeature{}}
	if !c.Baseline.IsZero() {
		r.Baseline = c.Baseline.String()
	}
	r.Skipped = c.Index.Skipped
	if e.headers != nil {
		r.Headers = fmt.Sprintf("%s (%s)", e.headers.Label(), e.headers.Dir)
	}
	j := &judgement{check: c, entry: e, kernel: k, needs: needs}
	verdicts, err := j.judgeAll()
	if err != nil {
		return nil, err
	}
	var missing []Feature
	var renameOf []string
	for i, v := range verdicts {
		f := needs[i]
		switch v.Availability {
		case Present:
		case Unverifiable:
			r.Unverifiable = append(r.Unverifiable, UnverifiedFeature{f.ID, f.Kind, v.Reason})
		case Missing:
			r.Missing = append(r.Missing, MissingFeature{Feature: f.ID, Kind: f.Kind, Source: f.Source, Reason: v.Reason, FirstKernel: v.first,
				IntroducedBy: []string{}, RevertedBy: []string{}})
			missing = append(missing, f)
			renameOf = append(renameOf, v.renameOf)
		}
	}
	if len(missing) == 0 || c.History == nil {
		return r, nil
	}
	if err := c.explainByHistory(commit, missing, r.Missing); err != nil {
		return nil, err
	}
	// A same-valued name is a rename only where history shows one.
	kept := r.Missing[:0]
	for i, m := range r.Missing {
		if renameOf[i] != "" {
			proof, err := c.proveRename(missing[i], renameOf[i])
			if err != nil {
				return nil, err
			}
			if proof != "" {
				r.Renamed = append(r.Renamed, UnverifiedFeature{m.Feature, m.Kind,
					fmt.Sprintf("kernel %s calls it %s (the same value %d): %s renamed it", e.label(), renameOf[i], missing[i].Value, short(proof))})
				continue
			}
		}
		kept = append(kept, m)
	}
	r.Missing = kept
	return r, nil
}

// others returns the tips searched for removals, reading them once.
func (c *Check) others() ([]string, error) {
	if !c.gotOthers {
		c.elsewhere = c.Elsewhere
		if c.ElsewhereFunc != nil {
			var err error
			if c.elsewhere, err = c.ElsewhereFunc(); err != nil {
				return nil, err
			}
		}
		c.gotOthers = true
	}
	return c.elsewhere, nil
}

// verdict is one feature's answer in a check, explained.
type verdict struct {
	answer
	first string // the oldest kernel of the index that has it
	// renameOf is, for a missing constant the kernel may have renamed,
	// the kernel's constant of the same value: history decides.
	renameOf string
}

// judgement is one release judged against one kernel.
type judgement struct {
	check  *Check
	entry  *kernelEntry
	kernel *BTF
	needs  []Feature

	declared map[string]bool // declKey of every feature of the release's headers
}

// judgeAll answers every need: its kernel's witnesses first, then the
// other kernels of the index to explain a missing feature, and history to
// prove a rename. A manifest feature that no kernel of the index has and
// no header of the release declares is a typo: a [ManifestError].
func (j *judgement) judgeAll() ([]verdict, error) {
	c := j.check
	files := c.files()
	j.declare()
	out := make([]verdict, len(j.needs))
	var typos []error
	for i, f := range j.needs {
		a, err := j.entry.judge(f, files)
		if err != nil {
			return nil, err
		}
		v := verdict{answer: a}
		if a.Availability != Present && c.isManifest(f) {
			known, err := j.known(f, files)
			if err != nil {
				return nil, err
			}
			if !known {
				typos = append(typos, j.typo(f))
				continue
			}
		}
		switch a.Availability {
		case Missing:
			if v, err = j.explainMissing(f, a, files); err != nil {
				return nil, err
			}
		}
		out[i] = v
	}
	if len(typos) > 0 {
		return nil, errors.Join(typos...)
	}
	return out, nil
}

// declare notes what the release's headers declare.
func (j *judgement) declare() {
	j.declared = map[string]bool{}
	for _, f := range j.needs {
		if j.check.isHeader(f) {
			j.declared[declKey(f)] = true
		}
	}
}

func (c *Check) isHeader(f Feature) bool {
	file := sourceFile(f)
	return slices.Contains(c.Config.Headers, file)
}

func (c *Check) isManifest(f Feature) bool {
	return c.Config.Manifest != "" && strings.HasPrefix(f.Source, c.Config.Manifest+"@")
}

// known reports whether some kernel of the index has f, or the release's
// headers declare it.
func (j *judgement) known(f Feature, files []string) (bool, error) {
	key := declKey(f)
	if f.Kind == KindType && f.Container == "" {
		for _, kw := range []string{"struct ", "union ", "enum "} {
			if j.declared["t:"+kw+f.Name] {
				return true, nil
			}
		}
	} else if key != "" && j.declared[key] {
		return true, nil
	}
	for _, e := range j.check.Index.entries {
		a, err := e.judge(f, files)
		if err != nil {
			return false, err
		}
		if a.Availability == Present {
			return true, nil
		}
		// A kfunc on BTF without decl tags exists as a function.
		if k, _ := e.get(); (f.Kind == KindKfunc || f.Kind == KindFunc) && k != nil {
			if _, ok := k.funcs[f.Name]; ok {
				return true, nil
			}
		}
	}
	return false, nil
}

func (j *judgement) typo(f Feature) error {
	file, line := f.Source, 0
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		line, _ = strconv.Atoi(file[i+1:])
		file = file[:i]
	}
	return &ManifestError{File: file, Line: line, Key: f.ID, Err: fmt.Errorf("no kernel in %s has %s %s, and the release's headers do not declare it (a typo? if it is newer than these kernels, add one that has it)", j.check.Index.Source, kindWords(f.Kind), featureWords(f))}
}

func kindWords(k FeatureKind) string {
	switch k {
	case KindEnumValue:
		return "enum constant"
	case KindMember:
		return "member"
	case KindFunc:
		return "function"
	case KindKfunc:
		return "kfunc"
	}
	return string(k)
}

// explainMissing adds what the other kernels say to why f is missing,
// and decides whether a constant the kernel has a same-valued other name
// for was renamed.
func (j *judgement) explainMissing(f Feature, a answer, files []string) (verdict, error) {
	c := j.check
	trace, err := c.Index.trace(f, files)
	if err != nil {
		return verdict{}, err
	}
	why, first := explainByKernels(j.entry, trace, a.Reason, c.Index.Source)
	v := verdict{answer: a, first: first}
	v.Reason = why
	if a.Same == "" || a.Bound || j.declared["c:"+a.Same] {
		return v, nil
	}
	// A newer kernel that has the name: added later, not renamed.
	for _, s := range trace {
		if s.Availability == Present && s.Identity.Release().Compare(j.entry.Release()) > 0 {
			return v, nil
		}
	}
	v.renameOf = a.Same
	return v, nil
}

// explainByKernels adds what the other kernels say to why f is missing
// from kernel e: an older release or an -rc had it (it was reverted or
// removed), or a newer kernel has it (the line targets too old a kernel).
// A stable update that has it carries a backport: it proves neither a
// removal nor the first release. It also returns the first kernel of the
// index to have it, an -rc only if no other does.
func explainByKernels(e *kernelEntry, trace []Seen, why, source string) (string, string) {
	why = fmt.Sprintf("not in kernel %s: %s", e.label(), why)
	var had, backport, firstFinal, firstRC, newer *Seen
	silent := 0 // other kernels that cannot say
	for i := range trace {
		s := &trace[i]
		if s.Availability == Unverifiable {
			silent++
		}
		if s.Availability != Present {
			continue
		}
		if s.Kernel.IsRC() && firstRC == nil {
			firstRC = s
		}
		if !s.Kernel.IsRC() && firstFinal == nil {
			firstFinal = s
		}
		if e.Version.IsZero() {
			continue
		}
		rel, mine := s.Identity.Release(), e.Release()
		switch {
		case rel.Compare(mine) < 0 || rel.Compare(mine) == 0 && s.Kernel.Compare(e.Version) < 0:
			if s.Identity.Stable() {
				if backport == nil {
					backport = s
				}
			} else if had == nil {
				had = s
			}
		case rel.Compare(mine) > 0 || s.Kernel.Compare(e.Version) > 0:
			if newer == nil || newer.Kernel.IsRC() && !s.Kernel.IsRC() {
				newer = s
			}
		}
	}
	first := firstFinal
	if first == nil {
		first = firstRC
	}
	switch {
	case had != nil && had.Kernel.IsRC() && had.Kernel.Final().Compare(e.Release()) == 0:
		why += fmt.Sprintf("; kernel %s had it, so it was reverted before %s was released", had.Identity.Label(), e.Release())
	case had != nil:
		why += fmt.Sprintf("; kernel %s had it, so it was removed by %s", had.Identity.Label(), e.label())
	case backport != nil && newer != nil:
		why += fmt.Sprintf("; kernel %s has it from a stable update, and kernel %s has it", backport.Identity.Label(), newer.Identity.Label())
	case backport != nil:
		why += fmt.Sprintf("; kernel %s has it from a stable update", backport.Identity.Label())
	case newer != nil && newer.Kernel.IsRC():
		why += fmt.Sprintf("; only kernel %s has it, no release yet: the line targets too old a kernel", newer.Identity.Label())
	case newer != nil && newer.Identity.Stable():
		why += fmt.Sprintf("; kernel %s has it: the line targets too old a kernel", newer.Identity.Label())
	case newer != nil:
		why += fmt.Sprintf("; kernel %s is the first release to have it: the line targets too old a kernel", newer.Identity.Label())
	case len(trace) > 1 && silent == 0:
		why += fmt.Sprintf("; no kernel in %s has it", source)
	}
	if first == nil {
		return why, ""
	}
	return why, first.Identity.Label()
}

// trace asks every versioned kernel of the index about f, oldest first.
func (idx *Index) trace(f Feature, files []string) ([]Seen, error) {
	var out []Seen
	for _, e := range idx.entries {
		if e.Version.IsZero() {
			continue
		}
		a, err := e.judge(f, files)
		if err != nil {
			return nil, err
		}
		out = append(out, Seen{e.Version, e.Identity, a.Availability})
	}
	return out, nil
}

// headerHistory reads what the release's header copies declare at any
// commit, parsing each version of a header once.
type headerHistory struct {
	h      History
	paths  []string
	blobs  map[string]map[string]Feature // blob id → features by declKey
	fileID map[string]string             // commit + "\x00" + path → blob id
}

func (hh *headerHistory) blob(commit, path string) (string, error) {
	key := commit + "\x00" + path
	if id, ok := hh.fileID[key]; ok {
		return id, nil
	}
	id, err := hh.h.FileID(commit, path)
	if err != nil {
		return "", err
	}
	hh.fileID[key] = id
	return id, nil
}

// lookup returns the feature of key the headers declare at commit.
func (hh *headerHistory) lookup(commit, key string) (Feature, bool, error) {
	for _, path := range hh.paths {
		blob, err := hh.blob(commit, path)
		if err != nil {
			return Feature{}, false, err
		}
		if blob == "" {
			continue
		}
		d, ok := hh.blobs[blob]
		if !ok {
			data, err := hh.h.ReadFile(commit, path)
			if err != nil {
				return Feature{}, false, err
			}
			d = map[string]Feature{}
			read := func(p string) []byte {
				data, _ := hh.h.ReadFile(commit, p)
				return data
			}
			if fs, err := ParseHeaderWith(path, data, includer(path, read)); err == nil {
				for _, f := range fs {
					d[declKey(f)] = f
				}
			}
			hh.blobs[blob] = d
		}
		if f, ok := d[key]; ok {
			return f, true, nil
		}
	}
	return Feature{}, false, nil
}

// state is what a commit's headers say of one feature, for the history
// search: whether they declare it.
func (hh *headerHistory) has(commit, key string) (bool, error) {
	_, ok, err := hh.lookup(commit, key)
	return ok, err
}

func (c *Check) headerHistory() *headerHistory {
	if c.history == nil {
		c.history = &headerHistory{h: c.History, paths: c.Config.Headers, blobs: map[string]map[string]Feature{}, fileID: map[string]string{}}
	}
	return c.history
}

// proveRename looks in the header copies' history for the commit that
// replaced constant f by same, keeping its value, either way round: one
// after the release that removed f and added same, or the one in the
// release's history that added f in place of same. It returns "" if
// there is none.
func (c *Check) proveRename(f Feature, same string) (string, error) {
	hh := c.headerHistory()
	if len(hh.paths) == 0 || !c.isHeader(f) {
		return "", nil
	}
	key, other := "c:"+f.Name, "c:"+same
	swapped := func(x, gone, came string) (bool, error) {
		after, ok, err := hh.lookup(x, came)
		if err != nil || !ok || !after.HasValue || after.Value != f.Value {
			return false, err
		}
		if has, err := hh.has(x, gone); err != nil || has {
			return false, err
		}
		parents, err := c.History.Parents(x)
		if err != nil || len(parents) == 0 {
			return false, err
		}
		before, ok, err := hh.lookup(parents[0], gone)
		if err != nil || !ok || !before.HasValue || before.Value != f.Value {
			return false, err
		}
		had, err := hh.has(parents[0], came)
		return !had, err
	}
	for _, x := range c.changes[f.ID] {
		for _, pair := range [][2]string{{key, other}, {other, key}} {
			if ok, err := swapped(x, pair[0], pair[1]); err != nil || ok {
				return x, err
			}
		}
	}
	return "", nil
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
		if c.isHeader(f) {
			want[f.ID] = i
		}
	}
	if len(want) == 0 {
		return nil
	}
	hh := c.headerHistory()
	c.changes = map[string][]string{}
	elsewhere, err := c.others()
	if err != nil {
		return err
	}
	inRelease := func(y string) (bool, error) { return c.History.IsAncestor(y, commit) }
	for _, f := range missing {
		i, ok := want[f.ID]
		if !ok {
			continue
		}
		key := declKey(f)
		m := &out[i]
		added, err := c.change(commit, key, nil, 0)
		if err != nil {
			return err
		}
		if added != "" {
			m.IntroducedBy = appendNew(m.IntroducedBy, added)
			c.changes[f.ID] = append(c.changes[f.ID], added)
		}
		for _, tip := range elsewhere {
			if mine, err := inRelease(tip); err != nil {
				return err
			} else if mine {
				continue
			}
			if has, err := hh.has(tip, key); err != nil || has {
				if err != nil {
					return err
				}
				continue
			}
			removed, err := c.change(tip, key, inRelease, 0)
			if err != nil {
				return err
			}
			if removed == "" {
				continue
			}
			if ok, err := hh.has(removed, key); err != nil || ok {
				if err != nil {
					return err
				}
				continue // the line never had it: nothing removed it there
			}
			c.changes[f.ID] = append(c.changes[f.ID], removed)
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

// maxScan bounds the commits read one by one, after bisecting, to find
// the last change of a feature rather than one of its changes: a feature
// added, reverted and added again was added by the last add.
const maxScan = 1 << 14

// change walks back from tip along first parents to the commit where
// whether the headers declare key last changed from what it is at tip,
// following merges into their merged branch; "" if it never changes. stop
// bounds the walk: commits it reports true for are not searched.
func (c *Check) change(tip, key string, stop func(string) (bool, error), depth int) (string, error) {
	hh := c.headerHistory()
	if c.chains == nil {
		c.chains = map[string]*lazyChain{}
	}
	chain, ok := c.chains[tip]
	if !ok {
		chain = &lazyChain{h: c.History, hashes: []string{tip}}
		c.chains[tip] = chain
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
	at0, err := hh.has(tip, key)
	if err != nil {
		return "", err
	}
	changed := func(i int) (bool, error) {
		return at(i, func(x string) (bool, error) {
			p, err := hh.has(x, key)
			return p != at0, err
		})
	}
	k, err := boundary(limit, changed)
	if err != nil || k >= limit || k == 0 {
		return "", err
	}
	// Bisecting finds a change, not the last one: look at the commits
	// before it, as far as maxScan, for an earlier one. Only a commit that
	// changes a header can change what the headers declare.
	points, err := c.headerChanges(chain, min(k, maxScan))
	if err != nil {
		return "", err
	}
	for _, i := range points {
		ch, err := changed(i)
		if err != nil {
			return "", err
		}
		if ch {
			k = i
			break
		}
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
			pp, err := hh.has(p, key)
			if err != nil {
				return "", err
			}
			if pp == at0 {
				side, err := c.change(p, key, func(y string) (bool, error) { return c.History.IsAncestor(y, base) }, depth+1)
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

// headerChanges lists, in order, the indices i in [1, n) of chain whose
// commit's header copies differ from those of commit i-1, its first
// parent. It reads each commit's blob ids once per chain.
func (c *Check) headerChanges(chain *lazyChain, n int) ([]int, error) {
	if c.scans == nil {
		c.scans = map[*lazyChain]*headerScan{}
	}
	sc := c.scans[chain]
	if sc == nil {
		sc = &headerScan{}
		c.scans[chain] = sc
	}
	hh := c.headerHistory()
	tuple := func(x string) (string, error) {
		var b strings.Builder
		for _, path := range hh.paths {
			id, err := hh.blob(x, path)
			if err != nil {
				return "", err
			}
			b.WriteString(id)
			b.WriteByte(0)
		}
		return b.String(), nil
	}
	for sc.upto < n {
		x, ok, err := chain.at(sc.upto)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		t, err := tuple(x)
		if err != nil {
			return nil, err
		}
		if sc.upto > 0 && t != sc.last {
			sc.points = append(sc.points, sc.upto)
		}
		sc.last = t
		sc.upto++
	}
	end, _ := slices.BinarySearch(sc.points, n)
	return sc.points[:end], nil
}

// headerScan is how far headerChanges has read a chain.
type headerScan struct {
	upto   int    // indices read
	last   string // the blob ids at upto-1
	points []int
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
