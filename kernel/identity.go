package kernel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/tiered-release/tiered/kernel/image"
	"github.com/tiered-release/tiered/versioning"
)

// Identity is which kernel a BTF input is, and how that is known. A BTF
// input is the kernel it is: a file whose kernel is not known is never
// taken for a line's baseline.
type Identity struct {
	// Version is the kernel's version as its name states it: 6.18.15, 6.9-rc3,
	// 6.1 for Debian's 6.1.0-28-amd64 (whose name does not carry its
	// upstream patch level). Zero when nothing says.
	Version versioning.Kernel
	// Name is the string the version was read from: "6.1.0-28-amd64",
	// "6.18.44-fc-v1045", "6.9-rc3".
	Name string
	// By says how the version is known: [ByName], [ByBanner], [ByRunning]
	// or [ByFlag].
	By string
}

// How an [Identity] is known.
const (
	ByName    = "its file name"
	ByBanner  = "its banner"
	ByRunning = "the running kernel"
	ByFlag    = "--btf VERSION=PATH"
)

// Release is the upstream release the kernel belongs to, the one a line's
// baseline names: 6.18 for 6.18.15 and for 6.18.44-fc-v1045, 6.1 for
// 6.1.0-28-amd64; an -rc is its own.
func (id Identity) Release() versioning.Kernel {
	if id.Version.IsZero() || id.Version.IsRC() {
		return id.Version
	}
	return releaseOf(id.Version)
}

// releaseOf drops the patch level: 6.18.15 → 6.18.
func releaseOf(v versioning.Kernel) versioning.Kernel {
	s := v.String()
	if i := strings.IndexByte(s, '-'); i >= 0 {
		return v
	}
	if parts := strings.Split(s, "."); len(parts) > 2 {
		r, err := versioning.ParseKernel(parts[0] + "." + parts[1])
		if err == nil {
			return r
		}
	}
	return v
}

// Stable reports whether the kernel is a stable or distro update of its
// release (6.18.15, 6.1.0-28-amd64) rather than the release itself.
// Such kernels carry backports: having a feature a later release added
// does not make them its first kernel, and lacking one their release
// had is no proof of a removal.
func (id Identity) Stable() bool {
	if id.Version.IsZero() || id.Version.IsRC() {
		return false
	}
	return id.Version.Compare(id.Release()) != 0 || id.Name != "" && id.Name != id.Version.String()
}

// Label names the kernel for messages: the name it gives itself when that
// says more than its version (6.1.0-28-amd64), else its version.
func (id Identity) Label() string {
	if id.Name != "" {
		return id.Name
	}
	return id.Version.String()
}

// ParseRelease reads a kernel release string as uname -r prints it or a
// file is named (see [ParseName]): "6.1.0-28-amd64" is 6.1, "6.18.15" is
// 6.18.15, "6.9-rc3" is 6.9-rc3, "6.8.0-45-generic" is 6.8. It reports
// false for anything else ([image.ParseRelease]).
func ParseRelease(s string) (versioning.Kernel, bool) {
	r, ok := image.ParseRelease(s)
	if !ok {
		return versioning.Kernel{}, false
	}
	return releaseVersion(r)
}

func releaseVersion(r image.Release) (versioning.Kernel, bool) {
	v, err := versioning.ParseKernel(r.String())
	return v, err == nil
}

// ParseName reads the kernel a BTF file's name states: "6.8.btf",
// "6.9-rc3.btf.gz", "vmlinux-6.10.zst", "vmlinux-6.1.0-28-amd64",
// "6.18.15", "vmlinuz-6.8.0-45-generic" ([image.ParseName]).
func ParseName(name string) (Identity, bool) {
	r, ok := image.ParseName(name)
	if !ok {
		return Identity{}, false
	}
	v, ok := releaseVersion(r)
	if !ok {
		return Identity{}, false
	}
	return Identity{Version: v, Name: r.Full, By: ByName}, true
}

// Loaded is what reading a kernel gives: its BTF and its modules', and,
// when the file says, the release it states (uname -r's form) and its
// whole banner.
type Loaded struct {
	Spec    *btf.Spec
	Modules []*btf.Spec // split BTF of its modules, each iterating its own types
	Release string      // "6.1.0-28-amd64"; "" when the file does not say
	Banner  string      // "Linux version 6.1.0-28-amd64 (…) #1 SMP Debian 6.1.119-1 (…)"
}

// LoadOptions are what [Load] needs to know beyond the paths.
type LoadOptions struct {
	// Running is the running kernel's release (uname -r,
	// /proc/sys/kernel/osrelease): the kernel /sys/kernel/btf is. The
	// caller reads it; this package reads no environment.
	Running string
	// Read reads one kernel: a file, or a directory of a kernel and its
	// modules; nil is [Read].
	Read func(path string) (*Loaded, error)
	// Identify names a kernel by its file's name; nil is [ParseName].
	Identify func(name string) (Identity, bool)
}

