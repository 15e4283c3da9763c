package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/packaging"
	"github.com/tiered-release/tiered/policies"
)

type packageOpts struct {
	release, root, out, formats, maintainer string
	upgradeFrom                             []string
	noStrip, json                           bool
}

func newPackageCmd(g *globalOpts) *cobra.Command {
	o := &packageOpts{}
	cmd := &cobra.Command{
		Use:   "package --root DIR",
		Short: "Build deb and rpm packages of a release from an install tree",
		Long: `package builds deb and rpm packages from an install tree (make install
DESTDIR=DIR): a runtime package named after the soname (libfoo1 / libfoo) and
a development package (libfoo-dev / libfoo-devel), or those tiered.yaml's
packages: describe. The version is the release's (--release TAG), or, without
--release, a build of HEAD that sorts above the last release and below the
next one (1.5.0.0~dev.12.g1a2b3c4). The changelog lists the commits since the
previous release, then each earlier one; files are stamped with
SOURCE_DATE_EPOCH, or the commit's date, so two builds are byte-identical.
ELF files are stripped (copies: the install tree is not changed) into
debug packages (libfoo1-dbgsym, libfoo-debuginfo) unless --no-strip.
tiered.yaml's packaging: block gives the epoch, license, copyright,
homepage, summary and description. SHA256SUMS and manifest.json are
written beside the packages.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.root == "" {
				return app.Usagef("--root DIR is required: the install tree (make install DESTDIR=DIR)")
			}
			s, st, err := app.OpenStatus(g.opts())
			if err != nil {
				return err
			}
			b, err := packageBuild(s, st, o)
			if err != nil {
				return err
			}
			res, err := b.Run()
			if err != nil {
				return err
			}
			if o.json {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			printPackages(cmd.OutOrStdout(), res)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.release, "release", "", "the release `TAG` to package (default: a dev build of HEAD)")
	cmd.Flags().StringVar(&o.root, "root", "", "the install tree `DIR` (make install DESTDIR=DIR)")
	cmd.Flags().StringVar(&o.out, "out", "dist", "the output `DIR`")
	cmd.Flags().StringVar(&o.formats, "format", "deb,rpm", "package `FORMATS`, comma-separated")
	cmd.Flags().StringVar(&o.maintainer, "maintainer", "", "the maintainer, \"`Name <email>`\" (default: the release tag's tagger, or the commit's committer)")
	cmd.Flags().StringArrayVar(&o.upgradeFrom, "upgrade-from", nil, "refuse a version that does not sort above `VERSION` (a distribution's, e.g. 1:1.1.2-0+deb12u1) in dpkg's and rpm's order; deb=VERSION or rpm=VERSION checks one format; repeatable")
	cmd.Flags().BoolVar(&o.noStrip, "no-strip", false, "refuse unstripped ELF files instead of stripping them into debug packages")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// packageBuild maps what the repository says of the release (policies)
// and the flags to a build of the install tree (packaging).
func packageBuild(s *app.Session, st *branches.Status, o *packageOpts) (*packaging.Build, error) {
	var formats []string
	for _, f := range strings.Split(o.formats, ",") {
		if f = strings.TrimSpace(f); f != "" {
			formats = append(formats, f)
		}
	}
	head := ""
	if o.release == "" {
		var err error
		if head, err = s.Repo.Resolve("HEAD"); err != nil {
			return nil, err
		}
	}
	src, err := policies.Package(s.Repo, s.Policy, st, o.release, head)
	if err != nil {
		return nil, err
	}
	scheme := st.Scheme
	cfg := s.Policy.Packaging
	version := packaging.ReleaseVersion(scheme, src.Version)
	if src.Last != nil {
		version = packaging.DevVersion(scheme, src.Last.Version, src.Version, src.Ahead, src.Commit.Hash)
	}
	version.Epoch = cfg.Epoch
	date, err := sourceDate(src.Commit.When.UTC())
	if err != nil {
		return nil, err
	}
	maintainer := o.maintainer
	if maintainer == "" && src.Release != nil && src.Release.Annotated {
		maintainer = s.Repo.Tagger(src.Release.Tag)
	}
	if maintainer == "" {
		maintainer = src.Commit.Committer
	}
	var earlier []packaging.Release
	for _, r := range src.Earlier {
		v := packaging.ReleaseVersion(scheme, r.Release.Version)
		v.Epoch = cfg.Epoch
		earlier = append(earlier, packaging.Release{Version: v, Date: r.Commit.When, Maintainer: r.Commit.Committer, Changes: changes(r.Changes), More: r.More})
	}
	var specs []packaging.Spec
	for _, p := range s.Policy.Packages {
		specs = append(specs, packaging.Spec(p))
	}
	var licenses []packaging.LicenseFile
	for _, f := range src.LicenseFiles {
		licenses = append(licenses, packaging.LicenseFile{Name: f.Name, Data: f.Data})
	}
	return &packaging.Build{
		Root: o.root, Out: o.out, Formats: formats,
		Library: s.Policy.ABI.Library, ABI: src.Version.ABI, Version: version,
		Specs: specs, Maintainer: maintainer,
		Summary: cfg.Summary, Description: cfg.Description, Homepage: cfg.Homepage,
		License: cfg.License, LicenseFiles: licenses, Copyright: cfg.Copyright,
		Changes: changes(src.Changes), Earlier: earlier, Date: date, Since: src.Since,
		NoStrip: o.noStrip, Static: cfg.Static, DebPackages: cfg.DebPackages, UpgradeFrom: o.upgradeFrom,
	}, nil
}

func changes(commits []branches.Commit) []packaging.Change {
	out := make([]packaging.Change, len(commits))
	for i, c := range commits {
		out[i] = packaging.Change{Commit: c.Hash, Subject: c.Subject}
	}
	return out
}

func printPackages(w io.Writer, res *packaging.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tFORMAT\tVERSION\tSHA256\tPATH")
	for _, p := range res.Packages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Format, p.Version, p.SHA256[:12], p.Path)
	}
	tw.Flush()
	fmt.Fprintf(w, "checksums in %s, manifest in %s\n", res.Checksums, res.Manifest)
}
