package kernel

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/internal/sample"
	"github.com/tiered-release/tiered/versioning"
)

// fakeHistory is a map-backed History: commits with parents, each holding
// its whole tree.
type fakeHistory struct {
	commits map[string]*fakeCommit
	reads   int
}

type fakeCommit struct {
	parents []string
	files   map[string]string
	revert  bool
}

func newFakeHistory() *fakeHistory { return &fakeHistory{commits: map[string]*fakeCommit{}} }

// commit adds sha on top of parents[0]'s tree with changes applied (an
// empty string deletes a file).
func (h *fakeHistory) commit(sha string, parents []string, changes map[string]string) string {
	files := map[string]string{}
	if len(parents) > 0 {
		for k, v := range h.commits[parents[0]].files {
			files[k] = v
		}
	}
	for k, v := range changes {
		if v == "" {
			delete(files, k)
		} else {
			files[k] = v
		}
	}
	h.commits[sha] = &fakeCommit{parents: parents, files: files}
	return sha
}

func (h *fakeHistory) get(sha string) (*fakeCommit, error) {
	c, ok := h.commits[sha]
	if !ok {
		return nil, fmt.Errorf("no commit %s", sha)
	}
	return c, nil
}

func (h *fakeHistory) ReadFile(commit, path string) ([]byte, error) {
	h.reads++
	c, err := h.get(commit)
	if err != nil {
		return nil, err
	}
	data, ok := c.files[path]
	if !ok {
		return nil, fmt.Errorf("%s:%s: %w", commit, path, fs.ErrNotExist)
	}
	return []byte(data), nil
}

func (h *fakeHistory) FileID(commit, path string) (string, error) {
	c, err := h.get(commit)
	if err != nil {
		return "", err
	}
	data, ok := c.files[path]
	if !ok {
		return "", nil
	}
	return fmt.Sprintf("%x", sha1.Sum([]byte(data))), nil
}

