package policies

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/tiered-release/tiered/branches"
)

// Ranking the review list (DESIGN §4): a commit without fix evidence is
// left to a person, and the plan puts first what a maintainer would look
// at first. Each signal has a weight and says what it saw; the score is
// their sum. Documentation- and translation-only commits rank last.

// subjectWords are words of a subject that say what kind of change it
// is, with their weight; a subject counts each group once, by its words.
var subjectWords = []struct {
	weight int
	label  string
	words  []string
}{
	{3, "subject names a bug", []string{"crash", "crashes", "leak", "leaks", "leaking", "overflow", "overflows", "underflow", "race", "racy", "regression", "uninitialized", "uninitialised", "use-after-free", "uaf", "double-free", "deadlock", "segfault", "corruption", "corrupted", "corrupts", "oob", "out-of-bounds", "deref", "dereference", "panic", "hang", "hangs", "infinite"}},
	{2, "subject says fix", []string{"fix", "fixes", "fixed", "fixup", "bug", "bugs", "wrong", "incorrect", "incorrectly", "broken", "missing", "mismatch", "prevent", "avoid", "unbreak", "workaround", "fail", "fails", "failure", "invalid", "correct", "properly", "handle"}},
	{1, "subject says typo", []string{"typo", "typos", "spelling", "misspelled"}},
	{-2, "subject looks like a feature", []string{"add", "adds", "support", "introduce", "implement", "new", "allow", "enable", "extend", "expose"}},
	{-1, "subject looks like a refactor", []string{"refactor", "rework", "cleanup", "clean", "tidy", "rename", "move", "convert", "simplify", "reorganize", "unify"}},
}

var (
	bookkeeping = regexp.MustCompile(`(?i)\b(bump|start|prepare|update)\b.*\b(version|release|cycle|development)\b|release\+\+`)
	// bookkeepingWords are the words bookkeeping cannot match without.
	bookkeepingWords = []string{"bump", "start", "prepare", "update", "release++"}
)

// wordGroups maps each word of subjectWords to the groups that list it.
var wordGroups = sync.OnceValue(func() map[string][]int {
	m := map[string][]int{}
	for gi, g := range subjectWords {
		for _, w := range g.words {
			m[w] = append(m[w], gi)
		}
	}
	return m
})

