// Package buildinfo says which build of a program is running: the
// version a release build stamps, else the module version, and the VCS
// revision, date and Go version the Go toolchain records.
package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// String is what --version prints: the version (set names it, for a
// release build; else the module's), the VCS revision and date the build
// info carries, and the Go version.
func String(name, set string) string {
	v, rev, at, dirty := set, "", "", ""
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	out := name + " " + v
	if rev != "" {
		out += fmt.Sprintf(" (%s%s, %s)", rev[:min(12, len(rev))], dirty, at)
	}
	if ok {
		out += " " + bi.GoVersion
	}
	return out
}
