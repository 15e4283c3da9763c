package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/internal/atomicfile"
	"github.com/tiered-release/tiered/policies"
)

type initOpts struct {
	out   string
	force bool
}

func newInitCmd(g *globalOpts) *cobra.Command {
	o := &initOpts{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a tiered.yaml that fits the repository: trunk, tag and branch patterns, scheme, ABI, headers",
		Long: `init reads the repository and writes a commented tiered.yaml: the trunk
(origin's HEAD, main or master), the tag pattern and scheme from the tags
that exist, branch patterns from the branches, the symbol version script and
library name, the copies of kernel UAPI headers, and the fix trailers in use.
It prints what it found and why, and never overwrites a policy file without
--force.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			repo, err := branches.Open(g.repo)
			if err != nil {
				return err
			}
			out := o.out
			if out == "" {
				out = g.config
			}
			if out == "" {
				if repo.WorkTree() == "" {
					return app.Usagef("a bare repository has no work tree for %s: pass --out FILE (or --out - for stdout)", policies.DefaultFile)
				}
				out = filepath.Join(repo.WorkTree(), policies.DefaultFile)
			}
			if _, err := os.Stat(out); err == nil && !o.force && out != "-" {
				return app.Usagef("%s exists: tiered init never overwrites it (pass --force to replace it)", out)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			in, err := policies.Infer(repo)
			if err != nil {
				return err
			}
			data := in.YAML()
			if _, err := policies.Parse(out, data); err != nil {
				return fmt.Errorf("tiered init wrote a policy it cannot read (a bug): %w", err)
			}
			w := cmd.OutOrStdout()
			if out == "-" {
				_, err := w.Write(data)
				return err
			}
			if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			for _, n := range in.Notes {
				fmt.Fprintf(w, "  %s\n", n)
			}
			fmt.Fprintf(w, "wrote %s: check it, then run tiered status\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "", "write the policy to `FILE` (- for stdout; default: tiered.yaml at the work tree's root)")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing policy file")
	return cmd
}
