//go:build !unix

package branches

import "os"

// mapFile reads f whole where mmap(2) is not available.
func mapFile(f *os.File, size int) ([]byte, func() error, error) { return readFile(f, size) }
