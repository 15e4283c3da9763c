package policies

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/versioning"
)

// Verdict is the answer for one commit (DESIGN §4, §9).
type Verdict struct {
	Commit        string      `json:"commit"`
	Subject       string      `json:"subject"`
	Verdict       VerdictKind `json:"verdict"`
	Rules         []RuleID    `json:"rules"`
	Reasons       []string    `json:"reasons"`
	Prerequisites []string    `json:"prerequisites"`
}

func (v *Verdict) add(rule RuleID, format string, args ...any) {
	if !slices.Contains(v.Rules, rule) {
		v.Rules = append(v.Rules, rule)
	}
	v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...))
}

// Plan is every commit of the source line the target line lacks, in apply
// order, each with its verdict.
type Plan struct {
	Line    string    `json:"line"`
	From    string    `json:"from"`
	Commits []Verdict `json:"commits"`
}

// Backport judges commits of a source line for a target line. Build it
// with [NewBackport]; it reads each commit's facts and patch at most once.
type Backport struct {
	h      History
	p      *Policy
	target *branches.Line
	source *branches.Line
	scheme versioning.Scheme
	// targetTip and sourceTip are the states judged: --at and --until.
	targetTip, sourceTip string

	candidates []branches.Commit // on source, not on target: apply order
	position   map[string]int    // candidate sha → index
	facts      map[string]Facts
	verdicts   map[string]*Verdict

	// What the target has beyond the source, for equivalence.
	targetSide []branches.Commit
	markers    map[string]string // backported sha (full or as written) → target commit
	bySubject  map[string]string // subject+author → target commit
	patchIDs   map[string]string // patch-id → target commit; nil until needed
	revertedBy map[string]string // candidate sha → the live revert on source
	files      map[string][]byte // path → content at targetTip; nil entry: absent
	touching   map[string][]int  // path → candidates that change it; nil until needed
	kernels    *kernel.Needs     // nil: the kernel-too-new rule has no data

	// Progress, if set, is told after each commit a plan judges.
	Progress func(done, total int)
}

// UseKernels enables the kernel-too-new rule with the kernels of needs,
// for a target line that has a kernel baseline.
func (b *Backport) UseKernels(needs *kernel.Needs) { b.kernels = needs }

// NewBackport prepares judging commits of source (up to until, default its
// tip) for target (at at, default its tip). until and at are full shas or "".
func NewBackport(h History, p *Policy, st *branches.Status, target, source *branches.Line, at, until string) (*Backport, error) {
	b := &Backport{
		h: h, p: p, target: target, source: source, scheme: st.Scheme,
		targetTip: target.Tip, sourceTip: source.Tip,
		position: map[string]int{}, facts: map[string]Facts{}, verdicts: map[string]*Verdict{},
		markers: map[string]string{}, bySubject: map[string]string{}, revertedBy: map[string]string{},
		files: map[string][]byte{},
	}
	if at != "" {
		b.targetTip = at
	}
	if until != "" {
		b.sourceTip = until
	}
	var err error
	if b.targetSide, err = h.Between([]string{b.sourceTip}, b.targetTip); err != nil {
		return nil, err
	}
	for _, c := range b.targetSide {
		t := ParseTrailers(c.Subject, c.Message, nil)
		for _, sha := range t.BackportOf {
			if full, ok := h.ResolveSHA(sha); ok {
				sha = full
			}
			b.markers[sha] = c.Hash
		}
		b.bySubject[c.Subject+"\x00"+c.Author] = c.Hash
	}
	all, err := h.Between([]string{b.targetTip}, b.sourceTip)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.IsMerge() {
			continue
		}
		b.position[c.Hash] = len(b.candidates)
		b.candidates = append(b.candidates, c)
	}
	// Reverts on the source, in order: a revert of a revert makes the
	// original live again.
	revertOf := map[string]string{}
	for _, c := range b.candidates {
		f, err := b.factsOf(c)
		if err != nil {
			return nil, err
		}
		if f.Reverts == nil {
			continue
		}
		x := b.resolveBefore(*f.Reverts, c.Hash)
		if x == "" {
			continue
		}
		revertOf[c.Hash] = x
		b.revertedBy[x] = c.Hash
		if orig, ok := revertOf[x]; ok && b.revertedBy[orig] == x {
			delete(b.revertedBy, orig)
		}
	}
	return b, nil
}

