package policies

import (
	"slices"
	"sort"
	"strings"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
)

// A replay scores backport verdicts against what a line's maintainers
// really did (DESIGN §4): for every release of the line, plan the line as
// of that release and compare with the commits the line took before its
// next release.
//
// The source as of a release is not read from commit dates, which
// mirrors rewrite: it is the oldest state of the source line's
// first-parent chain that holds every source commit the line took before
// its next release (those commits were there when it was made), and
// never older than the state used for the release before.

// ReplayStep is one release of a line, planned and compared.
type ReplayStep struct {
	Release string `json:"release"` // the release the plan is as of
	Next    string `json:"next"`    // the release that followed it
	At      string `json:"at"`      // the release's commit
	Until   string `json:"until"`   // the source state planned from; "" when none
	// Candidates is how many commits the plan judged.
	Candidates int `json:"candidates"`
	// Picks is how many commits the line took before Next that match a
	// source commit; LineOnly how many match none (version bumps, release
	// notes, fixes made on the line).
	Picks    int `json:"picks"`
	LineOnly int `json:"line_only"`
	// Verdicts counts the verdicts the picks had.
	Verdicts map[VerdictKind]int `json:"verdicts"`
	// Recalled is how many picks were not rated forbidden or not-needed.
	Recalled int `json:"recalled"`
	// Taken are the picks, with the verdicts they had; Missed those rated
	// forbidden or not-needed, with why.
	Taken  []ReplayPick `json:"taken"`
	Missed []ReplayPick `json:"missed"`
	// Eligible is how many commits the plan rated eligible, Picked how
	// many of them the line took before Next, PickedLater how many it
	// took by its last release.
	Eligible    int `json:"eligible"`
	Picked      int `json:"eligible_picked"`
	PickedLater int `json:"eligible_picked_later"`
	// Adapted is how many picks rated needs-adaptation the line took
	// edited (another patch-id).
	Adapted int `json:"adapted"`
	// Review is the length of the review list, ReviewRanks the ranks
	// there of the picks rated review.
	Review      int   `json:"review"`
	ReviewRanks []int `json:"review_ranks"`
}

// ReplayPick is a commit the line took, matched to a source commit.
type ReplayPick struct {
	Commit  string      `json:"commit"`  // on the line
	Source  string      `json:"source"`  // the source commit it matches
	Match   string      `json:"match"`   // marker, patch-id, subject
	Subject string      `json:"subject"` // the source commit's
	Verdict VerdictKind `json:"verdict"`
	Rules   []RuleID    `json:"rules"`
	Reasons []string    `json:"reasons,omitempty"` // of a missed pick
	Rank    int         `json:"rank,omitempty"`    // of a pick in review
	// Edited says the line took the commit with another patch-id: a
	// needs-adaptation verdict was borne out.
	Edited bool `json:"edited"`
}

// ReplayReport is a replay of every release of one line.
type ReplayReport struct {
	Line  string       `json:"line"`
	From  string       `json:"from"`
	Steps []ReplayStep `json:"releases"`
	// Totals over the steps.
	Picks     int `json:"picks"`
	Recalled  int `json:"recalled"`
	Forbidden int `json:"forbidden_picks"`
	NotNeeded int `json:"not_needed_picks"`
	// Adaptations is how many picks were rated needs-adaptation, Adapted
	// how many of them the line took edited.
	Adaptations int `json:"adaptation_picks"`
	Adapted     int `json:"adapted"`
	// Recall is Recalled/Picks; Precision is the share of eligible
	// commits the line took before its next release, PrecisionLater by
	// its last release; 0 when there is nothing to divide.
	Recall         float64 `json:"recall"`
	Precision      float64 `json:"eligible_precision"`
	PrecisionLater float64 `json:"eligible_precision_later"`
	// MedianRank is the median rank of the picks rated review, and
	// MedianReview the median length of the review lists.
	MedianRank   float64 `json:"median_review_rank"`
	MedianReview float64 `json:"median_review_length"`
}