// subjectTokens splits a lower-cased subject into its words: runs of
// ASCII letters and digits, joined by single dashes ("use-after-free"),
// as the regexp [a-z0-9]+(?:-[a-z0-9]+)* finds them.
func subjectTokens(s string) []string {
	word := func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
	var out []string
	for i := 0; i < len(s); {
		if !word(s[i]) {
			i++
			continue
		}
		j := i
		for {
			for j < len(s) && word(s[j]) {
				j++
			}
			if j+1 < len(s) && s[j] == '-' && word(s[j+1]) {
				j++
				continue
			}
			break
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// rank scores a review verdict: the signals a maintainer weighs, each
// shown with its weight.
func (b *Backport) rank(c branches.Commit, f Facts, v *Verdict) error {
	say := func(w int, format string, args ...any) {
		v.Score += w
		v.Signals = append(v.Signals, fmt.Sprintf("%+d %s", w, fmt.Sprintf(format, args...)))
	}
	var hits [][]string // per group of subjectWords
	for _, w := range subjectTokens(strings.ToLower(c.Subject)) {
		for _, gi := range wordGroups()[w] {
			if hits == nil {
				hits = make([][]string, len(subjectWords))
			}
			if !slices.Contains(hits[gi], w) {
				hits[gi] = append(hits[gi], w)
			}
		}
	}
	for gi, g := range subjectWords {
		if gi < len(hits) && len(hits[gi]) > 0 {
			say(g.weight, "%s: %s", g.label, strings.Join(hits[gi], ", "))
		}
	}
	if mayContain(c.Subject, nil, bookkeepingWords) && bookkeeping.MatchString(c.Subject) {
		say(-2, "release bookkeeping")
	}
	if f.Reported {
		say(1, "someone reported the bug (Reported-by:)")
	}

	// What kind of files, from the paths alone: documentation and
	// translations rank last whatever else they are, so they are never
	// diffed for it (translation catalogs are large).
	paths, err := b.h.ChangedPaths(c.Hash)
	if err != nil {
		return err
	}
	var docs, translations, ci, tests int
	for _, path := range paths {
		switch {
		case isTranslation(path):
			translations++
		case isDocumentation(path):
			docs++
		case isCI(path):
			ci++
		case isTest(path):
			tests++
		}
	}
	n := len(paths)
	switch {
	case n == 0:
	case translations == n:
		say(-6, "translations only")
		v.last = true
	case docs+translations == n:
		say(-6, "documentation only")
		v.last = true
	case ci == n:
		say(-4, "CI configuration only")
	case tests == n:
		say(-1, "tests only")
	}
	v.diffPending = n > 0 && !v.last

	// Its series: posted with a commit the line takes, it was likely
	// part of that fix.
	sibling, err := b.eligibleSibling(c, f)
	if err != nil {
		return err
	}
	if sibling != "" {
		say(4, "same series as %s, which %s takes", b.describe(sibling), b.target.Name)
	}
	return nil
}

// diffRanked is how many of a plan's review list, in the order the other
// signals give, are also ranked by their diff: more than a maintainer
// reads, few enough that a long list is not diffed whole (libbpf's
// longest is about 600, a real C project's 23k). Replaying every libbpf
// line ranks its picks exactly as 1024 did, at half the CPU of a plan.
const diffRanked = 256

// rankWork bounds the line diff of one file of a review commit ranked by
// its diff: about 10 ms of Myers' search. Of libbpf's 2,970 commits, the
// 22 that need more all rewrite a CI copy of vmlinux.h (2 MB, 100,000
// lines reordered), each about a third of a second to diff, as for git
// log -p; the slowest that finishes takes 60 ms.
const rankWork = 10_000_000

// patchWithin is what a [History] may also do: give up on a costly diff.
type patchWithin interface {
	PatchWithin(commit string, work int) (*branches.Patch, error)
}

var _ patchWithin = (*branches.Repo)(nil)

// patchForRank is commit's patch, or a [*branches.CostlyError] when its
// diff costs more than a rank is worth.
func (b *Backport) patchForRank(commit string) (*branches.Patch, error) {
	if pw, ok := b.h.(patchWithin); ok {
		return pw.PatchWithin(commit, rankWork)
	}
	return b.h.Patch(commit)
}

// finishRank adds the signals of a review commit's diff, once.
func (b *Backport) finishRank(v *Verdict) error {
	if !v.diffPending {
		return nil
	}
	v.diffPending = false
	ds, ok := b.diffSignals[v.Commit]
	if !ok {
		c, err := b.h.Commit(v.Commit)
		if err != nil {
			return err
		}
		err = b.rankDiff(c, func(w int, format string, args ...any) {
			ds = append(ds, signal{w, fmt.Sprintf("%+d %s", w, fmt.Sprintf(format, args...))})
		})
		if err != nil {
			return err
		}
		b.diffSignals[v.Commit] = ds
	}
	for _, s := range ds {
		v.Score += s.Weight
		v.Signals = append(v.Signals, s.Text)
	}
	return nil
}

// signal is one weighed signal of a rank, as shown.
type signal struct {
	Weight int
	Text   string
}

// rankDiff adds the signals of a commit's diff: its size and spread
// (translations and generated files count for nothing), and whether it
// only touches code the line has.
func (b *Backport) rankDiff(c branches.Commit, say func(int, string, ...any)) error {
	p, err := b.patchForRank(c.Hash)
	var costly *branches.CostlyError
	if errors.As(err, &costly) {
		say(-2, "large: its diff of %s is too costly to rank by (a generated file?), so not checked against %s", costly.Path, b.target.Name)
		return nil
	}
	if err != nil {
		return err
	}
	var lines, files int
	for _, fp := range p.Files {
		if countsForNothing(fp.Path()) {
			continue
		}
		files++
		for _, h := range fp.Hunks {
			for _, l := range h.Lines {
				if l != "" && l[0] != ' ' {
					lines++
				}
			}
		}
	}
	switch {
	case files == 0: // nothing that counts to measure
	case lines <= 10:
		say(2, "small: %d changed line(s)", lines)
	case lines <= 40:
		say(1, "%d changed lines", lines)
	case lines > 400:
		say(-2, "large: %d changed lines", lines)
	case lines > 150:
		say(-1, "%d changed lines", lines)
	}
	if files > 5 {
		say(-1, "spread over %d files", files)
	}
	checks, err := b.checkFiles(c, p)
	if err != nil {
		return err
	}
	var absent []string
	failing := 0
	for _, fc := range checks {
		if fc.missing {
			absent = append(absent, fc.fp.OldPath)
		}
		failing += len(fc.failing)
	}
	switch {
	case len(absent) > 0:
		say(-3, "touches %s, which %s does not have", strings.Join(absent, ", "), b.target.Name)
	case failing > 0:
		say(-1, "%d hunk(s) do not apply on %s as they are", failing, b.target.Name)
	default:
		say(2, "applies on %s", b.target.Name)
	}
	return nil
}

// eligibleSibling returns a commit of c's patch series that is eligible
// or needs only prerequisites, "" if none.
func (b *Backport) eligibleSibling(c branches.Commit, f Facts) (string, error) {
	if len(f.Series) == 0 {
		return "", nil
	}
	if b.series == nil {
		b.series = map[string][]int{}
		for i, pc := range b.candidates {
			pf, err := b.factsOf(pc)
			if err != nil {
				return "", err
			}
			for _, s := range pf.Series {
				b.series[s] = append(b.series[s], i)
			}
		}
	}
	for _, s := range f.Series {
		for _, i := range b.series[s] {
			x := b.candidates[i].Hash
			if x == c.Hash {
				continue
			}
			tv, err := b.Check(x)
			if err != nil {
				return "", err
			}
			if tv.Verdict == Eligible || tv.Verdict == NeedsPrerequisites {
				return x, nil
			}
		}
	}
	return "", nil
}

// sortReview orders a plan's review list: documentation and translations
// last, then by score, highest first, then in apply order (Verdict.order).
func sortReview(vs []*Verdict) {
	slices.SortStableFunc(vs, func(a, b *Verdict) int {
		if a.last != b.last {
			if a.last {
				return 1
			}
			return -1
		}
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return a.order - b.order
	})
}
