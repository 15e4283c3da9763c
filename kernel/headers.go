package kernel

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Headers is one kernel's own UAPI headers: the second witness, for what
// BTF cannot say (a #define, an enum the kernel never uses, a type of a
// subsystem its configuration leaves out). They are the headers a
// distribution installs for user space (linux-libc-dev: /usr/include,
// its version in linux/version.h) or a kernel tree (its include/uapi, its
// version in the Makefile).
type Headers struct {
	// Identity is which kernel they are of.
	Identity
	// Dir holds linux/…: /usr/include, or TREE/include/uapi.
	Dir   string
	files map[string]*decls // "linux/bpf.h" → what it declares; nil: no such file
}

// decls is what one header declares: enum constants and #defines
// ("c:NAME"), types ("t:struct bpf_attr"), members ("m:bpf_attr.map_type").
type decls map[string]bool

// LoadHeaders finds the kernel UAPI headers arg names, "DIR" or
// "VERSION=DIR": an include directory with linux/version.h (a distro's
// /usr/include), or a kernel source tree (with include/uapi/linux and a
// Makefile). It reads the version and nothing else; headers are parsed
// when a feature asks.
func LoadHeaders(arg string) (*Headers, error) {
	dir, v, err := splitVersionArg(arg, "--kernel-headers", "VERSION=DIR, like 6.1=/usr/include")
	if err != nil {
		return nil, err
	}
	h := &Headers{Dir: dir, files: map[string]*decls{}}
	if _, err := os.Stat(filepath.Join(dir, "include", "uapi", "linux")); err == nil {
		h.Dir = filepath.Join(dir, "include", "uapi")
		if v.IsZero() {
			data, err := os.ReadFile(filepath.Join(dir, "Makefile"))
			if err != nil {
				return nil, fmt.Errorf("%s: a kernel tree without a readable Makefile (pass --kernel-headers VERSION=%s): %w", dir, dir, err)
			}
			if h.Identity, err = makefileVersion(data); err != nil {
				return nil, fmt.Errorf("%s/Makefile: %w (pass --kernel-headers VERSION=%s)", dir, err, dir)
			}
		}
	} else if _, err := os.Stat(filepath.Join(dir, "linux")); err != nil {
		return nil, fmt.Errorf("%s: no linux/ headers (pass an include directory such as /usr/include, or a kernel source tree)", dir)
	} else if v.IsZero() {
		data, err := os.ReadFile(filepath.Join(dir, "linux", "version.h"))
		if err != nil {
			return nil, fmt.Errorf("%s: no linux/version.h to say which kernel they are of (pass --kernel-headers VERSION=%s)", dir, dir)
		}
		if h.Identity, err = versionHeader(data); err != nil {
			return nil, fmt.Errorf("%s/linux/version.h: %w (pass --kernel-headers VERSION=%s)", dir, err, dir)
		}
	}
	if !v.IsZero() {
		h.Identity = Identity{Version: v, Name: v.String(), By: ByFlag}
	}
	return h, nil
}

// versionHeader reads linux/version.h: LINUX_VERSION_MAJOR, _PATCHLEVEL
// and _SUBLEVEL (5.13 on), else LINUX_VERSION_CODE, whose sublevel stops
// at 255.
func versionHeader(data []byte) (Identity, error) {
	defs := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "#define" {
			if n, err := strconv.ParseInt(f[2], 0, 64); err == nil {
				defs[f[1]] = n
			}
		}
	}
	var a, b, c int64
	if maj, ok := defs["LINUX_VERSION_MAJOR"]; ok {
		a, b, c = maj, defs["LINUX_VERSION_PATCHLEVEL"], defs["LINUX_VERSION_SUBLEVEL"]
	} else if code, ok := defs["LINUX_VERSION_CODE"]; ok {
		a, b, c = code>>16, code>>8&0xff, code&0xff
	} else {
		return Identity{}, errors.New("no LINUX_VERSION_CODE")
	}
	return headerIdentity(fmt.Sprintf("%d.%d.%d", a, b, c), "linux/version.h")
}

