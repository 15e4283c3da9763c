package policies

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiered-release/tiered/branches"
)

// fakeSurvey is a repository as Infer reads it: names, one tree, and
// trunk's commit messages.
type fakeSurvey struct {
	tags       []string
	branches   []string
	remoteHead string
	files      map[string]string
	messages   []string
}

func (f *fakeSurvey) Tags() ([]branches.Tag, error) {
	var out []branches.Tag
	for _, t := range f.tags {
		out = append(out, branches.Tag{Name: t, Commit: "c0"})
	}
	return out, nil
}

func (f *fakeSurvey) Branches() ([]branches.Branch, error) {
	var out []branches.Branch
	for _, b := range f.branches {
		out = append(out, branches.Branch{Name: b, Commit: "tip-" + b})
	}
	return out, nil
}

func (f *fakeSurvey) RemoteHead() string { return f.remoteHead }
func (f *fakeSurvey) HeadBranch() string { return "" }

func (f *fakeSurvey) Files(commit string) ([]string, error) {
	var out []string
	for p := range f.files {
		out = append(out, p)
	}
	return out, nil
}

func (f *fakeSurvey) ReadFile(commit, path string) ([]byte, error) {
	if s, ok := f.files[path]; ok {
		return []byte(s), nil
	}
	return nil, branches.ErrNoFile
}

func (f *fakeSurvey) FirstParents(commit string, max int) ([]string, error) {
	var out []string
	for i := range min(max, len(f.messages)) {
		out = append(out, fmt.Sprint(i))
	}
	return out, nil
}

func (f *fakeSurvey) Commit(hash string) (branches.Commit, error) {
	var i int
	fmt.Sscan(hash, &i)
	return branches.Commit{Hash: hash, Message: f.messages[i]}, nil
}

func TestInfer(t *testing.T) {
	libbpfMap := "LIBBPF_0.0.1 {\n global:\n  bpf_object__open;\n local: *;\n};\nLIBBPF_1.4.0 {\n  bpf_new;\n} LIBBPF_0.0.1;\n"
	tests := []struct {
		name   string
		survey *fakeSurvey
		want   string // the policy's values, rendered
	}{
		{
			name: "libbpf",
			survey: &fakeSurvey{
				tags:       []string{"v0.2", "v0.8.0", "v1.4.0", "v1.4.7", "v1.5.0"},
				branches:   []string{"master", "libbpf-1.4.7", "libbpf-0.8.3", "libbpf-0.1.1-xdp-bug-fix", "ci-build"},
				remoteHead: "master",
				files:      map[string]string{"src/libbpf.map": libbpfMap, "include/uapi/linux/bpf.h": "", "README": ""},
				messages:   []string{"x\n\nFixes: 1234567 (\"y\")\n", "z\n\nCc: stable@vger.kernel.org\n"},
			},
			want: `scheme=abi.kernel.stable trunk=master tags=v{version} abi="" kernel="" stable="libbpf-{version}" lib=libbpf map=src/libbpf.map headers=[include/uapi/linux/bpf.h] nominate=[Cc: stable@vger.kernel.org]`,
		},
		{
			name: "four tiers, release branches, main",
			survey: &fakeSurvey{
				tags:     []string{"v1.3.0.0", "v1.3.1.0", "v1.4.0.0"},
				branches: []string{"main", "release/v1.3", "release/v1.3.1", "release/v1.4", "release/v1"},
				files:    map[string]string{"src/foo.map": "FOO_1.0 {\n global: foo_open;\n local: *;\n};\n"},
				messages: []string{"a"},
			},
			want: `scheme=abi.kernel.feature.stable trunk=main tags=v{version} abi="release/v{abi}" kernel="release/v{abi}.{kernel}" stable="release/v{abi}.{kernel}.{feature}" lib=libfoo map=src/foo.map headers=[] nominate=[]`,
		},
		{
			name: "semver, no kernel headers, stable/vA.F branches, prefixed tags",
			survey: &fakeSurvey{
				tags:     []string{"tool-2.39.0", "tool-2.40.0", "tool-2.40.1", "snapshot"},
				branches: []string{"master", "main-old", "stable/v2.39", "stable/v2.40"},
				files:    map[string]string{"Makefile": ""},
				messages: []string{"a\n\nCloses: #12\n"},
			},
			want: `scheme=abi.feature.stable trunk=master tags=tool-{version} abi="" kernel="" stable="stable/v{abi}.{feature}" lib= map= headers=[] nominate=[]`,
		},
		{
			name: "no tags",
			survey: &fakeSurvey{
				branches: []string{"trunk-only"},
				files:    map[string]string{},
				messages: []string{"first"},
			},
			want: `scheme=abi.kernel.feature.stable trunk=trunk-only tags=v{version} abi="" kernel="" stable="" lib= map= headers=[] nominate=[]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Infer(tt.survey)
			if err != nil {
				t.Fatal(err)
			}
			p := in.Policy
			got := fmt.Sprintf("scheme=%s trunk=%s tags=%s abi=%q kernel=%q stable=%q lib=%s map=%s headers=%v nominate=%v",
				p.Scheme, p.Trunk, p.Tags, p.Branches.ABI, p.Branches.Kernel, p.Branches.Stable, p.ABI.Library, p.ABI.SymbolMap, p.UAPI.Headers, p.Fixes.Nominate)
			if got != tt.want {
				t.Errorf("Infer:\n got %s\nwant %s\nnotes: %q", got, tt.want, in.Notes)
			}
			// The file it writes reads back as the same policy.
			back, err := Parse("tiered.yaml", in.YAML())
			if err != nil {
				t.Fatalf("Parse(YAML()) = %v\n%s", err, in.YAML())
			}
			back.File = ""
			if d := cmp.Diff(render(p), render(back)); d != "" {
				t.Errorf("YAML round trip (-inferred +read back):\n%s", d)
			}
		})
	}
}

func TestInferNoBranches(t *testing.T) {
	if _, err := Infer(&fakeSurvey{}); err == nil {
		t.Error("Infer of a repository without branches succeeded")
	}
}