func (o *LoadOptions) read(path string) (*Loaded, error) {
	if o.Read != nil {
		return o.Read(path)
	}
	return Read(path)
}

func (o *LoadOptions) identify(name string) (Identity, bool) {
	if o.Identify != nil {
		return o.Identify(name)
	}
	return ParseName(name)
}

// RunningBTF is where the running kernel publishes its BTF.
const RunningBTF = "/sys/kernel/btf/vmlinux"

// Skip is a file of a BTF directory that was not read, and why.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// SplitBTFArg reads a --btf argument: "PATH", or "VERSION=PATH" naming the
// kernel a file is ("6.12=/boot/vmlinux"). A PATH that contains "=" but
// does not start with a version is a path.
func SplitBTFArg(arg string) (path string, v versioning.Kernel, err error) {
	return splitVersionArg(arg, "--btf", "VERSION=PATH, like 6.12=/boot/vmlinux-6.12")
}

// splitVersionArg reads "PATH" or "VERSION=PATH"; flag and use are for
// errors.
func splitVersionArg(arg, flag, use string) (path string, v versioning.Kernel, err error) {
	ver, p, ok := strings.Cut(arg, "=")
	if !ok || ver == "" || ver[0] < '0' || ver[0] > '9' {
		return arg, versioning.Kernel{}, nil
	}
	v, err = versioning.ParseKernel(ver)
	if err != nil {
		return "", versioning.Kernel{}, fmt.Errorf("%s %s: %w (use %s)", flag, arg, err, use)
	}
	if p == "" {
		return "", versioning.Kernel{}, fmt.Errorf("%s %s: no path after = (use %s)", flag, arg, use)
	}
	return p, v, nil
}

// Load reads the kernel BTF args name. Each is "PATH" or "VERSION=PATH"
// (see [SplitBTFArg]); a PATH is
//
//   - a kernel file: raw BTF (/sys/kernel/btf/vmlinux), an ELF vmlinux, a
//     bzImage (vmlinuz), plain or compressed (see package image);
//   - a directory of one kernel and its modules, laid out as
//     /sys/kernel/btf is (vmlinux or vmlinuz-*, and module files);
//   - or a directory of kernels named by version: files ("6.8.btf",
//     "6.9-rc3.btf.gz", "vmlinux-6.1.0-28-amd64") or directories of a
//     kernel and its modules ("6.12.117+deb12-amd64/").
//
// A kernel is the one its name, its banner or the flag says, and
// /sys/kernel/btf the running kernel; one that nothing names is kept,
// but never taken for a baseline. The kernels of a directory of kernels
// are read when first needed; those it cannot name are listed in
// [Index.Skipped].
func Load(opts LoadOptions, args ...string) (*Index, error) {
	idx := &Index{Source: strings.Join(args, ", ")}
	for _, arg := range args {
		path, v, err := SplitBTFArg(arg)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if fi.IsDir() && !isKernelDir(path) {
			if !v.IsZero() {
				return nil, fmt.Errorf("--btf %s: %s is a directory of kernels; VERSION=PATH names one kernel", arg, path)
			}
			if err := idx.addDir(path, opts); err != nil {
				return nil, err
			}
			continue
		}
		e, err := loadFile(path, v, opts)
		if err != nil {
			return nil, err
		}
		idx.entries = append(idx.entries, e)
	}
	if len(idx.entries) == 0 {
		return nil, fmt.Errorf("%s: %w: no kernel named by its version (like 6.8.btf, 6.9-rc3.btf.gz or vmlinux-6.1.0-28-amd64)%s", idx.Source, ErrNoBTF, idx.skippedNote())
	}
	idx.sort()
	return idx, nil
}

// isKernelDir reports whether dir holds one kernel and its modules, as
// /sys/kernel/btf does (vmlinux and module files named by module), or as
// a distro's package does (vmlinuz-RELEASE and .ko files), rather than
// kernels named by version.
func isKernelDir(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	var plain, named, ko bool
	kernels := 0
	for _, de := range ents {
		name := de.Name()
		switch {
		case de.IsDir() || strings.HasPrefix(name, "."):
		case name == "vmlinux" || name == "vmlinuz":
			plain = true
			kernels++
		case strings.HasPrefix(name, "vmlinux-") || strings.HasPrefix(name, "vmlinuz-"):
			named = true
			kernels++
		case strings.HasSuffix(name, ".ko") || strings.Contains(name, ".ko."):
			ko = true
		}
	}
	return kernels == 1 && (plain || named && ko)
}

