package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/internal/atomicfile"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
)

type ciOpts struct {
	to, from, rng, junit, btf, format string
}

func newCICmd(g *globalOpts) *cobra.Command {
	o := &ciOpts{}
	cmd := &cobra.Command{
		Use:   "ci --to LINE --range BASE..HEAD",
		Short: "Check a pull request to a line: each commit's verdict, then the gates of the result; exit 1 when one is forbidden",
		Long: `ci judges the commits of a pull request (BASE..HEAD, BASE on the target line)
as backports from the source line (default trunk): a commit that names its
upstream commit is judged as that commit (tier rules, reverted upstream,
already on the line, bug not on the line, prerequisites, counting those the
pull request brings earlier); one that names none is judged by the
upstream-first rule. Then the gates a release of the line at HEAD would
pass. Exit 1 when a commit is forbidden or a gate refuses.

With GITHUB_ACTIONS=true it writes GitHub annotations, and with
GITHUB_STEP_SUMMARY set it appends the Markdown summary there; --junit FILE
writes a JUnit report.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.to == "" || o.rng == "" {
				return app.Usagef("--to LINE and --range BASE..HEAD are required")
			}
			if o.format != "text" && o.format != "markdown" && o.format != "json" {
				return app.Usagef("--format %q: use text, markdown or json", o.format)
			}
			baseRev, headRev, ok := strings.Cut(o.rng, "..")
			if !ok || baseRev == "" || headRev == "" || strings.HasPrefix(headRev, ".") {
				return app.Usagef("--range %q: want BASE..HEAD", o.rng)
			}
			s, st, err := app.OpenStatus(g.opts())
			if err != nil {
				return err
			}
			pr := policies.PullRequest{RefExists: s.Repo.RefTarget}
			if pr.Target, pr.Source, err = s.TargetAndSource(st, "--to", o.to, o.from); err != nil {
				return err
			}
			if pr.Base, err = s.Rev("--range", baseRev); err != nil {
				return err
			}
			if pr.Head, err = s.Rev("--range", headRev); err != nil {
				return err
			}
			if o.btf != "" || s.Policy.Features.BTF != "" {
				if pr.Kernels, err = s.KernelIndex(app.BTFArg(o.btf), nil); err != nil {
					return err
				}
			}
			c, err := policies.CheckPullRequest(s.Repo, s.Policy, st, pr)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if os.Getenv("GITHUB_ACTIONS") == "true" {
				w.Write(report.Annotations(c))
			}
			if f := os.Getenv("GITHUB_STEP_SUMMARY"); f != "" {
				if err := appendFile(f, report.CIMarkdown(c)); err != nil {
					return err
				}
			}
			if o.junit != "" {
				x, err := report.JUnit(c)
				if err != nil {
					return err
				}
				if err := atomicfile.WriteFile(o.junit, x, 0o644); err != nil {
					return err
				}
			}
			switch o.format {
			case "json":
				err = writeJSON(w, c)
			case "markdown":
				_, err = w.Write(report.CIMarkdown(c))
			default:
				report.CI(w, c)
			}
			if err == nil && c.Failed {
				return app.ErrNo
			}
			return err
		},
	}
	cmd.Flags().StringVar(&o.to, "to", "", "the target `LINE` of the pull request")
	cmd.Flags().StringVar(&o.from, "from", "", "the source `LINE` (default: trunk)")
	cmd.Flags().StringVar(&o.rng, "range", "", "the pull request's commits, `BASE..HEAD`")
	cmd.Flags().StringVar(&o.junit, "junit", "", "write a JUnit report to `FILE`")
	cmd.Flags().StringVar(&o.btf, "btf", "", "kernel BTF for kernel-too-new and the features gate: a `PATH` (default: features.btf)")
	cmd.Flags().StringVar(&o.format, "format", "text", "text, markdown or json")
	return cmd
}

// appendFile appends data to a file, creating it.
func appendFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
