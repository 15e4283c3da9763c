package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/answers"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
	"github.com/tiered-release/tiered/versioning"
)

type featuresOpts struct {
	btf     []string
	headers []string
	line    string
	kernel  string
	json    bool
}

func newFeaturesCmd(g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "features",
		Short: "Check what a release needs from the kernel against kernel BTF",
		Args:  noArgs,
	}
	cmd.AddCommand(newFeaturesCheckCmd(g), newFeaturesMatrixCmd(g))
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
against the kernel its line targets: its BTF, and where BTF cannot say, its
own UAPI headers (--kernel-headers). A kernel is the one its file name, its
banner, or VERSION=PATH says, and /sys/kernel/btf the running kernel; no
other kernel stands in for the baseline (exit 3 when none is there). Every
missing feature is explained from the other kernels and from git history.
Exit 1 when one is missing.`,
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
			inputs := append(kernelInputs(o.btf, o.headers), rev, o.line, o.kernel, fmt.Sprint(o.json))
			return g.answer(cmd.OutOrStdout(), "features check", inputs, func(s *session, w io.Writer) error {
				sha, err := s.rev("REV", rev)
				if err != nil {
					return err
				}
				req := policies.FeaturesRequest{Rev: rev, SHA: sha, Status: s.status, TagMessage: s.repo.TagMessage}
				if o.kernel != "" {
					if req.Kernel, err = versioning.ParseKernel(o.kernel); err != nil {
						return &usageError{fmt.Errorf("--kernel: %w", err)}
					}
				}
				if o.line != "" {
					st, err := s.status()
					if err != nil {
						return err
					}
					if req.Line, err = s.line(st, o.line); err != nil {
						return err
					}
				}
				if req.Index, err = s.kernelIndex(o.btf, o.headers); err != nil {
					return err
				}
				r, err := policies.CheckFeatures(s.repo, s.policy, req)
				var be *policies.BaselineError
				if errors.As(err, &be) {
					return &usageError{err}
				}
				if err != nil {
					return err
				}
				if o.json {
					err = writeJSON(w, r)
				} else {
					report.Features(w, rev, r, s.describe)
				}
				if err == nil && !r.OK() {
					return errNo
				}
				return err
			})
		},
	}
	kernelFlags(cmd, &o.btf, &o.headers)
	cmd.Flags().StringVar(&o.line, "line", "", "the `LINE` whose baseline kernel to check against (default: REV's line)")
	cmd.Flags().StringVar(&o.kernel, "kernel", "", "the baseline kernel `VERSION` (default: the line's)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// kernelFlags adds --btf and --kernel-headers.
func kernelFlags(cmd *cobra.Command, btf, headers *[]string) {
	cmd.Flags().StringArrayVar(btf, "btf", nil, "kernel BTF: a `PATH` to a file or a directory of files named by kernel version, or VERSION=FILE; repeatable (default: features.btf)")
	if headers != nil {
		cmd.Flags().StringArrayVar(headers, "kernel-headers", nil, "a kernel's own UAPI headers, the witness where its BTF cannot say: an include `DIR` with linux/version.h (/usr/include) or a kernel tree, or VERSION=DIR; repeatable")
	}
}

// kernelInputs are what an answer that reads kernel BTF depends on: the
// flags, the files' sizes and times, and the running kernel.
func kernelInputs(btf, headers []string) []string {
	out := []string{runningKernel()}
	for _, arg := range append(slices.Clone(btf), headers...) {
		path, _, _ := kernel.SplitBTFArg(arg)
		out = append(out, arg, answers.FileStamp(path))
	}
	return out
}

// runningKernel is the running kernel's release, as uname -r prints it;
// "" where there is none to read. /sys/kernel/btf/vmlinux is that kernel.
func runningKernel() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// kernelIndex opens the BTF the flags or the policy name, and the
// kernels' own headers. A relative features.btf is relative to the
// repository's work tree.
func (s *session) kernelIndex(btf, headers []string) (*kernel.Index, error) {
	args := btf
	if len(args) == 0 {
		path := s.policy.Features.BTF
		if path != "" && !filepath.IsAbs(path) && s.repo.WorkTree() != "" {
			path = filepath.Join(s.repo.WorkTree(), path)
		}
		if path != "" {
			args = []string{path}
		}
	}
	if len(args) == 0 {
		return nil, usagef("no kernel BTF to check against (pass --btf PATH, such as --btf /sys/kernel/btf/vmlinux, or set features.btf in tiered.yaml)")
	}
	for _, a := range args {
		if _, _, err := kernel.SplitBTFArg(a); err != nil {
			return nil, &usageError{err}
		}
	}
	idx, err := kernel.Load(kernel.LoadOptions{Running: runningKernel()}, args...)
	if err != nil {
		return nil, err
	}
	for _, dir := range headers {
		h, err := kernel.LoadHeaders(dir)
		if err != nil {
			return nil, err
		}
		idx.UseHeaders(h)
	}
	return idx, nil
}

// btfArg is a single --btf flag as kernelIndex takes it.
func btfArg(flag string) []string {
	if flag == "" {
		return nil
	}
	return []string{flag}
}

// describe is "sha12 subject" for a commit, the sha alone if unreadable.
func (s *session) describe(sha string) string {
	c, err := s.repo.Commit(sha)
	if err != nil {
		return branches.Short(sha)
	}
	return branches.Short(sha) + " " + c.Subject
}
