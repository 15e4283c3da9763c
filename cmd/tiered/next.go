package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
)

type nextOpts struct {
	line string
	json bool
}

func newNextCmd(g *globalOpts) *cobra.Command {
	o := &nextOpts{}
	cmd := &cobra.Command{
		Use:   "next",
		Short: "Print the version the next release of a line would get, why, and the gates cut would run",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.Answer(g.opts(), cmd.OutOrStdout(), "next", []string{o.line, fmt.Sprint(o.json)}, func(s *app.Session, w io.Writer) error {
				st, err := s.Status()
				if err != nil {
					return err
				}
				line, err := s.Line(st, o.line)
				if err != nil {
					return err
				}
				var kernels *kernel.Index
				if s.Policy.Features.BTF != "" {
					if kernels, err = s.KernelIndex(nil, nil); err != nil {
						return err
					}
				}
				rep, err := policies.NextWithGates(s.Repo, s.Policy, st, line, kernels, s.Repo.RefTarget)
				if err != nil {
					return err
				}
				if o.json {
					err = writeJSON(w, rep)
				} else {
					report.Next(w, rep.NextPlan)
					report.Gates(w, rep.Gates)
				}
				if err == nil && rep.No() {
					return app.ErrNo
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&o.line, "line", "", "the `LINE` (branch or version prefix; default: trunk)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}
