//go:build !unix

package branches

import "os"

// mapFile reads f whole where mmap(2) is not available.
func mapFile(f *os.File, size int) ([]byte, func() error, error) { return readFile(f, size) }

// tryMap cannot map f where mmap(2) is not available.
func tryMap(f *os.File, size int) ([]byte, func() error, bool) { return nil, nil, false }
