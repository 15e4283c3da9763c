package policies

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/branches"
)

// Prerequisites and adaptation (DESIGN §4): a patch whose pre-image (its
// context and removed lines) is not on the target needs the source
// commits that introduced the missing lines first, when the line may take
// them, and a person's adaptation when it may not.

// fileCheck is how one file of a patch meets the target.
type fileCheck struct {
	fp branches.FilePatch
	// path is the file on the target the patch applies to: the patch's
	// own path, or an older name the source renamed it from.
	path    string
	missing bool     // the file is not on the target under any name
	failing []int    // indexes of the hunks whose pre-image is not there
	lines   []string // the pre-image lines the target lacks
	// renamedBy is the source commit that renamed path to the patch's
	// path, when the patch applies through a rename.
	renamedBy string
	// names are the paths the file had on the source: the patch's path
	// and the older names it was renamed from.
	names []string
}

// checkFiles matches every file of p, c's patch, against the target,
// following renames the source made since the fork.
func (b *Backport) checkFiles(c branches.Commit, p *branches.Patch) ([]fileCheck, error) {
	var out []fileCheck
	for _, fp := range p.Files {
		if fp.OldPath == "" || fp.Binary {
			continue
		}
		fc := fileCheck{fp: fp, path: fp.OldPath, names: []string{fp.OldPath}}
		content, err := b.targetFile(fp.OldPath)
		if errors.Is(err, branches.ErrNoFile) {
			old, by, err := b.renamedFrom(c, fp.OldPath)
			if err != nil {
				return nil, err
			}
			fc.names = append(fc.names, old...)
			content = nil
			for _, name := range old {
				if data, err := b.targetFile(name); err == nil {
					content, fc.path, fc.renamedBy = data, name, by
					break
				} else if !errors.Is(err, branches.ErrNoFile) {
					return nil, err
				}
			}
			if content == nil {
				fc.missing = true
				out = append(out, fc)
				continue
			}
		} else if err != nil {
			return nil, err
		}
		fc.failing, fc.lines = fp.FailingHunksIn(b.targetText(fc.path, content))
		out = append(out, fc)
	}
	return out, nil
}

// renamedFrom returns the older names of path on the source, newest
// first, and the commit of the newest rename: a candidate before c that
// added path and deleted a file whose lines it carries.
func (b *Backport) renamedFrom(c branches.Commit, path string) ([]string, string, error) {
	end, ok := b.position[c.Hash]
	if !ok {
		end = len(b.candidates)
	}
	if err := b.indexTouching(); err != nil {
		return nil, "", err
	}
	var names []string
	by := ""
	seen := map[string]bool{path: true}
	for {
		old, at, err := b.renameOf(path, end)
		if err != nil || old == "" || seen[old] {
			return names, by, err
		}
		if by == "" {
			by = b.candidates[at].Hash
		}
		seen[old] = true
		names = append(names, old)
		path, end = old, at
	}
}

// renameOf finds the last candidate before end that created path by
// renaming another file: it returns that file and the candidate's index.
func (b *Backport) renameOf(path string, end int) (string, int, error) {
	if err := b.indexTouching(); err != nil {
		return "", 0, err
	}
	idx := b.touching[path]
	creates := b.created[path]
	if creates == nil {
		creates = make([]int8, len(idx))
		if b.created == nil {
			b.created = map[string][]int8{}
		}
		b.created[path] = creates
	}
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		if i >= end {
			continue
		}
		// Only a commit that creates path can have renamed a file to it;
		// most commits that touch it only change it. Asking costs a tree
		// diff (or a cached patch), not the whole patch it cost before.
		if creates[k] == 0 {
			ok, err := b.h.Creates(b.candidates[i].Hash, path)
			if err != nil {
				return "", 0, err
			}
			creates[k] = -1
			if ok {
				creates[k] = 1
			}
		}
		if creates[k] < 0 {
			continue
		}
		p, err := b.h.Patch(b.candidates[i].Hash)
		if err != nil {
			return "", 0, err
		}
		var added *branches.FilePatch
		for j := range p.Files {
			fp := p.Files[j]
			if fp.NewPath == path && fp.OldPath != "" && fp.OldPath != path {
				return fp.OldPath, i, nil // a rename, as git finds them
			}
			if fp.NewPath == path && fp.OldPath == "" {
				added = &p.Files[j]
			}
		}
		if added == nil {
			continue // path changed here, not created
		}
		best, bestScore := "", renameSimilarity
		for _, fp := range p.Files {
			if fp.NewPath != "" {
				continue
			}
			if s := fileAlike(fp, *added); s >= bestScore {
				best, bestScore = fp.OldPath, s
			}
		}
		return best, i, nil // the newest creation decides
	}
	return "", 0, nil
}

