// Tiered plans and cuts releases of libraries that live next to the Linux
// kernel, with versions of four tiers, ABI.kernel.feature.stable, each tier a
// kind of git branch.
//
// Usage:
//
//	tiered status                [--json]
//	tiered next    [--line L]    [--json]
//	tiered cut     [--line L] [--kernel V] [--pre ID] [--btf PATH] [--lib FILE] [--dry-run] [--json]
//	tiered backport check REV --to L [--from L] [--at REV] [--btf PATH] [--json]
//	tiered backport plan      --to L [--from L] [--at REV] [--until REV] [--btf PATH]
//	                          [--verdict V,…] [--format table|cherry-pick] [--json]
//	tiered backport replay    --line L [--from L] [--btf PATH] [--json]
//	tiered features check [REV] [--btf PATH]... [--kernel-headers DIR]... [--line L] [--kernel V] [--json]
//	tiered features matrix [REV] [--btf DIR]... [--kernel-headers DIR]... [--json]
//	tiered package [--release TAG] --root DIR [--format deb,rpm] [--out DIR] [--maintainer M]
//	               [--upgrade-from VERSION] [--no-strip] [--json]
//	tiered demo
//
// Global flags: --repo DIR (default: the current directory's repository),
// --config FILE (default: tiered.yaml at the repository root), --no-cache
// (neither read nor write the answer and commit caches under .git/tiered).
//
// Exit codes: 0 success; 1 the answer is "no" (a forbidden backport, a
// failed features check, a refused cut or package); 2 bad usage or a bad
// policy file; 3 the repository or a file could not be read.
package main
