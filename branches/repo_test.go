package branches

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tiered-release/tiered/versioning"
)

// fixture builds the repository of testdata/fixtures/NAME.sh in a temporary
// directory, or skips the test without git.
func fixture(t testing.TB, name string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is required to build fixture repositories")
	}
	script, err := filepath.Abs(filepath.Join("..", "testdata", "fixtures", name+".sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return dir
}

// libbpfClone returns the libbpf/libbpf clone at $TIERED_LIBBPF, or skips
// the test without one.
func libbpfClone(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TIERED_LIBBPF")
	if dir == "" {
		t.Skip("set TIERED_LIBBPF to a libbpf/libbpf clone to run")
	}
	return dir
}

// openRepo opens the repository at dir, or fails the test.
func openRepo(t testing.TB, dir string) *Repo {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// script runs a shell script in dir (a fixture's follow-up).
func script(t testing.TB, dir, text string) {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", text)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.org",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
}

func gitOut(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

var libbpfLayout = Layout{
	Scheme:       versioning.SchemeKernel,
	Trunk:        "master",
	Tags:         versioning.MustParsePattern("v{version}"),
	StableBranch: versioning.MustParsePattern("libbpf-{version}"),
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrNotRepository) {
		t.Errorf("Open(empty dir) err = %v, want ErrNotRepository", err)
	}
	r, err := Open(fixture(t, "libbpf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve("no-such-branch"); !errors.Is(err, ErrUnknownRef) {
		t.Errorf("Resolve(no-such-branch) err = %v, want ErrUnknownRef", err)
	}
	head, _ := r.Resolve("HEAD")
	if _, err := r.ReadFile(head, "no/such/file"); !errors.Is(err, ErrNoFile) {
		t.Errorf("ReadFile(missing) err = %v, want ErrNoFile", err)
	}
	if _, err := r.ListDir(head, "no/such/dir"); !errors.Is(err, ErrNoFile) {
		t.Errorf("ListDir(missing) err = %v, want ErrNoFile", err)
	}
	if _, err := r.Status(Layout{Trunk: "main", Tags: libbpfLayout.Tags}); !errors.Is(err, ErrUnknownRef) {
		t.Errorf("Status(trunk main) err = %v, want ErrUnknownRef", err)
	}
}

// ListDir lists a directory's files as git ls-tree does.
func TestListDir(t *testing.T) {
	dir := fixture(t, "libbpf")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.Resolve("HEAD")
	for _, d := range []string{"", "src"} {
		got, err := r.ListDir(head, d)
		if err != nil {
			t.Fatal(err)
		}
		arg := "HEAD"
		if d != "" {
			arg += ":" + d
		}
		out, err := gitOut(t, dir, "ls-tree", "--format=%(objecttype) %(path)", arg)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, l := range strings.Split(out, "\n") {
			if name, ok := strings.CutPrefix(l, "blob "); ok {
				want = append(want, name)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") || len(got) == 0 {
			t.Errorf("ListDir(%q) = %q, git ls-tree says %q", d, got, want)
		}
	}
}

// TestAncestryAgainstGit cross-checks merge bases and ancestry of every
// pair of refs with the git CLI.
func TestAncestryAgainstGit(t *testing.T) {
	for _, dir := range []string{fixture(t, "libbpf"), fixture(t, "fourtier")} {
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		refs, _ := gitOut(t, dir, "for-each-ref", "--format=%(objectname)^{commit}", "refs/heads", "refs/tags")
		var shas []string
		for _, ref := range strings.Fields(refs) {
			sha, _ := gitOut(t, dir, "rev-parse", ref)
			shas = append(shas, sha)
		}
		for _, a := range shas {
			for _, b := range shas {
				_, gerr := gitOut(t, dir, "merge-base", "--is-ancestor", a, b)
				got, err := r.IsAncestor(a, b)
				if err != nil || got != (gerr == nil) {
					t.Errorf("IsAncestor(%.8s, %.8s) = %v, %v; git says %v", a, b, got, err, gerr == nil)
				}
				all, _ := gitOut(t, dir, "merge-base", "--all", a, b)
				mb, err := r.MergeBase(a, b)
				if err != nil || !strings.Contains(all, mb) || (mb == "") != (all == "") {
					t.Errorf("MergeBase(%.8s, %.8s) = %q, %v; git says %q", a, b, mb, err, all)
				}
			}
		}
		hs, err := r.BetweenHashes([]string{shas[0]}, shas[len(shas)-1])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := gitOut(t, dir, "rev-list", "--count", shas[0]+".."+shas[len(shas)-1])
		if got := len(hs); want != "" && want != strconv.Itoa(got) {
			t.Errorf("BetweenHashes count = %d, git rev-list says %s", got, want)
		}
	}
}

// statusOf opens dir and reads its lines with the libbpf layout.
func statusOf(t testing.TB, dir string) *Status {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(libbpfLayout)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStatusLibbpf(t *testing.T) {
	st := statusOf(t, fixture(t, "libbpf"))
	var names []string
	for _, l := range st.Lines {
		latest := "-"
		if l.Latest != nil {
			latest = l.Latest.Name
		}
		names = append(names, l.Name+"="+latest)
	}
	if got, want := strings.Join(names, " "), "trunk=1.1.0 0.1=0.1.0 0.2=0.2.0 0.8=0.8.3 1.0=1.0.1 1.1=1.1.0"; got != want {
		t.Errorf("lines = %s, want %s", got, want)
	}
	kinds := map[string]string{}
	for _, a := range st.Anomalies {
		kinds[a.Kind] = a.Ref
	}
	if kinds[AnomalyBranchOnly] != "libbpf-0.8.2" || kinds[AnomalyDiverged] != "v0.8.1" || len(st.Anomalies) != 2 {
		t.Errorf("anomalies = %+v", st.Anomalies)
	}
	l, err := st.FindLine("1.0")
	if err != nil || l.Branch != "libbpf-1.0.1" || l.Parent != "trunk" {
		t.Errorf("FindLine(1.0) = %+v, %v", l, err)
	}
	var le *LineError
	if _, err := st.FindLine("2.0"); !errors.As(err, &le) {
		t.Errorf("FindLine(2.0) err = %v, want LineError", err)
	}
}

// TestStatusOrderAnomalies: a patch release that does not descend from the
// previous one, and one tagged on an ancestor of a lower release.
func TestStatusOrderAnomalies(t *testing.T) {
	dir := fixture(t, "libbpf")
	script(t, dir, `
git checkout -q -b side v1.1.0
git commit -q --allow-empty -m 'side fix'
git tag v1.1.1
git checkout -q v1.1.0
git commit -q --allow-empty -m 'other fix'
git tag v1.1.2
git commit -q --allow-empty -m 'later'
git tag v1.1.4
git tag v1.1.5 HEAD~1
git checkout -q master
`)
	st := statusOf(t, dir)
	got := map[string]string{}
	for _, a := range st.Anomalies {
		got[a.Ref] = a.Kind
	}
	if got["v1.1.2"] != AnomalyNotDescendant {
		t.Errorf("v1.1.2 anomaly = %q, want %s (anomalies %+v)", got["v1.1.2"], AnomalyNotDescendant, st.Anomalies)
	}
	if got["v1.1.5"] != AnomalyOutOfOrder {
		t.Errorf("v1.1.5 anomaly = %q, want %s (anomalies %+v)", got["v1.1.5"], AnomalyOutOfOrder, st.Anomalies)
	}
}

// TestStatusRealLibbpf reads the real libbpf history when a mirror is at
// $TIERED_LIBBPF (skips otherwise).
func TestStatusRealLibbpf(t *testing.T) {
	dir := libbpfClone(t)
	st := statusOf(t, dir)
	l, err := st.FindLine("1.4")
	if err != nil || l.Latest == nil || l.Latest.Name < "1.4.7" {
		t.Errorf("line 1.4 = %+v, %v", l, err)
	}
	found := false
	for _, a := range st.Anomalies {
		if a.Kind == AnomalyBranchOnly && a.Ref == "libbpf-0.8.2" {
			found = true
		}
	}
	if !found {
		t.Errorf("no branch-only anomaly for libbpf-0.8.2: %+v", st.Anomalies)
	}
}

// TestStatusDevelopmentTags: a tag marking a point of development
// (v1.2-devel, -dev, -pre1, -start) is not a release; an -rc is a
// pre-release of its version and stays one.
func TestStatusDevelopmentTags(t *testing.T) {
	dir := fixture(t, "libbpf")
	script(t, dir, `
git commit -q --allow-empty -m 'start 1.2'
git tag v1.2-devel
git tag v1.2.0-dev
git tag v1.2.0-pre1
git tag v1.2-start
git commit -q --allow-empty -m 'candidate'
git tag v1.2.0-rc1
`)
	st := statusOf(t, dir)
	var got []string
	for _, r := range st.Releases {
		if strings.HasPrefix(r.Name, "1.2") {
			got = append(got, r.Tag)
		}
	}
	if want := []string{"v1.2.0-rc1"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("releases from 1.2 on = %v, want %v", got, want)
	}
	for _, l := range st.Lines {
		if l.Name == "trunk" && (l.Latest == nil || l.Latest.Tag != "v1.2.0-rc1") {
			t.Errorf("trunk's latest = %+v, want v1.2.0-rc1", l.Latest)
		}
	}
}

// Between lists what git rev-list lists for every pair of refs (and for
// two refs excluded at once), parents before children.
func TestBetweenAgainstGit(t *testing.T) {
	dirs := []string{fixture(t, "libbpf"), fixture(t, "fourtier")}
	if real := os.Getenv("TIERED_LIBBPF"); real != "" && !testing.Short() {
		dirs = append(dirs, real)
	}
	for _, dir := range dirs {
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		r.DisableCommitCache()
		refs, _ := gitOut(t, dir, "for-each-ref", "--format=%(objectname)^{commit}", "refs/heads", "refs/tags")
		var shas []string
		for _, ref := range strings.Fields(refs) {
			sha, _ := gitOut(t, dir, "rev-parse", ref)
			shas = append(shas, sha)
		}
		if len(shas) > 12 { // a real history: every fifth ref
			var some []string
			for i := 0; i < len(shas); i += 5 {
				some = append(some, shas[i])
			}
			shas = some
		}
		check := func(from []string, to string) {
			t.Helper()
			got, err := r.BetweenHashes(from, to)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"rev-list", to}
			for _, f := range from {
				args = append(args, "^"+f)
			}
			out, _ := gitOut(t, dir, args...)
			want := strings.Fields(out)
			if !equalSets(got, want) {
				t.Errorf("Between(%.8v, %.8s): %d commits, git rev-list lists %d", from, to, len(got), len(want))
				return
			}
			pos := map[string]int{}
			for i, h := range got {
				pos[h] = i
			}
			for i, h := range got {
				c, err := r.Commit(h)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range c.Parents {
					if j, ok := pos[p]; ok && j > i {
						t.Errorf("Between(%.8v, %.8s): %.8s before its parent %.8s", from, to, h, p)
						return
					}
				}
			}
		}
		for _, a := range shas {
			for _, b := range shas {
				check([]string{a}, b)
			}
		}
		for i := 0; i+2 < len(shas); i++ {
			check([]string{shas[i], shas[i+1]}, shas[i+2])
		}
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}
