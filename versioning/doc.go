// Package versioning implements the four-tier version of tiered, its
// schemes, kernel versions, line prefixes and name patterns.
//
// A version is ABI.kernel.feature.stable, compared tier by tier in that order,
// with an optional pre-release:
//
//	version    = number "." number "." number "." number [ "-" prerelease ]
//	number     = "0" | [1-9][0-9]*
//	prerelease = semver pre-release identifiers, e.g. "rc.1"
//
// A [Scheme] says which tiers a project writes: "abi.kernel.feature.stable"
// (1.4.2.1), "abi.kernel.stable" (1.4.7, libbpf) or "abi.feature.stable"
// (plain semver). Three-number forms, and kernel versions such as "6.9-rc3",
// are parsed with github.com/Masterminds/semver/v3.
//
// The package is pure: it touches no files, no environment and no clock.
package versioning
