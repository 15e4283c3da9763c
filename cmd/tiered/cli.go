package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/tiered-release/tiered/internal/app"
)

// version is set by release builds (-X main.version=…); otherwise the
// module version from the build info, "(devel)" for a plain go build.
var version = ""

// group makes a command that only holds subcommands: run bare, it is bad
// usage that lists them; run with an unknown subcommand, bad usage with a
// "did you mean" (cobra would print help and exit 0).
func group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.SuggestionsMinimumDistance = 2
	cmd.RunE = func(c *cobra.Command, args []string) error {
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		if len(args) == 0 {
			return app.Usagef("%s needs a command: %s (see %s --help)", c.CommandPath(), strings.Join(names, ", "), c.CommandPath())
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", s[0])
		} else {
			msg += fmt.Sprintf(" (commands: %s)", strings.Join(names, ", "))
		}
		return app.Usagef("%s", msg)
	}
	return cmd
}

func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write tiered's man pages into DIR (dated SOURCE_DATE_EPOCH, for reproducible packages)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			date, err := sourceDate(time.Unix(0, 0).UTC())
			if err != nil {
				return err
			}
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			header := &doc.GenManHeader{Title: "TIERED", Section: "1", Date: &date, Source: "tiered " + strings.TrimPrefix(version, "v"), Manual: "tiered manual"}
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				return err
			}
			pages, _ := filepath.Glob(filepath.Join(args[0], "*.1"))
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d man pages into %s\n", len(pages), args[0])
			return nil
		},
	}
}

// completeLines completes a line flag with the repository's lines.
func completeLines(g *globalOpts) completer {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		_, st, err := app.OpenStatus(g.opts())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, l := range st.Lines {
			for _, name := range []string{l.Name, l.Branch} {
				if name != "" && strings.HasPrefix(name, prefix) {
					out = append(out, cobra.CompletionWithDesc(name, l.Tier+" line"))
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeReleases completes a revision with the release tags.
func completeReleases(g *globalOpts) completer {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		_, st, err := app.OpenStatus(g.opts())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, r := range st.Releases {
			if r.Tag != "" && strings.HasPrefix(r.Tag, prefix) {
				out = append(out, cobra.CompletionWithDesc(r.Tag, "release "+r.Name))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeWords completes a flag with fixed values.
func completeWords(words ...string) completer {
	return cobra.FixedCompletions(words, cobra.ShellCompDirectiveNoFileComp)
}

// completer completes a flag's value or a command's arguments.
type completer = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective)

// registerCompletions completes line names, release tags and fixed
// values from the repository, for the shell completions cobra writes
// (tiered completion bash|zsh|fish). An empty flag completes arguments.
func registerCompletions(root *cobra.Command, g *globalOpts) {
	lines, releases := completeLines(g), completeReleases(g)
	for _, c := range []struct {
		path, flag string
		f          completer
	}{
		{"next", "line", lines}, {"cut", "line", lines},
		{"backport check", "to", lines}, {"backport check", "from", lines}, {"backport check", "at", releases},
		{"backport plan", "to", lines}, {"backport plan", "from", lines}, {"backport plan", "at", releases},
		{"features check", "line", lines}, {"features check", "", releases},
		{"package", "release", releases}, {"package", "format", completeWords("deb", "rpm", "deb,rpm")},
		{"ci", "to", lines}, {"ci", "from", lines},
	} {
		cmd, _, err := root.Find(strings.Fields(c.path))
		switch {
		case err != nil || cmd == root:
		case c.flag == "":
			cmd.ValidArgsFunction = c.f
		case cmd.Flags().Lookup(c.flag) != nil:
			cmd.RegisterFlagCompletionFunc(c.flag, c.f)
		}
	}
}

// sourceDate is SOURCE_DATE_EPOCH, the date reproducible builds stamp,
// else def.
func sourceDate(def time.Time) (time.Time, error) {
	e := os.Getenv("SOURCE_DATE_EPOCH")
	if e == "" {
		return def, nil
	}
	secs, err := strconv.ParseInt(e, 10, 64)
	if err != nil {
		return time.Time{}, app.Usagef("SOURCE_DATE_EPOCH %q is not a number of seconds", e)
	}
	return time.Unix(secs, 0).UTC(), nil
}
