package packaging

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/chglog"
	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/rpm"
	"go.yaml.in/yaml/v3"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/internal/atomicfile"
)

// Formats are the package formats Build makes.
var Formats = []string{"deb", "rpm"}

// Build describes the packages of one release (or dev build) from one
// install tree. Every input is a value: Build reads the install tree and
// writes the output directory, nothing else.
type Build struct {
	// Root is the install tree (make install DESTDIR=Root).
	Root string
	// Out is where packages, SHA256SUMS and manifest.json are written.
	Out string
	// Formats to build; nil means both.
	Formats []string
	// Library is the soname base ("libfoo"); "" takes the tree's only
	// shared library's.
	Library string
	// ABI is the release's ABI, which the soname must carry.
	ABI uint64
	// Version is the package version.
	Version Version
	// Specs describe the packages; nil gives a runtime and a dev package.
	Specs []Spec
	// Maintainer is "Name <email>".
	Maintainer string
	// Summary is the one-line description; Homepage is optional.
	Summary, Homepage string
	// License is the project's license text (the Debian copyright file).
	License []byte
	// Changes are the commits since the previous release, oldest first.
	Changes []Change
	// Date stamps every file, the changelog and the package headers
	// (SOURCE_DATE_EPOCH): the same inputs give the same bytes.
	Date time.Time
	// Since maps each export to the first upstream version that exported
	// it, for the Debian symbols file; exports it lacks are new in Version.
	Since map[abi.Export]string
}

// Spec describes one package to build: tiered.yaml's packages: entries.
type Spec struct {
	Name        string   // may contain {abi}
	Kind        string   // "runtime" or "dev"
	Files       []string // globs relative to the install tree
	Depends     []string
	Description string
}

// Change is one changelog line.
type Change struct {
	Commit, Subject string
}

