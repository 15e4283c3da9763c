// Package packaging builds deb and rpm packages of a release from an
// install tree, with github.com/goreleaser/nfpm/v2: a runtime package named
// after the soname and a development package (or those the policy
// describes), versions mapped from the four tiers ([Version]: 1.4.2.1-1,
// 1.5.0.0~rc.1-1, 1.5.0.0~dev.12.g1a2b3c4-1), a changelog, reproducible
// bytes, checksums and a manifest. It adds what nfpm leaves out: Debian
// shlibs and symbols files, rpm's ELF Provides and Requires, library
// directory relocation.
//
// It reads the install tree (through an os.Root, so nothing outside it)
// and writes the output directory, each file through a temporary file and
// a rename; it never touches the repository, prints, or reads the
// environment: dates and versions arrive in [Build].
package packaging
