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

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/rpm"

	"github.com/tiered-release/tiered/abi"
)

// Formats are the package formats Build makes.
var Formats = []string{"deb", "rpm"}

// Build describes the packages of one release (or dev build) from one
// install tree. Every input is a value: Build reads the install tree,
// the build machine's dpkg database and binutils, and writes the output
// directory, nothing else.
type Build struct {
	// Root is the install tree (make install DESTDIR=Root). It is only
	// read: stripping works on copies.
	Root string
	// Out is where packages, SHA256SUMS and manifest.json are written.
	Out string
	// Formats to build; nil means both.
	Formats []string
	// Library is the soname base ("libfoo"); "" takes the tree's only
	// shared library's. It names the source package.
	Library string
	// ABI is the release's ABI, which the soname must carry.
	ABI uint64
	// Version is the package version, with the policy's epoch.
	Version Version
	// Specs describe the packages; nil gives a runtime and a dev package
	// (and, when Static, an rpm -static package).
	Specs []Spec
	// Maintainer is "Name <email>".
	Maintainer string
	// Summary is the one-line description, Description the paragraphs
	// under it (both formats); Homepage is optional.
	Summary, Description, Homepage string
	// License is an SPDX expression; "" takes the license files' word.
	License string
	// LicenseFiles are the project's license files at the release: the
	// copyright file's texts, rpm's %license files.
	LicenseFiles []LicenseFile
	// Copyright lists the copyright holders ("2015 The Libbpf Authors");
	// nil reads them from LicenseFiles.
	Copyright []string
	// Changes are the commits since the previous release, oldest first.
	Changes []Change
	// Earlier are the earlier releases the packaged commit descends
	// from, newest first: the changelog's older entries.
	Earlier []Release
	// Date stamps every file, the changelog and the package headers
	// (SOURCE_DATE_EPOCH): the same inputs give the same bytes.
	Date time.Time
	// Since maps each export to the first upstream version that exported
	// it, for the Debian symbols file; exports it lacks are new in Version.
	Since map[abi.Export]string
	// NoStrip refuses unstripped ELF files instead of stripping them
	// into debug packages.
	NoStrip bool
	// Static splits static archives into an rpm -static package.
	Static bool
	// DebPackages names the Debian package of a pkg-config module or a
	// soname where the build machine's dpkg database does not.
	DebPackages map[string]string
	// UpgradeFrom are distribution versions the packages must sort
	// above ("1:1.1.2-0+deb12u1"), in dpkg's order for debs and rpm's
	// for rpms; a "deb=" or "rpm=" prefix checks one format only.
	UpgradeFrom []string
	// System is the root of the build machine's filesystem, whose dpkg
	// database says which packages ship the libraries and pkg-config
	// modules the tree needs; "" is "/".
	System string
}

// Spec describes one package to build: tiered.yaml's packages: entries.
type Spec struct {
	Name        string   // may contain {abi}
	Kind        string   // "runtime" or "dev"
	Files       []string // globs relative to the install tree
	Depends     []string
	Description string
}

// Kinds of the packages Build makes itself, beside Spec's.
const (
	kindStatic = "static"
	kindDebug  = "debug"
)

// Change is one changelog line.
type Change struct {
	Commit, Subject string
}

