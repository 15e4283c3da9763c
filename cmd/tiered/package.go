package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/packaging"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/versioning"
)

type packageOpts struct {
	release, root, out, formats, maintainer string
	json                                    bool
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
previous release; files are stamped with SOURCE_DATE_EPOCH, or the commit's
date, so two builds are byte-identical. SHA256SUMS and manifest.json are
written beside the packages.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.root == "" {
				return usagef("--root DIR is required: the install tree (make install DESTDIR=DIR)")
			}
			s, st, err := g.openStatus()
			if err != nil {
				return err
			}
			b, err := s.packageBuild(st, o)
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
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// licenseFiles are where a repository keeps its license, in order.
var licenseFiles = []string{"LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING", "COPYING.md", "LICENCE"}

// packageBuild gathers what a build needs from the repository: the
// version, the changelog, the license, the date and the symbol history.
func (s *session) packageBuild(st *branches.Status, o *packageOpts) (*packaging.Build, error) {
	scheme := st.Scheme
	var (
		commit  string
		version packaging.Version
		v       versioning.Version
		prev    *branches.Release
		rel     *branches.Release
	)
	if o.release != "" {
		for i := range st.Releases {
			r := &st.Releases[i]
			if r.Tag == o.release || r.Name == strings.TrimPrefix(o.release, "v") {
				rel = r
			}
		}
		if rel == nil {
			return nil, usagef("--release %q: no such release (tags: %s)", o.release, releaseNames(st))
		}
		commit, v = rel.Commit, rel.Version
		version = packaging.ReleaseVersion(scheme, v)
		var err error
		if prev, err = s.previousRelease(st, commit, &v); err != nil {
			return nil, err
		}
	} else {
		head, err := s.repo.Resolve("HEAD")
		if err != nil {
			return nil, err
		}
		commit = head
		last, err := s.previousRelease(st, head, nil)
		if err != nil {
			return nil, err
		}
		if last == nil {
			return nil, usagef("HEAD descends from no release: package one with --release TAG, or cut the first")
		}
		n, err := s.repo.BetweenHashes([]string{last.Commit}, head)
		if err != nil {
			return nil, err
		}
		if len(n) == 0 {
			rel, v, prev = last, last.Version, nil
			version = packaging.ReleaseVersion(scheme, v)
			if prev, err = s.previousRelease(st, commit, &v); err != nil {
				return nil, err
			}
		} else {
			next := last.Version.Release().Bump(versioning.TierStable)
			if last.Version.IsPrerelease() {
				next = last.Version
				next.Pre = bumpPre(last.Version.Pre)
			}
			if np, err := policies.Next(s.repo, s.policy, st, lineOf(st, head)); err == nil && np.Version.Compare(last.Version) > 0 {
				next = np.Version
			}
			v = next
			version = packaging.DevVersion(scheme, last.Version, next, len(n), head)
			prev = last
		}
	}
	c, err := s.repo.Commit(commit)
	if err != nil {
		return nil, err
	}
	date := c.When.UTC()
	if e := os.Getenv("SOURCE_DATE_EPOCH"); e != "" {
		secs, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return nil, usagef("SOURCE_DATE_EPOCH %q is not a number of seconds", e)
		}
		date = time.Unix(secs, 0).UTC()
	}
	maintainer := o.maintainer
	if maintainer == "" && rel != nil && rel.Annotated {
		maintainer = s.repo.Tagger(rel.Tag)
	}
	if maintainer == "" {
		maintainer = c.Committer
	}
	var license []byte
	for _, f := range licenseFiles {
		data, err := s.repo.ReadFile(commit, f)
		if err == nil {
			license = data
			break
		}
		if !errors.Is(err, branches.ErrNoFile) {
			return nil, err
		}
	}
	var from []string
	if prev != nil {
		from = []string{prev.Commit}
	}
	commits, err := s.repo.Between(from, commit)
	if err != nil {
		return nil, err
	}
	var changes []packaging.Change
	for _, x := range commits {
		if !x.IsMerge() {
			changes = append(changes, packaging.Change{Commit: x.Hash, Subject: x.Subject})
		}
	}
	if len(changes) > 200 {
		changes = changes[len(changes)-200:] // a first release's whole history is not a changelog
	}
	since, err := policies.ExportsSince(s.repo, s.policy, st, v)
	if err != nil {
		return nil, err
	}
	var formats []string
	for _, f := range strings.Split(o.formats, ",") {
		if f = strings.TrimSpace(f); f != "" {
			formats = append(formats, f)
		}
	}
	for _, f := range formats {
		if f != "deb" && f != "rpm" {
			return nil, usagef("--format %q: unknown format (use deb, rpm or deb,rpm)", f)
		}
	}
	summary := s.policy.ABI.Library
	return &packaging.Build{
		Root: o.root, Out: o.out, Formats: formats,
		Library: s.policy.ABI.Library, ABI: v.ABI, Version: version,
		Specs: s.policy.Packages, Maintainer: maintainer, Summary: summary,
		License: license, Changes: changes, Date: date, Since: since,
	}, nil
}

// previousRelease is the highest release reachable from commit, below
// *below when set.
func (s *session) previousRelease(st *branches.Status, commit string, below *versioning.Version) (*branches.Release, error) {
	var best *branches.Release
	for i := range st.Releases {
		r := &st.Releases[i]
		if below != nil && r.Version.Compare(*below) >= 0 {
			continue
		}
		if best != nil && r.Version.Compare(best.Version) <= 0 {
			continue
		}
		ok, err := s.repo.IsAncestor(r.Commit, commit)
		if err != nil {
			return nil, err
		}
		if ok {
			best = r
		}
	}
	return best, nil
}

// bumpPre is the next pre-release: rc.1 → rc.2.
func bumpPre(pre string) string {
	i := strings.LastIndex(pre, ".")
	if n, err := strconv.Atoi(pre[i+1:]); i >= 0 && err == nil {
		return pre[:i+1] + strconv.Itoa(n+1)
	}
	return pre + ".1"
}

func releaseNames(st *branches.Status) string {
	var names []string
	for _, r := range st.Releases {
		if r.Tag != "" {
			names = append(names, r.Tag)
		}
	}
	if len(names) > 8 {
		names = append([]string{"…"}, names[len(names)-8:]...)
	}
	return strings.Join(names, ", ")
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