// loadFile reads one kernel now: a kernel given alone is read to learn
// which kernel it is when its name does not say.
func loadFile(path string, v versioning.Kernel, opts LoadOptions) (*kernelEntry, error) {
	var id Identity
	switch {
	case !v.IsZero():
		id = Identity{Version: v, Name: v.String(), By: ByFlag}
	case isRunning(path) && opts.Running != "":
		rv, ok := ParseRelease(opts.Running)
		if !ok {
			return nil, fmt.Errorf("%s: the running kernel's release %q is not a kernel version (pass --btf VERSION=%s)", path, opts.Running, path)
		}
		id = Identity{Version: rv, Name: opts.Running, By: ByRunning}
	default:
		id, _ = opts.identify(path)
	}
	l, err := opts.read(path)
	if err != nil {
		return nil, err
	}
	if id.Version.IsZero() {
		id = bannerIdentity(l)
	}
	k, err := newBTF(l, id, path)
	if err != nil {
		return nil, err
	}
	return &kernelEntry{Identity: id, source: path, k: k}, nil
}

// bannerIdentity is the kernel a file's banner states, zero if none.
func bannerIdentity(l *Loaded) Identity {
	if l.Release == "" {
		return Identity{}
	}
	if rv, ok := ParseRelease(l.Release); ok {
		return Identity{Version: rv, Name: l.Release, By: ByBanner}
	}
	return Identity{}
}

// newBTF indexes a loaded kernel and its modules.
func newBTF(l *Loaded, id Identity, source string) (*BTF, error) {
	k, err := NewBTF(l.Spec, id.Version, source)
	if err != nil {
		return nil, err
	}
	k.Identity = id
	for _, m := range l.Modules {
		if err := k.index(m, source); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Read reads one kernel with package image: a kernel file ([image.Load])
// or a directory of a kernel and its modules ([image.LoadDir]).
func Read(path string) (*Loaded, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		set, err := image.LoadDir(path)
		if err != nil {
			return nil, noBTF(err)
		}
		l := &Loaded{Spec: set.Kernel.Spec, Release: set.Kernel.Version, Banner: set.Kernel.Banner}
		for _, m := range set.Modules {
			l.Modules = append(l.Modules, m.Spec)
		}
		return l, nil
	}
	k, err := image.Load(path)
	if err != nil {
		return nil, noBTF(err)
	}
	return &Loaded{Spec: k.Spec, Release: k.Version, Banner: k.Banner}, nil
}

// noBTF makes image's "no BTF" this package's [ErrNoBTF].
func noBTF(err error) error {
	if errors.Is(err, image.ErrNoBTF) {
		return fmt.Errorf("%w: %w (build the kernel with CONFIG_DEBUG_INFO_BTF=y)", ErrNoBTF, err)
	}
	return err
}

// isRunning reports whether path is the running kernel's BTF:
// /sys/kernel/btf/vmlinux, or the directory /sys/kernel/btf.
func isRunning(path string) bool {
	return samePath(path, RunningBTF) || isRunningDir(path)
}

func isRunningDir(path string) bool { return samePath(path, filepath.Dir(RunningBTF)) }

func samePath(path, want string) bool {
	if filepath.Clean(path) == want {
		return true
	}
	real, err := filepath.EvalSymlinks(path)
	return err == nil && real == want
}

func (idx *Index) addDir(dir string, opts LoadOptions) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range ents {
		name := de.Name()
		file := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") {
			continue
		}
		id, ok := opts.identify(name)
		if de.IsDir() && (!ok || !isKernelDir(file)) {
			idx.Skipped = append(idx.Skipped, Skip{file, "a directory that is not one kernel named by its version (like 6.12.117+deb12-amd64/ holding vmlinuz-* and modules)"})
			continue
		}
		if !ok {
			// A kernel image or ELF vmlinux states its release: read it now.
			e, err := loadFile(file, versioning.Kernel{}, opts)
			if err == nil && !e.Version.IsZero() {
				idx.entries = append(idx.entries, e)
				continue
			}
			idx.Skipped = append(idx.Skipped, Skip{file, "no kernel version in its name or banner (name it by its kernel, like 6.12.btf or vmlinux-6.1.0-28-amd64, or pass --btf VERSION=" + file + ")"})
			continue
		}
		idx.entries = append(idx.entries, &kernelEntry{
			Identity: id, source: file,
			load: func() (*BTF, error) {
				l, err := opts.read(file)
				if err != nil {
					return nil, err
				}
				return newBTF(l, id, file)
			},
		})
	}
	return nil
}

// noVersion is why a kernel without a version is not a baseline.
const noVersion = "names no kernel version"