func (b *Backport) factsOf(c branches.Commit) (Facts, error) {
	if f, ok := b.facts[c.Hash]; ok {
		return f, nil
	}
	f, err := ReadFacts(b.h, b.p, c)
	if err != nil {
		return Facts{}, err
	}
	b.facts[c.Hash] = f
	return f, nil
}

// resolve finds the commit a reference names: by sha first, then by exact
// subject (mirrors re-write kernel shas). Among several commits with the
// subject, the one on the source line wins, the latest in apply order.
func (b *Backport) resolve(ref Ref) (string, string) {
	if ref.SHA != "" {
		if full, ok := b.h.ResolveSHA(ref.SHA); ok {
			return full, "sha"
		}
	}
	if ref.Subject == "" {
		return "", ""
	}
	shas, err := b.h.FindBySubject(ref.Subject)
	if err != nil || len(shas) == 0 {
		return "", ""
	}
	best, bestPos := "", -1
	for _, s := range shas {
		if p, ok := b.position[s]; ok && p > bestPos {
			best, bestPos = s, p
		}
	}
	if best == "" {
		for _, s := range shas {
			if ok, _ := b.h.IsAncestor(s, b.sourceTip); ok {
				best = s
			}
		}
	}
	if best == "" {
		best = shas[len(shas)-1]
	}
	return best, "subject"
}

// resolveBefore resolves a revert's target among what precedes the revert.
func (b *Backport) resolveBefore(ref Ref, revert string) string {
	x, _ := b.resolve(ref)
	if p, ok := b.position[x]; ok && p >= b.position[revert] {
		return ""
	}
	return x
}

// tierForbids reports, cheaply, whether the target's tier rules forbid c
// whatever else is true of it (c is not a revert, nor reverted).
func (b *Backport) tierForbids(c branches.Commit, f Facts) bool {
	if f.Reverts != nil {
		return false
	}
	if _, reverted := b.revertedBy[c.Hash]; reverted {
		return false
	}
	return len(tierFindings(f, b.targetRules(), true)) > 0
}

// onTarget reports whether the target has commit x or an equivalent, and
// how; deep adds the patch-id, which reads and diffs the patch.
func (b *Backport) onTarget(x string, deep bool) (string, error) {
	if ok, err := b.h.IsAncestor(x, b.targetTip); err != nil {
		return "", err
	} else if ok {
		return fmt.Sprintf("%s contains it", b.target.Name), nil
	}
	if t, ok := b.markers[x]; ok {
		return fmt.Sprintf("applied as %s, whose backport marker names it", branches.Short(t)), nil
	}
	c, err := b.h.Commit(x)
	if err != nil {
		return "", err
	}
	for written, t := range b.markers {
		if len(written) >= 7 && strings.HasPrefix(x, written) {
			return fmt.Sprintf("applied as %s, whose backport marker names it", branches.Short(t)), nil
		}
	}
	if c.IsMerge() {
		return "", nil
	}
	if err := b.loadPatchIDs(); err != nil {
		return "", err
	}
	if deep && len(b.patchIDs) > 0 {
		p, err := b.h.Patch(x)
		if err != nil {
			return "", err
		}
		if len(p.Files) > 0 {
			if t, ok := b.patchIDs[p.ID()]; ok {
				return fmt.Sprintf("applied as %s, with the same patch-id", branches.Short(t)), nil
			}
		}
	}
	if t, ok := b.bySubject[c.Subject+"\x00"+c.Author]; ok {
		return fmt.Sprintf("applied, edited, as %s: same subject and author, different patch", branches.Short(t)), nil
	}
	return "", nil
}

func (b *Backport) loadPatchIDs() error {
	if b.patchIDs != nil {
		return nil
	}
	b.patchIDs = map[string]string{}
	for _, c := range b.targetSide {
		if c.IsMerge() {
			continue
		}
		p, err := b.h.Patch(c.Hash)
		if err != nil {
			return err
		}
		if len(p.Files) > 0 {
			b.patchIDs[p.ID()] = c.Hash
		}
	}
	return nil
}

// targetRules is the target as the tier rules see it.
func (b *Backport) targetRules() target { return targetOf(b.target, b.scheme) }

