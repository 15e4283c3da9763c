package branches

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tiered-release/tiered/versioning"
)

// Layout says how a project names its releases and lines: the part of the
// policy file this package needs, as plain values.
type Layout struct {
	Scheme versioning.Scheme
	Trunk  string
	Tags   versioning.Pattern
	// Branch patterns per tier; a zero pattern means no such branches. A
	// {version} pattern names one branch per release (libbpf-{version}).
	ABIBranch, KernelBranch, StableBranch versioning.Pattern
	// Kernels maps a kernel line name ("1.4") to its baseline.
	Kernels map[string]versioning.Kernel
}

// Release is one release: a tag, or a per-release branch without a tag.
type Release struct {
	Version versioning.Version
	Name    string // the version as the scheme writes it
	Tag     string // empty for a release that exists only as a branch
	Branch  string // its per-release branch, if any
	// BranchTip is Branch's commit: the release, or work on top of it.
	BranchTip string
	Commit    string
	Annotated bool
	Message   string // tag annotation
	OnTrunk   bool
}

// Ref returns the tag, or the branch of a branch-only release.
func (r Release) Ref() string {
	if r.Tag != "" {
		return r.Tag
	}
	return r.Branch
}

// Line tiers as [Line.Tier] names them.
const (
	TierTrunk  = "trunk"
	TierABI    = "abi"
	TierKernel = "kernel"
	TierStable = "stable"
)

// Line is one line of development: trunk, or a line of releases sharing a
// version prefix.
type Line struct {
	Name   string // "trunk", or the prefix: "1.4", "1.4.2"
	Tier   string // TierTrunk, TierABI, TierKernel or TierStable
	Prefix versioning.Prefix
	Branch string // the branch the line is worked on; "" if none
	Tip    string // branch tip, else the latest release's commit
	// Kernel is the baseline; KernelFrom says where it was read.
	Kernel     versioning.Kernel
	KernelFrom string
	Releases   []Release // ascending
	// Latest is the highest release reachable from Tip; nil if none.
	Latest     *Release
	Parent     string // the parent line's name; "" for trunk
	ForkPoint  string // merge base of Tip with the parent line's tip
	Unreleased int    // commits on Tip since Latest
}

// Anomaly kinds.
const (
	AnomalyBranchOnly    = "branch-only-release"
	AnomalyDiverged      = "branch-diverged"
	AnomalyNotDescendant = "not-descendant"
	AnomalyOutOfOrder    = "out-of-order"
	AnomalyUnparsable    = "unparsable-tag"
	AnomalyDuplicate     = "duplicate-version"
	AnomalyMixedForm     = "mixed-form"
)

// Anomaly is an irregularity in the history that does not stop tiered from
// reading it, reported so a person can judge it.
type Anomaly struct {
	Kind    string `json:"kind"`
	Ref     string `json:"ref"`
	Commit  string `json:"commit,omitempty"`
	Message string `json:"message"`
}

// Status is every line and release of a repository.
type Status struct {
	Scheme    versioning.Scheme
	Lines     []*Line
	Releases  []Release // all, ascending
	Anomalies []Anomaly
	// Tags counts the repository's tags; Misread lists those the tag
	// pattern does not match, the scheme does not fit, or the scheme
	// writes otherwise (v1.4.7 read as 1.4.7.0): many of them mean the
	// policy misreads the repository.
	Tags    int
	Misread []string
}

