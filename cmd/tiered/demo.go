package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/sample"
)

func newDemoCmd() *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a sample repository in a temporary directory and run tiered on it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.OutOrStdout(), keep)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the sample repository and say where it is")
	return cmd
}

// runDemo runs the demo with tiered's own run as the command.
func runDemo(w io.Writer, keep bool) error {
	return sample.RunDemo(w, keep, func(args []string, w io.Writer) int { return run(args, w, w) })
}
