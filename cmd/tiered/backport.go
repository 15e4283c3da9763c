package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/internal/progress"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
)

type backportOpts struct {
	to, from  string
	at, until string
	btf       string
	json      bool
	verdicts  []string // --verdict
	format    string   // --format
}

func newBackportCmd(g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backport",
		Short: "Answer whether commits may go to a line: check one, or plan a whole line",
	}
	cmd.AddCommand(newBackportCheckCmd(g), newBackportPlanCmd(g), newBackportReplayCmd(g))
	return cmd
}

func (o *backportOpts) flags(cmd *cobra.Command, plan bool) {
	cmd.Flags().StringVar(&o.to, "to", "", "the target `LINE` (branch or version prefix)")
	cmd.Flags().StringVar(&o.from, "from", "", "the source `LINE` (default: trunk)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().StringVar(&o.btf, "btf", "", "kernel BTF for the kernel-too-new rule: a `PATH` to a file or a directory named by kernel version (default: features.btf)")
	cmd.Flags().StringVar(&o.at, "at", "", "judge the target as of `REV` (default: its tip)")
	if plan {
		cmd.Flags().StringVar(&o.until, "until", "", "take the source up to `REV` (default: its tip)")
		cmd.Flags().StringSliceVar(&o.verdicts, "verdict", nil, "list only commits with these `VERDICTS` (comma-separated: eligible,review,…)")
		cmd.Flags().StringVar(&o.format, "format", "table", "`FORMAT` of the list: table, or cherry-pick (git cherry-pick -x lines in apply order)")
	}
}

// prepare opens the repository and builds the judge for --to/--from.
func (o *backportOpts) prepare(s *app.Session) (*policies.Backport, error) {
	if o.to == "" {
		return nil, app.Usagef("--to LINE is required")
	}
	st, err := s.Status()
	if err != nil {
		return nil, err
	}
	target, source, err := s.TargetAndSource(st, "--to", o.to, o.from)
	if err != nil {
		return nil, err
	}
	at, err := s.Rev("--at", o.at)
	if err != nil {
		return nil, err
	}
	until, err := s.Rev("--until", o.until)
	if err != nil {
		return nil, err
	}
	b, err := policies.NewBackport(s.Repo, s.Policy, st, target, source, at, until)
	if err != nil {
		return nil, err
	}
	needs, err := o.kernelNeeds(s, target)
	if err != nil || needs == nil {
		return b, err
	}
	b.UseKernels(needs)
	return b, nil
}

// kernelNeeds loads what the kernel-too-new rule judges by, when there
// is kernel BTF and the target has a baseline; nil otherwise.
func (o *backportOpts) kernelNeeds(s *app.Session, target *branches.Line) (*kernel.Needs, error) {
	if (o.btf == "" && s.Policy.Features.BTF == "") || target.Kernel.IsZero() {
		return nil, nil
	}
	idx, err := s.KernelIndex(app.BTFArg(o.btf), nil)
	if err != nil {
		return nil, err
	}
	return idx.Needs()
}

// inputs are what a backport answer depends on besides the refs and the
// policy: the flags, the commit asked about, and the kernel BTF files.
func (o *backportOpts) inputs(rev string) []string {
	return append([]string{o.to, o.from, o.at, o.until, fmt.Sprint(o.json), rev, strings.Join(o.verdicts, ","), o.format}, app.KernelInputs(app.BTFArg(o.btf), nil)...)
}

func newBackportCheckCmd(g *globalOpts) *cobra.Command {
	o := &backportOpts{}
	cmd := &cobra.Command{
		Use:   "check REV --to LINE",
		Short: "May this commit go to that line? Exit 1 when forbidden",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return app.Usagef("backport check takes one commit, have %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.Answer(g.opts(), cmd.OutOrStdout(), "backport check", o.inputs(args[0]), func(s *app.Session, w io.Writer) error {
				sha, err := s.Rev("commit", args[0])
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
					return app.ErrNo
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
			return app.Answer(g.opts(), cmd.OutOrStdout(), "backport plan", o.inputs(""), func(s *app.Session, w io.Writer) error {
				show, err := o.shown()
				if err != nil {
					return err
				}
				b, err := o.prepare(s)
				if err != nil {
					return err
				}
				b.Remember(s.PlanMemory(append([]string{o.to, o.from}, app.KernelInputs(app.BTFArg(o.btf), nil)...)...))
				p := progress.New(g.stderr, "plan for "+o.to)
				b.Progress = p.Update
				pl, err := b.Plan()
				p.Done()
				if err != nil {
					return err
				}
				s.Log().Debug("plan memory", "reused", b.Reused(), "commits", len(pl.Commits))
				listed := pl.Commits
				if show != nil {
					listed = listed[:0:0]
					for _, v := range pl.Commits {
						if show[v.Verdict] {
							listed = append(listed, v)
						}
					}
				}
				switch {
				case o.format == "cherry-pick":
					report.CherryPicks(w, pl, show)
					return nil
				case o.json:
					shown := *pl
					shown.Commits = listed
					return writeJSON(w, &shown)
				}
				report.Summary(w, pl)
				fmt.Fprintln(w)
				report.Verdicts(w, listed, false)
				return nil
			})
		},
	}
	o.flags(cmd, true)
	return cmd
}

// shown parses --verdict and --format: the verdicts to list, nil for all.
func (o *backportOpts) shown() (map[policies.VerdictKind]bool, error) {
	if o.format != "table" && o.format != "cherry-pick" {
		return nil, app.Usagef("--format %q: unknown format (use table or cherry-pick)", o.format)
	}
	if o.format == "cherry-pick" && o.json {
		return nil, app.Usagef("--format cherry-pick and --json: choose one")
	}
	show, err := policies.ParseVerdicts(o.verdicts)
	if err != nil {
		return nil, &app.UsageError{Err: fmt.Errorf("--verdict %w", err)}
	}
	return show, nil
}

func newBackportReplayCmd(g *globalOpts) *cobra.Command {
	o := &backportOpts{}
	var lineName string
	cmd := &cobra.Command{
		Use:   "replay --line LINE",
		Short: "Plan a line as of each of its releases and score the plans against what it really took",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.to = lineName
			return app.Answer(g.opts(), cmd.OutOrStdout(), "backport replay", o.inputs(""), func(s *app.Session, w io.Writer) error {
				if lineName == "" {
					return app.Usagef("--line LINE is required")
				}
				st, err := s.Status()
				if err != nil {
					return err
				}
				line, source, err := s.TargetAndSource(st, "--line", lineName, o.from)
				if err != nil {
					return err
				}
				needs, err := o.kernelNeeds(s, line)
				if err != nil {
					return err
				}
				rep, err := policies.Replay(s.Repo, s.Policy, st, line, source, needs)
				if err != nil {
					return err
				}
				if o.json {
					return writeJSON(w, rep)
				}
				report.Replay(w, rep)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&lineName, "line", "", "the `LINE` to replay (branch or version prefix)")
	cmd.Flags().StringVar(&o.from, "from", "", "the source `LINE` (default: trunk)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().StringVar(&o.btf, "btf", "", "kernel BTF for the kernel-too-new rule: a `PATH` to a file or a directory named by kernel version (default: features.btf)")
	return cmd
}
