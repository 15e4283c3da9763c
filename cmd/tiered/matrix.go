package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
)

type matrixOpts struct {
	btf     []string
	headers []string
	json    bool
}

func newFeaturesMatrixCmd(g *globalOpts) *cobra.Command {
	o := &matrixOpts{}
	cmd := &cobra.Command{
		Use:   "matrix [REV] --btf DIR",
		Short: "Show what REV needs from the kernel against every kernel of a BTF directory",
		Long: `matrix reads the kernel features REV (default HEAD) needs, as check does, and
asks every kernel of --btf about each: what it has, lacks, or cannot say;
the first kernel to have each feature; the features no released kernel
has; and the oldest kernel with every feature the manifest marks
required: true. Its exit code is 0 whatever the kernels lack.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return app.Usagef("features matrix takes at most one REV, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := "HEAD"
			if len(args) == 1 {
				rev = args[0]
			}
			inputs := append(app.KernelInputs(o.btf, o.headers), rev, fmt.Sprint(o.json))
			return app.Answer(g.opts(), cmd.OutOrStdout(), "features matrix", inputs, func(s *app.Session, w io.Writer) error {
				sha, err := s.Rev("REV", rev)
				if err != nil {
					return err
				}
				idx, err := s.KernelIndex(o.btf, o.headers)
				if err != nil {
					return err
				}
				m, err := policies.FeaturesMatrix(s.Repo, s.Policy, idx, rev, sha)
				if err != nil {
					return err
				}
				if o.json {
					return writeJSON(w, m)
				}
				report.Matrix(w, rev, idx.Source, m)
				return nil
			})
		},
	}
	kernelFlags(cmd, &o.btf, &o.headers)
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}
