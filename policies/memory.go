package policies

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/branches"
)

// A plan's memory: the verdicts of the last plan of the same two lines,
// kept with the verdicts each one consulted, so that the next plan, after
// commits landed on the source, judges only the new commits and the
// verdicts they can change. It changes no rule: a plan with memory prints
// what a plan without it prints. Everything else a verdict depends on is
// the same by construction or checked:
//
//   - the policy, the kernel data, the target's state and the binary are
//     in the key (the caller's part) or in the record (the target side);
//   - the earlier candidates are the same commits in the same order (a
//     verdict reads only earlier candidates for prerequisites, renames
//     and introducers): when a merge puts new commits before old ones in
//     apply order, the old ones from there on are judged again;
//   - the graph gained commits and lost none ([branches.Repo.GraphAdded]);
//     a reference (Fixes:, Revert, a named prerequisite) resolves by sha
//     prefix or subject over the whole graph, so a verdict whose
//     references could name a gained commit is judged again;
//   - the reverts on the source are compared whole;
//   - a commit of a patch series a new candidate joins is judged again;
//   - a verdict that consulted another verdict (a fix of a fix, a
//     prerequisite, a series sibling) is judged again when that one is.
//
// TestPlanMemoryMatchesFullPlan walks a repository through each of these
// and TestPlanMemoryRealLibbpf replays libbpf's trunk, comparing with
// plans without memory byte for byte.

// PlanMemory stores what plans remember; answers.Store is one.
type PlanMemory interface {
	Get(key string, v any) bool
	Put(key string, v any) error
}

// graphHistory is what a History may also do: say what its commits were
// and which it gained since. Without it a plan remembers nothing.
type graphHistory interface {
	GraphState() (branches.GraphState, error)
	GraphAdded(branches.GraphState) ([]string, bool, error)
}

var _ graphHistory = (*branches.Repo)(nil)

// memoryFormat names the record's layout; a change makes old ones unread.
const memoryFormat = "tiered-plan-memory-v4"

// maxGained bounds the commits a plan patches a remembered one with: past
// it, matching every reference against them costs more than judging.
const maxGained = 4096

// planRecord is what a plan remembers.
type planRecord struct {
	Graph      branches.GraphState
	SourceTip  string
	Candidates int
	Order      string   // the candidates' shas, in order, end to end
	Target     [32]byte // the target side and its backport markers
	RevertedBy map[string]string
	Verdicts   []savedVerdict // one per candidate, in order
	// Strings are the reasons and signals the verdicts name by index: a
	// plan of 23k verdicts has 53k of them, 3k different.
	Strings []string
	strs    *strs // interns Strings while the record is made
}

// savedVerdict is a verdict as the judging loop left it, before the plan
// ranked its review list by diffs, with the candidates (by index) whose
// verdicts it consulted; -1 stands for a commit that is not a candidate.
// V holds neither the commit and subject (the candidate's) nor reasons
// and signals (indexes into Strings).
type savedVerdict struct {
	V                 Verdict
	Reasons, Signals  []int32
	Last, DiffPending bool
	Deps              []int32
	// Diff are the signals of its diff (weight, index into Strings), when
	// a plan measured them (Ranked): they hold as long as the verdict does.
	Diff   []int32
	Ranked bool
}

// strs interns the strings of a record.
type strs struct {
	list  []string
	index map[string]int32
}

func (t *strs) of(ss []string) []int32 {
	if len(ss) == 0 {
		return nil
	}
	out := make([]int32, len(ss))
	for i, s := range ss {
		out[i] = t.id(s)
	}
	return out
}

// id is the index of s in the table, added if new.
func (t *strs) id(s string) int32 {
	k, ok := t.index[s]
	if !ok {
		k = int32(len(t.list))
		t.index[s] = k
		t.list = append(t.list, s)
	}
	return k
}

// lookup turns indexes back into strings; ok is false for one out of range.
func lookup(table []string, idx []int32) ([]string, bool) {
	out := make([]string, len(idx))
	for i, k := range idx {
		if k < 0 || int(k) >= len(table) {
			return nil, false
		}
		out[i] = table[k]
	}
	return out, true
}

// Remember lets Plan reuse the verdicts of the last plan of the same lines
// kept in m under key (which must fingerprint the policy, the kernel data
// and the binary), and keep its own there.
func (b *Backport) Remember(m PlanMemory, key string) {
	b.memory, b.memoryKey = m, key
}

// Reused is how many verdicts the last Plan took from its memory.
func (b *Backport) Reused() int { return b.reused }

