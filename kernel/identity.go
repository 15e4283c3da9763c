package kernel

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"

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
	ByName    = "file name"
	ByBanner  = "ELF banner"
	ByRunning = "running kernel"
	ByFlag    = "given"
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

// releaseName reads a kernel release string as uname -r prints it:
// "6.8", "6.9-rc3", "6.18.15", "6.1.0-28-amd64" (6.1), "6.8.0-45-generic"
// (6.8), "6.12.117+deb12-amd64" (6.12.117), "6.18.44-fc-v1045" (6.18.44).
// A patch level of 0 is a distro's series name, not a patch: Debian calls
// every 6.1 kernel 6.1.0-N. It reports false for anything else, and for a
// distro suffix that mentions an -rc it cannot read.
var releaseName = regexp.MustCompile(`^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(-rc\d{1,3})?([-+~_][0-9A-Za-z._+~-]*)?$`)

var rcInSuffix = regexp.MustCompile(`rc\d`)

// ParseRelease reads a kernel release string, as uname -r prints it or a
// file is named (see [ParseName]), into a version: "6.1.0-28-amd64" is
// 6.1, "6.18.15" is 6.18.15, "6.9-rc3" is 6.9-rc3.
func ParseRelease(s string) (versioning.Kernel, bool) {
	m := releaseName.FindStringSubmatch(s)
	if m == nil || rcInSuffix.MatchString(m[5]) {
		return versioning.Kernel{}, false
	}
	v := m[1] + "." + m[2]
	if m[3] != "" && m[3] != "0" {
		if m[4] != "" {
			return versioning.Kernel{}, false // an -rc has no patch level
		}
		n, _ := strconv.Atoi(m[3])
		v += "." + strconv.Itoa(n)
	}
	v += m[4]
	k, err := versioning.ParseKernel(v)
	if err != nil || strings.HasPrefix(v, "0.") {
		return versioning.Kernel{}, false
	}
	return k, true
}

// ParseName reads the kernel a BTF file's name states: "6.8.btf",
// "6.9-rc3.btf.gz", "vmlinux-6.10.zst", "vmlinux-6.1.0-28-amd64",
// "6.18.15", "vmlinuz-6.8.0-45-generic". A directory part is ignored, and
// so are a vmlinux-, vmlinuz- or bzImage- prefix, a compression suffix and
// then a .btf, .BTF, .elf or .raw suffix.
func ParseName(name string) (Identity, bool) {
	name = filepath.Base(name)
	for _, ext := range []string{".gz", ".xz", ".zst", ".zstd", ".lz4", ".bz2", ".lzma"} {
		if s, ok := strings.CutSuffix(name, ext); ok {
			name = s
			break
		}
	}
	for _, ext := range []string{".btf", ".BTF", ".elf", ".raw"} {
		if s, ok := strings.CutSuffix(name, ext); ok {
			name = s
			break
		}
	}
	for _, prefix := range []string{"vmlinux-", "vmlinuz-", "bzImage-"} {
		if s, ok := strings.CutPrefix(name, prefix); ok {
			name = s
			break
		}
	}
	v, ok := ParseRelease(name)
	if !ok {
		return Identity{}, false
	}
	return Identity{Version: v, Name: name, By: ByName}, true
}

// VersionFromFileName is [ParseName]'s version.
func VersionFromFileName(name string) (versioning.Kernel, bool) {
	id, ok := ParseName(name)
	return id.Version, ok
}

// Loaded is what reading a kernel file gives: its BTF and, when the file
// says, the release it states (uname -r's form) and its whole banner.
type Loaded struct {
	Spec    *btf.Spec
	Release string // "6.1.0-28-amd64"; "" when the file does not say
	Banner  string // "Linux version 6.1.0-28-amd64 (…) #1 SMP Debian 6.1.119-1 (…)"
}

// LoadOptions are what [Load] needs to know beyond the paths. Both
// functions may be replaced, to read kernel images or distro names the
// package's own readers do not know.
type LoadOptions struct {
	// Running is the running kernel's release (uname -r,
	// /proc/sys/kernel/osrelease): the kernel /sys/kernel/btf/vmlinux is.
	// The caller reads it; this package reads no environment.
	Running string
	// Read reads one kernel file; nil reads raw BTF or an ELF vmlinux,
	// plain or compressed with gzip, xz or zstd ([ReadFile]).
	Read func(path string) (*Loaded, error)
	// Identify names a kernel file by its name; nil is [ParseName].
	Identify func(name string) (Identity, bool)
}

func (o *LoadOptions) read(path string) (*Loaded, error) {
	if o.Read != nil {
		return o.Read(path)
	}
	return ReadFile(path)
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
	ver, p, ok := strings.Cut(arg, "=")
	if !ok || ver == "" || ver[0] < '0' || ver[0] > '9' {
		return arg, versioning.Kernel{}, nil
	}
	v, err = versioning.ParseKernel(ver)
	if err != nil {
		return "", versioning.Kernel{}, fmt.Errorf("--btf %s: %w (use VERSION=PATH, like 6.12=/boot/vmlinux-6.12)", arg, err)
	}
	if p == "" {
		return "", versioning.Kernel{}, fmt.Errorf("--btf %s: no path after = (use VERSION=PATH, like 6.12=/boot/vmlinux-6.12)", arg)
	}
	return p, v, nil
}

