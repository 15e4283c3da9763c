package policies

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/sample"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/versioning"
)

const headerPath = "include/uapi/linux/bpf.h"

var (
	headerV1 = "enum bpf_prog_type {\n\tBPF_PROG_TYPE_UNSPEC,\n\tBPF_PROG_TYPE_XDP,\n};\n"
	headerV2 = "enum bpf_prog_type {\n\tBPF_PROG_TYPE_UNSPEC,\n\tBPF_PROG_TYPE_XDP,\n\tBPF_PROG_TYPE_NEW,\n};\n"
)

// kernelIndex builds an index of kernel BTF, one per version (""
// for a file that names none), each described as sample.KernelBTF reads.
func kernelIndex(t *testing.T, kernels map[string]string) *kernel.Index {
	t.Helper()
	var ks []*kernel.BTF
	for version, desc := range kernels {
		raw, err := sample.KernelBTF(desc)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var v versioning.Kernel
		source := "vmlinux"
		if version != "" {
			v, source = versioning.MustParseKernel(version), "vmlinux-"+version
		}
		k, err := kernel.NewBTF(spec, v, source)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	return kernel.NewIndex("kernels/", ks...)
}

// bpfKernels are three kernels: 6.10-rc2 had BPF_PROG_TYPE_NEW, which was
// reverted before 6.10.
func bpfKernels(t *testing.T) *kernel.Index {
	return kernelIndex(t, map[string]string{
		"6.9":      "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\n",
		"6.10-rc2": "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_NEW\n",
		"6.10":     "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP\n",
	})
}

// bpfRepo is a library whose 1.1.0.0 added BPF_PROG_TYPE_NEW to its copy
// of the UAPI header, which trunk then reverted: 1.0.0.0 (baseline 6.9 in
// its tag) at root, 1.1.0.0 (baseline 6.10 in the policy) at add, trunk at
// the revert.
func bpfRepo(t *testing.T) (*repo, *Policy) {
	r := newRepo(t, versioning.SchemeFour)
	r.commit("root", "bpf: import uapi", map[string]string{headerPath: headerV1})
	r.tag("1.0.0.0", "root", "libfoo 1.0.0.0\n\nKernel-Baseline: 6.9\n")
	r.commit("add", "bpf: add BPF_PROG_TYPE_NEW", map[string]string{headerPath: headerV2}, "root")
	r.tag("1.1.0.0", "add", "")
	r.commit("rev", fmt.Sprintf("Revert \"bpf: add BPF_PROG_TYPE_NEW\"\n\nThis reverts commit %s.\n", r.at("add")), map[string]string{headerPath: headerV1}, "add")
	r.line("trunk", "rev")
	r.line("1.0", "root").Kernel = versioning.MustParseKernel("6.9")
	r.line("1.1", "add").Kernel = versioning.MustParseKernel("6.10")
	p := Default()
	p.Kernels["1.1"] = versioning.MustParseKernel("6.10")
	return r, p
}

func TestCheckFeatures(t *testing.T) {
	r, p := bpfRepo(t)
	idx := bpfKernels(t)
	tagMessage := func(rev string) (string, bool) {
		for _, rel := range r.st.Releases {
			if rel.Tag == rev {
				return rel.Message, true
			}
		}
		return "", false
	}
	missingNew := func(r *repo, k string) []kernel.MissingFeature {
		return []kernel.MissingFeature{{
			Feature: "BPF_PROG_TYPE_NEW", Kind: kernel.KindEnumValue, Source: headerPath + ":4",
			Reason:       "not in kernel " + k + ": enum bpf_prog_type has no BPF_PROG_TYPE_NEW; kernel 6.10-rc2 had it, so it was reverted before 6.10 was released",
			IntroducedBy: []string{r.at("add")}, RevertedBy: []string{r.at("rev")}, FirstKernel: "6.10-rc2",
		}}
	}
	tests := []struct {
		name string
		req  FeaturesRequest
		// statusCalls is how often the request must read the lines.
		statusCalls int
		kernel      string
		checked     int // features of the header at SHA
		missing     []kernel.MissingFeature
	}{
		{
			name:   "release tag carrying its baseline, nothing missing: lines unread",
			req:    FeaturesRequest{Rev: "v1.0.0.0", SHA: r.at("root"), TagMessage: tagMessage},
			kernel: "6.9", checked: 3, missing: []kernel.MissingFeature{},
		},
		{
			name:        "release tag, baseline from the policy, a reverted feature: lines read to explain it",
			req:         FeaturesRequest{Rev: "v1.1.0.0", SHA: r.at("add"), TagMessage: tagMessage},
			statusCalls: 1, kernel: "6.10", checked: 4, missing: missingNew(r, "6.10"),
		},
		{
			name:        "not a tag: the baseline of the line holding the commit",
			req:         FeaturesRequest{Rev: "HEAD~1", SHA: r.at("add")},
			statusCalls: 1, kernel: "6.10", checked: 4, missing: missingNew(r, "6.10"),
		},
		{
			name:   "the request's kernel wins, lines unread",
			req:    FeaturesRequest{Rev: "HEAD~1", SHA: r.at("add"), Kernel: versioning.MustParseKernel("6.10-rc2")},
			kernel: "6.10-rc2", checked: 4, missing: []kernel.MissingFeature{},
		},
		{
			name:        "a given line, the request's kernel over its baseline",
			req:         FeaturesRequest{Rev: "HEAD~1", SHA: r.at("add"), Line: r.st.Lines[1], Kernel: versioning.MustParseKernel("6.10-rc2")},
			statusCalls: 1, kernel: "6.10-rc2", checked: 4, missing: []kernel.MissingFeature{},
		},
		{
			name:        "a given line's baseline",
			req:         FeaturesRequest{Rev: "HEAD~1", SHA: r.at("root"), Line: r.st.Lines[1]},
			statusCalls: 1, kernel: "6.9", checked: 3, missing: []kernel.MissingFeature{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			tt.req.Index = idx
			tt.req.Status = func() (*branches.Status, error) { calls++; return r.st, nil }
			got, err := CheckFeatures(r, p, tt.req)
			if err != nil {
				t.Fatalf("CheckFeatures err = %v", err)
			}
			if got.Kernel != tt.kernel || got.Checked != tt.checked || got.Commit != tt.req.SHA {
				t.Errorf("CheckFeatures: kernel %s, %d checked, commit %s; want %s, %d, %s", got.Kernel, got.Checked, got.Commit, tt.kernel, tt.checked, tt.req.SHA)
			}
			if d := cmp.Diff(tt.missing, got.Missing); d != "" {
				t.Errorf("CheckFeatures missing (-want +got):\n%s", d)
			}
			if calls != tt.statusCalls {
				t.Errorf("CheckFeatures read the lines %d times, want %d", calls, tt.statusCalls)
			}
		})
	}
}

func TestCheckFeaturesErrors(t *testing.T) {
	r, p := bpfRepo(t)
	idx := bpfKernels(t)
	status := func() (*branches.Status, error) { return r.st, nil }

	// Trunk has no baseline and the index several kernels: no guessing.
	_, err := CheckFeatures(r, p, FeaturesRequest{Rev: "main", SHA: r.at("rev"), Index: idx, Status: status})
	var be *BaselineError
	if !errors.As(err, &be) || be.Line != "trunk" {
		t.Errorf("CheckFeatures(trunk) err = %v, want a *BaselineError for trunk", err)
	}

	boom := errors.New("boom")
	_, err = CheckFeatures(r, p, FeaturesRequest{Rev: "main", SHA: r.at("rev"), Index: idx,
		Status: func() (*branches.Status, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Errorf("CheckFeatures(Status fails) err = %v, want %v", err, boom)
	}

	// A missing feature explained from other lines: their Status error.
	_, err = CheckFeatures(r, p, FeaturesRequest{Rev: "v1.1.0.0", SHA: r.at("add"), Index: idx,
		Status: func() (*branches.Status, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Errorf("CheckFeatures(explaining, Status fails) err = %v, want %v", err, boom)
	}

	// A baseline the index lacks.
	_, err = CheckFeatures(r, p, FeaturesRequest{Rev: "x", SHA: r.at("root"), Index: idx, Status: status, Kernel: versioning.MustParseKernel("6.1")})
	if !errors.Is(err, kernel.ErrNoBTF) {
		t.Errorf("CheckFeatures(kernel 6.1) err = %v, want one wrapping kernel.ErrNoBTF", err)
	}
}

// One BTF file that names no kernel stands for no kernel: a check of a
// line with a baseline says it has no BTF for it (issue: a single file
// was taken as any kernel), and trunk, with no baseline, is checked
// against it and says it stood for no known kernel.
func TestCheckFeaturesOneFile(t *testing.T) {
	r, p := bpfRepo(t)
	idx := kernelIndex(t, map[string]string{"": "enum bpf_prog_type BPF_PROG_TYPE_UNSPEC BPF_PROG_TYPE_XDP BPF_PROG_TYPE_NEW\n"})
	_, err := CheckFeatures(r, p, FeaturesRequest{Rev: "main", SHA: r.at("add"), Index: idx, Status: func() (*branches.Status, error) { return r.st, nil }})
	if !errors.Is(err, kernel.ErrNoBTF) || !strings.Contains(err.Error(), "no kernel BTF for kernel 6.10") {
		t.Fatalf("CheckFeatures(line 6.10, one unversioned file) err = %v, want no BTF for 6.10", err)
	}
	got, err := CheckFeatures(r, p, FeaturesRequest{Rev: "main", SHA: r.at("rev"), Index: idx, Status: func() (*branches.Status, error) { return r.st, nil }})
	if err != nil {
		t.Fatalf("CheckFeatures(trunk, one file) err = %v", err)
	}
	if !got.OK() || got.Kernel != "vmlinux" || got.Checked != 3 {
		t.Errorf("CheckFeatures(trunk, one file) = kernel %q, %d checked, missing %v; want vmlinux, 3, none", got.Kernel, got.Checked, got.Missing)
	}
}

func TestBaselineError(t *testing.T) {
	err := &BaselineError{Line: "1.4"}
	want := "line 1.4 has no kernel baseline (pass --kernel VERSION, set kernels: in tiered.yaml, or tag its first release with Kernel-Baseline:)"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestQuickBaseline(t *testing.T) {
	four := Default()
	four.Kernels["1.1"] = versioning.MustParseKernel("6.10")
	kern := Default()
	kern.Scheme = versioning.SchemeKernel
	kern.Kernels["1.4"] = versioning.MustParseKernel("6.9")
	semver := Default()
	semver.Scheme = versioning.SchemeSemver
	annotated := func(msg string) func(string) (string, bool) {
		return func(string) (string, bool) { return msg, true }
	}
	withBaseline := annotated("libfoo 1.0.0.0\n\nTier: kernel\nKernel-Baseline: 6.8\n")
	tests := []struct {
		name string
		p    *Policy
		req  FeaturesRequest
		want string // "" for none
	}{
		{"the request's kernel", four, FeaturesRequest{Rev: "HEAD", Kernel: versioning.MustParseKernel("6.12")}, "6.12"},
		{"policy kernels of the tag's kernel line", four, FeaturesRequest{Rev: "v1.1.2.1"}, "6.10"},
		{"the first release's own tag", four, FeaturesRequest{Rev: "v1.0.0.0", TagMessage: withBaseline}, "6.8"},
		{"a tag without Kernel-Baseline", four, FeaturesRequest{Rev: "v1.0.0.0", TagMessage: annotated("libfoo 1.0.0.0\n")}, ""},
		{"a tag with an unreadable Kernel-Baseline", four, FeaturesRequest{Rev: "v1.0.0.0", TagMessage: annotated("Kernel-Baseline: six\n")}, ""},
		{"no tag message reader", four, FeaturesRequest{Rev: "v1.0.0.0"}, ""},
		{"not a tag after all", four, FeaturesRequest{Rev: "v1.0.0.0", TagMessage: func(string) (string, bool) { return "", false }}, ""},
		{"a feature release does not carry it", four, FeaturesRequest{Rev: "v1.0.1.0", TagMessage: withBaseline}, ""},
		{"a stable release does not carry it", four, FeaturesRequest{Rev: "v1.0.0.1", TagMessage: withBaseline}, ""},
		{"a pre-release does not carry it", four, FeaturesRequest{Rev: "v1.0.0.0-rc.1", TagMessage: withBaseline}, ""},
		{"a branch name", four, FeaturesRequest{Rev: "main", TagMessage: withBaseline}, ""},
		{"a tag that is no version", four, FeaturesRequest{Rev: "v1.x", TagMessage: withBaseline}, ""},
		{"three-number scheme, policy kernels", kern, FeaturesRequest{Rev: "v1.4.2"}, "6.9"},
		{"three-number scheme, first release's tag", kern, FeaturesRequest{Rev: "v1.5.0", TagMessage: withBaseline}, "6.8"},
		{"three-number scheme, a stable release", kern, FeaturesRequest{Rev: "v1.5.1", TagMessage: withBaseline}, ""},
		{"no kernel tier", semver, FeaturesRequest{Rev: "v1.0.0", TagMessage: withBaseline}, ""},
	}
	for _, tt := range tests {
		k, ok := tt.p.quickBaseline(tt.req)
		if got := k.String(); ok != (tt.want != "") || ok && got != tt.want {
			t.Errorf("%s: quickBaseline(%q) = %s, %v; want %q", tt.name, tt.req.Rev, got, ok, tt.want)
		}
	}
}

func TestKernelHistory(t *testing.T) {
	r, _ := bpfRepo(t)
	r.commit("side", "bpf: side", map[string]string{"x": "1"}, "root")
	r.commit("merge", "Merge branch 'side'", nil, "rev", "side")
	kh := kernelHistory{r}
	var _ kernel.History = kh

	ps, err := kh.Parents(r.at("merge"))
	if d := cmp.Diff([]string{r.at("rev"), r.at("side")}, ps); d != "" || err != nil {
		t.Errorf("Parents(merge) = %v, %v; want rev then side (-want +got):\n%s", ps, err, d)
	}
	if ps, err := kh.Parents(r.at("root")); len(ps) != 0 || err != nil {
		t.Errorf("Parents(root) = %v, %v; want none", ps, err)
	}
	for name, want := range map[string]bool{"rev": true, "add": false, "merge": false} {
		if got, err := kh.IsRevert(r.at(name)); got != want || err != nil {
			t.Errorf("IsRevert(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	const unknown = "0000000000000000000000000000000000000bad"
	if _, err := kh.IsRevert(unknown); !errors.Is(err, branches.ErrUnknownRef) {
		t.Errorf("IsRevert(unknown) err = %v, want ErrUnknownRef", err)
	}
	if _, err := kh.Parents(unknown); !errors.Is(err, branches.ErrUnknownRef) {
		t.Errorf("Parents(unknown) err = %v, want ErrUnknownRef", err)
	}
}

func TestKernelConfig(t *testing.T) {
	p := Default()
	p.UAPI.Headers = []string{headerPath, "include/uapi/linux/btf.h"}
	p.Features.Manifest = "kernel-features.yaml"
	want := kernel.Config{Headers: []string{headerPath, "include/uapi/linux/btf.h"}, Manifest: "kernel-features.yaml"}
	if d := cmp.Diff(want, p.KernelConfig()); d != "" {
		t.Errorf("KernelConfig() mismatch (-want +got):\n%s", d)
	}
}
