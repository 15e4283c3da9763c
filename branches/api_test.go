package branches

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tiered-release/tiered/versioning"
)

// The plain reads a rule asks of a repository agree with git's own
// answers on the four-tier fixture: commits between two revisions,
// first-parent chains, abbreviated shas, subjects, files and blob ids,
// file listings, the line a commit belongs to, tags' taggers and
// annotations.
func TestReadsAgreeWithGit(t *testing.T) {
	dir := fixture(t, "fourtier")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sha := func(rev string) string { return strings.TrimSpace(mustGit(t, dir, "rev-parse", rev+"^{commit}")) }
	main, v13 := sha("main"), sha("v1.3.0.0")

	// Between: git rev-list --topo-order --reverse, parents first.
	got, err := r.Between([]string{v13}, main)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(mustGit(t, dir, "rev-list", "--reverse", "--topo-order", v13+".."+main))
	var hashes []string
	for _, c := range got {
		hashes = append(hashes, c.Hash)
	}
	if !slices.Equal(hashes, want) {
		t.Errorf("Between(v1.3.0.0, main) = %v, want %v", hashes, want)
	}
	if len(got) > 0 && (got[0].Subject == "" || got[0].IsMerge() || got[0].Short() != got[0].Hash[:12]) {
		t.Errorf("Between commit fields: %+v", got[0])
	}
	// FirstParents: git rev-list --first-parent, newest first, bounded.
	fp, err := r.FirstParents(main, 2)
	if err != nil {
		t.Fatal(err)
	}
	if wantFP := strings.Fields(mustGit(t, dir, "rev-list", "--first-parent", "--max-count=2", main)); !slices.Equal(fp, wantFP) {
		t.Errorf("FirstParents(main, 2) = %v, want %v", fp, wantFP)
	}
	// ResolveSHA: a unique prefix resolves, a too-short or unknown one not.
	if full, ok := r.ResolveSHA(main[:10]); !ok || full != main {
		t.Errorf("ResolveSHA(%s) = %s, %v", main[:10], full, ok)
	}
	if _, ok := r.ResolveSHA("0000000000"); ok {
		t.Error("ResolveSHA of an unknown sha succeeded")
	}
	// FindBySubject: the commits with exactly this subject.
	subject := strings.TrimSpace(mustGit(t, dir, "log", "-1", "--format=%s", main))
	found, err := r.FindBySubject(subject)
	if err != nil || !slices.Contains(found, main) {
		t.Errorf("FindBySubject(%q) = %v, %v", subject, found, err)
	}
	if found, _ := r.FindBySubject(strings.ToUpper(subject)); slices.Contains(found, main) {
		t.Error("FindBySubject matched a subject in another case")
	}
	// ReadFile, FileID, Files: git show, git rev-parse C:path, git ls-tree -r.
	data, err := r.ReadFile(main, "src/foo.c")
	if err != nil || string(data) != mustGit(t, dir, "show", main+":src/foo.c") {
		t.Errorf("ReadFile(src/foo.c) = %q, %v", data, err)
	}
	if _, err := r.ReadFile(main, "nope.c"); !errors.Is(err, ErrNoFile) {
		t.Errorf("ReadFile(nope.c) err = %v, want ErrNoFile", err)
	}
	id, err := r.FileID(main, "src/foo.c")
	if err != nil || id != strings.TrimSpace(mustGit(t, dir, "rev-parse", main+":src/foo.c")) {
		t.Errorf("FileID(src/foo.c) = %s, %v", id, err)
	}
	if id, err := r.FileID(main, "nope.c"); id != "" || err != nil {
		t.Errorf("FileID(nope.c) = %q, %v; want \"\", nil", id, err)
	}
	files, err := r.Files(main)
	if err != nil || !slices.Equal(files, strings.Fields(mustGit(t, dir, "ls-tree", "-r", "--name-only", main))) {
		t.Errorf("Files(main) = %v, %v", files, err)
	}
	if wt := r.WorkTree(); wt == "" {
		t.Error("WorkTree() is empty for a work tree")
	}
	if b := r.HeadBranch(); b != "main" {
		t.Errorf("HeadBranch() = %q, want main", b)
	}
	if h := r.RemoteHead(); h != "" {
		t.Errorf("RemoteHead() = %q without a remote", h)
	}
	// Tags: the tagger and annotation git shows.
	if got, want := r.Tagger("v1.3.0.0"), strings.TrimSpace(mustGit(t, dir, "for-each-ref", "--format=%(taggername) %(taggeremail)", "refs/tags/v1.3.0.0")); got != want {
		t.Errorf("Tagger(v1.3.0.0) = %q, want %q", got, want)
	}
	msg, ok := r.TagMessage("v1.3.0.0")
	if k, kok := KernelBaseline(msg); !ok || !kok || k.String() != "6.7" {
		t.Errorf("TagMessage(v1.3.0.0) = %q, %v; baseline %v, %v", msg, ok, k, kok)
	}
	if _, ok := r.TagMessage("nope"); ok {
		t.Error("TagMessage of no tag succeeded")
	}
}

