package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/report"
	"github.com/tiered-release/tiered/versioning"
)

type cutOpts struct {
	line, kernel, pre string
	btf, lib          string
	dryRun, json      bool
}

func newCutCmd(g *globalOpts) *cobra.Command {
	o := &cutOpts{}
	cmd := &cobra.Command{
		Use:   "cut",
		Short: "Cut the next release of a line: version, gates, then tag and branches, all or nothing",
		Long: `cut computes the next version of a line from what it holds since its last
release, runs the gates (version, tier rules, kernel features, upstream
reverts, exported ABI, refs), and only if all pass writes an annotated tag
carrying the tier metadata and the branches the release opens: all refs or
none, each compared and swapped under git's lock files. A gate without data
to judge by is reported as skipped. Exit 1 when a gate refuses.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, st, err := app.OpenStatus(g.opts())
			if err != nil {
				return err
			}
			c, err := planCut(s, st, o, time.Now)
			if err != nil {
				return err
			}
			if !c.Refused && !o.dryRun {
				if err := writeCut(s, c, branches.WriteOptions{}); err != nil {
					return err
				}
			}
			if o.json {
				err = writeJSON(cmd.OutOrStdout(), c)
			} else {
				report.Cut(cmd.OutOrStdout(), c)
			}
			if err == nil && c.Refused {
				return app.ErrNo
			}
			return err
		},
	}
	cmd.Flags().StringVar(&o.line, "line", "", "the `LINE` to release (branch or version prefix; default: trunk)")
	cmd.Flags().StringVar(&o.kernel, "kernel", "", "the baseline kernel `VERSION` of the kernel line this cut opens")
	cmd.Flags().StringVar(&o.pre, "pre", "", "cut a pre-release with this `ID` (rc: 1.5.0.0-rc.1, then rc.2)")
	cmd.Flags().StringVar(&o.btf, "btf", "", "kernel BTF for the features gate: a `PATH` (default: features.btf)")
	cmd.Flags().StringVar(&o.lib, "lib", "", "the built shared library `FILE` for the ABI gate (default: the symbol map)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print what would be written, write nothing")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// planCut plans the cut o asks for; now is read only when git's
// environment does not set the date.
func planCut(s *app.Session, st *branches.Status, o *cutOpts, now func() time.Time) (*policies.Cut, error) {
	line, err := s.Line(st, o.line)
	if err != nil {
		return nil, err
	}
	req := policies.CutRequest{Line: line, Pre: o.pre, RefExists: s.Repo.RefTarget}
	if o.kernel != "" {
		if req.Kernel, err = versioning.ParseKernel(o.kernel); err != nil {
			return nil, &app.UsageError{Err: fmt.Errorf("--kernel: %w", err)}
		}
	}
	if o.btf != "" || s.Policy.Features.BTF != "" {
		if req.Kernels, err = s.KernelIndex(app.BTFArg(o.btf), nil); err != nil {
			return nil, err
		}
	}
	if o.lib != "" {
		if req.Library, err = abi.LoadLibrary(o.lib); err != nil {
			return nil, err
		}
	}
	if req.Tagger, err = tagger(s, now); err != nil {
		return nil, err
	}
	c, err := policies.PlanCut(s.Repo, s.Policy, st, req)
	if errors.Is(err, policies.ErrNeedKernel) || errors.Is(err, policies.ErrBadCut) {
		return nil, &app.UsageError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	c.DryRun = o.dryRun
	if c.Refused {
		return c, nil
	}
	tagHash, err := s.Repo.TagHash(c.TagObject)
	if err != nil {
		return nil, err
	}
	c.Updates = []branches.RefUpdate{{Name: "refs/tags/" + c.Tag, New: tagHash}}
	for _, b := range c.Branches {
		c.Updates = append(c.Updates, branches.RefUpdate{Name: "refs/heads/" + b, New: c.Commit})
	}
	return c, nil
}

// writeCut writes the tag and refs of a planned cut, all or none.
func writeCut(s *app.Session, c *policies.Cut, opts branches.WriteOptions) error {
	if err := s.Repo.Write(c.TagObject, c.Updates, opts); err != nil {
		return fmt.Errorf("cut %s: nothing written: %w", c.Version, err)
	}
	return nil
}

// tagger is who signs the tag: git's environment first, as git does, then
// user.name and user.email from git config.
func tagger(s *app.Session, now func() time.Time) (branches.Signature, error) {
	sig, err := s.Repo.Signer(os.Getenv("GIT_COMMITTER_NAME"), os.Getenv("GIT_COMMITTER_EMAIL"), os.Getenv("GIT_COMMITTER_DATE"), now)
	if errors.Is(err, branches.ErrNoIdentity) || errors.Is(err, branches.ErrDate) {
		return sig, &app.UsageError{Err: err}
	}
	return sig, err
}
