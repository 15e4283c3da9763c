package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/app"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/packaging"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/versioning"
)

// exitCode maps a command's result to the exit codes of DESIGN §9 and
// writes the error to stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, app.ErrNo) {
		return 1
	}
	fmt.Fprintln(stderr, "tiered: "+strings.TrimRight(err.Error(), "\n"))
	var (
		upe *packaging.UpgradeError
		ue  *app.UsageError
		fe  *policies.FileError
		me  *kernel.ManifestError
		le  *branches.LineError
		re  *policies.ReleaseError
		ne  *branches.RefNameError
	)
	if errors.As(err, &ue) || errors.As(err, &fe) || errors.As(err, &me) || errors.As(err, &le) || errors.As(err, &re) || errors.As(err, &ne) ||
		errors.Is(err, policies.ErrNoRelease) || errors.Is(err, versioning.ErrSyntax) || errors.Is(err, packaging.ErrNeedsPolicy) || errors.Is(err, packaging.ErrBadRequest) {
		return 2
	}
	// A refused install tree is a "no", and so is a version that does not
	// upgrade; an install tree that is not there cannot be read.
	if errors.Is(err, packaging.ErrBadTree) && !errors.Is(err, fs.ErrNotExist) || errors.As(err, &upe) {
		return 1
	}
	// Everything else could not be read: fs.PathError, ErrNotRepository,
	// an unknown ref the repository itself names, a corrupt object.
	return 3
}