// Status reads the repository's releases and lines as layout describes
// them. Irregular histories give anomalies, not errors; a missing trunk
// branch is an error wrapping [ErrUnknownRef].
func (r *Repo) Status(layout Layout) (*Status, error) {
	scheme := layout.Scheme
	if scheme == "" {
		scheme = versioning.SchemeFour
	}
	s := &Status{Scheme: scheme}
	tags, err := r.Tags()
	if err != nil {
		return nil, err
	}
	s.Tags = len(tags)
	brs, err := r.Branches()
	if err != nil {
		return nil, err
	}
	trunkTip := ""
	for _, b := range brs {
		if b.Name == layout.Trunk {
			trunkTip = b.Commit
		}
	}
	if trunkTip == "" {
		names := make([]string, 0, len(brs))
		for _, b := range brs {
			names = append(names, b.Name)
		}
		return nil, fmt.Errorf("trunk branch %q: %w (set trunk: in tiered.yaml, or run tiered init to write a policy that fits; branches: %s)", layout.Trunk, ErrUnknownRef, listOr(names, 8))
	}

	// Releases from tags.
	byVersion := map[versioning.Version]int{}
	for _, t := range tags {
		v, ok, err := layout.Tags.Match(scheme, t.Name)
		if err != nil {
			s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyUnparsable, Ref: t.Name, Commit: t.Commit,
				Message: fmt.Sprintf("tag %s matches %q but is not a version: %v", t.Name, layout.Tags, err)})
			continue
		}
		if !ok || isDevelopment(v) {
			s.Misread = append(s.Misread, t.Name)
			continue
		}
		if !scheme.Fits(v) {
			s.Misread = append(s.Misread, t.Name)
			s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyMixedForm, Ref: t.Name, Commit: t.Commit,
				Message: fmt.Sprintf("tag %s does not fit scheme %s", t.Name, scheme)})
			continue
		}
		if layout.Tags.Expand(scheme, v) != t.Name {
			s.Misread = append(s.Misread, t.Name)
		}
		if i, dup := byVersion[v]; dup {
			s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyDuplicate, Ref: t.Name, Commit: t.Commit,
				Message: fmt.Sprintf("tag %s names version %s again (already %s); ignored", t.Name, scheme.Format(v), s.Releases[i].Tag)})
			continue
		}
		byVersion[v] = len(s.Releases)
		s.Releases = append(s.Releases, Release{Version: v, Name: scheme.Format(v), Tag: t.Name, Commit: t.Commit,
			Annotated: t.Annotated, Message: t.Message})
	}

	// Branches: per-line branches, and per-release branches.
	lineBranch := map[versioning.Prefix]Branch{}
	for _, b := range brs {
		if b.Name == layout.Trunk {
			continue
		}
		for _, pat := range []versioning.Pattern{layout.ABIBranch, layout.KernelBranch, layout.StableBranch} {
			v, ok, err := pat.Match(scheme, b.Name)
			if !ok || err != nil {
				continue
			}
			if !pat.HasVersion() {
				lineBranch[versioning.PrefixOf(v, pat.Tier())] = b
				break
			}
			if v.IsPrerelease() || !scheme.Fits(v) {
				break // a topic branch such as libbpf-0.1.1-xdp-bug-fix
			}
			i, ok := byVersion[v]
			if !ok {
				byVersion[v] = len(s.Releases)
				s.Releases = append(s.Releases, Release{Version: v, Name: scheme.Format(v), Branch: b.Name, BranchTip: b.Commit, Commit: b.Commit})
				s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyBranchOnly, Ref: b.Name, Commit: b.Commit,
					Message: fmt.Sprintf("release %s exists only as branch %s (no tag %s)", scheme.Format(v), b.Name, layout.Tags.Expand(scheme, v))})
				break
			}
			rel := &s.Releases[i]
			rel.Branch, rel.BranchTip = b.Name, b.Commit
			if rel.Commit != b.Commit {
				up, err := r.IsAncestor(b.Commit, rel.Commit)
				if err != nil {
					return nil, err
				}
				down, err := r.IsAncestor(rel.Commit, b.Commit)
				if err != nil {
					return nil, err
				}
				if !up && !down {
					s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyDiverged, Ref: rel.Tag, Commit: rel.Commit,
						Message: fmt.Sprintf("release %s: tag %s (%s) does not descend from branch %s (%s)", rel.Name, rel.Tag, Short(rel.Commit), b.Name, Short(b.Commit))})
				}
			}
			break
		}
	}
	slices.SortFunc(s.Releases, func(a, b Release) int { return a.Version.Compare(b.Version) })
	for i := range s.Releases {
		if s.Releases[i].OnTrunk, err = r.IsAncestor(s.Releases[i].Commit, trunkTip); err != nil {
			return nil, err
		}
	}

	if err := s.buildLines(r, layout, lineBranch, trunkTip); err != nil {
		return nil, err
	}
	if err := s.checkOrder(r); err != nil {
		return nil, err
	}
	return s, nil
}

