package policies

import (
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
	// Score and Signals rank a review verdict: each signal is a weight
	// and what it saw ("+3 subject: leak"). Rank is its place in a plan's
	// review list, from 1.
	Score   int      `json:"score,omitempty"`
	Signals []string `json:"signals,omitempty"`
	Rank    int      `json:"rank,omitempty"`
	// Blockers are, for needs-adaptation, the commits the line may not
	// take that introduced what the patch needs; Hunks the hunks that do
	// not apply, as path:line of the pre-image.
	Blockers []string `json:"blockers,omitempty"`
	Hunks    []string `json:"hunks,omitempty"`

	// last marks a review commit that only touches documentation or
	// translations: it ranks below every other.
	last bool
	// diffPending marks a review verdict ranked without its diff's
	// signals yet (a plan measures only the head of its list).
	diffPending bool
	// order is the commit's place in apply order, in a plan.
	order int
}

func (v *Verdict) add(rule RuleID, format string, args ...any) {
	if !slices.Contains(v.Rules, rule) {
		v.Rules = append(v.Rules, rule)
	}
	v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...))
}

// Plan is every commit of the source line the target line lacks, each
// with its verdict, in the order to act on them: the eligible commits and
// their prerequisites in apply order, then review by rank, then the
// commits that need adaptation, then the rest in apply order.
type Plan struct {
	Line string `json:"line"`
	From string `json:"from"`
	// Counts is how many commits have each verdict.
	Counts  map[VerdictKind]int `json:"counts"`
	Commits []Verdict           `json:"commits"`
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
	factsKey   string       // what facts depend on besides the commit (factnotes.go)
	symbols    *symbolIndex // the symbol map's changes among candidates
	verdicts   map[string]*Verdict

	// What the target has beyond the source, for equivalence.
	targetSide []branches.Commit
	markers    map[string]string // backported sha (full or as written) → target commit
	bySubject  map[string]string // subject+author → target commit
	// candidateSubjects maps a subject to the latest candidate with it;
	// nil until a reference by subject is resolved.
	candidateSubjects map[string]string
	// byPaths lists the target-side commits (not merges) by the set of
	// paths they change, in order: a commit changing another set cannot
	// have the patch-id of one of them.
	byPaths    map[string][]string
	pathKey    []byte                    // onTarget's buffer for byPaths keys
	sums       map[string]lineSum        // target-side commit → its line sum
	series     map[string][]int          // patch series → candidates posted in it; nil until needed
	revertedBy map[string]string         // candidate sha → the live revert on source
	files      map[string][]byte         // path → content at targetTip; nil entry: absent
	texts      map[string]*branches.Text // path → content at targetTip, split
	planning   bool                      // in Plan: review diffs are measured for the list's head
	touching   map[string][]int          // path → candidates that change it; nil until needed
	created    map[string][]int8         // path → whether touching[path] create it: 1, -1, 0 not asked yet
	kernels    *kernel.Needs             // nil: the kernel-too-new rule has no data

	// What each verdict consulted, for a plan's memory (memory.go): the
	// commits being judged, innermost last, and per commit the candidates
	// (by index, -1 for another commit) whose verdicts its judging asked
	// for.
	judging   []string
	deps      map[string][]int32
	memory    PlanMemory
	memoryKey string
	reused    int
	// diffSignals are the signals of review commits' diffs, once measured.
	diffSignals map[string][]signal

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
		files: map[string][]byte{}, deps: map[string][]int32{}, diffSignals: map[string][]signal{},
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
	b.byPaths, b.sums = map[string][]string{}, map[string]lineSum{}
	for _, c := range b.targetSide {
		t := ParseTrailers(c.Subject, c.Message, nil)
		for _, sha := range t.BackportOf {
			if full, ok := h.ResolveSHA(sha); ok {
				sha = full
			}
			b.markers[sha] = c.Hash
		}
		b.bySubject[c.Subject+"\x00"+c.Author] = c.Hash
		if c.IsMerge() {
			continue
		}
		paths, err := h.ChangedPaths(c.Hash)
		if err != nil {
			return nil, err
		}
		key := strings.Join(paths, "\x00")
		b.byPaths[key] = append(b.byPaths[key], c.Hash)
	}
	all, err := h.Between([]string{b.targetTip}, b.sourceTip)
	if err != nil {
		return nil, err
	}
	// Every candidate gets an entry in each: grown once, not 16 times.
	b.position, b.facts, b.verdicts = make(map[string]int, len(all)), make(map[string]Facts, len(all)), make(map[string]*Verdict, len(all))
	for _, c := range all {
		if c.IsMerge() {
			continue
		}
		b.position[c.Hash] = len(b.candidates)
		b.candidates = append(b.candidates, c)
	}
	// The symbol map's history, read in one walk, serves the commits
	// whose facts are not stored; a few are read one by one.
	b.factsKey = factsKey(p)
	if b.unstored(b.candidates, fewUnstored) > fewUnstored {
		if b.symbols, err = indexSymbols(h, p, []string{b.targetTip}, b.sourceTip, b.candidates); err != nil {
			return nil, err
		}
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
	if f, ok := b.storedFactsOf(c); ok {
		b.facts[c.Hash] = f
		return f, nil
	}
	f, err := readFacts(b.h, b.p, c, b.symbols)
	if err != nil {
		return Facts{}, err
	}
	b.facts[c.Hash] = f
	b.storeFacts(f)
	return f, nil
}

// fewUnstored is how many commits without stored facts a plan reads one
// by one rather than walking the symbol map's history for.
const fewUnstored = 64

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
	// The latest candidate with the subject wins over every other commit
	// with it, so the subjects of the whole repository (a read of every
	// commit) are searched only when no candidate has it.
	if b.candidateSubjects == nil {
		b.candidateSubjects = make(map[string]string, len(b.candidates))
		for _, c := range b.candidates {
			b.candidateSubjects[c.Subject] = c.Hash
		}
	}
	if sha, ok := b.candidateSubjects[ref.Subject]; ok {
		return sha, "subject"
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

// equivalent is how the target has a commit: how, in words ("" when it
// does not), and a note when a commit of the target looks like it but is
// not alike enough to count.
type equivalent struct {
	how, note string
}

// onTarget reports whether the target has commit x or an equivalent, and
// how: reachable, named by a backport marker, the same patch-id, or the
// same subject and author with changed lines alike (backport.similarity).
func (b *Backport) onTarget(x string) (equivalent, error) {
	// A candidate is by definition not on the target: only others are
	// looked for there (an ancestry walk over the target's history).
	if _, candidate := b.position[x]; !candidate {
		if ok, err := b.h.IsAncestor(x, b.targetTip); err != nil {
			return equivalent{}, err
		} else if ok {
			return equivalent{how: fmt.Sprintf("%s contains it", b.target.Name)}, nil
		}
	}
	if t, ok := b.markers[x]; ok {
		return equivalent{how: fmt.Sprintf("applied as %s, whose backport marker names it", branches.Short(t))}, nil
	}
	c, err := b.h.Commit(x)
	if err != nil {
		return equivalent{}, err
	}
	for written, t := range b.markers {
		if len(written) >= 7 && strings.HasPrefix(x, written) {
			return equivalent{how: fmt.Sprintf("applied as %s, whose backport marker names it", branches.Short(t))}, nil
		}
	}
	if c.IsMerge() {
		return equivalent{}, nil
	}
	// A patch-id covers the paths a patch changes: only a commit that
	// changes the same paths as one of the target's can share one, so
	// most commits are never diffed for it.
	paths, err := b.h.ChangedPaths(x)
	if err != nil {
		return equivalent{}, err
	}
	// The key built in a reused buffer: a map index of string(bytes)
	// does not allocate, and every candidate is looked up.
	b.pathKey = b.pathKey[:0]
	for i, p := range paths {
		if i > 0 {
			b.pathKey = append(b.pathKey, 0)
		}
		b.pathKey = append(b.pathKey, p...)
	}
	if ts := b.byPaths[string(b.pathKey)]; len(ts) > 0 {
		if t, err := b.samePatchID(x, ts); err != nil {
			return equivalent{}, err
		} else if t != "" {
			return equivalent{how: fmt.Sprintf("applied as %s, with the same patch-id", branches.Short(t))}, nil
		}
	}
	t, ok := b.bySubject[c.Subject+"\x00"+c.Author]
	if !ok {
		return equivalent{}, nil
	}
	alike, err := b.similarity(x, paths, t)
	if err != nil {
		return equivalent{}, err
	}
	if alike >= b.p.Backport.Similarity {
		return equivalent{how: fmt.Sprintf("applied, edited, as %s: same subject and author, %s of changed lines alike", branches.Short(t), percent(alike))}, nil
	}
	return equivalent{note: fmt.Sprintf("%s on %s has the same subject and author but only %s of changed lines alike (backport.similarity: %s): a different change", branches.Short(t), b.target.Name, percent(alike), percent(b.p.Backport.Similarity))}, nil
}

// percent writes a fraction as a whole percentage, rounded down.
func percent(f float64) string { return fmt.Sprintf("%d%%", int(f*100+1e-9)) }

// samePatchID returns the last of the target-side commits ts (which
// change the paths x changes) with x's patch-id, "" if none. Line sums
// rule most out without diffing: commits with unequal sums add or remove
// other lines, so their patch-ids differ.
func (b *Backport) samePatchID(x string, ts []string) (string, error) {
	sx, okx, err := b.h.LineSum(x)
	if err != nil {
		return "", err
	}
	var maybe []string
	for _, t := range ts {
		st, ok := b.sums[t]
		if !ok {
			if st.sum, st.ok, err = b.h.LineSum(t); err != nil {
				return "", err
			}
			b.sums[t] = st
		}
		if !okx || !st.ok || sx == st.sum {
			maybe = append(maybe, t)
		}
	}
	if len(maybe) == 0 {
		return "", nil
	}
	p, err := b.h.Patch(x)
	if err != nil || len(p.Files) == 0 {
		return "", err
	}
	id, same := p.ID(), ""
	for _, t := range maybe {
		pt, err := b.h.Patch(t)
		if err != nil {
			return "", err
		}
		if len(pt.Files) > 0 && pt.ID() == id {
			same = t // the last in order, as a map of patch-ids to commits keeps it
		}
	}
	return same, nil
}

// lineSum is a commit's History.LineSum.
type lineSum struct {
	sum uint64
	ok  bool
}

// similarity is how alike commits x and t are (see similarity), where
// paths are the paths x changes. Translations and generated files count
// for nothing, so a commit that changes only such files (a translation
// update under the same subject as the target's) is alike nothing: known
// from its paths, without diffing the large files it changes.
func (b *Backport) similarity(x string, paths []string, t string) (float64, error) {
	tpaths, err := b.h.ChangedPaths(t)
	if err != nil {
		return 0, err
	}
	if onlyCountingForNothing(paths) || onlyCountingForNothing(tpaths) {
		return 0, nil
	}
	px, err := b.h.Patch(x)
	if err != nil {
		return 0, err
	}
	pt, err := b.h.Patch(t)
	if err != nil {
		return 0, err
	}
	return similarity(px, pt), nil
}

// targetRules is the target as the tier rules see it.
func (b *Backport) targetRules() target { return targetOf(b.target, b.scheme) }

// Check judges one commit (a full sha). A commit the source line does not
// hold is judged all the same (upstream-first permitting); only its
// prerequisites cannot be named.
func (b *Backport) Check(sha string) (*Verdict, error) {
	if n := len(b.judging); n > 0 {
		d, ok := b.position[sha]
		if !ok {
			d = -1
		}
		b.deps[b.judging[n-1]] = append(b.deps[b.judging[n-1]], int32(d))
	}
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
	b.judging = append(b.judging, sha)
	v.Verdict, err = b.judge(c, f, v)
	if err == nil && v.Verdict == Review {
		err = b.rank(c, f, v)
	}
	b.judging = b.judging[:len(b.judging)-1]
	if err == nil && v.diffPending && !b.planning {
		err = b.finishRank(v)
	}
	if err != nil {
		delete(b.verdicts, sha)
		return nil, err
	}
	return v, nil
}

func (b *Backport) judge(c branches.Commit, f Facts, v *Verdict) (VerdictKind, error) {
	line := b.target.Name
	eq, err := b.onTarget(c.Hash)
	if err != nil {
		return "", err
	}
	if eq.how != "" {
		v.add(RuleAlreadyApplied, "%s", eq.how)
		return AlreadyApplied, nil
	}
	if eq.note != "" {
		v.Reasons = append(v.Reasons, eq.note)
	}
	if upstream, err := b.upstreamFirst(c, f, v); err != nil || !upstream {
		// What else its tier rules say of it, so that the author knows
		// all that stands in the way.
		for _, x := range tierFindings(f, b.targetRules(), true) {
			v.add(x.Rule, "%s", x.Reason)
		}
		return Forbidden, err
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
			eq, err := b.onTarget(x)
			if err != nil {
				return "", err
			}
			if eq.how == "" {
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
	if k := b.target.Kernel; !f.StableSince.IsZero() && !k.IsZero() && k.Compare(f.StableSince) < 0 {
		v.add(RuleBugNotPresent, "its stable nomination says kernel %s and later have the bug; %s targets kernel %s", f.StableSince, line, k)
		return NotNeeded, nil
	}
	if len(f.Fixes) > 0 {
		kind, err := b.bugPresent(f, v)
		if err != nil || kind != "" {
			return kind, err
		}
	}
	if fs := tierUndecided(f, b.targetRules()); len(fs) > 0 {
		for _, x := range fs {
			v.add(x.Rule, "%s", x.Reason)
		}
		return Review, nil
	}
	if e := f.FixEvidence(); e != "" && !slices.Contains(v.Reasons, b.bugOnLine()) {
		v.Reasons = append(v.Reasons, "fix evidence: "+e)
	}
	if err := b.namedPrerequisites(f, v); err != nil {
		return "", err
	}
	return b.prerequisites(c, v)
}

// upstreamFirst applies RuleUpstreamFirst: it reports false when c is on
// no source line and names no upstream commit.
func (b *Backport) upstreamFirst(c branches.Commit, f Facts, v *Verdict) (bool, error) {
	if !b.p.Backport.UpstreamFirst || len(f.BackportOf) > 0 {
		return true, nil
	}
	if _, ok := b.position[c.Hash]; ok {
		return true, nil
	}
	for _, tip := range []string{b.sourceTip, b.source.Tip} {
		if ok, err := b.h.IsAncestor(c.Hash, tip); err != nil || ok {
			return ok, err
		}
	}
	v.add(RuleUpstreamFirst, "on no source line (%s) and names no upstream commit: land it on %s first, then pick it with cherry-pick -x", b.source.Name, b.source.Name)
	return false, nil
}

func (b *Backport) bugOnLine() string { return fmt.Sprintf("the bug it fixes is on %s", b.target.Name) }

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
		eq, err := b.onTarget(x)
		if err != nil {
			return err
		}
		if eq.how != "" || slices.Contains(v.Prerequisites, x) || slices.Contains(v.Blockers, x) {
			continue
		}
		if _, isCandidate := b.position[x]; isCandidate {
			tv, err := b.Check(x)
			if err != nil {
				return err
			}
			if mayNotTake(tv.Verdict) {
				v.Blockers = append(v.Blockers, x)
				v.add(RuleNeedsAdaptation, "its Cc: stable trailer names %s %q as a prerequisite, which %s may not take (%s: %s)", branches.Short(x), ref.Subject, b.target.Name, tv.Verdict, joinRules(tv.Rules))
				continue
			}
		}
		v.Prerequisites = append(v.Prerequisites, x)
		v.add(RulePrerequisites, "its Cc: stable trailer names %s %q as a prerequisite, which %s lacks", branches.Short(x), ref.Subject, b.target.Name)
	}
	return nil
}

// bugPresent applies bug-not-present: it returns NotNeeded when no Fixes
// target is on the line, NeedsPrerequisites when a target is itself a
// pending backport, Review when a target is itself in review, and "" to
// go on.
func (b *Backport) bugPresent(f Facts, v *Verdict) (VerdictKind, error) {
	var absent, pending, review []string
	present, unresolved := false, 0
	for _, ref := range f.Fixes {
		x, _ := b.resolve(ref)
		if x == "" {
			unresolved++
			v.add(RuleFixesUnresolved, "Fixes: %s (%q) resolves to no commit, by sha or subject", ref.SHA, ref.Subject)
			continue
		}
		eq, err := b.onTarget(x)
		if err != nil {
			return "", err
		}
		if eq.how != "" {
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
			switch tv.Verdict {
			case Eligible, NeedsPrerequisites:
				pending = append(pending, x)
			case Review:
				review = append(review, x)
			}
		}
	}
	switch {
	case present:
		v.Reasons = append(v.Reasons, b.bugOnLine())
		return "", nil
	case len(pending) > 0:
		for _, x := range pending {
			v.Prerequisites = append(v.Prerequisites, x)
			v.add(RulePrerequisites, "fixes %s, itself pending for %s: apply it first", b.describe(x), b.target.Name)
		}
		return NeedsPrerequisites, nil
	case len(review) > 0:
		for _, x := range review {
			v.Prerequisites = append(v.Prerequisites, x)
			v.add(RuleBugNotPresent, "fixes %s, which %s lacks and which is itself in review: take both or neither", b.describe(x), b.target.Name)
		}
		return Review, nil
	case len(absent) > 0 && unresolved == 0:
		for _, x := range absent {
			v.add(RuleBugNotPresent, "fixes %s, which %s does not contain", b.describe(x), b.target.Name)
		}
		return NotNeeded, nil
	}
	return "", nil
}

// Plan judges every commit of the source the target lacks and orders
// them to act on: eligible commits and their prerequisites in apply order
// (parents first, so a commit's prerequisites come before it), then review
// by rank, then needs-adaptation, then the rest in apply order.
func (b *Backport) Plan() (*Plan, error) {
	b.planning = true
	defer func() { b.planning = false }()
	pl := &Plan{Line: b.target.Name, From: b.source.Name, Counts: map[VerdictKind]int{}, Commits: []Verdict{}}
	vs := make([]*Verdict, len(b.candidates))
	b.reused = b.recall()
	for i, c := range b.candidates {
		v, err := b.Check(c.Hash)
		if err != nil {
			return nil, err
		}
		v.order = i
		vs[i] = v
		pl.Counts[v.Verdict]++
		if b.Progress != nil {
			b.Progress(i+1, len(b.candidates))
		}
	}
	kept := b.snapshot()
	// Eligible commits pull in their prerequisites, transitively.
	take := map[string]bool{}
	var pull func(sha string)
	pull = func(sha string) {
		if take[sha] {
			return
		}
		take[sha] = true
		if v, ok := b.verdicts[sha]; ok {
			for _, x := range v.Prerequisites {
				pull(x)
			}
		}
	}
	for _, v := range vs {
		if v.Verdict == Eligible || v.Verdict == NeedsPrerequisites {
			pull(v.Commit)
		}
	}
	var review []*Verdict
	for _, v := range vs {
		switch {
		case v.Verdict == Review && !take[v.Commit]:
			review = append(review, v)
		case take[v.Commit]:
			// A review commit taken as a prerequisite: shown in full.
			if err := b.finishRank(v); err != nil {
				return nil, err
			}
		}
	}
	// The diff's signals (size, spread, whether it applies) cost a diff
	// each: measure them for the head of the list the other signals
	// order, which is what a person reads, then order again.
	sortReview(review)
	for i, v := range review {
		if i >= diffRanked {
			break
		}
		if err := b.finishRank(v); err != nil {
			return nil, err
		}
	}
	sortReview(review)
	var groups [4][]Verdict
	for _, v := range vs {
		switch {
		case take[v.Commit]:
			groups[0] = append(groups[0], *v)
		case v.Verdict == NeedsAdaptation:
			groups[2] = append(groups[2], *v)
		case v.Verdict != Review:
			groups[3] = append(groups[3], *v)
		}
	}
	for i, v := range review {
		v.Rank = i + 1
		groups[1] = append(groups[1], *v)
	}
	for _, g := range groups {
		pl.Commits = append(pl.Commits, g...)
	}
	b.keep(kept)
	return pl, nil
}

// ApplyOrder returns the commits of the plan to apply, in apply order:
// those whose verdict show lists (nil: eligible and needs-prerequisites),
// with the prerequisites they name.
func (pl *Plan) ApplyOrder(show map[VerdictKind]bool) []Verdict {
	if show == nil {
		show = map[VerdictKind]bool{Eligible: true, NeedsPrerequisites: true}
	}
	byCommit := map[string]Verdict{}
	for _, v := range pl.Commits {
		byCommit[v.Commit] = v
	}
	take := map[string]bool{}
	var pull func(v Verdict)
	pull = func(v Verdict) {
		if take[v.Commit] {
			return
		}
		take[v.Commit] = true
		for _, x := range v.Prerequisites {
			if pv, ok := byCommit[x]; ok {
				pull(pv)
			}
		}
	}
	for _, v := range pl.Commits {
		if show[v.Verdict] {
			pull(v)
		}
	}
	var out []Verdict
	for _, v := range pl.Commits {
		if take[v.Commit] {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Verdict) int { return a.order - b.order })
	return out
}