func (h *fakeHistory) IsAncestor(a, b string) (bool, error) {
	seen := map[string]bool{}
	todo := []string{b}
	for len(todo) > 0 {
		x := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if x == a {
			return true, nil
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		c, err := h.get(x)
		if err != nil {
			return false, err
		}
		todo = append(todo, c.parents...)
	}
	return false, nil
}

func (h *fakeHistory) FirstParents(commit string, max int) ([]string, error) {
	var out []string
	for x := commit; x != "" && len(out) < max; {
		c, err := h.get(x)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		x = ""
		if len(c.parents) > 0 {
			x = c.parents[0]
		}
	}
	return out, nil
}

func (h *fakeHistory) Parents(commit string) ([]string, error) {
	c, err := h.get(commit)
	if err != nil {
		return nil, err
	}
	return c.parents, nil
}

func (h *fakeHistory) IsRevert(commit string) (bool, error) {
	c, err := h.get(commit)
	if err != nil {
		return false, err
	}
	return c.revert, nil
}

const bpfH = "include/uapi/linux/bpf.h"

// enumHeader is a bpf.h with enum bpf_prog_type of the given constants.
func enumHeader(consts ...string) string {
	return "enum bpf_prog_type {\n\t" + strings.Join(consts, ",\n\t") + ",\n};\n"
}

// kernels builds an index of kernels from "VERSION DESC" pairs; a
// VERSION of the form NAME:VERSION gives the kernel a name (a distro's).
func kernels(t *testing.T, pairs ...string) *Index {
	t.Helper()
	var ks []*BTF
	for i := 0; i+1 < len(pairs); i += 2 {
		name, ver, named := strings.Cut(pairs[i], ":")
		if !named {
			ver = name
		}
		k := buildKernel(t, pairs[i+1], ver)
		k.Identity = Identity{Version: versioning.MustParseKernel(ver), Name: name, By: ByName}
		k.Source = "kernels/" + name
		ks = append(ks, k)
	}
	return NewIndex("kernels", ks...)
}

func missingIDs(r *Report) []string {
	var out []string
	for _, m := range r.Missing {
		out = append(out, m.Feature)
	}
	return out
}

// A feature the kernel reverted before the baseline's release: missing,
// added by the sync, reverted on trunk after the release.
func TestCheckRevert(t *testing.T) {
	h := newFakeHistory()
	h.commit("a1", nil, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC")})
	h.commit("a2", []string{"a1"}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_FOO")})
	h.commit("a3", []string{"a2"}, map[string]string{"src/foo.c": "x"})
	h.commit("t1", []string{"a3"}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC")})
	h.commits["t1"].revert = true
	idx := kernels(t,
		"6.8", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC",
		"6.9-rc1", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_FOO",
		"6.9", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC",
		"6.10", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_FOO")
	c := &Check{History: h, Config: Config{Headers: []string{bpfH}}, Index: idx, Baseline: versioning.MustParseKernel("6.9"),
		ElsewhereFunc: func() ([]string, error) { return []string{"t1", "a3"}, nil }}
	r, err := c.Check("a3")
	if err != nil {
		t.Fatal(err)
	}
	want := []MissingFeature{{
		Feature: "BPF_PROG_TYPE_FOO", Kind: KindEnumValue, Source: bpfH + ":3",
		Reason:       "not in kernel 6.9: enum bpf_prog_type has no BPF_PROG_TYPE_FOO; kernel 6.9-rc1 had it, so it was reverted before 6.9 was released",
		IntroducedBy: []string{"a2"}, RevertedBy: []string{"t1"}, FirstKernel: "6.10",
	}}
	if d := cmp.Diff(want, r.Missing); d != "" {
		t.Errorf("Check(a3) missing (-want +got):\n%s", d)
	}
	if r.OK() || !errors.Is(r.Err(), ErrMissingFeature) {
		t.Errorf("Report.OK() = %v, Err() = %v", r.OK(), r.Err())
	}
	var mfe *MissingFeatureError
	if !errors.As(r.Err(), &mfe) || mfe.IntroducedIn != "6.10" || !strings.Contains(mfe.Error(), "reverted by t1") {
		t.Errorf("Err() = %#v", r.Err())
	}
	// 6.10 has it; so does a zero baseline of an index of one.
	c.Baseline = versioning.MustParseKernel("6.10")
	if r, err := c.Check("a3"); err != nil || !r.OK() {
		t.Errorf("Check against 6.10 = %v, %v", missingIDs(r), err)
	}
}

// A feature removed and added again was added by the second add, however
// far the first lies behind.
func TestCheckRelandAddedBy(t *testing.T) {
	for _, gap := range []int{0, 1, 3, 14, 40, 200} {
		h := newFakeHistory()
		prev := h.commit("c0", nil, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC")})
		prev = h.commit("add", []string{prev}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_FOO")})
		for i := range gap {
			prev = h.commit(fmt.Sprintf("w%d", i), []string{prev}, map[string]string{"src/x.c": fmt.Sprint(i)})
		}
		prev = h.commit("drop", []string{prev}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC")})
		prev = h.commit("reland", []string{prev}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_FOO")})
		for i := range 4 {
			prev = h.commit(fmt.Sprintf("v%d", i), []string{prev}, map[string]string{"src/y.c": fmt.Sprint(i)})
		}
		idx := kernels(t, "6.9", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC")
		c := &Check{History: h, Config: Config{Headers: []string{bpfH}}, Index: idx, Baseline: versioning.MustParseKernel("6.9")}
		r, err := c.Check(prev)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Missing) != 1 || !slices.Equal(r.Missing[0].IntroducedBy, []string{"reland"}) {
			t.Errorf("gap %d: missing %+v, want added by reland", gap, r.Missing)
		}
	}
}

// A merge that brought a feature is explained by the commit on the merged
// branch.
func TestCheckMergeAddedBy(t *testing.T) {
	h := newFakeHistory()
	h.commit("m0", nil, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC")})
	h.commit("s1", []string{"m0"}, map[string]string{"x": "1"})
	h.commit("s2", []string{"s1"}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_FOO")})
	h.commit("m1", []string{"m0"}, map[string]string{"y": "1"})
	h.commit("merge", []string{"m1", "s2"}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_FOO")})
	h.commit("m2", []string{"merge"}, map[string]string{"z": "1"})
	idx := kernels(t, "6.9", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC")
	c := &Check{History: h, Config: Config{Headers: []string{bpfH}}, Index: idx, Baseline: versioning.MustParseKernel("6.9")}
	r, err := c.Check("m2")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Missing) != 1 || !slices.Equal(r.Missing[0].IntroducedBy, []string{"s2"}) {
		t.Errorf("missing %+v, want added by s2", r.Missing)
	}
}

// Renamed needs proof from the header's history; everything else with the
// same value is missing.
func TestCheckRename(t *testing.T) {
	funcs := func(names ...string) string {
		return "enum bpf_func_id {\n\t" + strings.Join(names, ",\n\t") + ",\n};\n"
	}
	kernel := "enum bpf_func_id BPF_FUNC_unspec BPF_FUNC_per_cpu_ptr __BPF_FUNC_MAX_ID"
	for _, tc := range []struct {
		name    string
		release string // the release's header
		trunk   string // trunk's header after the release, "" for none
		newer   string // a newer kernel's BTF, "" for none
		renamed bool
		reason  string
	}{{
		name:    "renamed on trunk",
		release: funcs("BPF_FUNC_unspec", "BPF_FUNC_bpf_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		trunk:   funcs("BPF_FUNC_unspec", "BPF_FUNC_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		renamed: true,
		reason:  "kernel 5.10 calls it BPF_FUNC_per_cpu_ptr (the same value 1): rename renamed it",
	}, {
		name:    "no history of a rename",
		release: funcs("BPF_FUNC_unspec", "BPF_FUNC_bpf_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		reason:  "its value 1 means BPF_FUNC_per_cpu_ptr there",
	}, {
		name:    "trunk dropped it and added another",
		release: funcs("BPF_FUNC_unspec", "BPF_FUNC_bpf_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		trunk:   funcs("BPF_FUNC_unspec", "BPF_FUNC_other", "BPF_FUNC_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		reason:  "its value 1 means BPF_FUNC_per_cpu_ptr there",
	}, {
		name:    "the release declares both",
		release: funcs("BPF_FUNC_unspec", "BPF_FUNC_bpf_per_cpu_ptr", "BPF_FUNC_per_cpu_ptr = 1", "__BPF_FUNC_MAX_ID"),
		trunk:   funcs("BPF_FUNC_unspec", "BPF_FUNC_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		reason:  "its value 1 means BPF_FUNC_per_cpu_ptr there",
	}, {
		name:    "a newer kernel has the name",
		release: funcs("BPF_FUNC_unspec", "BPF_FUNC_bpf_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		trunk:   funcs("BPF_FUNC_unspec", "BPF_FUNC_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		newer:   "enum bpf_func_id BPF_FUNC_unspec BPF_FUNC_per_cpu_ptr BPF_FUNC_bpf_per_cpu_ptr",
		reason:  "kernel 5.11 is the first release to have it",
	}, {
		name:    "the value is the enum's bound",
		release: funcs("BPF_FUNC_unspec", "BPF_FUNC_per_cpu_ptr", "BPF_FUNC_next", "__BPF_FUNC_MAX_ID"),
		trunk:   funcs("BPF_FUNC_unspec", "BPF_FUNC_per_cpu_ptr", "__BPF_FUNC_MAX_ID"),
		reason:  "its value 2 is __BPF_FUNC_MAX_ID there, the enum's bound",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHistory()
			h.commit("rel", nil, map[string]string{bpfH: tc.release})
			tips := []string{}
			if tc.trunk != "" {
				h.commit("rename", []string{"rel"}, map[string]string{bpfH: tc.trunk})
				h.commit("trunk", []string{"rename"}, map[string]string{"x": "1"})
				tips = append(tips, "trunk")
			}
			pairs := []string{"5.10", kernel}
			if tc.newer != "" {
				pairs = append(pairs, "5.11", tc.newer)
			}
			c := &Check{History: h, Config: Config{Headers: []string{bpfH}}, Index: kernels(t, pairs...),
				Baseline: versioning.MustParseKernel("5.10"), Elsewhere: tips}
			r, err := c.Check("rel")
			if err != nil {
				t.Fatal(err)
			}
			var reason string
			switch {
			case tc.renamed && len(r.Renamed) == 1 && len(r.Missing) == 0:
				reason = r.Renamed[0].Reason
			case !tc.renamed && len(r.Renamed) == 0 && len(r.Missing) == 1:
				reason = r.Missing[0].Reason
			default:
				t.Fatalf("missing %+v, renamed %+v", r.Missing, r.Renamed)
			}
			if !strings.Contains(reason, tc.reason) {
				t.Errorf("reason %q, want it to say %q", reason, tc.reason)
			}
		})
	}
}

// The release's own history shows the kernel's older name replaced by the
// release's: renamed the other way round.
func TestCheckRenameInRelease(t *testing.T) {
	h := newFakeHistory()
	h.commit("old", nil, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_OLDNAME")})
	h.commit("new", []string{"old"}, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_NEWNAME")})
	c := &Check{History: h, Config: Config{Headers: []string{bpfH}},
		Index:    kernels(t, "6.1", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_OLDNAME"),
		Baseline: versioning.MustParseKernel("6.1")}
	r, err := c.Check("new")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Renamed) != 1 || !strings.Contains(r.Renamed[0].Reason, "calls it BPF_PROG_TYPE_OLDNAME") {
		t.Errorf("renamed %+v, missing %+v", r.Renamed, r.Missing)
	}
}

// No data never passes: a configured file the revision lacks is an error
// that names it and the revision; a manifest typo is a ManifestError.
func TestCheckNoData(t *testing.T) {
	h := newFakeHistory()
	h.commit("c1", nil, map[string]string{bpfH: enumHeader("BPF_PROG_TYPE_UNSPEC"),
		"features.yaml": "unspec: {enum: BPF_PROG_TYPE_UNSPEC}\ntypo: {enum: BPF_PROG_TYPE_UNSPECC}\nlater: {kfunc: bpf_untagged}\n"})
	idx := kernels(t, "6.9", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC\nfunc bpf_untagged")
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Headers: []string{"include/uapi/linux/nope.h"}}, "include/uapi/linux/nope.h: not in v1 (c1) (fix uapi.headers in tiered.yaml, or check a revision that has it)"},
		{Config{Manifest: "nope.yaml"}, "nope.yaml: not in v1 (c1) (fix features.manifest in tiered.yaml, or check a revision that has it)"},
	} {
		c := &Check{History: h, Config: tc.cfg, Index: idx, Baseline: versioning.MustParseKernel("6.9"), Rev: "v1"}
		_, err := c.Check("c1")
		var mfe *MissingFileError
		if !errors.As(err, &mfe) || !errors.Is(err, fs.ErrNotExist) || err.Error() != tc.want {
			t.Errorf("Check(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	c := &Check{History: h, Config: Config{Headers: []string{bpfH}, Manifest: "features.yaml"}, Index: idx, Baseline: versioning.MustParseKernel("6.9")}
	_, err := c.Check("c1")
	var me *ManifestError
	if !errors.As(err, &me) || me.Line != 2 || me.Key != "typo" {
		t.Fatalf("Check(typo) = %v, want a ManifestError at line 2", err)
	}
	if strings.Contains(err.Error(), "later") {
		t.Errorf("a kfunc that exists as a function is no typo: %v", err)
	}
}

func TestExplainByKernels(t *testing.T) {
	id := func(s string) Identity {
		name, ver, ok := strings.Cut(s, ":")
		if !ok {
			ver = name
		}
		return Identity{Version: versioning.MustParseKernel(ver), Name: name}
	}
	seen := func(specs ...string) []Seen {
		var out []Seen
		for _, s := range specs {
			k, a, _ := strings.Cut(s, "=")
			i := id(k)
			out = append(out, Seen{i.Version, i, Availability(a)})
		}
		return out
	}
	for _, tc := range []struct {
		kernel string
		trace  []Seen
		want   string
		first  string
	}{
		{"6.9", seen("6.9-rc1=present", "6.9=missing"), "; kernel 6.9-rc1 had it, so it was reverted before 6.9 was released", "6.9-rc1"},
		{"6.9", seen("6.8=present", "6.9=missing"), "; kernel 6.8 had it, so it was removed by 6.9", "6.8"},
		{"6.2", seen("6.1.50=present", "6.2=missing", "6.5=present"), "; kernel 6.1.50 has it from a stable update, and kernel 6.5 has it", "6.1.50"},
		{"6.2", seen("6.1.0-28-amd64:6.1=present", "6.2=missing"), "; kernel 6.1.0-28-amd64 has it from a stable update", "6.1.0-28-amd64"},
		{"6.2", seen("6.2=missing", "6.3-rc1=present"), "; only kernel 6.3-rc1 has it, no release yet: the line targets too old a kernel", "6.3-rc1"},
		{"6.2", seen("6.2=missing", "6.12.5=present"), "; kernel 6.12.5 has it: the line targets too old a kernel", "6.12.5"},
		{"6.2", seen("6.2=missing", "6.4=present"), "; kernel 6.4 is the first release to have it: the line targets too old a kernel", "6.4"},
		{"6.2", seen("6.2=missing", "6.4=missing"), "; no kernel in kernels has it", ""},
		{"6.2", seen("6.2=missing", "6.4=unverifiable"), "", ""},
	} {
		e := &kernelEntry{Identity: id(tc.kernel)}
		got, first := explainByKernels(e, tc.trace, "why", "kernels")
		if want := "not in kernel " + tc.kernel + ": why" + tc.want; got != want || first != tc.first {
			t.Errorf("explainByKernels(%s, %v) = %q, %q; want %q, %q", tc.kernel, tc.trace, got, first, want, tc.first)
		}
	}
}

func TestIdentity(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		version, release, name2 string
		stable                  bool
	}{
		{"6.8.btf", "6.8", "6.8", "6.8", false},
		{"6.9-rc3.btf.gz", "6.9-rc3", "6.9-rc3", "6.9-rc3", false},
		{"6.18.15", "6.18.15", "6.18", "6.18.15", true},
		{"vmlinux-6.1.0-28-amd64", "6.1", "6.1", "6.1.0-28-amd64", true},
		{"vmlinuz-6.8.0-45-generic", "6.8", "6.8", "6.8.0-45-generic", true},
		{"vmlinux-6.10.zst", "6.10", "6.10", "6.10", false},
		{"6.12.117+deb12-amd64", "6.12.117", "6.12", "6.12.117+deb12-amd64", true},
	} {
		id, ok := ParseName(tc.name)
		if !ok || id.Version.String() != tc.version || id.Release().String() != tc.release || id.Label() != tc.name2 || id.Stable() != tc.stable || id.By != ByName {
			t.Errorf("ParseName(%q) = %+v (release %s, stable %v), %v", tc.name, id, id.Release(), id.Stable(), ok)
		}
	}
	for _, bad := range []string{"README", "vmlinux", "notes.txt", "0.1"} {
		if id, ok := ParseName(bad); ok {
			t.Errorf("ParseName(%q) = %+v, want none", bad, id)
		}
	}
	if v, ok := ParseRelease("6.18.44-fc-v1045"); !ok || v.String() != "6.18.44" {
		t.Errorf("ParseRelease(6.18.44-fc-v1045) = %v, %v", v, ok)
	}
	for _, tc := range []struct{ arg, path, version, err string }{
		{"kernels/", "kernels/", "", ""},
		{"6.12=/boot/vmlinux", "/boot/vmlinux", "6.12", ""},
		{"a=b", "a=b", "", ""},
		{"6.x=/boot/vmlinux", "", "", "--btf 6.x=/boot/vmlinux: "},
		{"6.12=", "", "", "--btf 6.12=: no path after ="},
	} {
		p, v, err := SplitBTFArg(tc.arg)
		if p != tc.path || v.String() != tc.version || (err == nil) != (tc.err == "") || err != nil && !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("SplitBTFArg(%q) = %q, %v, %v", tc.arg, p, v, err)
		}
	}
}

// A baseline is the kernel itself, a stable update of its release, or
// provisionally its newest -rc; never another kernel, never one whose
// version nothing states.
func TestBaseline(t *testing.T) {
	idx := kernels(t,
		"6.1.0-28-amd64:6.1", "enum e A",
		"6.8", "enum e A",
		"6.9-rc2", "enum e A",
		"6.9-rc10", "enum e A",
		"6.18.15", "enum e A")
	for _, tc := range []struct{ baseline, kernel string }{
		{"6.1", "6.1.0-28-amd64"},
		{"6.8", "6.8"},
		{"6.9", "6.9-rc10"},
		{"6.18", "6.18.15"},
		{"6.18.15", "6.18.15"},
	} {
		k, prov, err := idx.Baseline(versioning.MustParseKernel(tc.baseline))
		if err != nil || k.Label() != tc.kernel || prov != strings.Contains(tc.kernel, "-rc") {
			t.Errorf("Baseline(%s) = %v, %v, %v; want %s", tc.baseline, k, prov, err, tc.kernel)
		}
	}
	for _, v := range []string{"5.4", "6.2", "6.18.16", "6.9-rc2x"} {
		kv, err := versioning.ParseKernel(v)
		if err != nil {
			continue
		}
		if _, _, err := idx.Baseline(kv); !errors.Is(err, ErrNoBTF) || !strings.Contains(err.Error(), "have 6.1.0-28-amd64, 6.8, 6.9-rc2, 6.9-rc10, 6.18.15") {
			t.Errorf("Baseline(%s) error = %v", v, err)
		}
	}
	if _, _, err := idx.Baseline(versioning.Kernel{}); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Baseline(zero) of five kernels = %v, want ErrNoBTF", err)
	}
	// A kernel nothing names is no baseline, though it is the only one.
	anon := buildKernel(t, "enum e A", "")
	one := NewIndex("vmlinux", anon)
	if _, _, err := one.Baseline(versioning.MustParseKernel("5.4")); !errors.Is(err, ErrNoBTF) || !strings.Contains(err.Error(), "test names no kernel version") {
		t.Errorf("Baseline(5.4) of an unnamed file = %v", err)
	}
	if k, _, err := one.Baseline(versioning.Kernel{}); err != nil || k != anon || k.Label() != "test" {
		t.Errorf("Baseline(zero) of one file = %v, %v", k, err)
	}
	if got := len(idx.Kernels()); got != 5 {
		t.Errorf("Kernels() = %d", got)
	}
}

// Load reads what LoadOptions read: names, banners, the running kernel,
// modules; it lists what it skips.
func TestLoadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"6.8.btf", "vmlinux-6.1.0-28-amd64", "banner.img", "raw.btf", "README"} {
		os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "6.12.5-generic"), 0o755)
	os.WriteFile(filepath.Join(dir, "6.12.5-generic", "vmlinuz-6.12.5-generic"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "6.12.5-generic", "nf_conntrack.ko"), nil, 0o644)
	os.MkdirAll(filepath.Join(dir, "old"), 0o755)
	spec := func(desc string) *btf.Spec {
		raw, err := sample.KernelBTF(desc)
		if err != nil {
			t.Fatal(err)
		}
		s, err := btf.LoadSpecFromReader(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := spec("enum bpf_prog_type BPF_PROG_TYPE_UNSPEC")
	module := spec("kfunc bpf_skb_ct_lookup")
	read := func(path string) (*Loaded, error) {
		switch filepath.Base(path) {
		case "banner.img":
			return &Loaded{Spec: base, Release: "6.5.0-1-amd64"}, nil
		case "6.12.5-generic":
			return &Loaded{Spec: base, Modules: []*btf.Spec{module}}, nil
		case "README":
			return nil, errors.New("not a kernel")
		}
		return &Loaded{Spec: base}, nil
	}
	idx, err := Load(LoadOptions{Read: read}, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range idx.Kernels() {
		got = append(got, k.Label()+" by "+k.By)
	}
	want := []string{"6.1.0-28-amd64 by its file name", "6.5.0-1-amd64 by its banner", "6.8 by its file name", "6.12.5-generic by its file name"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Kernels() (-want +got):\n%s", d)
	}
	var skipped []string
	for _, s := range idx.Skipped {
		skipped = append(skipped, filepath.Base(s.Path))
	}
	slices.Sort(skipped)
	if d := cmp.Diff([]string{"README", "old", "raw.btf"}, skipped); d != "" {
		t.Errorf("Skipped (-want +got):\n%s", d)
	}
	k, _, err := idx.Baseline(versioning.MustParseKernel("6.12"))
	if err != nil {
		t.Fatal(err)
	}
	if a, why := k.Has(Feature{Kind: KindKfunc, Name: "bpf_skb_ct_lookup"}); a != Present {
		t.Errorf("module kfunc = %s (%s)", a, why)
	}

	// Named on the command line, or the running kernel.
	file := filepath.Join(dir, "raw.btf")
	idx, err = Load(LoadOptions{Read: read}, "6.3="+file)
	if err != nil || idx.Kernels()[0].Label() != "6.3" || idx.Kernels()[0].By != ByFlag {
		t.Errorf("Load(6.3=raw.btf) = %+v, %v", idx, err)
	}
	if _, err := Load(LoadOptions{Read: read}, "6.3="+dir); err == nil {
		t.Error("Load(VERSION=DIR) succeeded")
	}
	if _, err := Load(LoadOptions{Read: read}, filepath.Join(dir, "old")); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Load(empty dir) = %v, want ErrNoBTF", err)
	}
	if _, err := os.Stat(RunningBTF); err == nil {
		idx, err := Load(LoadOptions{Read: read, Running: "6.18.44-fc-v1045"}, RunningBTF)
		if err != nil || idx.Kernels()[0].By != ByRunning || idx.Kernels()[0].Release().String() != "6.18" {
			t.Errorf("Load(running) = %+v, %v", idx.Kernels(), err)
		}
		if _, err := Load(LoadOptions{Read: read, Running: "weird"}, RunningBTF); err == nil {
			t.Error("Load(running, weird release) succeeded")
		}
	}
}

// The kernel's own headers settle what BTF cannot.
func TestHeadersWitness(t *testing.T) {
	dir := t.TempDir()
	write := func(path, data string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, path), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("inc/linux/version.h", "#define LINUX_VERSION_CODE 393484\n#define LINUX_VERSION_MAJOR 6\n#define LINUX_VERSION_PATCHLEVEL 1\n#define LINUX_VERSION_SUBLEVEL 12\n")
	write("inc/linux/stddef.h", "#define __struct_group(TAG, NAME, ATTRS, MEMBERS...) union { struct { MEMBERS } ATTRS; struct TAG { MEMBERS } ATTRS NAME; } ATTRS\n")
	write("inc/linux/bpf.h", `#include <linux/stddef.h>
#define BPF_JMP32 0x06
enum { BPF_ANY, BPF_NOEXIST };
enum bpf_perf_event_type { BPF_PERF_EVENT_UNSPEC };
struct sel { __struct_group(sel_hdr, hdr, , int flags;); };
`)
	write("old/linux/version.h", "#define LINUX_VERSION_CODE 330752\n")
	write("old/linux/bpf.h", "enum bpf_cmd { BPF_MAP_CREATE };\n")
	write("tree/Makefile", "# SPDX\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n")
	write("tree/include/uapi/linux/bpf.h", "enum bpf_cmd { BPF_MAP_CREATE };\n")
	write("noversion/linux/bpf.h", "")
	for _, tc := range []struct{ arg, version, err string }{
		{"inc", "6.1.12", ""},
		{"old", "5.12", ""},
		{"tree", "6.12-rc3", ""},
		{"6.2=noversion", "6.2", ""},
		{"noversion", "", "no linux/version.h"},
		{"nothing", "", "no linux/ headers"},
		{"6.x=inc", "", "--kernel-headers 6.x="},
	} {
		h, err := LoadHeaders(filepath.Join(dir, tc.arg))
		if v, p, ok := strings.Cut(tc.arg, "="); ok {
			h, err = LoadHeaders(v + "=" + filepath.Join(dir, p))
		}
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("LoadHeaders(%s) = %v, want %q", tc.arg, err, tc.err)
		case tc.err == "" && (err != nil || h.Version.String() != tc.version):
			t.Errorf("LoadHeaders(%s) = %+v, %v; want %s", tc.arg, h, err, tc.version)
		}
	}
	h, err := LoadHeaders(filepath.Join(dir, "inc"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"linux/bpf.h"}
	for _, tc := range []struct {
		f    Feature
		want Availability
		why  string
	}{
		{Feature{Kind: KindDefine, Name: "BPF_JMP32", Source: bpfH + ":1"}, Present, ""},
		{Feature{Kind: KindDefine, Name: "BPF_ANY", Source: bpfH + ":1"}, Present, ""}, // a macro once, an enum now
		{Feature{Kind: KindDefine, Name: "BPF_JMP64", Source: bpfH + ":1"}, Missing, "linux/bpf.h does not declare BPF_JMP64"},
		{Feature{Kind: KindEnumValue, Name: "BPF_EXIST", Container: "enum", Group: "BPF_ANY", Source: bpfH + ":1"}, Missing, "linux/bpf.h declares the enum of BPF_ANY without BPF_EXIST"},
		{Feature{Kind: KindEnumValue, Name: "BPF_PERF_EVENT_UPROBE", Container: "enum bpf_perf_event_type", Source: bpfH + ":1"}, Missing, "declares enum bpf_perf_event_type without BPF_PERF_EVENT_UPROBE"},
		{Feature{Kind: KindMember, Path: []string{"sel", "flags"}, Container: "struct sel", Source: bpfH + ":1"}, Present, ""},
		{Feature{Kind: KindMember, Path: []string{"sel", "mask"}, Container: "struct sel", Source: bpfH + ":1"}, Missing, "declares struct sel without sel.mask"},
		{Feature{Kind: KindType, ID: "struct bpf_iter_num", Name: "bpf_iter_num", Container: "struct", Source: bpfH + ":1"}, Missing, "does not declare struct bpf_iter_num"},
		{Feature{Kind: KindEnumValue, Name: "NETDEV_A", Container: "enum netdev", Source: "include/uapi/linux/netdev.h:1"}, Missing, "have no linux/netdev.h"},
		{Feature{Kind: KindType, Name: "bpf_perf_event_type", Source: "m.yaml@c1:1"}, Present, ""},
		{Feature{Kind: KindEnumValue, Name: "X", Source: "m.yaml@c1:1"}, Unverifiable, "do not declare its enum either"},
		{Feature{Kind: KindKfunc, Name: "bpf_x", Source: "m.yaml@c1:1"}, Unverifiable, "headers do not declare kernel functions"},
	} {
		a, err := h.answer(tc.f, files)
		if err != nil || a.Availability != tc.want || !strings.Contains(a.Reason, tc.why) {
			t.Errorf("answer(%+v) = %+v, %v; want %s, %q", tc.f, a, err, tc.want, tc.why)
		}
	}

	// As the second witness of the index's kernel of the same release.
	idx := kernels(t, "6.1.0-28-amd64:6.1", "enum bpf_cmd BPF_MAP_CREATE", "6.12", "enum bpf_cmd BPF_MAP_CREATE")
	old, _ := LoadHeaders(filepath.Join(dir, "old"))
	idx.UseHeaders(h, old)
	if len(idx.Skipped) != 1 || !strings.Contains(idx.Skipped[0].Reason, "kernel headers of 5.12, and no BTF of kernel 5.12") {
		t.Errorf("Skipped = %+v", idx.Skipped)
	}
	trace, err := idx.trace(Feature{Kind: KindDefine, Name: "BPF_JMP32", Source: bpfH + ":1"}, files)
	if err != nil || trace[0].Availability != Present || trace[1].Availability != Unverifiable {
		t.Errorf("trace(BPF_JMP32) = %+v, %v", trace, err)
	}
	e := idx.entries[0]
	a, err := e.judge(Feature{Kind: KindEnumValue, Name: "BPF_PERF_EVENT_UPROBE", Container: "enum bpf_perf_event_type", Source: bpfH + ":1"}, files)
	if err != nil || a.Availability != Missing || !strings.HasPrefix(a.Reason, "not in the BTF; kernel 6.1.12's headers") {
		t.Errorf("judge = %+v, %v", a, err)
	}
}

// Needs maps kernel identifiers to kernels; C's words are not among them,
// and only the baseline's own BTF decides.
func TestNeeds(t *testing.T) {
	idx := kernels(t,
		"6.8", "enum - false true\nenum bpf_prog_type BPF_PROG_TYPE_XDP",
		"6.10-rc1", "enum bpf_prog_type BPF_PROG_TYPE_XDP BPF_PROG_TYPE_FOO\nkfunc bpf_new",
		"6.10", "enum bpf_prog_type BPF_PROG_TYPE_XDP BPF_PROG_TYPE_FOO\nkfunc bpf_new")
	n, err := idx.Needs()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ident, baseline string
		ok, known       bool
		first           string
	}{
		{"false", "6.8", true, false, ""},
		{"NULL", "6.8", true, false, ""},
		{"BPF_PROG_TYPE_XDP", "6.8", true, true, "6.8"},
		{"BPF_PROG_TYPE_FOO", "6.8", false, true, "6.10"},
		{"BPF_PROG_TYPE_FOO", "6.10", true, true, "6.10"},
		{"bpf_new", "6.8", false, true, "6.10"},
		{"bpf_new", "6.9", true, true, "6.10"}, // no BTF of 6.9: nothing decided
	} {
		ok, known, first := n.Check(tc.ident, versioning.MustParseKernel(tc.baseline))
		if ok != tc.ok || known != tc.known || first.String() != tc.first {
			t.Errorf("Check(%s, %s) = %v, %v, %s", tc.ident, tc.baseline, ok, known, first)
		}
	}
	if ok, why := n.Judges(versioning.MustParseKernel("6.9")); ok || !strings.Contains(why, "kernels: no BTF for kernel 6.9 (have 6.8, 6.10-rc1, 6.10;") {
		t.Errorf("Judges(6.9) = %v, %q", ok, why)
	}
	if ok, _ := n.Judges(versioning.MustParseKernel("6.10")); !ok {
		t.Error("Judges(6.10) = false")
	}
	if ok, _ := n.Judges(versioning.Kernel{}); ok {
		t.Error("Judges(zero) = true")
	}
}

func TestMatrix(t *testing.T) {
	h := newFakeHistory()
	h.commit("c1", nil, map[string]string{
		bpfH:            enumHeader("BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_GONE") + "#define BPF_F 1\n",
		"features.yaml": "xdp: {enum: BPF_PROG_TYPE_XDP, required: true}\nnew: {kfunc: bpf_new, required: true}\n",
	})
	idx := kernels(t,
		"6.8", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC",
		"6.9", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\nkfunc bpf_new",
		"6.10-rc1", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_GONE\nkfunc bpf_new")
	cfg := Config{Headers: []string{bpfH}, Manifest: "features.yaml"}
	m, err := idx.Matrix(h, cfg, "c1", "v1")
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, k := range m.Kernels {
		counts = append(counts, fmt.Sprintf("%s has %d missing %d unverifiable %d first %d required %v", k.Kernel, k.Has, k.Missing, k.Unverifiable, k.First, k.Required))
	}
	want := []string{
		"6.8 has 2 missing 4 unverifiable 1 first 2 required false",
		"6.9 has 5 missing 1 unverifiable 1 first 3 required true",
		"6.10-rc1 has 6 missing 0 unverifiable 1 first 1 required true",
	}
	if d := cmp.Diff(want, counts); d != "" {
		t.Errorf("Matrix kernels (-want +got):\n%s", d)
	}
	if m.Oldest != "6.9" || !slices.Equal(m.Required, []string{"xdp", "new"}) || !slices.Equal(m.Nowhere, []string{}) || !slices.Equal(m.Unknown, []string{"BPF_F"}) {
		t.Errorf("Matrix = oldest %q, required %v, nowhere %v, unknown %v", m.Oldest, m.Required, m.Nowhere, m.Unknown)
	}
	// GONE is only in an -rc: the newest release, 6.9, shows it missing.
	idx = kernels(t,
		"6.9", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\nkfunc bpf_new",
		"6.10-rc1", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_GONE\nkfunc bpf_new",
		"6.10", "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\nkfunc bpf_new")
	if m, err = idx.Matrix(h, cfg, "c1", "v1"); err != nil || !slices.Equal(m.Nowhere, []string{}) {
		t.Errorf("Matrix nowhere = %v, %v", m.Nowhere, err)
	}
	h.commit("c2", []string{"c1"}, map[string]string{"features.yaml": "x: {enum: BPF_NOPE}\n"})
	if _, err := idx.Matrix(h, cfg, "c2", "v2"); !errors.As(err, new(*ManifestError)) {
		t.Errorf("Matrix(typo) = %v, want a ManifestError", err)
	}
	if _, err := idx.Matrix(h, Config{Headers: []string{"nope.h"}}, "c1", "v1"); !errors.As(err, new(*MissingFileError)) {
		t.Errorf("Matrix(missing header) = %v", err)
	}
	if _, err := NewIndex("x", buildKernel(t, "enum e A", "")).Matrix(h, cfg, "c1", "v1"); !errors.Is(err, ErrNoBTF) {
		t.Errorf("Matrix(no named kernel) = %v", err)
	}
}

func TestParseManifestRequired(t *testing.T) {
	fs, err := ParseManifest("m.yaml", []byte("a: {enum: X, required: true}\nb: {required: false, kfunc: y}\n"))
	if err != nil || len(fs) != 2 || !fs[0].Required || fs[1].Required || fs[1].Kind != KindKfunc {
		t.Errorf("ParseManifest = %+v, %v", fs, err)
	}
	_, err = ParseManifest("m.yaml", []byte("a: {enum: X, required: maybe}\nb: {required: true}\nc: {enum: X, kfunc: y}\n"))
	var list []*ManifestError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var me *ManifestError
			if errors.As(e, &me) {
				list = append(list, me)
			}
		}
	}
	if len(list) != 3 || list[0].Line != 1 || list[1].Line != 2 || list[2].Line != 3 {
		t.Errorf("ParseManifest(bad) = %v", err)
	}
}
