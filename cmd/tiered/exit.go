package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/packaging"
	"github.com/tiered-release/tiered/policies"
	"github.com/tiered-release/tiered/versioning"
)

// usageError is bad usage: a wrong flag, argument or name. Exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errNo is the answer "no": the command printed its verdict; exit code 1.
var errNo = errors.New("the answer is no")

// exitCode maps a command's result to the exit codes of DESIGN §9 and
// writes the error to stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errNo) {
		return 1
	}
	fmt.Fprintln(stderr, "tiered: "+strings.TrimRight(err.Error(), "\n"))
	var (
		upe *packaging.UpgradeError
		ue  *usageError
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
