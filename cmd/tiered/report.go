package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/internal/atomicfile"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
)

type reportOpts struct {
	out, format string
	lines       int
}

func newReportCmd(g *globalOpts) *cobra.Command {
	o := &reportOpts{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write a release dashboard: a static HTML page (--out DIR), or Markdown on stdout",
		Long: `report gathers every line, what next and cut would do for it and why (gates
with their rule IDs), the pending backports of the newest lines, and the
anomalies of the history, and writes them as a self-contained HTML page
(DIR/index.html: inline CSS and SVG, no script, nothing fetched) or, with
--format markdown, as Markdown tables for a pull request or
$GITHUB_STEP_SUMMARY.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "html" && o.format != "markdown" {
				return app.Usagef("--format %q: use html or markdown", o.format)
			}
			if o.format == "html" && o.out == "" {
				return app.Usagef("--out DIR is required for the HTML dashboard (or pass --format markdown)")
			}
			s, st, err := app.OpenStatus(g.opts())
			if err != nil {
				return err
			}
			opts := policies.DashboardOptions{RefExists: s.Repo.RefTarget, PlanLines: o.lines, Top: 5}
			opts.Memory, opts.MemoryKey = s.PlanMemory("report")
			if s.Policy.Features.BTF != "" {
				if opts.Kernels, err = s.KernelIndex(nil, nil); err != nil {
					return err
				}
			}
			d, err := policies.BuildDashboard(s.Repo, s.Policy, st, opts)
			if err != nil {
				return err
			}
			title := s.Title()
			if o.format == "markdown" {
				_, err := cmd.OutOrStdout().Write(report.Markdown(title, d))
				return err
			}
			page, err := report.HTML(title, d)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(o.out, 0o755); err != nil {
				return err
			}
			file := filepath.Join(o.out, "index.html")
			if err := atomicfile.WriteFile(file, page, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d lines, %d releases)\n", file, len(d.Lines), len(d.Releases))
			return nil
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "", "write the dashboard into `DIR`/index.html")
	cmd.Flags().StringVar(&o.format, "format", "html", "html or markdown (on stdout)")
	cmd.Flags().IntVar(&o.lines, "plan-lines", 4, "plan the pending backports of the `N` newest lines")
	return cmd
}
