// Package packaging builds deb and rpm packages of a release from an
// install tree, with github.com/goreleaser/nfpm/v2: a runtime package named
// after the soname and a development package (or those the policy
// describes), a debug package of each (-dbgsym, -debuginfo), versions
// mapped from the four tiers with the policy's epoch ([Version]:
// 1:1.4.2.1-1, 1.5.0.0~rc.1-1, 1.5.0.0~dev.12.g1a2b3c4-1), a changelog
// with an entry per release, reproducible bytes, checksums and a
// manifest. It adds what nfpm leaves out, as a distribution's tools do:
// stripping into debug packages (binutils, as dh_strip and
// find-debuginfo), Debian shlibs and symbols files, Depends from the
// build machine's dpkg database (as dpkg-shlibdeps) and from pkg-config
// files, rpm's ELF and pkg-config Provides and Requires, a DEP-5
// copyright file from an SPDX expression, library directory relocation,
// and the order checks of dpkg and rpm ([CompareDeb], [CompareRPM]).
//
// It reads the install tree (through an os.Root, so nothing outside it,
// and never writes it: stripping works on copies in a temporary
// directory), the build machine's dpkg database and binutils, and
// writes the output directory, each file through a temporary file and a
// rename; it never touches the repository, prints, or reads the
// environment but PATH: dates, versions and licenses arrive in [Build].
package packaging