// Release is an earlier release, for the changelog: its version, date,
// who released it, its changes and how many more it had.
type Release struct {
	Version    Version
	Date       time.Time
	Maintainer string
	Changes    []Change
	More       int
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

// unit is one package to build.
type unit struct {
	spec  Spec
	files []*file
	of    *unit // a debug or static package: the package it serves
}

// built is what one run knows of the tree, for every package.
type built struct {
	lib      *file
	arch     string
	license  *license
	stripped map[*file]*stripped
	archives map[*file][]byte // static archives stripped of debug info
	db       *dpkgDB
	stage    string
}

// Run builds every package, then writes them all, each through a
// temporary file and a rename: a failure leaves no package half-written
// and none of this build's packages written. Refusals of the install tree
// wrap [ErrBadTree]; what tiered.yaml must say, [ErrNeedsPolicy]; a
// version that does not upgrade is an *[UpgradeError].
func (b *Build) Run() (*Result, error) {
	formats := b.Formats
	if len(formats) == 0 {
		formats = Formats
	}
	for _, f := range formats {
		if !slices.Contains(Formats, f) {
			return nil, &requestError{fmt.Sprintf("--format %q: unknown format (use deb, rpm or deb,rpm)", f)}
		}
	}
	if err := b.checkUpgrade(formats); err != nil {
		return nil, err
	}
	if inside(b.Out, b.Root) {
		return nil, &requestError{fmt.Sprintf("--out %s is inside the install tree %s: the packages would package themselves (write them elsewhere)", b.Out, b.Root)}
	}
	tree, err := readTree(b.Root)
	if err != nil {
		return nil, err
	}
	if err := checkLibraries(tree, b.NoStrip); err != nil {
		return nil, err
	}
	w := &built{arch: archOf(tree)}
	if w.lib, err = b.library(tree); err != nil {
		return nil, err
	}
	base, err := b.split(tree, w.lib)
	if err != nil {
		return nil, err
	}
	if w.license, err = b.license(); err != nil {
		return nil, err
	}
	if w.stage, err = os.MkdirTemp("", "tiered-package-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(w.stage)
	if !b.NoStrip {
		if w.stripped, w.archives, err = stripTree(tree, filepath.Join(w.stage, "strip")); err != nil {
			return nil, err
		}
	}
	w.db = newDpkgDB(b.System, w.arch)

	type output struct {
		pkg  Package
		data []byte
	}
	var out []output
	for _, format := range formats {
		units := b.formatUnits(format, base, w)
		names := map[*unit]string{}
		seen := map[string]bool{}
		for _, u := range units {
			n := b.name(u, format)
			if seen[n] {
				return nil, fmt.Errorf("two packages are named %s in %s: give each a name of its own in tiered.yaml", n, format)
			}
			seen[n] = true
			names[u] = n
		}
		for i, u := range units {
			info, err := b.info(u, units, names, format, w, filepath.Join(w.stage, fmt.Sprintf("%s-%d", format, i)))
			if err != nil {
				return nil, err
			}
			data, err := pack(format, info)
			if err != nil {
				return nil, fmt.Errorf("build %s %s: %w", format, info.Name, err)
			}
			if format == "deb" && u.spec.Kind == "runtime" && w.lib != nil && slices.Contains(u.files, w.lib) {
				dev := ""
				for _, o := range units {
					if o.spec.Kind == "dev" && dev == "" {
						dev = names[o]
					}
				}
				extra := b.debControl(w.lib, info.Name, dev)
				if data, err = addDebControl(data, extra, b.Date); err != nil {
					return nil, fmt.Errorf("add shlibs and symbols to %s: %w", info.Name, err)
				}
			}
			if format == "rpm" && u.spec.Kind != "runtime" {
				// The source rpm is the project's, not this subpackage's.
				src := fmt.Sprintf("%s-%s.src.rpm", b.Library, strings.TrimPrefix(b.Version.RPMFull(), b.Version.epoch()))
				if data, err = setSourceRPM(data, src); err != nil {
					return nil, fmt.Errorf("set the source rpm of %s: %w", info.Name, err)
				}
			}
			pkger, _ := nfpm.Get(format)
			sum := sha256.Sum256(data)
			version := b.Version.Deb()
			if format == "rpm" {
				version = b.Version.RPMFull()
			}
			out = append(out, output{Package{
				Path: filepath.Join(b.Out, pkger.ConventionalFileName(info)), Format: format,
				Name: info.Name, Version: version, Arch: archName(format, w.arch),
				SHA256: hex.EncodeToString(sum[:]), Kind: u.spec.Kind,
			}, data})
		}
	}

	// Everything is built: now write, all or nothing. Every file goes
	// into a directory of its own inside the output directory, and only
	// when all are there are they renamed into place, so a full disk
	// leaves none of this build's files, never half a set.
	if err := os.MkdirAll(b.Out, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Packages: []Package{}, Checksums: filepath.Join(b.Out, "SHA256SUMS"), Manifest: filepath.Join(b.Out, "manifest.json")}
	var sums strings.Builder
	files := map[string][]byte{}
	for _, x := range out {
		files[filepath.Base(x.pkg.Path)] = x.data
		fmt.Fprintf(&sums, "%s  %s\n", x.pkg.SHA256, filepath.Base(x.pkg.Path))
		res.Packages = append(res.Packages, x.pkg)
	}
	manifest, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	files["SHA256SUMS"] = []byte(sums.String())
	files["manifest.json"] = append(manifest, '\n')
	if err := writeAll(b.Out, files); err != nil {
		return nil, err
	}
	return res, nil
}

// writeAll writes files into dir all or not at all: each into a staging
// directory inside dir (same file system, so renames cannot fail for
// room), synced, then renamed into place, packages before SHA256SUMS and
// manifest.json. A failure before the renames leaves dir as it was.
func writeAll(dir string, files map[string][]byte) (err error) {
	stage, err := os.MkdirTemp(dir, ".tiered-package-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		last := func(n string) bool { return n == "SHA256SUMS" || n == "manifest.json" }
		if last(a) != last(b) {
			if last(a) {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for i, name := range names {
		if failWrite != nil {
			if err := failWrite(i); err != nil {
				return fmt.Errorf("write %s: nothing written: %w", filepath.Join(dir, name), err)
			}
		}
		if err := writeSynced(filepath.Join(stage, name), files[name]); err != nil {
			return fmt.Errorf("write %s: nothing written: %w", filepath.Join(dir, name), err)
		}
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("move %s into place: %w", name, err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// failWrite, in tests, fails the write of the n-th file.
var failWrite func(n int) error

// writeSynced writes a new file and syncs it to disk.
func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkUpgrade refuses a version that does not sort above each
// --upgrade-from version, in the order of each format built.
func (b *Build) checkUpgrade(formats []string) error {
	for _, from := range b.UpgradeFrom {
		only := ""
		if f, v, ok := strings.Cut(from, "="); ok {
			if !slices.Contains(Formats, f) {
				return &requestError{fmt.Sprintf("--upgrade-from %q: unknown format %q (write deb=VERSION, rpm=VERSION or VERSION)", from, f)}
			}
			only, from = f, v
		}
		if from == "" {
			return &requestError{"--upgrade-from: no version (write VERSION, deb=VERSION or rpm=VERSION)"}
		}
		for _, format := range formats {
			if only != "" && only != format {
				continue
			}
			ours, cmp := b.Version.Deb(), CompareDeb
			if format == "rpm" {
				ours, cmp = b.Version.RPMFull(), CompareRPM
			}
			if cmp(ours, from) <= 0 {
				return &UpgradeError{Format: format, Version: ours, From: from}
			}
		}
	}
	return nil
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
		specs = []Spec{
			{Name: b.Library + "{abi}", Kind: "runtime"},
			{Name: b.Library + "-dev", Kind: "dev"},
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

// formatUnits are the packages of one format: the split's, with static
// archives in their own rpm package when asked (Fedora's -static), and a
// debug package (Debian's -dbgsym, rpm's -debuginfo) for each package
// whose ELF files were stripped.
func (b *Build) formatUnits(format string, base []*unit, w *built) []*unit {
	var units []*unit
	for _, u := range base {
		c := *u
		units = append(units, &c)
	}
	if format == "rpm" && b.Static && len(b.Specs) == 0 {
		for _, u := range units {
			if u.spec.Kind != "dev" {
				continue
			}
			st := &unit{spec: Spec{Name: b.Library + "-static", Kind: kindStatic}, of: u}
			var kept []*file
			for _, f := range u.files {
				if !f.isLink() && isArchive(f.Data) {
					st.files = append(st.files, f)
				} else {
					kept = append(kept, f)
				}
			}
			if len(st.files) > 0 && len(kept) > 0 {
				u.files = kept
				units = append(units, st)
			}
			break
		}
	}
	var debug []*unit
	for _, u := range units {
		d := &unit{spec: Spec{Kind: kindDebug}, of: u}
		for _, f := range u.files {
			if s := w.stripped[f]; s != nil && len(s.debug) > 0 {
				d.files = append(d.files, f)
			}
		}
		if len(d.files) > 0 {
			debug = append(debug, d)
		}
	}
	return append(units, debug...)
}

// name is a unit's package name in a format.
func (b *Build) name(u *unit, format string) string {
	switch u.spec.Kind {
	case kindDebug:
		if format == "deb" {
			return b.name(u.of, format) + "-dbgsym"
		}
		return b.name(u.of, format) + "-debuginfo"
	case kindStatic:
		return u.spec.Name
	}
	return packageName(u.spec, format, b.ABI)
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

// rpmISA is rpm's %{_isa} of an architecture: "(x86-64)", as
// arch-qualified dependencies write it.
var rpmISA = map[string]string{
	"amd64": "(x86-64)", "arm64": "(aarch-64)", "i386": "(x86-32)", "armhf": "(arm-32)", "riscv64": "(riscv-64)",
	"ppc64el": "(ppc-64)", "s390x": "(s390-64)",
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

// rpmSystemDirs are the directories Fedora's filesystem package owns (and
// the pkg-config directories, owned by the pkg-config that .pc files'
// packages require): an rpm owns every other directory it creates.
var rpmSystemDirs = []string{
	"/", "/etc", "/usr", "/usr/bin", "/usr/sbin", "/usr/include", "/usr/lib", "/usr/lib64", "/usr/libexec",
	"/usr/share", "/usr/share/doc", "/usr/share/licenses", "/usr/share/man", "/usr/share/info", "/usr/share/locale",
	"/usr/share/aclocal", "/usr/lib/debug", "/usr/lib/systemd", "/usr/lib/systemd/system", "/usr/lib/systemd/user",
	"/usr/lib64/pkgconfig", "/usr/lib/pkgconfig", "/usr/share/pkgconfig",
	"/usr/share/man/man1", "/usr/share/man/man2", "/usr/share/man/man3", "/usr/share/man/man4", "/usr/share/man/man5",
	"/usr/share/man/man6", "/usr/share/man/man7", "/usr/share/man/man8",
}

// info describes one package to nfpm. Files are staged under stage: the
// copies nfpm reads, stripped, relocated, pkg-config files rewritten.
func (b *Build) info(u *unit, units []*unit, names map[*unit]string, format string, w *built, stage string) (*nfpm.Info, error) {
	name := names[u]
	arch := w.arch
	ld := libdir(format, arch)
	kind := u.spec.Kind
	info := &nfpm.Info{
		Name: name, Arch: arch, Platform: "linux",
		Version: b.Version.Upstream, Prerelease: b.Version.Pre, Release: b.Version.Revision, VersionSchema: "none",
		Maintainer: b.Maintainer, Homepage: b.Homepage, License: w.license.expr.String(),
		Priority: "optional", MTime: b.Date,
	}
	if b.Version.Epoch > 0 {
		info.Epoch = strconv.FormatUint(uint64(b.Version.Epoch), 10)
	}
	if format == "rpm" {
		info.Prerelease = strings.ReplaceAll(b.Version.Pre, "-", "_")
	}
	synopsis, long := b.describe(u, names, format, w)
	info.Description = synopsis + "\n" + long
	info.RPM = nfpm.RPM{Summary: synopsis, BuildHost: "tiered", Packager: b.Maintainer, Group: "Development/Libraries"}
	if format == "rpm" {
		// rpm's Summary is the synopsis, capitalised as rpm wants it
		// (unless its first word is cased already: eBPF); %description
		// is the rest.
		info.RPM.Summary = capitalize(synopsis)
		info.Description = long
	}
	info.Deb.Fields = map[string]string{"Source": b.Library}
	isa := rpmISA[arch]
	evr := b.Version.RPMFull()
	switch kind {
	case "runtime":
		info.Section = "libs"
		info.RPM.Group = "System Environment/Libraries"
		if slices.ContainsFunc(u.files, func(f *file) bool { return f.ELF != nil && f.ELF.Shared }) {
			info.Deb.Triggers.ActivateNoAwait = []string{"ldconfig"}
		}
	case kindDebug:
		info.Section = "debug"
		info.RPM.Group = "Development/Debug"
	default:
		info.Section = "libdevel"
	}
	if arch != "all" {
		info.Deb.Fields["Multi-Arch"] = "same"
		if format == "rpm" {
			// What rpmbuild provides, so that %{?_isa} requires resolve.
			info.Provides = append(info.Provides, fmt.Sprintf("%s%s = %s", name, isa, evr))
		}
	}
	// Dependencies on our own packages, exact as distributions make them.
	own := func(other *unit) string {
		if format == "deb" {
			return fmt.Sprintf("%s (= %s)", names[other], b.Version.Deb())
		}
		return fmt.Sprintf("%s%s = %s", names[other], isa, evr)
	}
	switch kind {
	case "dev":
		for _, o := range units {
			if o.spec.Kind == "runtime" && w.lib != nil && slices.Contains(o.files, w.lib) {
				info.Depends = append(info.Depends, own(o))
			}
		}
	case kindStatic:
		info.Depends = append(info.Depends, own(u.of))
	case kindDebug:
		if format == "deb" {
			info.Depends = append(info.Depends, own(u.of))
			info.Deb.Fields["Auto-Built-Package"] = "debug-symbols"
			var ids []string
			for _, f := range u.files {
				if id := w.stripped[f].buildID; id != "" {
					ids = append(ids, id)
				}
			}
			info.Deb.Fields["Build-Ids"] = strings.Join(ids, " ")
		}
	}
	info.Depends = append(info.Depends, u.spec.Depends...)

	if err := os.MkdirAll(stage, 0o755); err != nil {
		return nil, err
	}
	owner := func(mode os.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: b.Date}
	}
	stageFile := func(rel string, data []byte) (string, error) {
		src := filepath.Join(stage, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			return "", err
		}
		return src, os.WriteFile(src, data, 0o644)
	}
	var dsts []string
	add := func(c *files.Content) {
		info.Contents = append(info.Contents, c)
		dsts = append(dsts, c.Destination)
	}

	if kind == kindDebug {
		for _, f := range u.files {
			s := w.stripped[f]
			dst := s.debugPath("/" + relocate(f.Path, ld))
			src, err := stageFile("debug"+dst, s.debug)
			if err != nil {
				return nil, err
			}
			add(&files.Content{Source: src, Destination: dst, FileInfo: owner(0o644)})
			if format == "rpm" && s.buildID != "" {
				info.Provides = append(info.Provides, "debuginfo(build-id) = "+s.buildID)
			}
		}
	}
	ours := b.ourLibraries(units, names, format)
	debDeps := newDebDeps()
	var pcs []*file
	provided := map[string]bool{}
	for _, o := range units {
		for _, f := range o.files {
			if strings.HasSuffix(f.Path, ".pc") {
				provided[pcModule(f.Path)] = true
			}
		}
	}
	for _, f := range u.files {
		if kind == kindDebug {
			break
		}
		dst := "/" + relocate(f.Path, ld)
		if f.isLink() {
			add(&files.Content{Source: f.Link, Destination: dst, Type: files.TypeSymlink, FileInfo: owner(0o777)})
			continue
		}
		data := f.Data
		if s := w.stripped[f]; s != nil {
			data = s.data
		}
		if a, ok := w.archives[f]; ok && format == "deb" {
			// dh_strip strips static archives of debug info; rpmlint
			// wants it kept (static-library-without-debuginfo).
			data = a
		}
		if strings.HasSuffix(f.Path, ".pc") {
			data = rewritePC(data, ld)
			pcs = append(pcs, &file{Path: f.Path, Data: data})
			if format == "rpm" {
				if v := pcVersion(data); v != "" {
					info.Provides = append(info.Provides, fmt.Sprintf("pkgconfig(%s) = %s", pcModule(f.Path), v))
				}
			}
		}
		src, err := stageFile("files/"+f.Path, data)
		if err != nil {
			return nil, err
		}
		mode := f.Mode &^ 0o022
		if f.ELF != nil && f.ELF.Shared {
			// Debian ships shared libraries non-executable (lintian:
			// shared-library-is-executable); rpm executable, as
			// find-debuginfo needs and rpmlint checks.
			mode = 0o644
			if format == "rpm" {
				mode = 0o755
			}
		}
		c := &files.Content{Source: src, Destination: dst, FileInfo: owner(mode)}
		if strings.HasPrefix(dst, "/etc/") {
			// What an administrator edits is kept over upgrades: a deb
			// conffile, an rpm %config(noreplace).
			c.Type = files.TypeConfigNoReplace
			if format == "deb" {
				c.Type = files.TypeConfig
			}
		}
		add(c)
		if f.ELF == nil {
			continue
		}
		if format == "rpm" {
			req, prov, err := rpmELFDeps(f, kind == "runtime")
			if err != nil {
				return nil, err
			}
			info.Depends = appendNew(info.Depends, req...)
			info.Provides = appendNew(info.Provides, prov...)
		} else if err := b.shlibDeps(f, w.db, ours, debDeps); err != nil {
			return nil, err
		}
	}
	info.Depends = appendNew(info.Depends, debDeps.list()...)
	if len(pcs) > 0 {
		deps, err := b.pcDeps(format, pcs, provided, w.db)
		if err != nil {
			return nil, err
		}
		info.Depends = appendNew(info.Depends, deps...)
		if format == "rpm" {
			info.Depends = appendNew(info.Depends, "/usr/bin/pkg-config")
		}
	}
	// The license and the changelog.
	switch {
	case format == "deb" && kind == kindDebug:
		// As debhelper's dbgsym packages: the doc directory is the
		// library's, which the package depends on exactly.
		add(&files.Content{Source: names[u.of], Destination: "/usr/share/doc/" + name, Type: files.TypeSymlink, FileInfo: owner(0o777)})
	case format == "deb":
		src, err := stageFile("copyright", w.license.copyright)
		if err != nil {
			return nil, err
		}
		add(&files.Content{Source: src, Destination: "/usr/share/doc/" + name + "/copyright", FileInfo: owner(0o644)})
	case kind != kindDebug:
		for _, lf := range w.license.files {
			src, err := stageFile("licenses/"+lf.Name, lf.Data)
			if err != nil {
				return nil, err
			}
			add(&files.Content{Source: src, Destination: "/usr/share/licenses/" + name + "/" + lf.Name, Type: files.TypeRPMLicense, FileInfo: owner(0o644)})
		}
	}
	if !(format == "deb" && kind == kindDebug) {
		changelog, err := b.changelog(format, filepath.Join(stage, "changelog.yml"))
		if err != nil {
			return nil, err
		}
		info.Changelog = changelog
	}
	if format == "rpm" {
		// Own the directories the package creates, as Fedora requires.
		for _, d := range ownedDirs(dsts) {
			info.Contents = append(info.Contents, &files.Content{Destination: d, Type: files.TypeDir, FileInfo: owner(0o755)})
		}
	}
	slices.Sort(info.Provides)
	return nfpm.WithDefaults(info), nil
}

// ownedDirs are the parent directories of paths that no system package
// owns, sorted.
func ownedDirs(paths []string) []string {
	var out []string
	for _, p := range paths {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if !slices.Contains(rpmSystemDirs, d) && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ourLibraries maps each soname the packages of a format ship to the
// dependency on the package that ships it, for the ELF files of other
// packages; the same package depends on nothing ("").
func (b *Build) ourLibraries(units []*unit, names map[*unit]string, format string) map[string]string {
	out := map[string]string{}
	for _, u := range units {
		if u.spec.Kind == kindDebug {
			continue
		}
		for _, f := range u.files {
			if f.Soname != "" && !f.isLink() {
				if format == "deb" {
					out[f.Soname] = fmt.Sprintf("%s (= %s)", names[u], b.Version.Deb())
				} else {
					out[f.Soname] = ""
				}
			}
		}
	}
	return out
}

// capitalize upper-cases the first letter of a text whose first word is
// all lower case.
func capitalize(s string) string {
	word, _, _ := strings.Cut(s, " ")
	if word == "" || strings.ToLower(word) != word || word[0] < 'a' || word[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// describe is a package's synopsis and long description: the project's
// summary and description, and what this package holds.
func (b *Build) describe(u *unit, names map[*unit]string, format string, w *built) (string, string) {
	summary := b.Summary
	if summary == "" {
		summary = b.Library + " library"
	}
	about := strings.TrimSpace(b.Description)
	if about == "" {
		about = summary + "."
		if r := []rune(about); len(r) > 0 {
			about = strings.ToUpper(string(r[0])) + string(r[1:])
		}
	}
	var synopsis, holds string
	switch {
	case u.spec.Kind == kindDebug && format == "rpm":
		// As find-debuginfo names them.
		return "Debug information for package " + names[u.of], wrap(fmt.Sprintf("This package provides debug information for package %s, found by its build ids.", names[u.of]), 72)
	case u.spec.Kind == kindDebug:
		// As debhelper names them.
		return "debug symbols for " + names[u.of], wrap(fmt.Sprintf("This package contains the debug symbols of %s: the DWARF data that gdb, perf and other debuggers read, found by the build ids of the files they describe.", names[u.of]), 72)
	case u.spec.Description != "":
		synopsis, holds = u.spec.Description, ""
	case u.spec.Kind == "runtime" && w.lib != nil && slices.Contains(u.files, w.lib):
		synopsis = summary + " (shared library)"
		holds = fmt.Sprintf("This package contains the shared library %s.", w.lib.Soname)
	case u.spec.Kind == "runtime":
		synopsis, holds = summary+" (run-time files)", "This package contains the run-time files."
	case u.spec.Kind == kindStatic:
		synopsis, holds = summary+" (static library)", "This package contains the static library, to link programs with statically."
	default:
		synopsis = summary + " (development files)"
		holds = fmt.Sprintf("This package contains what programs are compiled against %s with: headers, the link library and pkg-config files.", b.Library)
	}
	long := wrap(about, 72)
	if holds != "" {
		long += "\n\n" + wrap(holds, 72)
	}
	return synopsis, long
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

// inside reports whether path is dir or below it, symlinks resolved as
// far as they exist.
func inside(path, dir string) bool {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		// Resolve the longest existing prefix, keep the rest.
		rest := ""
		for cur := a; ; {
			if r, err := filepath.EvalSymlinks(cur); err == nil {
				return filepath.Join(r, rest)
			}
			parent := filepath.Dir(cur)
			if parent == cur {
				return a
			}
			rest = filepath.Join(filepath.Base(cur), rest)
			cur = parent
		}
	}
	p, d := abs(path), abs(dir)
	return p == d || strings.HasPrefix(p, d+string(filepath.Separator))
}

// ErrBadRequest is what a build request that cannot be wraps: flags that
// contradict each other.
var ErrBadRequest = errors.New("bad package request")

// requestError is an error that [ErrBadRequest] matches, with its own text.
type requestError struct{ msg string }

func (e *requestError) Error() string        { return e.msg }
func (e *requestError) Is(target error) bool { return target == ErrBadRequest }
