package policies

import (
	"fmt"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/versioning"
)

// KernelConfig is what package kernel reads of the policy: where a
// release declares the kernel features it needs.
func (p *Policy) KernelConfig() kernel.Config {
	return kernel.Config{Headers: p.UAPI.Headers, Manifest: p.Features.Manifest}
}

// kernelHistory adapts a [History] to [kernel.History]: the commit facts
// it asks for (parents, reverts) come from the commits and their
// trailers.
type kernelHistory struct{ History }

func (k kernelHistory) Parents(commit string) ([]string, error) {
	c, err := k.Commit(commit)
	return c.Parents, err
}

func (k kernelHistory) IsRevert(commit string) (bool, error) {
	c, err := k.Commit(commit)
	if err != nil {
		return false, err
	}
	return ParseTrailers(c.Subject, c.Message, nil).Reverts != nil, nil
}

// FeaturesRequest is what `tiered features check` asks: the features of
// one commit against the baseline kernel of its line.
type FeaturesRequest struct {
	// Rev is the revision as the user wrote it (a tag name, say), SHA the
	// commit it resolves to.
	Rev, SHA string
	// Index is the kernel BTF to check against.
	Index *kernel.Index
	// Line is the line whose baseline to use; nil means the line of SHA.
	Line *branches.Line
	// Kernel overrides the baseline; zero means the line's.
	Kernel versioning.Kernel
	// Status reads the repository's lines; it is called only when they
	// are needed: to find the line and its baseline, or to explain a
	// missing feature from other lines' history.
	Status func() (*branches.Status, error)
	// TagMessage returns the annotation of a tag, ok false if rev is none.
	TagMessage func(rev string) (string, bool)
}

// CheckFeatures runs the features check a request asks for. When the
// baseline is known without reading the lines (the request names the
// kernel, or Rev is a release tag whose kernel line's baseline the policy
// or the tag itself names), the lines are read only if a missing feature
// needs explaining. It returns a *[BaselineError] when the line has no
// baseline and the index holds several kernels, and an error wrapping
// [kernel.ErrNoBTF] when the index has no BTF of the baseline: another
// kernel never stands in.
func CheckFeatures(h History, p *Policy, req FeaturesRequest) (*kernel.Report, error) {
	if req.Line == nil {
		if baseline, ok := p.quickBaseline(req); ok {
			c := &kernel.Check{History: kernelHistory{h}, Config: p.KernelConfig(), Index: req.Index, Baseline: baseline, Rev: req.Rev,
				ElsewhereFunc: func() ([]string, error) {
					st, err := req.Status()
					if err != nil {
						return nil, err
					}
					return st.OtherTips(st.LineOf(req.SHA)), nil
				}}
			return c.Check(req.SHA)
		}
	}
	st, err := req.Status()
	if err != nil {
		return nil, err
	}
	line := req.Line
	if line == nil {
		line = st.LineOf(req.SHA)
	}
	baseline := line.Kernel
	if !req.Kernel.IsZero() {
		baseline = req.Kernel
	}
	if baseline.IsZero() && len(req.Index.Kernels()) > 1 {
		return nil, &BaselineError{Line: line.Name}
	}
	c := &kernel.Check{History: kernelHistory{h}, Config: p.KernelConfig(), Index: req.Index, Baseline: baseline, Rev: req.Rev, Elsewhere: st.OtherTips(line)}
	return c.Check(req.SHA)
}

// BaselineError reports a line without a kernel baseline where a check
// needs one to choose a kernel.
type BaselineError struct{ Line string }

func (e *BaselineError) Error() string {
	return fmt.Sprintf("line %s has no kernel baseline (pass --kernel VERSION, set kernels: in tiered.yaml, or tag its first release with Kernel-Baseline:)", e.Line)
}

// quickBaseline finds the baseline kernel without reading the lines: the
// request's kernel, or for a release tag, the policy's kernels: for its
// kernel line, or the tag's own Kernel-Baseline: when it is the line's
// first release.
func (p *Policy) quickBaseline(req FeaturesRequest) (versioning.Kernel, bool) {
	if !req.Kernel.IsZero() {
		return req.Kernel, true
	}
	v, ok, err := p.Tags.Match(p.Scheme, req.Rev)
	if !ok || err != nil || !p.Scheme.Has(versioning.TierKernel) {
		return versioning.Kernel{}, false
	}
	if k, ok := p.Kernels[versioning.PrefixOf(v, versioning.TierKernel).Format(p.Scheme)]; ok {
		return k, true
	}
	if v.Feature != 0 || v.Stable != 0 || v.IsPrerelease() || req.TagMessage == nil {
		return versioning.Kernel{}, false
	}
	msg, ok := req.TagMessage(req.Rev)
	if !ok {
		return versioning.Kernel{}, false
	}
	return branches.KernelBaseline(msg)
}

// FeaturesMatrix is what `tiered features matrix` asks: the kernel needs
// of the release at sha (rev as the user named it) against every kernel
// of idx.
func FeaturesMatrix(h History, p *Policy, idx *kernel.Index, rev, sha string) (*kernel.Matrix, error) {
	return idx.Matrix(kernelHistory{h}, p.KernelConfig(), sha, rev)
}
