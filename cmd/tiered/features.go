package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/app"
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
				return app.Usagef("features check takes at most one REV, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := "HEAD"
			if len(args) == 1 {
				rev = args[0]
			}
			inputs := append(app.KernelInputs(o.btf, o.headers), rev, o.line, o.kernel, fmt.Sprint(o.json))
			return app.Answer(g.opts(), cmd.OutOrStdout(), "features check", inputs, func(s *app.Session, w io.Writer) error {
				sha, err := s.Rev("REV", rev)
				if err != nil {
					return err
				}
				req := policies.FeaturesRequest{Rev: rev, SHA: sha, Status: s.Status, TagMessage: s.Repo.TagMessage}
				if o.kernel != "" {
					if req.Kernel, err = versioning.ParseKernel(o.kernel); err != nil {
						return &app.UsageError{Err: fmt.Errorf("--kernel: %w", err)}
					}
				}
				if o.line != "" {
					st, err := s.Status()
					if err != nil {
						return err
					}
					if req.Line, err = s.Line(st, o.line); err != nil {
						return err
					}
				}
				if req.Index, err = s.KernelIndex(o.btf, o.headers); err != nil {
					return err
				}
				r, err := policies.CheckFeatures(s.Repo, s.Policy, req)
				var be *policies.BaselineError
				if errors.As(err, &be) {
					return &app.UsageError{Err: err}
				}
				if err != nil {
					return err
				}
				if o.json {
					err = writeJSON(w, r)
				} else {
					report.Features(w, rev, r, s.Describe)
				}
				if err == nil && !r.OK() {
					return app.ErrNo
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