// developmentMarks are the pre-release identifiers that mark a point of
// development, not a release to come: v2.43-devel opens the 2.43 cycle
// (util-linux), v1.2-dev and v3.0-pre1 likewise. An -rc or -beta is a
// pre-release of its version; these are not releases at all.
var developmentMarks = []string{"dev", "devel", "pre", "start", "snapshot"}

// isDevelopment reports whether v's pre-release part is a development
// mark: its first identifier is one of developmentMarks, with or without
// a number after it ("pre1", "dev.2").
func isDevelopment(v versioning.Version) bool {
	if v.Pre == "" {
		return false
	}
	first, _, _ := strings.Cut(v.Pre, ".")
	first = strings.ToLower(strings.TrimRight(first, "0123456789"))
	return slices.Contains(developmentMarks, first)
}

// releaseTier is the tier of the lines releases are made on directly.
func releaseTier(s versioning.Scheme) versioning.Tier {
	t := s.Tiers()
	return t[len(t)-2]
}

func (s *Status) buildLines(r *Repo, layout Layout, lineBranch map[versioning.Prefix]Branch, trunkTip string) error {
	scheme := s.Scheme
	trunk := &Line{Name: TierTrunk, Tier: TierTrunk, Prefix: versioning.TrunkPrefix, Branch: layout.Trunk, Tip: trunkTip}
	for _, rel := range s.Releases {
		if rel.OnTrunk {
			trunk.Releases = append(trunk.Releases, rel)
		}
	}
	lines := map[versioning.Prefix]*Line{}
	get := func(p versioning.Prefix) *Line {
		if l, ok := lines[p]; ok {
			return l
		}
		l := &Line{Name: p.Format(scheme), Prefix: p}
		switch p.Tier {
		case versioning.TierABI:
			l.Tier = TierABI
		case versioning.TierKernel:
			l.Tier = TierKernel
		default:
			l.Tier = TierStable
		}
		lines[p] = l
		return l
	}
	rt := releaseTier(scheme)
	for _, rel := range s.Releases {
		if scheme.Has(versioning.TierKernel) && rt != versioning.TierKernel {
			kl := get(versioning.PrefixOf(rel.Version, versioning.TierKernel))
			kl.Releases = append(kl.Releases, rel)
		}
		p := versioning.PrefixOf(rel.Version, rt)
		if rt == versioning.TierFeature && scheme.Has(versioning.TierKernel) {
			// A four-tier stable line is listed when it has a branch or a
			// stable release; its .0 belongs to the kernel line as well.
			if _, ok := lineBranch[p]; !ok && rel.Version.Stable == 0 {
				if _, exists := lines[p]; !exists {
					continue
				}
			}
		}
		get(p).Releases = append(get(p).Releases, rel)
	}
	for p, b := range lineBranch {
		l := get(p)
		l.Branch, l.Tip = b.Name, b.Commit
		if p.Tier == versioning.TierFeature && scheme.Has(versioning.TierKernel) {
			// A stable line opened by its .0 release holds that release.
			for _, rel := range s.Releases {
				if p.Contains(rel.Version) && !slices.ContainsFunc(l.Releases, func(x Release) bool { return x.Version == rel.Version }) {
					l.Releases = append(l.Releases, rel)
				}
			}
			slices.SortFunc(l.Releases, func(a, b Release) int { return a.Version.Compare(b.Version) })
		}
	}
	all := []*Line{trunk}
	for _, l := range lines {
		all = append(all, l)
	}
	sort.SliceStable(all[1:], func(i, j int) bool {
		a, b := all[1+i].Prefix, all[1+j].Prefix
		if c := a.Version.Compare(b.Version); c != 0 {
			return c < 0
		}
		return a.Tier < b.Tier
	})
	byName := map[versioning.Prefix]*Line{versioning.TrunkPrefix: trunk}
	for _, l := range all[1:] {
		byName[l.Prefix] = l
	}
	for _, l := range all {
		if err := s.fillLine(r, l, byName, layout); err != nil {
			return err
		}
	}
	s.Lines = all
	return nil
}

