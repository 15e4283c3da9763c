package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/internal/buildinfo"
)

// globalOpts are the flags every command takes.
type globalOpts struct {
	repo    string
	config  string
	noCache bool
	verbose bool
	stderr  io.Writer // for notes; errors go through exitCode
	log     *slog.Logger
}

// opts are the global flags as package app takes them.
func (g *globalOpts) opts() app.Options {
	return app.Options{Repo: g.repo, Config: g.config, NoCache: g.noCache, Stderr: g.stderr, Log: g.log}
}

func newRootCmd() *cobra.Command {
	g := &globalOpts{}
	root := &cobra.Command{
		Use:   "tiered",
		Short: "Plan, gate and cut four-tier releases of kernel-adjacent libraries",
		Long: `tiered reads a git repository's release lines (ABI.kernel.feature.stable),
answers backport questions, gates releases on kernel features, cuts versions
and builds packages.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.repo, "repo", ".", "the repository `DIR`")
	root.PersistentFlags().StringVar(&g.config, "config", "", "the policy `FILE` (default: tiered.yaml at the repository root)")
	root.PersistentFlags().BoolVar(&g.noCache, "no-cache", false, "compute every answer afresh, neither reading nor writing the answer and commit caches")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what tiered reads and how long it takes, on stderr")
	root.PersistentPreRun = func(c *cobra.Command, args []string) {
		g.stderr = c.ErrOrStderr()
		g.log = newLogger(g.stderr, g.verbose)
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &app.UsageError{Err: fmt.Errorf("%v (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(
		newStatusCmd(g),
		newNextCmd(g),
		group(newBackportCmd(g)),
		group(newFeaturesCmd(g)),
		newCutCmd(g),
		newPackageCmd(g),
		newInitCmd(g),
		newReportCmd(g),
		newCICmd(g),
		newDemoCmd(),
		newManCmd(),
	)
	group(root)
	root.Version = buildinfo.String("tiered", version)
	root.SetVersionTemplate("{{.Version}}\n")
	registerCompletions(root, g)
	return root
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
