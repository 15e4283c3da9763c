package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
)

type backportOpts struct {
	to, from  string
	at, until string
	btf       string
	json      bool
}

func newBackportCmd(g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backport",
		Short: "Answer whether commits may go to a line: check one, or plan a whole line",
	}
	cmd.AddCommand(newBackportCheckCmd(g), newBackportPlanCmd(g))
	return cmd
}

func (o *backportOpts) flags(cmd *cobra.Command, plan bool) {
	cmd.Flags().StringVar(&o.to, "to", "", "the target `LINE` (branch or version prefix)")
	cmd.Flags().StringVar(&o.from, "from", "", "the source `LINE` (default: trunk)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().StringVar(&o.btf, "btf", "", "kernel BTF for the kernel-too-new rule: a `PATH` to a file or a directory named by kernel version (default: features.btf)")
	if plan {
		cmd.Flags().StringVar(&o.at, "at", "", "judge the target as of `REV` (default: its tip)")
		cmd.Flags().StringVar(&o.until, "until", "", "take the source up to `REV` (default: its tip)")
	}
}

// prepare opens the repository and builds the judge for --to/--from.
func (o *backportOpts) prepare(s *session) (*policies.Backport, error) {
	if o.to == "" {
		return nil, usagef("--to LINE is required")
	}
	st, err := s.status()
	if err != nil {
		return nil, err
	}
	target, err := st.FindLine(o.to)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--to %w", err)}
	}
	source, err := s.line(st, o.from)
	if err != nil {
		return nil, err
	}
	if source == target {
		return nil, usagef("--to and --from name the same line %s", target.Name)
	}
	at, err := s.rev("--at", o.at)
	if err != nil {
		return nil, err
	}
	until, err := s.rev("--until", o.until)
	if err != nil {
		return nil, err
	}
	b, err := policies.NewBackport(s.repo, s.policy, st, target, source, at, until)
	if err != nil {
		return nil, err
	}
	// The kernel-too-new rule needs kernel BTF and a baseline to judge by.
	if (o.btf != "" || s.policy.Features.BTF != "") && !target.Kernel.IsZero() {
		idx, err := s.kernelIndex(btfArg(o.btf), nil)
		if err != nil {
			return nil, err
		}
		needs, err := idx.Needs()
		if err != nil {
			return nil, err
		}
		b.UseKernels(needs)
	}
	return b, nil
}

// inputs are what a backport answer depends on besides the refs and the
// policy: the flags, the commit asked about, and the kernel BTF files.
func (o *backportOpts) inputs(rev string) []string {
	return append([]string{o.to, o.from, o.at, o.until, fmt.Sprint(o.json), rev}, kernelInputs(btfArg(o.btf), nil)...)
}

// rev resolves a revision the user gave; "" stays "". A revision that names
// nothing is bad usage.
func (s *session) rev(flag, rev string) (string, error) {
	if rev == "" {
		return "", nil
	}
	sha, err := s.repo.Resolve(rev)
	if err != nil {
		return "", &usageError{fmt.Errorf("%s %w", flag, err)}
	}
	return sha, nil
}

func newBackportCheckCmd(g *globalOpts) *cobra.Command {
	o := &backportOpts{}
	cmd := &cobra.Command{
		Use:   "check REV --to LINE",
		Short: "May this commit go to that line? Exit 1 when forbidden",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("backport check takes one commit, have %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.answer(cmd.OutOrStdout(), "backport check", o.inputs(args[0]), func(s *session, w io.Writer) error {
				sha, err := s.rev("commit", args[0])
				if err != nil {
					return err
				}
				b, err := o.prepare(s)
				if err != nil {
					return err
				}
				v, err := b.Check(sha)
				if err != nil {
					return err
				}
				if o.json {
					err = writeJSON(w, v)
				} else {
					report.Verdicts(w, []policies.Verdict{*v}, true)
				}
				if err == nil && v.Verdict == policies.Forbidden {
					return errNo
				}
				return err
			})
		},
	}
	o.flags(cmd, false)
	return cmd
}

func newBackportPlanCmd(g *globalOpts) *cobra.Command {
	o := &backportOpts{}
	cmd := &cobra.Command{
		Use:   "plan --to LINE",
		Short: "Judge every commit the target line lacks from the source line, in apply order",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.answer(cmd.OutOrStdout(), "backport plan", o.inputs(""), func(s *session, w io.Writer) error {
				b, err := o.prepare(s)
				if err != nil {
					return err
				}
				p := newProgress(g.stderr, "plan for "+o.to)
				b.Progress = p.Update
				pl, err := b.Plan()
				p.Done()
				if err != nil {
					return err
				}
				if o.json {
					return writeJSON(w, pl)
				}
				fmt.Fprintf(w, "plan for %s from %s: %d commits\n", pl.Line, pl.From, len(pl.Commits))
				report.Verdicts(w, pl.Commits, false)
				return nil
			})
		},
	}
	o.flags(cmd, true)
	return cmd
}
