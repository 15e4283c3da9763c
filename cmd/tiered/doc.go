// Tiered plans and cuts releases of libraries that live next to the Linux
// kernel, with versions of four tiers, ABI.kernel.feature.stable, each tier a
// kind of git branch.
//
// Usage:
//
//	tiered status                [--json]
//	tiered next    [--line L]    [--json]
//	tiered backport check REV --to L [--from L] [--json]
//	tiered backport plan      --to L [--from L] [--at REV] [--until REV] [--json]
//	tiered demo
//
// Global flags: --repo DIR (default: the current directory's repository),
// --config FILE (default: tiered.yaml at the repository root).
//
// Exit codes: 0 success; 1 the answer is "no"; 2 bad usage or a bad policy
// file; 3 the repository or a file could not be read.
package main