// makefileVersion reads a kernel tree's VERSION, PATCHLEVEL, SUBLEVEL and
// EXTRAVERSION.
func makefileVersion(data []byte) (Identity, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 0; sc.Scan() && n < 20; n++ {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if vars["VERSION"] == "" || vars["PATCHLEVEL"] == "" {
		return Identity{}, errors.New("no VERSION and PATCHLEVEL")
	}
	s := vars["VERSION"] + "." + vars["PATCHLEVEL"]
	if sub := vars["SUBLEVEL"]; sub != "" {
		s += "." + sub
	}
	return headerIdentity(s+vars["EXTRAVERSION"], "Makefile")
}

func headerIdentity(s, by string) (Identity, error) {
	v, ok := ParseRelease(s)
	if !ok {
		return Identity{}, fmt.Errorf("%q is not a kernel version", s)
	}
	return Identity{Version: v, Name: v.String(), By: by}, nil
}

// UseHeaders adds kernels' own UAPI headers as the second witness of the
// kernels of the same release (6.1.192's headers speak for
// 6.1.0-28-amd64). Headers of a release the index has no kernel of are
// listed in [Index.Skipped].
func (idx *Index) UseHeaders(hs ...*Headers) {
	for _, h := range hs {
		used := false
		for _, e := range idx.entries {
			if !e.Version.IsZero() && e.Release().Compare(h.Release()) == 0 {
				e.headers = h
				used = true
			}
		}
		if !used {
			idx.Skipped = append(idx.Skipped, Skip{h.Dir, fmt.Sprintf("kernel headers of %s, and no BTF of kernel %s to go with them", h.Label(), h.Release())})
		}
	}
}

// counterpart is the header of the kernel's UAPI that a release's copy
// copies: "include/uapi/linux/bpf.h" is "linux/bpf.h".
func counterpart(file string) string {
	file = path.Clean(filepath.ToSlash(file))
	if i := strings.LastIndex(file, "uapi/"); i >= 0 {
		return file[i+len("uapi/"):]
	}
	if i := strings.LastIndex(file, "include/"); i >= 0 {
		return file[i+len("include/"):]
	}
	return "linux/" + path.Base(file)
}

// includer resolves the #includes of the header file (a release's copy,
// "include/uapi/linux/pkt_cls.h") among the files next to it: <linux/x.h>
// is "include/uapi/linux/x.h". read returns a file's contents, nil if
// there is none.
func includer(file string, read func(path string) []byte) IncludeFunc {
	file = path.Clean(filepath.ToSlash(file))
	root, ok := strings.CutSuffix(file, counterpart(file))
	return func(inc string) []byte {
		if ok {
			return read(root + path.Clean(inc))
		}
		return read(path.Join(path.Dir(file), path.Base(inc)))
	}
}

// sourceFile is the file of a feature's Source, "include/uapi/linux/bpf.h:12".
func sourceFile(f Feature) string {
	file := f.Source
	if i := strings.LastIndexByte(file, ':'); i >= 0 {
		file = file[:i]
	}
	return file
}

// file parses the header rel ("linux/bpf.h") once; nil if there is none.
func (h *Headers) file(rel string) (decls, error) {
	if d, ok := h.files[rel]; ok {
		if d == nil {
			return nil, nil
		}
		return *d, nil
	}
	data, err := os.ReadFile(filepath.Join(h.Dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		h.files[rel] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	fs, err := ParseHeaderWith(rel, data, func(inc string) []byte {
		data, _ := os.ReadFile(filepath.Join(h.Dir, filepath.FromSlash(path.Clean(inc))))
		return data
	})
	if err != nil {
		return nil, err
	}
	d := decls{}
	for _, f := range fs {
		d[declKey(f)] = true
	}
	h.files[rel] = &d
	return d, nil
}

// declKey is how a feature is declared: constants (enum or #define) by
// name, types by tag and name, members by path.
func declKey(f Feature) string {
	switch f.Kind {
	case KindEnumValue, KindDefine:
		return "c:" + f.Name
	case KindType:
		return "t:" + f.ID
	case KindMember:
		return "m:" + strings.Join(f.Path, ".")
	}
	return ""
}

// answer says what the headers declare of f. files are the counterparts
// of the release's header copies: a feature moved from one to another is
// still found. The feature is present if one of them declares it, a
// constant either as an enum constant or as a macro; missing if none does
// and the kernel has the header the release's copy copies, or has no such
// header at all. A manifest's feature, which names no header, is missing
// only where its enum or type is declared without it.
func (h *Headers) answer(f Feature, files []string) (answer, error) {
	if f.Kind == KindFunc || f.Kind == KindKfunc {
		return answer{Availability: Unverifiable, Reason: "headers do not declare kernel functions"}, nil
	}
	own := ""
	if file := sourceFile(f); strings.HasSuffix(file, ".h") {
		own = counterpart(file)
	}
	search := files
	if own != "" && !contains(files, own) {
		search = append([]string{own}, files...)
	}
	key := declKey(f)
	var keys []string // what, if declared, shows the kernel knows f's container
	switch f.Kind {
	case KindType:
		if f.Container == "" {
			key = ""
			keys = []string{"t:struct " + f.Name, "t:union " + f.Name, "t:enum " + f.Name}
		}
	case KindEnumValue:
		if name, ok := strings.CutPrefix(f.Container, "enum "); ok {
			keys = append(keys, "t:enum "+name)
		} else if f.Group != "" && f.Group != f.Name {
			keys = append(keys, "c:"+f.Group)
		}
	case KindMember:
		if len(f.Path) > 0 {
			keys = append(keys, "t:struct "+f.Path[0], "t:union "+f.Path[0])
		}
	}
	container := ""
	for _, rel := range search {
		d, err := h.file(rel)
		if err != nil {
			return answer{}, err
		}
		if d == nil {
			continue
		}
		if key != "" && d[key] {
			return answer{Availability: Present}, nil
		}
		for _, k := range keys {
			if key == "" && d[k] {
				return answer{Availability: Present}, nil
			}
			if d[k] && container == "" {
				container = rel
			}
		}
	}
	where := fmt.Sprintf("kernel %s's headers (%s)", h.Label(), h.Dir)
	switch {
	case container != "":
		return answer{Availability: Missing, Reason: fmt.Sprintf("%s: %s declares %s without %s", where, container, containerWords(f), featureWords(f))}, nil
	case own != "":
		d, err := h.file(own)
		if err != nil {
			return answer{}, err
		}
		if d == nil {
			return answer{Availability: Missing, Reason: fmt.Sprintf("%s have no %s", where, own)}, nil
		}
		return answer{Availability: Missing, Reason: fmt.Sprintf("%s: %s does not declare %s", where, own, containerWords(f))}, nil
	}
	return answer{Availability: Unverifiable, Reason: fmt.Sprintf("%s do not declare %s either", where, containerWords(f))}, nil
}

// containerWords names what holds f: "enum bpf_cmd", "union bpf_attr",
// "the enum of BPF_ANY".
func containerWords(f Feature) string {
	switch f.Kind {
	case KindEnumValue:
		if strings.HasPrefix(f.Container, "enum ") {
			return f.Container
		}
		if f.Group != "" && f.Group != f.Name {
			return "the enum of " + f.Group
		}
		return "its enum"
	case KindMember:
		if f.Container != "" && len(f.Path) > 0 && strings.HasSuffix(f.Container, " "+f.Path[0]) {
			return f.Container
		}
		if len(f.Path) > 0 {
			return f.Path[0]
		}
	}
	return featureWords(f)
}

// featureWords names f as C does: the constant, "struct x", "a.b.c".
func featureWords(f Feature) string {
	switch f.Kind {
	case KindMember:
		return strings.Join(f.Path, ".")
	case KindType:
		if f.Container != "" {
			return f.Container + " " + f.Name
		}
		return f.Name
	}
	if f.Name != "" {
		return f.Name
	}
	return f.ID
}

// judge asks the kernel about f: its BTF first, and where BTF cannot say,
// its own headers. files are the counterparts of the release's header
// copies ([counterpart]).
func (e *kernelEntry) judge(f Feature, files []string) (answer, error) {
	k, err := e.get()
	if err != nil {
		return answer{}, err
	}
	a := k.answer(f)
	if a.Availability != Unverifiable || e.headers == nil {
		return a, nil
	}
	h, err := e.headers.answer(f, files)
	if err != nil {
		return answer{}, err
	}
	if h.Availability == Unverifiable {
		a.Reason += "; " + h.Reason
		return a, nil
	}
	h.Reason = "not in the BTF; " + h.Reason
	if h.Availability == Present {
		h.Reason = ""
	}
	return h, nil
}