// Check judges one commit (a full sha). A commit the source line does not
// hold is judged all the same; only its prerequisites cannot be named.
func (b *Backport) Check(sha string) (*Verdict, error) {
	if v, ok := b.verdicts[sha]; ok {
		return v, nil
	}
	c, err := b.h.Commit(sha)
	if err != nil {
		return nil, err
	}
	f, err := b.factsOf(c)
	if err != nil {
		return nil, err
	}
	v := &Verdict{Commit: c.Hash, Subject: c.Subject, Rules: []RuleID{}, Reasons: []string{}, Prerequisites: []string{}}
	b.verdicts[sha] = v // guards fix-of-fix cycles
	v.Verdict, err = b.judge(c, f, v)
	if err != nil {
		delete(b.verdicts, sha)
		return nil, err
	}
	return v, nil
}

func (b *Backport) judge(c branches.Commit, f Facts, v *Verdict) (VerdictKind, error) {
	line := b.target.Name
	// A stable line forbids most of what trunk holds; for a commit its
	// tier rules will forbid, only the cheap equivalence checks run (it is
	// reachable, a marker names it, a commit with its subject and author
	// is there), not the patch-id: patch-ids are for candidates.
	deep := !b.tierForbids(c, f)
	if _, ok := b.bySubject[c.Subject+"\x00"+c.Author]; ok {
		deep = true
	}
	if how, err := b.onTarget(c.Hash, deep); err != nil {
		return "", err
	} else if how != "" {
		v.add(RuleAlreadyApplied, "%s", how)
		return AlreadyApplied, nil
	}
	if r, ok := b.revertedBy[c.Hash]; ok {
		rc, err := b.h.Commit(r)
		if err != nil {
			return "", err
		}
		v.add(RuleRevertedUpstream, "reverted on %s by %s %q", b.source.Name, branches.Short(r), rc.Subject)
		return Forbidden, nil
	}
	if f.Reverts != nil {
		x, _ := b.resolve(*f.Reverts)
		if x != "" {
			how, err := b.onTarget(x, true)
			if err != nil {
				return "", err
			}
			if how == "" {
				v.add(RuleRevertedUpstream, "reverts %s, which %s does not have", branches.Short(x), line)
				return NotNeeded, nil
			}
		}
	}
	if fs := tierFindings(f, b.targetRules(), true); len(fs) > 0 {
		for _, x := range fs {
			v.add(x.Rule, "%s", x.Reason)
		}
		return Forbidden, nil
	}
	if tooNew, err := b.kernelTooNew(c, v); err != nil || tooNew {
		return Forbidden, err
	}
	if len(f.Fixes) > 0 {
		kind, err := b.bugPresent(f, v)
		if err != nil || kind != "" {
			return kind, err
		}
	}
	if err := b.namedPrerequisites(f, v); err != nil {
		return "", err
	}
	return b.prerequisites(c, v)
}

