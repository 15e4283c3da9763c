package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
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
			return g.answer(cmd.OutOrStdout(), "next", []string{o.line, fmt.Sprint(o.json)}, func(s *session, w io.Writer) error {
				st, err := s.status()
				if err != nil {
					return err
				}
				line, err := s.line(st, o.line)
				if err != nil {
					return err
				}
				var kernels *kernel.Index
				if s.policy.Features.BTF != "" {
					if kernels, err = s.kernelIndex(nil, nil); err != nil {
						return err
					}
				}
				rep, err := policies.NextWithGates(s.repo, s.policy, st, line, kernels, s.repo.RefTarget)
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
					return errNo
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&o.line, "line", "", "the `LINE` (branch or version prefix; default: trunk)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// line finds the line a --line flag names; empty means trunk.
func (s *session) line(st *branches.Status, name string) (*branches.Line, error) {
	if name == "" {
		name = branches.TierTrunk
	}
	l, err := st.FindLine(name)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--line %w", err)}
	}
	return l, nil
}
