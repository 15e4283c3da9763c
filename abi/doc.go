// Package abi reads what a shared library exports, its ABI (DESIGN §3):
// ELF version scripts ([ParseSymbolMap]) and the symbol diffs between two
// of them ([DiffSymbols]), a built library's dynamic symbols with their
// version nodes from .gnu.version_d ([LoadLibrary]), the export lists a
// cut records in a tag annotation ([FormatAnnotation],
// [ParseAnnotation]), and the first release that exported each symbol
// ([FirstExported]), the minimum versions of a Debian symbols file.
//
// It reads ELF files (in [LoadLibrary]) and nothing else: it never
// reaches git, the policy file or the network, and never writes.
package abi
