//go:build !unix

package branches

import (
	"errors"
	"os"
)

const flockSupported = false

func flock(*os.File) (bool, error) { return false, errors.ErrUnsupported }