// Package is one built package (DESIGN §9 keys).
type Package struct {
	Path    string `json:"path"`
	Format  string `json:"format"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	SHA256  string `json:"sha256"`
	Kind    string `json:"kind"`
}

// Result is what Build wrote.
type Result struct {
	Packages  []Package `json:"packages"`
	Checksums string    `json:"checksums"`
	Manifest  string    `json:"manifest"`
}

// unit is one package to build, before it is given a format.
type unit struct {
	spec  Spec
	files []*file
}

// Run builds every package, then writes them all, each through a
// temporary file and a rename: a failure leaves no package half-written
// and none of this build's packages written. Refusals of the install tree
// wrap [ErrBadTree].
func (b *Build) Run() (*Result, error) {
	formats := b.Formats
	if len(formats) == 0 {
		formats = Formats
	}
	for _, f := range formats {
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("unknown package format %q (use deb or rpm)", f)
		}
	}
	if len(b.License) == 0 {
		return nil, errors.New("no license text: Debian needs a copyright file (add LICENSE or COPYING to the repository)")
	}
	tree, err := readTree(b.Root)
	if err != nil {
		return nil, err
	}
	if err := checkLibraries(tree); err != nil {
		return nil, err
	}
	lib, err := b.library(tree)
	if err != nil {
		return nil, err
	}
	units, err := b.split(tree, lib)
	if err != nil {
		return nil, err
	}
	arch := archOf(tree)
	stage, err := os.MkdirTemp("", "tiered-package-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)

	type built struct {
		pkg  Package
		data []byte
	}
	var out []built
	for _, format := range formats {
		names := map[string]string{} // "runtime" → the runtime package's name
		seen := map[string]bool{}
		for _, u := range units {
			n := packageName(u.spec, format, b.ABI)
			if seen[n] {
				return nil, fmt.Errorf("two packages are named %s in %s: give each a name of its own in tiered.yaml", n, format)
			}
			seen[n] = true
			if u.spec.Kind == "runtime" {
				if _, ok := names["runtime"]; !ok {
					names["runtime"] = packageName(u.spec, format, b.ABI)
				}
			}
		}
		for i, u := range units {
			info, err := b.info(u, format, arch, lib, names, filepath.Join(stage, fmt.Sprintf("%s-%d", format, i)))
			if err != nil {
				return nil, err
			}
			data, err := pack(format, info)
			if err != nil {
				return nil, fmt.Errorf("build %s %s: %w", format, info.Name, err)
			}
			if format == "deb" && u.spec.Kind == "runtime" && lib != nil {
				extra := b.debControl(lib, info.Name)
				if data, err = addDebControl(data, extra, b.Date); err != nil {
					return nil, fmt.Errorf("add shlibs and symbols to %s: %w", info.Name, err)
				}
			}
			pkger, _ := nfpm.Get(format)
			sum := sha256.Sum256(data)
			version := b.Version.Deb()
			if format == "rpm" {
				version = b.Version.RPMFull()
			}
			out = append(out, built{Package{
				Path: filepath.Join(b.Out, pkger.ConventionalFileName(info)), Format: format,
				Name: info.Name, Version: version, Arch: archName(format, arch),
				SHA256: hex.EncodeToString(sum[:]), Kind: u.spec.Kind,
			}, data})
		}
	}

	// Everything is built: now write.
	if err := os.MkdirAll(b.Out, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Packages: []Package{}, Checksums: filepath.Join(b.Out, "SHA256SUMS"), Manifest: filepath.Join(b.Out, "manifest.json")}
	var sums strings.Builder
	for _, x := range out {
		if err := atomicfile.WriteFile(x.pkg.Path, x.data, 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(&sums, "%s  %s\n", x.pkg.SHA256, filepath.Base(x.pkg.Path))
		res.Packages = append(res.Packages, x.pkg)
	}
	if err := atomicfile.WriteFile(res.Checksums, []byte(sums.String()), 0o644); err != nil {
		return nil, err
	}
	manifest, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(res.Manifest, append(manifest, '\n'), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// library finds the shared library the packages are named after.
func (b *Build) library(tree []*file) (*file, error) {
	var libs []*file
	for _, f := range tree {
		if f.Soname != "" && !f.isLink() {
			if b.Library == "" || strings.HasPrefix(f.Soname, b.Library+".so.") {
				libs = append(libs, f)
			}
		}
	}
	switch {
	case len(libs) == 0 && b.Library != "":
		return nil, fmt.Errorf("%w: no shared library with soname %s.so.%d in %s", ErrBadTree, b.Library, b.ABI, b.Root)
	case len(libs) == 0:
		return nil, nil
	case len(libs) > 1 && b.Library == "":
		return nil, fmt.Errorf("%w: %d shared libraries in %s: set abi.library in tiered.yaml to say which names the packages", ErrBadTree, len(libs), b.Root)
	}
	lib := libs[0]
	base, abi, ok := splitSoname(lib.Soname)
	if !ok {
		return nil, treeError(lib.Path, "soname %s does not end in .so.N", lib.Soname)
	}
	if b.Library == "" {
		b.Library = base
	}
	if b.ABI != abi {
		return nil, treeError(lib.Path, "soname %s is ABI %d, but the release is ABI %d", lib.Soname, abi, b.ABI)
	}
	return lib, nil
}

func splitSoname(soname string) (string, uint64, bool) {
	i := strings.LastIndex(soname, ".so.")
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(soname[i+4:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return soname[:i], n, true
}

// split assigns each file of the tree to one package: by the specs, or by
// default the shared library and its soname link to the runtime package
// and everything else (headers, pkg-config files, the .so link, static
// archives) to the dev package. A file no spec claims is refused.
func (b *Build) split(tree []*file, lib *file) ([]*unit, error) {
	specs := b.Specs
	if len(specs) == 0 {
		if lib == nil {
			return nil, fmt.Errorf("%w: no shared library in %s and no packages: in tiered.yaml", ErrBadTree, b.Root)
		}
		summary := b.Summary
		if summary == "" {
			summary = b.Library
		}
		specs = []Spec{
			{Name: b.Library + "{abi}", Kind: "runtime", Description: summary + " (shared library)"},
			{Name: b.Library + "-dev", Kind: "dev", Description: summary + " (development files)"},
		}
	}
	units := make([]*unit, len(specs))
	for i, s := range specs {
		for _, g := range s.Files {
			if path.IsAbs(g) || g == ".." || strings.HasPrefix(g, "../") || strings.Contains(g, "/../") {
				return nil, fmt.Errorf("%w: package %s: file pattern %q leaves the install tree", ErrBadTree, s.Name, g)
			}
		}
		units[i] = &unit{spec: s}
	}
	var unclaimed []string
	for _, f := range tree {
		claimed := false
		for _, u := range units {
			if u.claims(f, lib) {
				u.files = append(u.files, f)
				claimed = true
				break
			}
		}
		if !claimed {
			unclaimed = append(unclaimed, f.Path)
		}
	}
	if len(unclaimed) > 0 {
		slices.Sort(unclaimed)
		return nil, fmt.Errorf("%w: no package takes %s (add them to a package's files: in tiered.yaml)", ErrBadTree, strings.Join(unclaimed, ", "))
	}
	for _, u := range units {
		if len(u.files) == 0 {
			return nil, fmt.Errorf("%w: package %s takes no file of %s", ErrBadTree, u.spec.Name, b.Root)
		}
	}
	return units, nil
}

func (u *unit) claims(f *file, lib *file) bool {
	if len(u.spec.Files) == 0 {
		runtime := lib != nil && strings.HasPrefix(path.Base(f.Path), lib.Soname) && path.Dir(f.Path) == path.Dir(lib.Path)
		return runtime == (u.spec.Kind == "runtime")
	}
	for _, g := range u.spec.Files {
		if globMatch(g, f.Path) {
			return true
		}
	}
	return false
}

// globMatch is path.Match, with "**" standing for any number of path
// elements, and a pattern naming a directory taking what is under it.
func globMatch(pattern, p string) bool {
	pattern = strings.TrimSuffix(pattern, "/")
	if ok, _ := path.Match(pattern, p); ok {
		return true
	}
	if strings.HasPrefix(p, pattern+"/") && !strings.ContainsAny(pattern, "*?[") {
		return true
	}
	pe, xe := strings.Split(pattern, "/"), strings.Split(p, "/")
	return matchElems(pe, xe)
}

func matchElems(pe, xe []string) bool {
	for len(pe) > 0 {
		if pe[0] == "**" {
			for i := 0; i <= len(xe); i++ {
				if matchElems(pe[1:], xe[i:]) {
					return true
				}
			}
			return false
		}
		if len(xe) == 0 {
			return false
		}
		if ok, _ := path.Match(pe[0], xe[0]); !ok {
			return false
		}
		pe, xe = pe[1:], xe[1:]
	}
	return len(xe) == 0
}

// packageName names a package in a format: {abi} expands, and an rpm
// package takes "-devel" where Debian says "-dev". The default runtime
// package is libfoo1 in Debian, libfoo in rpm.
func packageName(s Spec, format string, abi uint64) string {
	name := s.Name
	if format == "rpm" {
		if s.Kind == "runtime" && strings.HasSuffix(name, "{abi}") {
			name = strings.TrimSuffix(name, "{abi}")
		}
		if n, ok := strings.CutSuffix(name, "-dev"); ok {
			name = n + "-devel"
		}
	}
	return strings.ReplaceAll(name, "{abi}", strconv.FormatUint(abi, 10))
}

// archOf is the Debian architecture of the tree's ELF files, "all" if none.
func archOf(tree []*file) string {
	for _, f := range tree {
		if f.ELF == nil {
			continue
		}
		switch f.ELF.Machine {
		case elf.EM_X86_64:
			return "amd64"
		case elf.EM_AARCH64:
			return "arm64"
		case elf.EM_386:
			return "i386"
		case elf.EM_ARM:
			return "armhf"
		case elf.EM_RISCV:
			return "riscv64"
		case elf.EM_PPC64:
			return "ppc64el"
		case elf.EM_S390:
			return "s390x"
		}
	}
	return "all"
}

var multiarch = map[string]string{
	"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "i386": "i386-linux-gnu",
	"armhf": "arm-linux-gnueabihf", "riscv64": "riscv64-linux-gnu", "ppc64el": "powerpc64le-linux-gnu",
	"s390x": "s390x-linux-gnu",
}

var rpmArch = map[string]string{
	"amd64": "x86_64", "arm64": "aarch64", "i386": "i686", "armhf": "armv7hl", "riscv64": "riscv64",
	"ppc64el": "ppc64le", "s390x": "s390x", "all": "noarch",
}

func archName(format, arch string) string {
	if format == "rpm" {
		return rpmArch[arch]
	}
	return arch
}

// libdir is where a format installs libraries.
func libdir(format, arch string) string {
	if format == "deb" {
		if t, ok := multiarch[arch]; ok {
			return "usr/lib/" + t
		}
		return "usr/lib"
	}
	switch arch {
	case "amd64", "arm64", "riscv64", "ppc64el", "s390x":
		return "usr/lib64"
	}
	return "usr/lib"
}

// info describes one package to nfpm. Files are staged under stage: the
// copies nfpm reads, relocated, pkg-config files rewritten.
func (b *Build) info(u *unit, format, arch string, lib *file, names map[string]string, stage string) (*nfpm.Info, error) {
	name := packageName(u.spec, format, b.ABI)
	ld := libdir(format, arch)
	ver, rel := b.Version.Upstream, b.Version.Revision
	info := &nfpm.Info{
		Name: name, Arch: arch, Platform: "linux",
		Version: ver, Prerelease: b.Version.Pre, Release: rel, VersionSchema: "none",
		Maintainer: b.Maintainer, Homepage: b.Homepage, License: licenseName(b.License),
		Priority: "optional", MTime: b.Date,
	}
	if format == "rpm" {
		info.Prerelease = strings.ReplaceAll(b.Version.Pre, "-", "_")
	}
	summary := u.spec.Description
	if summary == "" {
		summary = b.Summary
	}
	if summary == "" {
		summary = name
	}
	info.Description = summary + "\n" + wrap(extended(u, b, lib), 72)
	info.RPM = nfpm.RPM{Summary: summary, BuildHost: "tiered", Packager: b.Maintainer, Group: "Development/Libraries"}
	info.Deb.Fields = map[string]string{}
	if u.spec.Kind == "runtime" {
		info.Section = "libs"
		info.RPM.Group = "System Environment/Libraries"
		if lib != nil {
			info.Deb.Fields["Multi-Arch"] = "same"
			info.Deb.Triggers.ActivateNoAwait = []string{"ldconfig"}
		}
	} else {
		info.Section = "libdevel"
		if arch != "all" {
			info.Deb.Fields["Multi-Arch"] = "same"
		}
		if rt, ok := names["runtime"]; ok && lib != nil {
			if format == "deb" {
				info.Depends = append(info.Depends, fmt.Sprintf("%s (= %s)", rt, b.Version.Deb()))
			} else {
				info.Depends = append(info.Depends, fmt.Sprintf("%s = %s", rt, b.Version.RPMFull()))
			}
		}
	}
	info.Depends = append(info.Depends, u.spec.Depends...)

	if err := os.MkdirAll(stage, 0o755); err != nil {
		return nil, err
	}
	dirs := map[string]bool{}
	for _, f := range u.files {
		dst := "/" + relocate(f.Path, ld)
		for d := path.Dir(dst); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
		if f.isLink() {
			info.Contents = append(info.Contents, &files.Content{
				Source: f.Link, Destination: dst, Type: files.TypeSymlink,
				FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", MTime: b.Date},
			})
			continue
		}
		data := f.Data
		if strings.HasSuffix(f.Path, ".pc") {
			data = rewritePC(data, ld)
			if format == "rpm" {
				if v := pcVersion(data); v != "" {
					info.Provides = append(info.Provides, fmt.Sprintf("pkgconfig(%s) = %s", strings.TrimSuffix(path.Base(f.Path), ".pc"), v))
				}
			}
		}
		src := filepath.Join(stage, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(src, data, 0o644); err != nil {
			return nil, err
		}
		mode := f.Mode &^ 0o022
		if f.ELF != nil && f.ELF.Shared {
			mode = 0o644 // Debian and Fedora ship libraries non-executable
		}
		info.Contents = append(info.Contents, &files.Content{
			Source: src, Destination: dst,
			FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: b.Date},
		})
		if format == "rpm" && f.ELF != nil {
			req, prov, err := rpmELFDeps(f, u.spec.Kind == "runtime")
			if err != nil {
				return nil, err
			}
			info.Depends = appendNew(info.Depends, req...)
			info.Provides = appendNew(info.Provides, prov...)
		}
		if format == "deb" && f.ELF != nil && u.spec.Kind == "runtime" {
			deps, err := debELFDeps(f)
			if err != nil {
				return nil, err
			}
			info.Depends = appendNew(info.Depends, deps...)
		}
	}
	// The copyright file, the changelog.
	licenseSrc := filepath.Join(stage, "LICENSE")
	if err := os.WriteFile(licenseSrc, b.License, 0o644); err != nil {
		return nil, err
	}
	if format == "deb" {
		info.Contents = append(info.Contents, &files.Content{Source: licenseSrc, Destination: "/usr/share/doc/" + name + "/copyright",
			FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: 0o644, MTime: b.Date}})
	} else {
		info.Contents = append(info.Contents, &files.Content{Source: licenseSrc, Destination: "/usr/share/licenses/" + name + "/LICENSE",
			Type: files.TypeRPMLicense, FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: 0o644, MTime: b.Date}})
	}
	changelog, err := b.changelog(format, name, stage)
	if err != nil {
		return nil, err
	}
	info.Changelog = changelog
	slices.Sort(info.Provides)
	return nfpm.WithDefaults(info), nil
}

// extended is the long description: what the package holds.
func extended(u *unit, b *Build, lib *file) string {
	what := b.Summary
	if what == "" {
		what = b.Library
	}
	switch {
	case u.spec.Kind == "runtime" && lib != nil:
		return fmt.Sprintf("%s.\nThis package contains the shared library %s (ABI %d).", what, lib.Soname, b.ABI)
	case u.spec.Kind == "runtime":
		return what + ".\nThis package contains the run-time files."
	}
	return fmt.Sprintf("%s.\nThis package contains the files to develop with %s: headers, the link library and pkg-config files.", what, b.Library)
}

// wrap breaks text into lines of at most width columns, keeping its
// line breaks.
func wrap(text string, width int) string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func appendNew(xs []string, ys ...string) []string {
	for _, y := range ys {
		if !slices.Contains(xs, y) {
			xs = append(xs, y)
		}
	}
	return xs
}

func pcVersion(data []byte) string {
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "Version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// licenseName guesses the SPDX id of a license text for rpm's License tag.
func licenseName(text []byte) string {
	t := string(text)
	switch {
	case strings.Contains(t, "SPDX-License-Identifier:"):
		i := strings.Index(t, "SPDX-License-Identifier:")
		line, _, _ := strings.Cut(t[i+len("SPDX-License-Identifier:"):], "\n")
		return strings.TrimSpace(strings.Trim(strings.TrimSpace(line), "*/"))
	case strings.Contains(t, "Permission is hereby granted, free of charge"):
		return "MIT"
	case strings.Contains(t, "Apache License") && strings.Contains(t, "Version 2.0"):
		return "Apache-2.0"
	case strings.Contains(t, "GNU LESSER GENERAL PUBLIC LICENSE") && strings.Contains(t, "2.1"):
		return "LGPL-2.1-only"
	case strings.Contains(t, "GNU GENERAL PUBLIC LICENSE") && strings.Contains(t, "Version 2"):
		return "GPL-2.0-only"
	case strings.Contains(t, "Redistribution and use in source and binary forms"):
		return "BSD-2-Clause"
	}
	return "LicenseRef-see-copyright"
}

// changelog writes the chglog file nfpm renders into both formats: one
// entry, this version, with the commits since the previous release.
func (b *Build) changelog(format, name, stage string) (string, error) {
	version := b.Version.Deb()
	if format == "rpm" {
		version = b.Version.RPMFull()
	}
	entry := &chglog.ChangeLog{
		Semver: version, Date: b.Date.UTC(), Packager: b.Maintainer,
		ChangeLogOverridables: chglog.ChangeLogOverridables{Deb: &chglog.ChangelogDeb{Urgency: "medium", Distributions: []string{"unstable"}}},
	}
	for _, c := range b.Changes {
		entry.Changes = append(entry.Changes, &chglog.ChangeLogChange{Commit: c.Commit, Note: c.Subject})
	}
	if len(entry.Changes) == 0 {
		entry.Changes = append(entry.Changes, &chglog.ChangeLogChange{Note: "Release " + version + "."})
	}
	data, err := yaml.Marshal(chglog.ChangeLogEntries{entry})
	if err != nil {
		return "", err
	}
	file := filepath.Join(stage, "changelog.yml")
	return file, os.WriteFile(file, data, 0o644)
}

// pack builds one package into memory.
func pack(format string, info *nfpm.Info) ([]byte, error) {
	var p nfpm.Packager
	switch format {
	case "deb":
		p = deb.Default
	case "rpm":
		p = rpm.DefaultRPM
	}
	if err := nfpm.Validate(info); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := p.Package(info, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
