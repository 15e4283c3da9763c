package policies

import (
	"crypto/sha1"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// fakeHistory is a map-backed History: commits with parents, messages
// and whole file trees, so rules can be tested without git.
type fakeHistory struct {
	commits map[string]*fakeCommit
	order   []string       // creation order
	patched map[string]int // how often Patch was asked for each commit
	found   int            // how often FindBySubject was asked
}

type fakeCommit struct {
	branches.Commit
	files map[string]string
}

func newFake() *fakeHistory {
	return &fakeHistory{commits: map[string]*fakeCommit{}, patched: map[string]int{}}
}

// add makes a commit on parents with the message; files change the
// first parent's tree ("" deletes). Its sha is the sha-1 of a counter, so
// abbreviated shas are unique as in a real repository.
func (f *fakeHistory) add(msg string, files map[string]string, parents ...string) string {
	sha := fmt.Sprintf("%x", sha1.Sum(fmt.Appendf(nil, "commit %d", len(f.order))))
	tree := map[string]string{}
	if len(parents) > 0 {
		for k, v := range f.commits[parents[0]].files {
			tree[k] = v
		}
	}
	for k, v := range files {
		if v == "" {
			delete(tree, k)
		} else {
			tree[k] = v
		}
	}
	subject, _, _ := strings.Cut(msg, "\n")
	f.commits[sha] = &fakeCommit{
		Commit: branches.Commit{Hash: sha, Parents: parents, Author: "A <a@example.org>", Committer: "A <a@example.org>", Subject: subject, Message: msg},
		files:  tree,
	}
	f.order = append(f.order, sha)
	return sha
}

func (f *fakeHistory) get(h string) (*fakeCommit, error) {
	c, ok := f.commits[h]
	if !ok {
		return nil, fmt.Errorf("%s: %w", h, branches.ErrUnknownRef)
	}
	return c, nil
}

func (f *fakeHistory) Commit(h string) (branches.Commit, error) {
	c, err := f.get(h)
	if err != nil {
		return branches.Commit{}, err
	}
	return c.Commit, nil
}

// reach is every commit reachable from tips; unknown tips reach nothing.
func (f *fakeHistory) reach(tips ...string) map[string]bool {
	seen := map[string]bool{}
	stack := slices.Clone(tips)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == "" || seen[n] || f.commits[n] == nil {
			continue
		}
		seen[n] = true
		stack = append(stack, f.commits[n].Parents...)
	}
	return seen
}

func (f *fakeHistory) Between(from []string, to string) ([]branches.Commit, error) {
	if _, err := f.get(to); err != nil {
		return nil, err
	}
	excl := f.reach(from...)
	in := f.reach(to)
	var out []branches.Commit
	for _, h := range f.order { // creation order: parents first
		if in[h] && !excl[h] {
			out = append(out, f.commits[h].Commit)
		}
	}
	return out, nil
}

func (f *fakeHistory) IsAncestor(a, b string) (bool, error) { return f.reach(b)[a], nil }

func (f *fakeHistory) ReadFile(commit, path string) ([]byte, error) {
	c, err := f.get(commit)
	if err != nil {
		return nil, err
	}
	v, ok := c.files[path]
	if !ok {
		return nil, fmt.Errorf("%s at %s: %w", path, commit, branches.ErrNoFile)
	}
	return []byte(v), nil
}

func (f *fakeHistory) ListDir(commit, dir string) ([]string, error) {
	c, err := f.get(commit)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	var names []string
	for p := range c.files {
		if rest, ok := strings.CutPrefix(p, prefix); ok && !strings.Contains(rest, "/") {
			names = append(names, rest)
		}
	}
	slices.Sort(names)
	return names, nil
}

func (f *fakeHistory) FileID(commit, path string) (string, error) {
	c, err := f.get(commit)
	if err != nil {
		return "", err
	}
	v, ok := c.files[path]
	if !ok {
		return "", nil
	}
	return fmt.Sprintf("blob:%x", v), nil
}

func (f *fakeHistory) MergeBase(a, b string) (string, error) {
	ra, rb := f.reach(a), f.reach(b)
	for i := len(f.order) - 1; i >= 0; i-- {
		if h := f.order[i]; ra[h] && rb[h] {
			return h, nil
		}
	}
	return "", nil
}

