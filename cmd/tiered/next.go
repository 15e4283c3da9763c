package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/policies"
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
				np, err := policies.Next(s.repo, s.policy, st, line)
				if err != nil {
					return err
				}
				// What cut would do: the same gates, when the version is
				// decided (a new kernel line waits for its --kernel).
				rep := nextReport{NextPlan: np, Gates: []policies.Gate{}}
				if np.Bump != policies.BumpRefused && np.Bump != policies.BumpNone {
					req := policies.CutRequest{Line: line, RefExists: s.repo.RefTarget}
					if s.policy.Features.BTF != "" {
						if req.Kernels, err = s.kernelIndex(nil, nil); err != nil {
							return err
						}
					}
					c, err := policies.PlanCut(s.repo, s.policy, st, req)
					switch {
					case errors.Is(err, policies.ErrNeedKernel):
					case err != nil:
						return err
					default:
						for _, g := range c.Gates {
							if g.Name != policies.GateTiers {
								rep.Gates = append(rep.Gates, g)
							}
						}
						rep.Refused = c.Refused
					}
				}
				if o.json {
					err = writeJSON(w, rep)
				} else {
					printNext(w, np)
					printGates(w, rep.Gates)
				}
				if err == nil && (np.Bump == policies.BumpRefused || rep.Refused) {
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

// nextReport is `tiered next --json`: the plan and the gates cut would run.
type nextReport struct {
	*policies.NextPlan
	Gates   []policies.Gate `json:"gates"`
	Refused bool            `json:"refused"`
}

func printNext(w io.Writer, np *policies.NextPlan) {
	cur := np.Current
	if cur == "" {
		cur = "(none)"
	}
	switch np.Bump {
	case policies.BumpNone:
		fmt.Fprintf(w, "line %s: at %s, nothing to release\n", np.Line, cur)
	case policies.BumpRefused:
		fmt.Fprintf(w, "line %s: at %s, no release possible (%s)\n", np.Line, cur, joinRules(np.Rules))
	default:
		fmt.Fprintf(w, "line %s: %s -> %s (%s bump)\n", np.Line, cur, np.Next, np.Bump)
	}
	for _, r := range np.Reasons {
		fmt.Fprintf(w, "  %s\n", r)
	}
}