func (s *Status) fillLine(r *Repo, l *Line, lines map[versioning.Prefix]*Line, layout Layout) error {
	if l.Tip == "" {
		// No line branch: the newest release's branch, else its commit.
		for i := len(l.Releases) - 1; i >= 0 && l.Tip == ""; i-- {
			if rel := l.Releases[i]; rel.Branch != "" {
				l.Branch, l.Tip = rel.Branch, rel.BranchTip
			}
		}
		if l.Tip == "" && len(l.Releases) > 0 {
			l.Tip = l.Releases[len(l.Releases)-1].Commit
		}
	}
	for i := len(l.Releases) - 1; i >= 0; i-- {
		ok, err := r.IsAncestor(l.Releases[i].Commit, l.Tip)
		if err != nil {
			return err
		}
		if ok && (l.Latest == nil || l.Releases[i].Version.Compare(l.Latest.Version) > 0) {
			rel := l.Releases[i]
			l.Latest = &rel
		}
	}
	if l.Latest != nil {
		hs, err := r.BetweenHashes([]string{l.Latest.Commit}, l.Tip)
		if err != nil {
			return err
		}
		l.Unreleased = len(hs)
	} else if l.Tier == TierTrunk {
		hs, err := r.BetweenHashes(nil, l.Tip)
		if err != nil {
			return err
		}
		l.Unreleased = len(hs)
	}
	// Parent line and fork point.
	if l.Tier != TierTrunk {
		parent := lines[versioning.TrunkPrefix]
		for t := l.Prefix.Tier - 1; t >= versioning.TierABI; t-- {
			if p, ok := lines[versioning.PrefixOf(l.Prefix.Version, t)]; ok && p.Tip != "" {
				parent = p
				break
			}
		}
		l.Parent = parent.Name
		if l.Tip != "" && parent.Tip != "" {
			fp, err := r.MergeBase(l.Tip, parent.Tip)
			if err != nil {
				return err
			}
			l.ForkPoint = fp
		}
	}
	// Kernel baseline: policy first, then the first tag annotation.
	if l.Prefix.Tier >= versioning.TierKernel && s.Scheme.Has(versioning.TierKernel) {
		kp := versioning.PrefixOf(l.Prefix.Version, versioning.TierKernel)
		name := kp.Format(s.Scheme)
		if k, ok := layout.Kernels[name]; ok {
			l.Kernel, l.KernelFrom = k, "tiered.yaml kernels."+name
		} else {
			for _, rel := range s.Releases {
				if !kp.Contains(rel.Version) || !rel.Annotated {
					continue
				}
				if k, ok := KernelBaseline(rel.Message); ok {
					l.Kernel, l.KernelFrom = k, "tag "+rel.Tag
				}
				break
			}
		}
	}
	return nil
}

// KernelBaseline reads the "Kernel-Baseline: 6.9" line of a tag annotation.
func KernelBaseline(annotation string) (versioning.Kernel, bool) {
	for _, line := range strings.Split(annotation, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Kernel-Baseline:"); ok {
			k, err := versioning.ParseKernel(strings.TrimSpace(v))
			return k, err == nil
		}
	}
	return versioning.Kernel{}, false
}