// Replay plans line as of each of its releases from source and scores
// the plans against the commits the line took before the next release.
// Releases the source line itself holds (a line's first releases made on
// trunk) are not backports and are skipped. kernels enables the
// kernel-too-new rule, as for [Backport.UseKernels]; nil leaves it off.
func Replay(h History, p *Policy, st *branches.Status, line, source *branches.Line, kernels *kernel.Needs) (*ReplayReport, error) {
	rep := &ReplayReport{Line: line.Name, From: source.Name, Steps: []ReplayStep{}}
	var releases []branches.Release
	for _, r := range line.Releases {
		if !r.Version.IsPrerelease() {
			releases = append(releases, r)
		}
	}
	chain, err := h.FirstParents(source.Tip, 1<<30)
	if err != nil {
		return nil, err
	}
	until := "" // the source state of the previous step
	var eligibleAt [][]string
	var pickedAt []map[string]bool
	for i := 0; i+1 < len(releases); i++ {
		cur, next := releases[i], releases[i+1]
		if cur.Commit == next.Commit {
			continue
		}
		if ok, err := h.IsAncestor(next.Commit, source.Tip); err != nil {
			return nil, err
		} else if ok {
			continue // released from the source itself
		}
		step := ReplayStep{Release: cur.Name, Next: next.Name, At: cur.Commit, Verdicts: map[VerdictKind]int{}, Taken: []ReplayPick{}, Missed: []ReplayPick{}, ReviewRanks: []int{}}
		picks, lineOnly, err := matchPicks(h, p, cur.Commit, next.Commit, source.Tip)
		if err != nil {
			return nil, err
		}
		step.LineOnly = lineOnly
		need := []string{}
		if until != "" {
			need = append(need, until)
		}
		for _, pk := range picks {
			need = append(need, pk.Source)
		}
		if len(need) > 0 {
			if until, err = oldestHolding(h, chain, need); err != nil {
				return nil, err
			}
		}
		step.Until = until
		picked := map[string]bool{}
		for _, pk := range picks {
			picked[pk.Source] = true
		}
		pickedAt = append(pickedAt, picked)
		if until == "" {
			eligibleAt = append(eligibleAt, nil)
			rep.Steps = append(rep.Steps, step)
			continue
		}
		b, err := NewBackport(h, p, st, line, source, cur.Commit, until)
		if err != nil {
			return nil, err
		}
		if kernels != nil {
			b.UseKernels(kernels)
		}
		plan, err := b.Plan()
		if err != nil {
			return nil, err
		}
		step.Candidates = len(plan.Commits)
		var eligible []string
		for _, v := range plan.Commits {
			switch v.Verdict {
			case Eligible:
				eligible = append(eligible, v.Commit)
				if picked[v.Commit] {
					step.Picked++
				}
			case Review:
				step.Review++
			}
		}
		step.Eligible = len(eligible)
		eligibleAt = append(eligibleAt, eligible)
		for _, pk := range picks {
			v, err := b.Check(pk.Source)
			if err != nil {
				return nil, err
			}
			step.Picks++
			step.Verdicts[v.Verdict]++
			pk.Verdict, pk.Rules, pk.Rank = v.Verdict, v.Rules, v.Rank
			if pk.Edited, err = differ(h, pk.Commit, pk.Source); err != nil {
				return nil, err
			}
			if pk.Edited && v.Verdict == NeedsAdaptation {
				step.Adapted++
			}
			step.Taken = append(step.Taken, pk)
			switch v.Verdict {
			case Forbidden, NotNeeded:
				pk.Reasons = v.Reasons
				step.Missed = append(step.Missed, pk)
			default:
				step.Recalled++
			}
			if v.Verdict == Review && v.Rank > 0 {
				step.ReviewRanks = append(step.ReviewRanks, v.Rank)
			}
		}
		rep.Steps = append(rep.Steps, step)
	}
	// Eligible commits the line took at any later release count for the
	// later precision.
	var ranks, reviews []int
	eligible, picked, later := 0, 0, 0
	for i := range rep.Steps {
		s := &rep.Steps[i]
		for _, x := range eligibleAt[i] {
			for j := i; j < len(pickedAt); j++ {
				if pickedAt[j][x] {
					s.PickedLater++
					break
				}
			}
		}
		rep.Picks += s.Picks
		rep.Recalled += s.Recalled
		rep.Forbidden += s.Verdicts[Forbidden]
		rep.NotNeeded += s.Verdicts[NotNeeded]
		rep.Adaptations += s.Verdicts[NeedsAdaptation]
		rep.Adapted += s.Adapted
		eligible += s.Eligible
		picked += s.Picked
		later += s.PickedLater
		ranks = append(ranks, s.ReviewRanks...)
		if s.Until != "" {
			reviews = append(reviews, s.Review)
		}
	}
	rep.Recall = ratio(rep.Recalled, rep.Picks)
	rep.Precision = ratio(picked, eligible)
	rep.PrecisionLater = ratio(later, eligible)
	rep.MedianRank = median(ranks)
	rep.MedianReview = median(reviews)
	return rep, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func median(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}

// oldestHolding returns the oldest commit of chain (a first-parent chain,
// newest first) from which every commit of need is reachable; the chain's
// newest commit if none is older.
func oldestHolding(h History, chain []string, need []string) (string, error) {
	holds := func(i int) (bool, error) {
		for _, x := range need {
			if ok, err := h.IsAncestor(x, chain[i]); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	// Newer commits of the chain hold more: search for the last index
	// (oldest commit) that still holds them all.
	var err error
	i := sort.Search(len(chain), func(i int) bool {
		if err != nil {
			return true
		}
		ok, e := holds(i)
		err = e
		return !ok
	})
	if err != nil {
		return "", err
	}
	if i == 0 {
		return chain[0], nil
	}
	return chain[i-1], nil
}

// matchPicks lists the commits the line took from release at to release
// next, each matched to a commit of the source (up to its tip) the
// release at lacks: by a backport marker, an equal patch-id, or a subject
// (and author) no other source commit has. It returns the matched picks,
// in apply order, and how many matched nothing.
func matchPicks(h History, p *Policy, at, next, sourceTip string) ([]ReplayPick, int, error) {
	taken, err := h.Between([]string{at}, next)
	if err != nil {
		return nil, 0, err
	}
	pool, err := h.Between([]string{at}, sourceTip)
	if err != nil {
		return nil, 0, err
	}
	inPool := map[string]bool{}
	bySubject := map[string][]string{}
	byAuthored := map[string][]string{}
	byPaths := map[string][]string{}
	for _, c := range pool {
		if c.IsMerge() {
			continue
		}
		inPool[c.Hash] = true
		bySubject[c.Subject] = append(bySubject[c.Subject], c.Hash)
		byAuthored[c.Subject+"\x00"+c.Author] = append(byAuthored[c.Subject+"\x00"+c.Author], c.Hash)
	}
	var picks []ReplayPick
	lineOnly := 0
	for _, c := range taken {
		if c.IsMerge() {
			continue
		}
		// Translations and generated files reach each branch on their
		// own (a translation project sends the same catalog to all): a
		// commit of nothing else was not picked from the source.
		if nothing, err := onlyCountsForNothing(h, c.Hash); err != nil {
			return nil, 0, err
		} else if nothing {
			lineOnly++
			continue
		}
		pk := ReplayPick{Commit: c.Hash}
		for _, sha := range ParseTrailers(c.Subject, c.Message, nil).BackportOf {
			if full, ok := h.ResolveSHA(sha); ok && inPool[full] {
				pk.Source, pk.Match = full, "marker"
				break
			}
		}
		if pk.Source == "" {
			if x, err := samePatch(h, c, pool, byPaths); err != nil {
				return nil, 0, err
			} else if x != "" {
				pk.Source, pk.Match = x, "patch-id"
			}
		}
		if pk.Source == "" {
			// A subject alone recurs (translation updates, "release++"):
			// the source commit must also be alike, and the oldest alike
			// one is the one taken.
			for _, by := range []struct {
				shas []string
				how  string
			}{{byAuthored[c.Subject+"\x00"+c.Author], "subject and author"}, {bySubject[c.Subject], "subject"}} {
				x, err := oldestAlike(h, p, c.Hash, by.shas)
				if err != nil {
					return nil, 0, err
				}
				if x != "" {
					pk.Source, pk.Match = x, by.how
					break
				}
			}
		}
		if pk.Source == "" {
			lineOnly++
			continue
		}
		sc, err := h.Commit(pk.Source)
		if err != nil {
			return nil, 0, err
		}
		pk.Subject = sc.Subject
		picks = append(picks, pk)
	}
	return picks, lineOnly, nil
}

// differ reports whether two commits' patches have different patch-ids.
func differ(h History, a, b string) (bool, error) {
	pa, err := h.Patch(a)
	if err != nil {
		return false, err
	}
	pb, err := h.Patch(b)
	if err != nil {
		return false, err
	}
	return pa.ID() != pb.ID(), nil
}

// onlyCountsForNothing reports whether commit changes files and only
// files that count for nothing (translations, generated files).
func onlyCountsForNothing(h History, commit string) (bool, error) {
	paths, err := h.ChangedPaths(commit)
	if err != nil || len(paths) == 0 {
		return false, err
	}
	for _, p := range paths {
		if !countsForNothing(p) {
			return false, nil
		}
	}
	return true, nil
}

// oldestAlike returns the first of shas (in apply order) whose patch is
// alike commit's by backport.similarity, "" if none.
func oldestAlike(h History, p *Policy, commit string, shas []string) (string, error) {
	if len(shas) == 0 {
		return "", nil
	}
	pc, err := h.Patch(commit)
	if err != nil {
		return "", err
	}
	for _, x := range shas {
		px, err := h.Patch(x)
		if err != nil {
			return "", err
		}
		if similarity(pc, px) >= p.Backport.Similarity {
			return x, nil
		}
	}
	return "", nil
}

// samePatch returns the commit of pool with c's patch-id, "" if none. It
// diffs only the pool commits that change the same paths as c; byPaths
// indexes the pool by paths, filled on first use.
func samePatch(h History, c branches.Commit, pool []branches.Commit, byPaths map[string][]string) (string, error) {
	if len(byPaths) == 0 {
		for _, pc := range pool {
			if pc.IsMerge() {
				continue
			}
			paths, err := h.ChangedPaths(pc.Hash)
			if err != nil {
				return "", err
			}
			key := strings.Join(paths, "\x00")
			byPaths[key] = append(byPaths[key], pc.Hash)
		}
		byPaths["\x00none"] = nil // filled, even when the pool is empty
	}
	paths, err := h.ChangedPaths(c.Hash)
	if err != nil {
		return "", err
	}
	same := byPaths[strings.Join(paths, "\x00")]
	if len(same) == 0 {
		return "", nil
	}
	pt, err := h.Patch(c.Hash)
	if err != nil || len(pt.Files) == 0 {
		return "", err
	}
	id := pt.ID()
	for _, x := range same {
		px, err := h.Patch(x)
		if err != nil {
			return "", err
		}
		if px.ID() == id {
			return x, nil
		}
	}
	return "", nil
}