// recordKey is where the plan of these lines at this target is kept.
func (b *Backport) recordKey() string {
	h := sha256.New()
	for _, s := range []string{memoryFormat, b.memoryKey, b.target.Name, b.target.Tier, b.source.Name, b.targetTip, b.target.Kernel.String(), b.factsKey, fmt.Sprint(b.kernels != nil)} {
		fmt.Fprintf(h, "%s\x00", s)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// order writes the candidates' shas end to end.
func (b *Backport) order() string {
	var o strings.Builder
	o.Grow(40 * len(b.candidates))
	for _, c := range b.candidates {
		o.WriteString(c.Hash)
	}
	return o.String()
}

// targetSum fingerprints the target side: its commits and what their
// backport markers resolved to (a sha prefix resolves over the graph).
func (b *Backport) targetSum() [32]byte {
	h := sha256.New()
	for _, c := range b.targetSide {
		fmt.Fprintf(h, "%s\x00", c.Hash)
	}
	for _, k := range slices.Sorted(maps.Keys(b.markers)) {
		fmt.Fprintf(h, "%s=%s\x00", k, b.markers[k])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// recall loads the verdicts of the remembered plan that the commits
// gained since cannot have changed; it reports how many. Whatever it
// cannot prove leaves the plan to judge everything: memory only saves
// time.
func (b *Backport) recall() int {
	rec, same, gained := b.remembered()
	if rec == nil {
		return 0
	}
	stale, ok := b.stale(rec, same, gained)
	if !ok {
		return 0
	}
	return b.preload(rec, stale)
}

// remembered reads the record of the last plan of these lines and checks
// what it can be patched up from: the candidates both plans share in the
// same place (same), and the commits gained since, in the graph and on
// the source. nil when there is none or it cannot be trusted.
func (b *Backport) remembered() (rec *planRecord, same int, gained map[string]bool) {
	gh, ok := b.h.(graphHistory)
	if b.memory == nil || !ok {
		return nil, 0, nil
	}
	rec = &planRecord{}
	if !b.memory.Get(b.recordKey(), rec) {
		return nil, 0, nil
	}
	n := rec.Candidates
	if len(rec.Verdicts) != n || len(rec.Order) != 40*n || rec.Target != b.targetSum() {
		return nil, 0, nil
	}
	// All of the old candidates when commits landed on top, fewer when a
	// merge put some before old ones in apply order.
	for same < n && same < len(b.candidates) && rec.Order[40*same:40*same+40] == b.candidates[same].Hash {
		same++
	}
	if same == 0 {
		return nil, 0, nil
	}
	if ok, err := b.h.IsAncestor(rec.SourceTip, b.sourceTip); err != nil || !ok {
		return nil, 0, nil
	}
	added, ok, err := gh.GraphAdded(rec.Graph)
	if err != nil || !ok {
		return nil, 0, nil
	}
	onSource, err := b.h.Between([]string{rec.SourceTip}, b.sourceTip)
	if err != nil {
		return nil, 0, nil
	}
	gained = map[string]bool{}
	for _, h := range added {
		gained[h] = true
	}
	for _, c := range onSource {
		gained[c.Hash] = true
	}
	if len(gained) > maxGained {
		return nil, 0, nil
	}
	return rec, same, gained
}

// stale marks the remembered verdicts to judge again: those after the
// first candidate that moved, those the gained commits can change, and
// those that consulted one of them.
func (b *Backport) stale(rec *planRecord, same int, gained map[string]bool) ([]bool, bool) {
	sorted := slices.Sorted(maps.Keys(gained)) // for sha prefixes
	subjects := map[string]bool{}
	for _, h := range sorted {
		c, err := b.h.Commit(h)
		if err != nil {
			return nil, false
		}
		subjects[strings.TrimSpace(c.Subject)] = true
	}
	// A reference could now name a gained commit: by subject, or by a
	// sha prefix (it may also have become ambiguous).
	names := func(r Ref) bool {
		if r.Subject != "" && subjects[strings.TrimSpace(r.Subject)] {
			return true
		}
		if r.SHA == "" {
			return false
		}
		p := strings.ToLower(r.SHA)
		i, _ := slices.BinarySearch(sorted, p)
		return i < len(sorted) && strings.HasPrefix(sorted[i], p)
	}
	series := map[string]bool{} // the series new candidates were posted in
	for _, c := range b.candidates[same:] {
		if !gained[c.Hash] {
			continue
		}
		f, err := b.factsOf(c)
		if err != nil {
			return nil, false
		}
		for _, s := range f.Series {
			series[s] = true
		}
	}
	n := rec.Candidates
	stale := make([]bool, n)
	for i := same; i < n; i++ {
		stale[i] = true
	}
	for i, c := range b.candidates[:same] {
		f, err := b.factsOf(c)
		if err != nil {
			return nil, false
		}
		refs := slices.Concat(f.Fixes, f.Prereqs)
		if f.Reverts != nil {
			refs = append(refs, *f.Reverts)
		}
		stale[i] = slices.ContainsFunc(refs, names) || slices.ContainsFunc(f.Series, func(s string) bool { return series[s] })
	}
	for sha, r := range rec.RevertedBy {
		if b.revertedBy[sha] != r {
			b.markStale(stale, sha)
		}
	}
	for sha, r := range b.revertedBy {
		if rec.RevertedBy[sha] != r {
			b.markStale(stale, sha)
		}
	}
	// What consulted a stale verdict is stale too.
	consulted := make([][]int32, n) // candidate → the verdicts that consulted it
	var queue []int
	for i, sv := range rec.Verdicts {
		for _, d := range sv.Deps {
			switch {
			case d < 0 || int(d) >= n:
				stale[i] = true
			default:
				consulted[d] = append(consulted[d], int32(i))
			}
		}
	}
	for i := range stale {
		if stale[i] {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, j := range consulted[i] {
			if !stale[j] {
				stale[j] = true
				queue = append(queue, int(j))
			}
		}
	}
	return stale, true
}

// preload puts the remembered verdicts that are not stale where Check
// finds them; it reports how many.
func (b *Backport) preload(rec *planRecord, stale []bool) int {
	reused := make([]*Verdict, len(rec.Verdicts))
	diffs := map[string][]signal{}
	for i, sv := range rec.Verdicts {
		if stale[i] {
			continue
		}
		v := sv.V
		c := b.candidates[i]
		v.Commit, v.Subject = c.Hash, c.Subject
		var ok1, ok2 bool
		v.Reasons, ok1 = lookup(rec.Strings, sv.Reasons)
		v.Signals, ok2 = lookup(rec.Strings, sv.Signals)
		if !ok1 || !ok2 || len(sv.Diff)%2 != 0 {
			return 0
		}
		if len(v.Signals) == 0 {
			v.Signals = nil
		}
		// gob drops empty slices; a verdict lists these even when empty.
		if v.Rules == nil {
			v.Rules = []RuleID{}
		}
		if v.Prerequisites == nil {
			v.Prerequisites = []string{}
		}
		v.last, v.diffPending = sv.Last, sv.DiffPending
		if sv.Ranked {
			ds := make([]signal, len(sv.Diff)/2)
			for k := range ds {
				i := sv.Diff[2*k+1]
				if i < 0 || int(i) >= len(rec.Strings) {
					return 0
				}
				ds[k] = signal{int(sv.Diff[2*k]), rec.Strings[i]}
			}
			diffs[c.Hash] = ds
		}
		reused[i] = &v
	}
	count := 0
	for i, v := range reused {
		if v == nil {
			continue
		}
		sha := b.candidates[i].Hash
		b.verdicts[sha] = v
		b.deps[sha] = rec.Verdicts[i].Deps
		if ds, ok := diffs[sha]; ok {
			b.diffSignals[sha] = ds
		}
		count++
	}
	return count
}

// markStale marks the candidate sha, if it is one.
func (b *Backport) markStale(stale []bool, sha string) {
	if i, ok := b.position[sha]; ok && i < len(stale) {
		stale[i] = true
	}
}

// snapshot copies the plan's verdicts as the judging loop left them,
// before the plan ranks its review list by diffs; nil without a memory.
func (b *Backport) snapshot() *planRecord {
	if _, ok := b.h.(graphHistory); b.memory == nil || !ok {
		return nil
	}
	t := &strs{index: map[string]int32{}}
	out := make([]savedVerdict, len(b.candidates))
	for i, c := range b.candidates {
		v := b.verdicts[c.Hash]
		sv := savedVerdict{V: *v, Reasons: t.of(v.Reasons), Signals: t.of(v.Signals), Last: v.last, DiffPending: v.diffPending, Deps: b.deps[c.Hash]}
		sv.V.Commit, sv.V.Subject, sv.V.Reasons, sv.V.Signals = "", "", nil, nil
		out[i] = sv
	}
	return &planRecord{Verdicts: out, strs: t}
}

// keep stores the snapshot, with the diff signals the plan measured. A
// memory that cannot be written only costs time.
func (b *Backport) keep(rec *planRecord) {
	gh, ok := b.h.(graphHistory)
	if rec == nil || !ok {
		return
	}
	graph, err := gh.GraphState()
	if err != nil {
		return
	}
	for i, c := range b.candidates {
		ds, ok := b.diffSignals[c.Hash]
		if !ok {
			continue
		}
		sv := &rec.Verdicts[i]
		sv.Ranked = true
		for _, d := range ds {
			sv.Diff = append(sv.Diff, int32(d.Weight), rec.strs.id(d.Text))
		}
	}
	rec.Graph, rec.SourceTip, rec.Candidates = graph, b.sourceTip, len(b.candidates)
	rec.Order, rec.Target = b.order(), b.targetSum()
	rec.RevertedBy, rec.Strings = b.revertedBy, rec.strs.list
	b.memory.Put(b.recordKey(), rec)
}