// indexTouching indexes the candidates by the paths they change, once.
func (b *Backport) indexTouching() error {
	if b.touching != nil {
		return nil
	}
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
	return nil
}

// prerequisites checks that every hunk finds its pre-image on the target,
// names the source commits that introduced the missing lines, and
// decides between needs-prerequisites (the line may take them all) and
// needs-adaptation (it may not, or no commit introduced them).
func (b *Backport) prerequisites(c branches.Commit, v *Verdict) (VerdictKind, error) {
	p, err := b.h.Patch(c.Hash)
	if err != nil {
		return "", err
	}
	checks, err := b.checkFiles(c, p)
	if err != nil {
		return "", err
	}
	var unresolved []string // hunks no candidate accounts for
	var blocked []string    // commits the line may not take
	for _, fc := range checks {
		if fc.renamedBy != "" {
			v.Reasons = append(v.Reasons, fmt.Sprintf("%s is %s on %s (renamed by %s)", fc.fp.OldPath, fc.path, b.target.Name, branches.Short(fc.renamedBy)))
		}
		if !fc.missing && len(fc.failing) == 0 {
			continue
		}
		var hunks []string
		if fc.missing {
			hunks = []string{fc.fp.OldPath}
			v.Reasons = append(v.Reasons, fmt.Sprintf("%s does not exist on %s", fc.fp.OldPath, b.target.Name))
		}
		for _, i := range fc.failing {
			hunks = append(hunks, fmt.Sprintf("%s:%d", fc.path, fc.fp.Hunks[i].OldStart))
		}
		v.Hunks = append(v.Hunks, hunks...)
		var missing []string
		if !fc.missing {
			missing = fc.lines
		}
		found, err := b.introducers(c, fc.names, missing)
		if err != nil {
			return "", err
		}
		if len(found) == 0 {
			need := ""
			if l := firstNonEmpty(fc.lines); l != "" {
				need = fmt.Sprintf(", which needs %q", l)
			}
			unresolved = append(unresolved, strings.Join(hunks, ", ")+need)
			continue
		}
		var may, mayNot []string
		for _, x := range found {
			tv, err := b.Check(x)
			if err != nil {
				return "", err
			}
			switch {
			case mayNotTake(tv.Verdict):
				mayNot = append(mayNot, fmt.Sprintf("%s (%s on %s: %s)", b.describe(x), tv.Verdict, b.target.Name, joinRules(tv.Rules)))
				if !slices.Contains(blocked, x) {
					blocked = append(blocked, x)
				}
			default:
				may = append(may, b.describe(x))
				if !slices.Contains(v.Prerequisites, x) {
					v.Prerequisites = append(v.Prerequisites, x)
				}
			}
		}
		if len(mayNot) > 0 {
			v.add(RuleNeedsAdaptation, "its patch to %s (%s) needs lines that %s introduced, which %s may not take", fc.fp.OldPath, strings.Join(hunks, ", "), strings.Join(mayNot, ", "), b.target.Name)
		}
		if len(may) > 0 {
			v.add(RulePrerequisites, "its patch to %s needs lines that %s introduced first", fc.fp.OldPath, strings.Join(may, ", "))
		}
	}
	if len(unresolved) > 0 {
		v.add(RuleNeedsAdaptation, "its patch does not apply on %s and no earlier commit of %s introduces what it needs: %s", b.target.Name, b.source.Name, strings.Join(unresolved, "; "))
	}
	for _, x := range blocked {
		if !slices.Contains(v.Blockers, x) {
			v.Blockers = append(v.Blockers, x)
		}
	}
	switch {
	case len(v.Blockers) > 0 || len(unresolved) > 0:
		return NeedsAdaptation, nil
	case len(v.Prerequisites) > 0:
		return NeedsPrerequisites, nil
	}
	v.Hunks = nil
	v.Reasons = append(v.Reasons, fmt.Sprintf("its patch applies on %s", b.target.Name))
	return Eligible, nil
}