// kernelTooNew applies RuleKernelTooNew: the identifiers the commit's
// added lines use, outside the UAPI header copies, must all be in the
// target's baseline kernel. Only the baseline's own BTF decides: when the
// index has none, the rule is skipped, and a commit that uses kernel
// identifiers says so and what would enable the rule; it is never
// forbidden on another kernel's word.
func (b *Backport) kernelTooNew(c branches.Commit, v *Verdict) (bool, error) {
	base := b.target.Kernel
	if b.kernels == nil || base.IsZero() {
		return false, nil
	}
	judges, skip := b.kernels.Judges(base)
	p, err := b.h.Patch(c.Hash)
	if err != nil {
		return false, err
	}
	var found bool
	var unjudged []string
	for _, fp := range p.Files {
		if fp.Binary || slices.Contains(b.p.UAPI.Headers, fp.Path()) {
			continue
		}
		removed := map[string]bool{}
		for _, h := range fp.Hunks {
			for _, l := range h.Lines {
				if l[0] == '-' {
					for _, id := range kernel.Identifiers(l[1:]) {
						removed[id] = true
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, h := range fp.Hunks {
			for _, l := range h.Lines {
				if l[0] != '+' {
					continue
				}
				for _, id := range kernel.Identifiers(l[1:]) {
					if seen[id] || removed[id] {
						continue
					}
					seen[id] = true
					ok, known, first := b.kernels.Check(id, base)
					if !known {
						continue
					}
					if !judges {
						if first.Compare(base) > 0 && !slices.Contains(unjudged, id) {
							unjudged = append(unjudged, id)
						}
						continue
					}
					if ok {
						continue
					}
					found = true
					if first.Compare(base) <= 0 {
						v.add(RuleKernelTooNew, "%s uses %s, which kernel %s (the baseline of %s) does not have: kernel %s had it, so it was reverted", fp.Path(), id, base, b.target.Name, first)
					} else {
						v.add(RuleKernelTooNew, "%s uses %s, first in kernel %s; %s targets kernel %s", fp.Path(), id, first, b.target.Name, base)
					}
				}
			}
		}
	}
	if len(unjudged) > 0 {
		ids := unjudged
		if len(ids) > 3 {
			ids = append(ids[:3:3], "…")
		}
		v.Reasons = append(v.Reasons, fmt.Sprintf("%s skipped: uses %s, which kernel %s may lack: %s", RuleKernelTooNew, strings.Join(ids, ", "), base, skip))
	}
	return found, nil
}

// namedPrerequisites adds the commits a "Cc: stable@vger.kernel.org # 6.1.x:
// sha: subject" trailer names and the target lacks: the author's word.
func (b *Backport) namedPrerequisites(f Facts, v *Verdict) error {
	for _, ref := range f.Prereqs {
		x, _ := b.resolve(ref)
		if x == "" {
			v.add(RulePrerequisites, "names prerequisite %s (%q), which resolves to no commit: check it by hand", ref.SHA, ref.Subject)
			continue
		}
		on, err := b.onTarget(x, true)
		if err != nil {
			return err
		}
		if on == "" && !slices.Contains(v.Prerequisites, x) {
			v.Prerequisites = append(v.Prerequisites, x)
			v.add(RulePrerequisites, "its Cc: stable trailer names %s %q as a prerequisite, which %s lacks", branches.Short(x), ref.Subject, b.target.Name)
		}
	}
	return nil
}

// bugPresent applies bug-not-present: it returns NotNeeded when no Fixes
// target is on the line, NeedsPrerequisites when a target is itself a
// pending backport, and "" to go on.
func (b *Backport) bugPresent(f Facts, v *Verdict) (VerdictKind, error) {
	var absent, pending []string
	present, unresolved := false, 0
	for _, ref := range f.Fixes {
		x, _ := b.resolve(ref)
		if x == "" {
			unresolved++
			v.add(RuleFixesUnresolved, "Fixes: %s (%q) resolves to no commit, by sha or subject", ref.SHA, ref.Subject)
			continue
		}
		on, err := b.onTarget(x, true)
		if err != nil {
			return "", err
		}
		if on != "" {
			present = true
			continue
		}
		absent = append(absent, x)
		// A fix of a pending fix is planned with it.
		if _, isCandidate := b.position[x]; isCandidate {
			tv, err := b.Check(x)
			if err != nil {
				return "", err
			}
			if tv.Verdict == Eligible || tv.Verdict == NeedsPrerequisites {
				pending = append(pending, x)
			}
		}
	}
	switch {
	case present:
		v.Reasons = append(v.Reasons, fmt.Sprintf("the bug it fixes is on %s", b.target.Name))
		return "", nil
	case len(pending) > 0:
		for _, x := range pending {
			v.Prerequisites = append(v.Prerequisites, x)
			c, _ := b.h.Commit(x)
			v.add(RulePrerequisites, "fixes %s %q, itself pending for %s: apply it first", branches.Short(x), c.Subject, b.target.Name)
		}
		return NeedsPrerequisites, nil
	case len(absent) > 0 && unresolved == 0:
		for _, x := range absent {
			c, _ := b.h.Commit(x)
			v.add(RuleBugNotPresent, "fixes %s %q, which %s does not contain", branches.Short(x), c.Subject, b.target.Name)
		}
		return NotNeeded, nil
	}
	return "", nil
}

// prerequisites checks that every hunk finds its pre-image on the target
// and names the source commits that introduced the missing lines.
func (b *Backport) prerequisites(c branches.Commit, v *Verdict) (VerdictKind, error) {
	p, err := b.h.Patch(c.Hash)
	if err != nil {
		return "", err
	}
	var missingAll []string
	for _, fp := range p.Files {
		if fp.OldPath == "" || fp.Binary {
			continue
		}
		content, err := b.targetFile(fp.OldPath)
		if errors.Is(err, branches.ErrNoFile) {
			v.add(RulePrerequisites, "%s does not exist on %s", fp.OldPath, b.target.Name)
			missingAll = append(missingAll, "")
			if err := b.introducers(c, fp.OldPath, nil, v); err != nil {
				return "", err
			}
			continue
		}
		if err != nil {
			return "", err
		}
		ok, missing := fp.Applies(content)
		if ok {
			continue
		}
		missingAll = append(missingAll, missing...)
		if err := b.introducers(c, fp.OldPath, missing, v); err != nil {
			return "", err
		}
	}
	if len(missingAll) == 0 {
		if len(v.Prerequisites) > 0 {
			return NeedsPrerequisites, nil
		}
		v.Reasons = append(v.Reasons, fmt.Sprintf("its patch applies on %s", b.target.Name))
		return Eligible, nil
	}
	if len(v.Prerequisites) == 0 {
		v.add(RulePrerequisites, "its patch does not apply on %s (context %q not found) and no earlier commit of %s introduces it: resolve by hand",
			b.target.Name, firstNonEmpty(missingAll), b.source.Name)
	}
	return NeedsPrerequisites, nil
}

// targetFile reads path at the judged state of the target, once.
func (b *Backport) targetFile(path string) ([]byte, error) {
	if content, ok := b.files[path]; ok {
		if content == nil {
			return nil, fmt.Errorf("%s on %s: %w", path, b.target.Name, branches.ErrNoFile)
		}
		return content, nil
	}
	content, err := b.h.ReadFile(b.targetTip, path)
	if errors.Is(err, branches.ErrNoFile) {
		b.files[path] = nil
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if content == nil {
		content = []byte{}
	}
	b.files[path] = content
	return content, nil
}

// introducers names the candidates before c that added any of the missing
// lines to path (or created path when missing is nil).
func (b *Backport) introducers(c branches.Commit, path string, missing []string, v *Verdict) error {
	end, ok := b.position[c.Hash]
	if !ok {
		return nil
	}
	want := map[string]bool{}
	for _, l := range missing {
		want[l] = true
	}
	if b.touching == nil {
		b.touching = map[string][]int{}
		for i, pc := range b.candidates {
			paths, err := b.h.ChangedPaths(pc.Hash)
			if err != nil {
				return err
			}
			for _, p := range paths {
				b.touching[p] = append(b.touching[p], i)
			}
		}
	}
	// Walk back from c: each missing line was last added by one earlier
	// commit; stop when every one is accounted for.
	remaining := len(want)
	var found []string
	idx := b.touching[path]
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		if i >= end {
			continue
		}
		pc := b.candidates[i]
		pp, err := b.h.Patch(pc.Hash)
		if err != nil {
			return err
		}
		for _, fp := range pp.Files {
			if fp.NewPath != path {
				continue
			}
			hit := missing == nil && fp.OldPath == ""
			for _, h := range fp.Hunks {
				for _, l := range h.Added() {
					if want[l] {
						hit = true
						delete(want, l)
						remaining--
					}
				}
			}
			if hit {
				if how, err := b.onTarget(pc.Hash, true); err != nil {
					return err
				} else if how == "" && !slices.Contains(v.Prerequisites, pc.Hash) {
					found = append(found, pc.Hash)
				}
			}
		}
		if (missing == nil && len(found) > 0) || (missing != nil && remaining == 0) {
			break
		}
	}
	slices.Reverse(found)
	for _, x := range found {
		v.Prerequisites = append(v.Prerequisites, x)
	}
	if len(found) > 0 {
		names := make([]string, len(found))
		for i, x := range found {
			pc, _ := b.h.Commit(x)
			names[i] = fmt.Sprintf("%s %q", branches.Short(x), pc.Subject)
		}
		v.add(RulePrerequisites, "its patch to %s needs lines that %s introduced first", path, strings.Join(names, ", "))
	}
	return nil
}

func firstNonEmpty(xs []string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// Plan judges every commit of the source the target lacks, in apply order:
// parents first, so a commit's prerequisites come before it.
func (b *Backport) Plan() (*Plan, error) {
	pl := &Plan{Line: b.target.Name, From: b.source.Name, Commits: []Verdict{}}
	for i, c := range b.candidates {
		v, err := b.Check(c.Hash)
		if err != nil {
			return nil, err
		}
		pl.Commits = append(pl.Commits, *v)
		if b.Progress != nil {
			b.Progress(i+1, len(b.candidates))
		}
	}
	return pl, nil
}
