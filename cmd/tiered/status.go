package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/report"
)

type statusOpts struct {
	json bool
}

func newStatusCmd(g *globalOpts) *cobra.Command {
	o := &statusOpts{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List every line, its kernel baseline, latest release and unreleased work",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.Answer(g.opts(), cmd.OutOrStdout(), "status", []string{fmt.Sprint(o.json)}, func(s *app.Session, w io.Writer) error {
				st, err := s.Status()
				if err != nil {
					return err
				}
				rep := report.StatusOf(st)
				if o.json {
					return writeJSON(w, rep)
				}
				report.Status(w, rep)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return app.Usagef("%s takes no arguments, have %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
