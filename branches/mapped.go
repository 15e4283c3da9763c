package branches

import "sync/atomic"

// mapped is how many bytes of files the process has mapped (pack
// indexes, small packs, commit-graphs): memory its resident size counts
// that the Go heap does not.
var mapped atomic.Int64

// MappedBytes returns how many bytes of repository files are mapped into
// memory now, for a caller that budgets the process's memory: they are
// resident as they are read, beside the heap.
func MappedBytes() int64 { return mapped.Load() }
