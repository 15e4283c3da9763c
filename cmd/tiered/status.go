package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
)

type statusOpts struct {
	json bool
}

// statusLine is one line of `tiered status --json` (DESIGN §9).
type statusLine struct {
	Name       string   `json:"name"`
	Tier       string   `json:"tier"`
	Branch     string   `json:"branch"`
	Kernel     string   `json:"kernel"`
	KernelFrom string   `json:"kernel_from,omitempty"`
	Latest     string   `json:"latest"`
	Releases   []string `json:"releases"`
	Unreleased int      `json:"unreleased"`
	Parent     string   `json:"parent,omitempty"`
	ForkPoint  string   `json:"fork_point,omitempty"`
}

type statusReport struct {
	Lines     []statusLine       `json:"lines"`
	Anomalies []branches.Anomaly `json:"anomalies"`
}

func newStatusCmd(g *globalOpts) *cobra.Command {
	o := &statusOpts{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List every line, its kernel baseline, latest release and unreleased work",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.answer(cmd.OutOrStdout(), "status", []string{fmt.Sprint(o.json)}, func(s *session, w io.Writer) error {
				st, err := s.status()
				if err != nil {
					return err
				}
				rep := newStatusReport(st)
				if o.json {
					return writeJSON(w, rep)
				}
				printStatus(w, rep)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func newStatusReport(st *branches.Status) statusReport {
	rep := statusReport{Lines: []statusLine{}, Anomalies: st.Anomalies}
	if rep.Anomalies == nil {
		rep.Anomalies = []branches.Anomaly{}
	}
	for _, l := range st.Lines {
		sl := statusLine{
			Name: l.Name, Tier: l.Tier, Branch: l.Branch, Kernel: l.Kernel.String(), KernelFrom: l.KernelFrom,
			Releases: []string{}, Unreleased: l.Unreleased, Parent: l.Parent, ForkPoint: l.ForkPoint,
		}
		if l.Latest != nil {
			sl.Latest = l.Latest.Name
		}
		for _, r := range l.Releases {
			sl.Releases = append(sl.Releases, r.Name)
		}
		rep.Lines = append(rep.Lines, sl)
	}
	return rep
}

func printStatus(w io.Writer, rep statusReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tTIER\tBRANCH\tKERNEL\tLATEST\tRELEASES\tUNRELEASED\tFORK POINT")
	for _, l := range rep.Lines {
		fork := "-"
		if l.ForkPoint != "" {
			fork = branches.Short(l.ForkPoint) + " from " + l.Parent
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", l.Name, l.Tier, dash(l.Branch), dash(l.Kernel), dash(l.Latest),
			len(l.Releases), l.Unreleased, fork)
	}
	tw.Flush()
	if len(rep.Anomalies) > 0 {
		fmt.Fprintf(w, "\n%d anomalies:\n", len(rep.Anomalies))
		for _, a := range rep.Anomalies {
			fmt.Fprintf(w, "  %-20s %s\n", a.Kind, a.Message)
		}
	}
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, have %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