// checkOrder reports releases of one release line that do not descend
// from the previous one, or that precede it in history.
func (s *Status) checkOrder(r *Repo) error {
	rt := releaseTier(s.Scheme)
	for _, l := range s.Lines {
		if l.Prefix.IsTrunk() || l.Prefix.Tier != rt {
			continue
		}
		var prev *Release
		for i := range l.Releases {
			rel := &l.Releases[i]
			if rel.Version.IsPrerelease() {
				continue
			}
			if prev != nil && rel.Commit != prev.Commit {
				down, err := r.IsAncestor(prev.Commit, rel.Commit)
				if err != nil {
					return err
				}
				up, err := r.IsAncestor(rel.Commit, prev.Commit)
				if err != nil {
					return err
				}
				switch {
				case up:
					s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyOutOfOrder, Ref: rel.Ref(), Commit: rel.Commit,
						Message: fmt.Sprintf("release %s (%s) is an ancestor of the lower release %s (%s)", rel.Name, rel.Ref(), prev.Name, prev.Ref())})
				case !down:
					s.Anomalies = append(s.Anomalies, Anomaly{Kind: AnomalyNotDescendant, Ref: rel.Ref(), Commit: rel.Commit,
						Message: fmt.Sprintf("release %s (%s) does not descend from the previous release %s (%s)", rel.Name, rel.Ref(), prev.Name, prev.Ref())})
				}
			}
			prev = rel
		}
	}
	return nil
}

// LineOf finds the line a commit belongs to: the line of the release it
// is, else the most specific line whose tip it is, else trunk.
func (st *Status) LineOf(sha string) *Line {
	var best *Line
	for _, l := range st.Lines {
		for _, rel := range l.Releases {
			if rel.Commit == sha && !l.Prefix.IsTrunk() && (best == nil || l.Prefix.Tier < best.Prefix.Tier || best.Prefix.IsTrunk()) {
				// The release line with the kernel baseline: the least
				// specific non-trunk line holding the release.
				best = l
			}
		}
	}
	if best != nil {
		return best
	}
	for _, l := range st.Lines {
		if l.Tip == sha && (best == nil || l.Prefix.Tier > best.Prefix.Tier) {
			best = l
		}
	}
	if best != nil {
		return best
	}
	for _, l := range st.Lines {
		if l.Prefix.IsTrunk() {
			return l
		}
	}
	return st.Lines[0]
}

// FindLine returns the line named by its branch or its version prefix
// ("release/v1.4", "1.4", "trunk"), or an error listing the lines.
// OtherTips lists the tips of every line but line: where history beyond a
// line's own is searched (for the commits that removed what it has).
func (s *Status) OtherTips(line *Line) []string {
	var out []string
	for _, l := range s.Lines {
		if l != line && l.Tip != "" {
			out = append(out, l.Tip)
		}
	}
	return out
}

func (s *Status) FindLine(name string) (*Line, error) {
	for _, l := range s.Lines {
		if l.Name == name || (l.Branch != "" && l.Branch == name) {
			return l, nil
		}
	}
	p, err := versioning.ParsePrefix(s.Scheme, strings.TrimPrefix(name, "v"))
	if err == nil {
		for _, l := range s.Lines {
			if l.Prefix == p {
				return l, nil
			}
		}
	} else if name != "" && name[0] >= '0' && name[0] <= '9' {
		return nil, &LineError{Name: name, Err: err}
	}
	names := make([]string, 0, len(s.Lines))
	for _, l := range s.Lines {
		names = append(names, l.Name)
	}
	return nil, &LineError{Name: name, Lines: names}
}

// LineError reports a line name that names no line.
type LineError struct {
	Name  string
	Lines []string
	Err   error // a syntax error, when the name is not a prefix
}

func (e *LineError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%q: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%q: no such line (lines: %s)", e.Name, listOr(e.Lines, 12))
}

func (e *LineError) Unwrap() error { return e.Err }

func listOr(names []string, n int) string {
	if len(names) == 0 {
		return "none"
	}
	if len(names) > n {
		return strings.Join(names[:n], ", ") + fmt.Sprintf(", … (%d more)", len(names)-n)
	}
	return strings.Join(names, ", ")
}