// mayNotTake reports whether a line may not take a commit with verdict
// k before another that needs it: forbidden there, not needed there (its
// lines differ on the line), or itself in need of adaptation.
func mayNotTake(k VerdictKind) bool {
	return k == Forbidden || k == NotNeeded || k == NeedsAdaptation
}

// describe names a commit: short sha and quoted subject.
func (b *Backport) describe(sha string) string {
	c, _ := b.h.Commit(sha)
	return fmt.Sprintf("%s %q", branches.Short(sha), c.Subject)
}

func joinRules(rs []RuleID) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
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

// targetText is path's content at the judged state of the target, split
// into lines once for every patch that touches it.
func (b *Backport) targetText(path string, content []byte) *branches.Text {
	if t, ok := b.texts[path]; ok {
		return t
	}
	if b.texts == nil {
		b.texts = map[string]*branches.Text{}
	}
	t := branches.NewText(content)
	b.texts[path] = t
	return t
}

// introducers returns the candidates before c, not on the target, that
// last added any of the missing lines to the file (under any of its
// names), or that created it when missing is nil; oldest first.
func (b *Backport) introducers(c branches.Commit, names []string, missing []string) ([]string, error) {
	end, ok := b.position[c.Hash]
	if !ok {
		return nil, nil
	}
	want := map[string]bool{}
	for _, l := range missing {
		want[l] = true
	}
	if err := b.indexTouching(); err != nil {
		return nil, err
	}
	var idx []int
	for _, name := range names {
		idx = append(idx, b.touching[name]...)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	// Walk back from c: each missing line was last added by one earlier
	// commit; stop when every one is accounted for.
	var found []string
	var wantList []string // want's lines; nil after want changed
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		if i >= end {
			continue
		}
		pc := b.candidates[i].Hash
		if wantList == nil {
			wantList = slices.Collect(maps.Keys(want))
		}
		if may, err := b.h.MayAddLines(pc, names, wantList); err != nil {
			return nil, err
		} else if !may {
			continue // adds none of them, creates and deletes nothing
		}
		pp, err := b.h.PatchOf(pc, names)
		if err != nil {
			return nil, err
		}
		// A rename between the file's names carries lines over; it does
		// not introduce them.
		carried := map[string]bool{}
		for _, fp := range pp.Files {
			if fp.NewPath == "" && slices.Contains(names, fp.OldPath) {
				for _, h := range fp.Hunks {
					for _, l := range h.PreImage() {
						carried[l] = true
					}
				}
			}
		}
		hit := false
		for _, fp := range pp.Files {
			if !slices.Contains(names, fp.NewPath) {
				continue
			}
			if missing == nil && fp.OldPath == "" && len(carried) == 0 {
				hit = true
			}
			for _, h := range fp.Hunks {
				for _, l := range h.Added() {
					if want[l] && !carried[l] {
						hit = true
						delete(want, l)
						wantList = nil
					}
				}
			}
		}
		if hit {
			if eq, err := b.onTarget(pc); err != nil {
				return nil, err
			} else if eq.how == "" && !slices.Contains(found, pc) {
				found = append(found, pc)
			}
		}
		if (missing == nil && len(found) > 0) || (missing != nil && len(want) == 0) {
			break
		}
	}
	slices.Reverse(found)
	return found, nil
}

func firstNonEmpty(xs []string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
