package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/versioning"
)

type featuresOpts struct {
	btf    string
	line   string
	kernel string
	json   bool
}

func newFeaturesCmd(g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "features",
		Short: "Check what a release needs from the kernel against kernel BTF",
		Args:  noArgs,
	}
	cmd.AddCommand(newFeaturesCheckCmd(g))
	return cmd
}

func newFeaturesCheckCmd(g *globalOpts) *cobra.Command {
	o := &featuresOpts{}
	cmd := &cobra.Command{
		Use:   "check [REV]",
		Short: "Prove every kernel feature REV needs is in its line's baseline kernel",
		Long: `check reads the kernel features REV (default HEAD) needs: the constants, types
and members of its copies of the UAPI headers (uapi.headers) and the
predicates of its feature manifest (features.manifest). It checks each
against the BTF of the kernel its line targets, and explains every missing
one from the other kernels and from git history. Exit 1 when one is missing.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("features check takes at most one REV, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := "HEAD"
			if len(args) == 1 {
				rev = args[0]
			}
			inputs := []string{rev, o.btf, fileStamp(o.btf), o.line, o.kernel, fmt.Sprint(o.json)}
			return g.answer(cmd.OutOrStdout(), "features check", inputs, func(s *session, w io.Writer) error {
				sha, err := s.rev("REV", rev)
				if err != nil {
					return err
				}
				r, err := s.checkFeaturesOf(rev, sha, o)
				if err != nil {
					return err
				}
				if o.json {
					err = writeJSON(w, r)
				} else {
					printFeatures(w, s.repo, rev, r)
				}
				if err == nil && !r.OK() {
					return errNo
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&o.btf, "btf", "", "kernel BTF: a `PATH` to a file or a directory named by kernel version (default: features.btf)")
	cmd.Flags().StringVar(&o.line, "line", "", "the `LINE` whose baseline kernel to check against (default: REV's line)")
	cmd.Flags().StringVar(&o.kernel, "kernel", "", "the baseline kernel `VERSION` (default: the line's)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// checkFeaturesOf checks rev (sha): when the baseline is known without
// reading the lines (--kernel, or rev is a release tag whose kernel line's
// baseline tiered.yaml or the tag itself names), the lines are read only
// if a missing feature needs explaining.
func (s *session) checkFeaturesOf(rev, sha string, o *featuresOpts) (*policies.FeatureReport, error) {
	if o.line == "" {
		if baseline, ok := s.quickBaseline(rev, o); ok {
			idx, err := s.kernelIndex(o.btf)
			if err != nil {
				return nil, err
			}
			c := &policies.FeatureCheck{History: s.repo, Policy: s.policy, Index: idx, Baseline: baseline,
				ElsewhereFunc: func() ([]string, error) {
					st, err := s.status()
					if err != nil {
						return nil, err
					}
					return st.OtherTips(lineOf(st, sha)), nil
				}}
			return c.Check(sha)
		}
	}
	st, err := s.status()
	if err != nil {
		return nil, err
	}
	return s.checkFeatures(st, sha, o)
}

// quickBaseline finds the baseline kernel without reading the lines: from
// --kernel, or for a release tag, from tiered.yaml's kernels: for its
// kernel line, or from the tag's own Kernel-Baseline: when it is the
// line's first release.
func (s *session) quickBaseline(rev string, o *featuresOpts) (versioning.Kernel, bool) {
	if o.kernel != "" {
		k, err := versioning.ParseKernel(o.kernel)
		return k, err == nil
	}
	p := s.policy
	v, ok, err := p.Tags.Match(p.Scheme, rev)
	if !ok || err != nil || !p.Scheme.Has(versioning.TierKernel) {
		return versioning.Kernel{}, false
	}
	if k, ok := p.Kernels[versioning.PrefixOf(v, versioning.TierKernel).Format(p.Scheme)]; ok {
		return k, true
	}
	if v.Feature != 0 || v.Stable != 0 || v.IsPrerelease() {
		return versioning.Kernel{}, false
	}
	msg, ok := s.repo.TagMessage(rev)
	if !ok {
		return versioning.Kernel{}, false
	}
	return branches.KernelBaseline(msg)
}

// checkFeatures runs the features check of sha: what the command and the
// cut gate share.
func (s *session) checkFeatures(st *branches.Status, sha string, o *featuresOpts) (*policies.FeatureReport, error) {
	idx, err := s.kernelIndex(o.btf)
	if err != nil {
		return nil, err
	}
	var line *branches.Line
	if o.line != "" {
		if line, err = s.line(st, o.line); err != nil {
			return nil, err
		}
	} else {
		line = lineOf(st, sha)
	}
	baseline := line.Kernel
	if o.kernel != "" {
		if baseline, err = versioning.ParseKernel(o.kernel); err != nil {
			return nil, &usageError{fmt.Errorf("--kernel: %w", err)}
		}
	}
	if baseline.IsZero() && len(idx.Versions()) > 0 {
		return nil, usagef("line %s has no kernel baseline (pass --kernel VERSION, set kernels: in tiered.yaml, or tag its first release with Kernel-Baseline:)", line.Name)
	}
	c := &policies.FeatureCheck{History: s.repo, Policy: s.policy, Index: idx, Baseline: baseline, Elsewhere: st.OtherTips(line)}
	return c.Check(sha)
}

// kernelIndex opens the BTF a flag or the policy names. A relative
// features.btf is relative to the repository's work tree.
func (s *session) kernelIndex(flag string) (*policies.KernelIndex, error) {
	path := flag
	if path == "" {
		path = s.policy.Features.BTF
		if path != "" && !filepath.IsAbs(path) && s.repo.WorkTree() != "" {
			path = filepath.Join(s.repo.WorkTree(), path)
		}
	}
	if path == "" {
		return nil, usagef("no kernel BTF to check against (pass --btf PATH, such as --btf /sys/kernel/btf/vmlinux, or set features.btf in tiered.yaml)")
	}
	return policies.LoadKernelIndex(path)
}

// lineOf finds the line a commit belongs to: the line of the release it
// is, else the most specific line whose tip it is, else trunk.
func lineOf(st *branches.Status, sha string) *branches.Line {
	var best *branches.Line
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

func printFeatures(w io.Writer, repo *branches.Repo, rev string, r *policies.FeatureReport) {
	kernel := "kernel " + r.Kernel
	if r.Provisional {
		kernel += " (provisional: no final BTF yet, checked against its newest -rc)"
	}
	fmt.Fprintf(w, "%s (%s) against %s: %d needed, %d missing, %d unverifiable\n",
		rev, r.Commit[:12], kernel, r.Checked, len(r.Missing), len(r.Unverifiable))
	for _, m := range r.Missing {
		fmt.Fprintf(w, "missing %s (%s, %s)\n", m.Feature, m.Kind, m.Source)
		fmt.Fprintf(w, "  %s\n", m.Reason)
		for _, sha := range m.IntroducedBy {
			fmt.Fprintf(w, "  added by    %s\n", describe(repo, sha))
		}
		for _, sha := range m.RevertedBy {
			fmt.Fprintf(w, "  reverted by %s\n", describe(repo, sha))
		}
		for _, sha := range m.RemovedBy {
			fmt.Fprintf(w, "  removed by  %s\n", describe(repo, sha))
		}
	}
	for _, m := range r.Renamed {
		fmt.Fprintf(w, "renamed %s: %s\n", m.Feature, m.Reason)
	}
	// Unverifiable features, grouped by why, with a few examples each.
	byReason := map[string][]string{}
	for _, u := range r.Unverifiable {
		byReason[u.Reason] = append(byReason[u.Reason], u.Feature)
	}
	reasons := make([]string, 0, len(byReason))
	for k := range byReason {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if a, b := len(byReason[reasons[i]]), len(byReason[reasons[j]]); a != b {
			return a > b
		}
		return reasons[i] < reasons[j]
	})
	for _, why := range reasons {
		ids := byReason[why]
		ex := ids
		if len(ex) > 3 {
			ex = append(ex[:3:3], "…")
		}
		fmt.Fprintf(w, "unverifiable %d: %s (%s)\n", len(ids), why, strings.Join(ex, ", "))
	}
	if r.OK() {
		fmt.Fprintf(w, "ok: every verifiable feature is in %s\n", kernel)
	}
}

// describe is "sha12 subject" for a commit, the sha alone if unreadable.
func describe(repo *branches.Repo, sha string) string {
	c, err := repo.Commit(sha)
	if err != nil {
		return short(sha)
	}
	return short(sha) + " " + c.Subject
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
