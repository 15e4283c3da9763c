package packaging

import (
	"fmt"
	"os"
	"time"

	"github.com/goreleaser/chglog"
	"go.yaml.in/yaml/v3"
)

// changelog writes the chglog file nfpm renders into both formats
// (changelog.Debian.gz, rpm's %changelog): an entry for this version,
// with the commits since the previous release, then one for each earlier
// release, newest first, as a distribution's changelog has. Dates never
// increase down the list (dpkg and rpm expect newest first): an earlier
// release dated after a later one, which mirrored histories have, is
// shown at the later one's date.
func (b *Build) changelog(format, file string) (string, error) {
	version := func(v Version) string {
		if format == "rpm" {
			return v.RPMFull()
		}
		return v.Deb()
	}
	entry := func(v Version, date time.Time, packager string, changes []Change, more int) *chglog.ChangeLog {
		e := &chglog.ChangeLog{
			Semver: version(v), Date: date.UTC(), Packager: packager,
			ChangeLogOverridables: chglog.ChangeLogOverridables{Deb: &chglog.ChangelogDeb{Urgency: "medium", Distributions: []string{"unstable"}}},
		}
		for _, c := range changes {
			e.Changes = append(e.Changes, &chglog.ChangeLogChange{Commit: c.Commit, Note: c.Subject})
		}
		if more > 0 {
			e.Changes = append(e.Changes, &chglog.ChangeLogChange{Note: fmt.Sprintf("… and %d earlier commits.", more)})
		}
		if len(e.Changes) == 0 {
			e.Changes = append(e.Changes, &chglog.ChangeLogChange{Note: "Release " + v.Upstream + "."})
		}
		return e
	}
	entries := chglog.ChangeLogEntries{entry(b.Version, b.Date, b.Maintainer, b.Changes, 0)}
	last := b.Date
	for _, r := range b.Earlier {
		date := r.Date
		if date.After(last) {
			date = last
		}
		last = date
		packager := r.Maintainer
		if packager == "" {
			packager = b.Maintainer
		}
		r.Version.Epoch = b.Version.Epoch
		entries = append(entries, entry(r.Version, date, packager, r.Changes, r.More))
	}
	data, err := yaml.Marshal(entries)
	if err != nil {
		return "", err
	}
	return file, os.WriteFile(file, data, 0o644)
}