// LineOf finds the line of a release (the least specific non-trunk line
// holding it), else of a tip, else trunk; OtherTips are every other
// line's tip; FindLine names lines by branch or prefix, or says which
// there are.
func TestLineOf(t *testing.T) {
	dir := fixture(t, "fourtier")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(fourTierLayout())
	if err != nil {
		t.Fatal(err)
	}
	sha := func(rev string) string { return strings.TrimSpace(mustGit(t, dir, "rev-parse", rev+"^{commit}")) }
	for rev, want := range map[string]string{
		"v1.3.1.0":       "1.3",
		"release/v1.3.1": "1.3.1",
		"main":           "trunk",
		"main~1":         "1.4", // v1.4.0.0, released on line 1.4
	} {
		if l := st.LineOf(sha(rev)); l.Name != want {
			t.Errorf("LineOf(%s) = %s, want %s", rev, l.Name, want)
		}
	}
	line, err := st.FindLine("release/v1.3.1")
	if err != nil || line.Name != "1.3.1" {
		t.Fatalf("FindLine(release/v1.3.1) = %v, %v", line, err)
	}
	tips := st.OtherTips(line)
	if len(tips) != len(st.Lines)-1 || slices.Contains(tips, line.Tip) && line.Tip != sha("release/v1.3") {
		t.Errorf("OtherTips(1.3.1) = %v", tips)
	}
	_, err = st.FindLine("9.9")
	var le *LineError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "no such line (lines: trunk, 1.3, 1.3.1, 1.4)") {
		t.Errorf("FindLine(9.9) = %v, want a LineError listing the lines", err)
	}
	_, err = st.FindLine("1.x")
	if !errors.As(err, &le) || errors.Unwrap(err) == nil {
		t.Errorf("FindLine(1.x) = %v, want a LineError wrapping the syntax error", err)
	}
}

// Signer takes git's environment first, then the repository's config,
// and reads git's date forms.
func TestSigner(t *testing.T) {
	dir := fixture(t, "fourtier")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustGit(t, dir, "config", "user.name", "Config Name")
	mustGit(t, dir, "config", "user.email", "config@example.org")
	now := func() time.Time { return time.Unix(1700000000, 0).UTC() }
	sig, err := r.Signer("", "", "", now)
	if err != nil || sig.Name != "Config Name" || sig.Email != "config@example.org" || !sig.When.Equal(now()) {
		t.Errorf("Signer from config = %+v, %v", sig, err)
	}
	sig, err = r.Signer("Env Name", "", "@1600000000 +0200", now)
	if err != nil || sig.Name != "Env Name" || sig.Email != "config@example.org" || sig.When.Unix() != 1600000000 {
		t.Errorf("Signer from the environment = %+v, %v", sig, err)
	}
	if _, err := r.Signer("x", "y", "yesterday", now); !errors.Is(err, ErrDate) {
		t.Errorf("Signer with a bad date = %v, want ErrDate", err)
	}
	mustGit(t, dir, "config", "--unset", "user.name")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if _, err := r.Signer("", "", "", now); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("Signer with no name = %v, want ErrNoIdentity", err)
	}
}

// fourTierLayout reads the four-tier fixture as its tiered.yaml does.
func fourTierLayout() Layout {
	return Layout{
		Scheme:       versioning.SchemeFour,
		Trunk:        "main",
		Tags:         versioning.MustParsePattern("v{version}"),
		ABIBranch:    versioning.MustParsePattern("release/v{abi}"),
		KernelBranch: versioning.MustParsePattern("release/v{abi}.{kernel}"),
		StableBranch: versioning.MustParsePattern("release/v{abi}.{kernel}.{feature}"),
		Kernels:      map[string]versioning.Kernel{"1.4": versioning.MustParseKernel("6.9")},
	}
}