func (f *fakeHistory) Patch(commit string) (*branches.Patch, error) {
	f.patched[commit]++
	c, err := f.get(commit)
	if err != nil {
		return nil, err
	}
	old := map[string]string{}
	if len(c.Parents) > 0 {
		old = f.commits[c.Parents[0]].files
	}
	p := &branches.Patch{Commit: commit}
	for _, path := range f.changed(old, c.files) {
		op, np := path, path
		if _, ok := old[path]; !ok {
			op = ""
		}
		if _, ok := c.files[path]; !ok {
			np = ""
		}
		p.Files = append(p.Files, branches.DiffFiles(op, np, old[path], c.files[path]))
	}
	return p, nil
}

func (f *fakeHistory) PatchOf(commit string, paths []string) (*branches.Patch, error) {
	p, err := f.Patch(commit)
	if err != nil {
		return nil, err
	}
	q := &branches.Patch{Commit: commit}
	for _, fp := range p.Files {
		if slices.Contains(paths, fp.OldPath) || slices.Contains(paths, fp.NewPath) {
			q.Files = append(q.Files, fp)
		}
	}
	return q, nil
}

// MayAddLines never rules a commit out: the prerequisite search reads
// every candidate, as it would without the shortcut.
func (f *fakeHistory) MayAddLines(commit string, paths, lines []string) (bool, error) {
	return true, nil
}