// Load reads the kernel BTF args name: each a file or a directory of
// files named by kernel version ("6.8.btf", "6.9-rc3.btf.gz",
// "vmlinux-6.10.zst", "vmlinux-6.1.0-28-amd64"), or "VERSION=FILE" (see
// [SplitBTFArg]). Each file is raw BTF (/sys/kernel/btf/vmlinux) or an
// ELF vmlinux with a .BTF section, plain or compressed with gzip, xz or
// zstd (or what opts.Read reads). A file is the kernel its name, its ELF
// banner, or the flag says, and /sys/kernel/btf/vmlinux the running
// kernel; one nothing names is kept, but never taken for a baseline. A
// directory's files are read when first needed; those it cannot name are
// listed in [Index.Skipped].
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
		if fi.IsDir() {
			if !v.IsZero() {
				return nil, fmt.Errorf("--btf %s: %s is a directory; VERSION=PATH names one file", arg, path)
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
		return nil, fmt.Errorf("%s: %w: no file named by a kernel version (like 6.8.btf, 6.9-rc3.btf.gz or vmlinux-6.1.0-28-amd64)%s", idx.Source, ErrNoBTF, idx.skippedNote())
	}
	idx.sort()
	return idx, nil
}

// loadFile reads one named file now: a file given alone is read to learn
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
	if id.Version.IsZero() && l.Release != "" {
		if rv, ok := ParseRelease(l.Release); ok {
			id = Identity{Version: rv, Name: l.Release, By: ByBanner}
		}
	}
	k, err := NewBTF(l.Spec, id.Version, path)
	if err != nil {
		return nil, err
	}
	k.Identity = id
	return &kernelEntry{Identity: id, source: path, k: k}, nil
}

func isRunning(path string) bool {
	if filepath.Clean(path) == RunningBTF {
		return true
	}
	real, err := filepath.EvalSymlinks(path)
	return err == nil && real == RunningBTF
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
		if de.IsDir() {
			idx.Skipped = append(idx.Skipped, Skip{file, "a directory (put each kernel's BTF file in " + dir + ", named by its version)"})
			continue
		}
		id, ok := opts.identify(name)
		if !ok {
			// An ELF vmlinux says which kernel it is in its banner.
			if rel, err := elfRelease(file); err == nil && rel != "" {
				if v, ok := ParseRelease(rel); ok {
					id = Identity{Version: v, Name: rel, By: ByBanner}
				}
			}
		}
		if id.Version.IsZero() {
			idx.Skipped = append(idx.Skipped, Skip{file, "no kernel version in its name (name it by its kernel, like 6.12.btf or vmlinux-6.1.0-28-amd64, or pass --btf VERSION=" + file + ")"})
			continue
		}
		idx.entries = append(idx.entries, &kernelEntry{
			Identity: id, source: file,
			load: func() (*BTF, error) {
				l, err := opts.read(file)
				if err != nil {
					return nil, err
				}
				k, err := NewBTF(l.Spec, id.Version, file)
				if k != nil {
					k.Identity = id
				}
				return k, err
			},
		})
	}
	return nil
}

// elfRelease reads the release a plain ELF vmlinux states in its banner,
// "" for other files.
func elfRelease(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil || string(magic[:]) != elf.ELFMAG {
		return "", err
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return "", err
	}
	return bannerRelease(ef), nil
}

// bannerPrefix starts the banner every kernel carries in .rodata
// (linux_banner): "Linux version 6.1.0-28-amd64 (debian-kernel@…) …".
var bannerPrefix = []byte("Linux version ")

// banner finds the kernel's banner in an ELF vmlinux's .rodata: the
// release and the whole line, "" if there is none.
func banner(ef *elf.File) (release, line string) {
	sec := ef.Section(".rodata")
	if sec == nil || sec.Type == elf.SHT_NOBITS {
		return "", ""
	}
	data, err := sec.Data()
	if err != nil {
		return "", ""
	}
	for off := 0; ; {
		i := bytes.Index(data[off:], bannerPrefix)
		if i < 0 {
			return "", ""
		}
		rest := data[off+i+len(bannerPrefix):]
		if len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
			end := bytes.IndexAny(rest, "\x00\n")
			if end < 0 {
				end = min(len(rest), 512)
			}
			line := string(rest[:end])
			rel, _, _ := strings.Cut(line, " ")
			return rel, "Linux version " + line
		}
		off += i + 1
	}
}

func bannerRelease(ef *elf.File) string {
	rel, _ := banner(ef)
	return rel
}

// errNoVersion is the reason a kernel without a version is not a baseline.
var errNoVersion = errors.New("names no kernel version")
