package policies

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tiered-release/tiered/branches"
)

// fakeHistory is a map-backed History: commits with parents, messages
// and whole file trees, so rules can be tested without git.
type fakeHistory struct {
	commits map[string]*fakeCommit
	order   []string // creation order
}

type fakeCommit struct {
	branches.Commit
	files map[string]string
}

func newFake() *fakeHistory { return &fakeHistory{commits: map[string]*fakeCommit{}} }

// add makes a commit on parents with the message; files change the
// first parent's tree ("" deletes). Its sha is derived from a counter.
func (f *fakeHistory) add(msg string, files map[string]string, parents ...string) string {
	sha := fmt.Sprintf("%040x", len(f.order)+0xc0ffee)
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

func (f *fakeHistory) reach(tips ...string) map[string]bool {
	seen := map[string]bool{}
	stack := slices.Clone(tips)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, f.commits[n].Parents...)
	}
	return seen
}

func (f *fakeHistory) Between(from []string, to string) ([]branches.Commit, error) {
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
	var out []string
	for _, h := range f.order {
		if f.commits[h].Subject == subject {
			out = append(out, h)
		}
	}
	return out, nil
}

var _ History = (*fakeHistory)(nil)
