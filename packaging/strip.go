package packaging

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoBinutils reports that stripping needs binutils and this machine
// has none.
var ErrNoBinutils = errors.New("stripping needs objcopy and strip from binutils (apt-get install binutils, dnf install binutils), or --no-strip to refuse unstripped files instead")

// stripped is what stripping did to one file of the tree.
type stripped struct {
	data    []byte // the stripped file, with a .gnu_debuglink
	debug   []byte // its debug info (objcopy --only-keep-debug), nil if none
	buildID string // hex; "" if the file has none
}

// debugPath is where the debug file goes: /usr/lib/debug/.build-id/xx/yyyy.debug,
// where gdb and debuginfod clients look; a file without a build id goes
// under /usr/lib/debug at its own path.
func (s *stripped) debugPath(dst string) string {
	if len(s.buildID) > 2 {
		return "/usr/lib/debug/.build-id/" + s.buildID[:2] + "/" + s.buildID[2:] + ".debug"
	}
	return "/usr/lib/debug" + dst + ".debug"
}

// isArchive reports whether data is an ar archive (a static library).
func isArchive(data []byte) bool { return bytes.HasPrefix(data, []byte("!<arch>\n")) }

// stripTree strips, as Debian's dh_strip and rpm's find-debuginfo do,
// copies of the tree's programs and shared libraries in a temporary
// directory (the install tree is never modified; object files and kernel
// modules are left as they are): a shared library loses what
// strip --strip-unneeded removes, an executable its symbols, each keeps
// its debug info apart (objcopy --only-keep-debug) and gets a
// .gnu_debuglink to it. Static archives are returned stripped of debug
// info (strip --strip-debug) in archives, for the formats that want
// them so. Files with nothing to strip are left out. binutils'
// output depends on its input alone, so the result is reproducible.
func stripTree(tree []*file, work string) (map[*file]*stripped, map[*file][]byte, error) {
	var elfs, ars []*file
	for _, f := range tree {
		switch {
		case f.ELF != nil && f.ELF.Linked && !f.ELF.Stripped:
			elfs = append(elfs, f)
		case !f.isLink() && isArchive(f.Data):
			ars = append(ars, f)
		}
	}
	if len(elfs) == 0 && len(ars) == 0 {
		return nil, nil, nil
	}
	objcopy, err1 := exec.LookPath("objcopy")
	strip, err2 := exec.LookPath("strip")
	if err1 != nil || err2 != nil {
		return nil, nil, ErrNoBinutils
	}
	out := map[*file]*stripped{}
	for i, f := range elfs {
		dir := filepath.Join(work, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		in := filepath.Join(dir, filepath.Base(f.Path))
		if err := os.WriteFile(in, f.Data, 0o644); err != nil {
			return nil, nil, err
		}
		id := buildID(f.Data)
		name := filepath.Base(f.Path)
		if len(id) > 2 {
			name = id[2:]
		}
		dbg := filepath.Join(dir, name+".debug")
		if err := runTool(objcopy, "--only-keep-debug", "--compress-debug-sections", in, dbg); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		args := []string{"--remove-section=.comment", "--remove-section=.note"}
		if f.ELF.Shared {
			args = append(args, "--strip-unneeded")
		}
		if err := runTool(strip, append(args, in)...); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		// The link names the debug file's base name; run in its directory.
		cmd := exec.Command(objcopy, "--add-gnu-debuglink="+filepath.Base(dbg), in)
		cmd.Dir = dir
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, nil, fmt.Errorf("%s: objcopy --add-gnu-debuglink: %v: %s", f.Path, err, strings.TrimSpace(string(msg)))
		}
		data, err := os.ReadFile(in)
		if err != nil {
			return nil, nil, err
		}
		debug, err := os.ReadFile(dbg)
		if err != nil {
			return nil, nil, err
		}
		out[f] = &stripped{data: data, debug: debug, buildID: id}
	}
	archives := map[*file][]byte{}
	for i, f := range ars {
		in := filepath.Join(work, fmt.Sprintf("a%d.a", i))
		if err := os.WriteFile(in, f.Data, 0o644); err != nil {
			return nil, nil, err
		}
		if err := runTool(strip, "--strip-debug", "--enable-deterministic-archives", "--remove-section=.comment", "--remove-section=.note", in); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		data, err := os.ReadFile(in)
		if err != nil {
			return nil, nil, err
		}
		archives[f] = data
	}
	return out, archives, nil
}

func runTool(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args[:len(args)-1], " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// buildID is the hex GNU build id of an ELF file, "" if it has none.
func buildID(data []byte) string {
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	defer ef.Close()
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		note, err := s.Data()
		if err != nil {
			continue
		}
		order := ef.ByteOrder
		for len(note) >= 12 {
			namesz, descsz, typ := order.Uint32(note), order.Uint32(note[4:]), order.Uint32(note[8:])
			off := 12 + align4(namesz)
			end := off + align4(descsz)
			if uint64(end) > uint64(len(note)) {
				break
			}
			name := string(bytes.TrimRight(note[12:12+namesz], "\x00"))
			if name == "GNU" && typ == 3 { // NT_GNU_BUILD_ID
				return hex.EncodeToString(note[off : off+descsz])
			}
			note = note[end:]
		}
	}
	return ""
}

func align4(n uint32) uint32 { return (n + 3) &^ 3 }