func (f *fakeHistory) changed(old, now map[string]string) []string {
	var out []string
	for k, v := range now {
		if old[k] != v {
			out = append(out, k)
		}
	}
	for k := range old {
		if _, ok := now[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (f *fakeHistory) ChangedPaths(commit string) ([]string, error) {
	c, err := f.get(commit)
	if err != nil {
		return nil, err
	}
	old := map[string]string{}
	if len(c.Parents) > 0 {
		old = f.commits[c.Parents[0]].files
	}
	return f.changed(old, c.files), nil
}

func (f *fakeHistory) Creates(commit, path string) (bool, error) {
	c, err := f.get(commit)
	if err != nil {
		return false, err
	}
	if _, ok := c.files[path]; !ok {
		return false, nil
	}
	if len(c.Parents) == 0 {
		return true, nil
	}
	_, had := f.commits[c.Parents[0]].files[path]
	return !had, nil
}

// LineSum sums branches.LineHash over the lines of each changed file's new
// content less its old content; binary content (a NUL) proves nothing.
func (f *fakeHistory) LineSum(commit string) (uint64, bool, error) {
	c, err := f.get(commit)
	if err != nil {
		return 0, false, err
	}
	old := map[string]string{}
	if len(c.Parents) > 0 {
		old = f.commits[c.Parents[0]].files
	}
	var sum uint64
	for _, path := range f.changed(old, c.files) {
		for sign, text := range map[int]string{-1: old[path], 1: c.files[path]} {
			if strings.Contains(text, "\x00") {
				return 0, false, nil
			}
			for text != "" {
				line, rest, _ := strings.Cut(text, "\n")
				sum += uint64(sign) * branches.LineHash(line)
				text = rest
			}
		}
	}
	return sum, true, nil
}

func (f *fakeHistory) FirstParents(commit string, max int) ([]string, error) {
	var out []string
	for commit != "" && len(out) < max {
		out = append(out, commit)
		ps := f.commits[commit].Parents
		if len(ps) == 0 {
			break
		}
		commit = ps[0]
	}
	return out, nil
}

func (f *fakeHistory) ResolveSHA(prefix string) (string, bool) {
	var hit string
	for h := range f.commits {
		if strings.HasPrefix(h, prefix) {
			if hit != "" {
				return "", false
			}
			hit = h
		}
	}
	return hit, hit != ""
}

func (f *fakeHistory) FindBySubject(subject string) ([]string, error) {
	f.found++
	var out []string
	for _, h := range f.order {
		if f.commits[h].Subject == subject {
			out = append(out, h)
		}
	}
	return out, nil
}

var _ History = (*fakeHistory)(nil)

// repo is a fake history with named commits, and the Status that
// branches.Repo.Status would read from it, written by hand: releases with
// their tags, and lines with their tips, releases and latest release.
type repo struct {
	t *testing.T
	*fakeHistory
	st  *branches.Status
	sha map[string]string // commit name → sha
}

func newRepo(t *testing.T, scheme versioning.Scheme) *repo {
	return &repo{t: t, fakeHistory: newFake(), st: &branches.Status{Scheme: scheme}, sha: map[string]string{}}
}

// commit adds the commit name with msg on the named parents (none: a
// root); files change the first parent's tree ("" deletes).
func (r *repo) commit(name, msg string, files map[string]string, parents ...string) string {
	r.t.Helper()
	if _, dup := r.sha[name]; dup {
		r.t.Fatalf("commit %q twice", name)
	}
	shas := make([]string, len(parents))
	for i, p := range parents {
		shas[i] = r.at(p)
	}
	r.sha[name] = r.add(msg, files, shas...)
	return r.sha[name]
}

// at is the sha of the named commit.
func (r *repo) at(name string) string {
	r.t.Helper()
	sha, ok := r.sha[name]
	if !ok {
		r.t.Fatalf("no commit %q", name)
	}
	return sha
}

// short is the abbreviated sha of the named commit, as messages write it.
func (r *repo) short(name string) string { return branches.Short(r.at(name)) }

// tag releases version (as the scheme writes it) at the named commit,
// tagged "v"+version; a non-empty annotation makes the tag annotated.
func (r *repo) tag(version, at, annotation string) branches.Release {
	r.t.Helper()
	v, err := r.st.Scheme.Parse(version)
	if err != nil {
		r.t.Fatal(err)
	}
	rel := branches.Release{Version: v, Name: r.st.Scheme.Format(v), Tag: "v" + version, Commit: r.at(at),
		Annotated: annotation != "", Message: annotation}
	r.st.Releases = append(r.st.Releases, rel)
	slices.SortFunc(r.st.Releases, func(a, b branches.Release) int { return a.Version.Compare(b.Version) })
	return rel
}

// line adds the line name ("trunk", or a prefix: "1", "1.4", "1.4.2")
// with its tip at the named commit, read as branches reads it: trunk
// holds the releases its tip reaches, another line those of its prefix;
// Latest is the highest release the tip reaches. Tag releases first.
func (r *repo) line(name, tip string) *branches.Line {
	r.t.Helper()
	scheme := r.st.Scheme
	l := &branches.Line{Name: name, Tier: branches.TierTrunk, Prefix: versioning.TrunkPrefix, Tip: r.at(tip)}
	if name != branches.TierTrunk {
		p, err := versioning.ParsePrefix(scheme, name)
		if err != nil {
			r.t.Fatal(err)
		}
		l.Prefix, l.Parent = p, branches.TierTrunk
		switch p.Tier {
		case versioning.TierABI:
			l.Tier = branches.TierABI
		case versioning.TierKernel:
			l.Tier = branches.TierKernel
		default:
			l.Tier = branches.TierStable
		}
	}
	reach := r.reach(l.Tip)
	for i := range r.st.Releases {
		rel := &r.st.Releases[i]
		if l.Prefix.IsTrunk() {
			rel.OnTrunk = reach[rel.Commit]
			if !rel.OnTrunk {
				continue
			}
		} else if !l.Prefix.Contains(rel.Version) {
			continue
		}
		l.Releases = append(l.Releases, *rel)
		if reach[rel.Commit] {
			latest := *rel
			l.Latest = &latest
		}
	}
	var from []string
	if l.Latest != nil {
		from = []string{l.Latest.Commit}
	}
	between, _ := r.Between(from, l.Tip)
	l.Unreleased = len(between)
	r.st.Lines = append(r.st.Lines, l)
	return l
}

// symbolMap writes a version script: each node is "NODE sym sym…".
func symbolMap(nodes ...string) string {
	var b strings.Builder
	for i, n := range nodes {
		f := strings.Fields(n)
		fmt.Fprintf(&b, "%s {\n\tglobal:\n", f[0])
		for _, sym := range f[1:] {
			fmt.Fprintf(&b, "\t\t%s;\n", sym)
		}
		if i == 0 {
			b.WriteString("\tlocal:\n\t\t*;\n};\n")
		} else {
			fmt.Fprintf(&b, "} %s;\n", strings.Fields(nodes[i-1])[0])
		}
	}
	return b.String()
}
