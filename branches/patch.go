package branches

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// contextLines is git's default diff context.
const contextLines = 3

// maxDiffBytes bounds the files diffed line by line. Larger ones (generated
// headers such as a 3 MiB vmlinux.h, whose regeneration costs a line diff
// about a minute) are treated like binary files: hashed by blob id, never
// checked for prerequisites.
const maxDiffBytes = 1 << 20

// Patch is a commit's change against its first parent, as unified-diff
// hunks with git's default three lines of context.
type Patch struct {
	Commit string
	Files  []FilePatch // sorted by path, as git diff orders them
}

// FilePatch is the change of one file. An added file has OldPath "", a
// deleted one NewPath "". Renames are a deletion and an addition.
type FilePatch struct {
	OldPath, NewPath string
	OldMode, NewMode uint32 // 0 when absent
	Binary           bool
	OldID, NewID     string // blob ids
	Hunks            []Hunk
}

// Path returns the file's path after the change, or before it if deleted.
func (f FilePatch) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// Hunk is one hunk: lines prefixed with ' ', '-' or '+', removals of a
// change before its additions, as git prints them.
type Hunk struct {
	OldStart int // 1-based line of the first pre-image line
	Lines    []string
}

// PreImage returns the lines the hunk expects to find: context and removed.
func (h Hunk) PreImage() []string {
	var out []string
	for _, l := range h.Lines {
		if l[0] == ' ' || l[0] == '-' {
			out = append(out, l[1:])
		}
	}
	return out
}

// Added returns the lines the hunk adds.
func (h Hunk) Added() []string {
	var out []string
	for _, l := range h.Lines {
		if l[0] == '+' {
			out = append(out, l[1:])
		}
	}
	return out
}

// Patch computes the change commit makes against its first parent (against
// nothing for a root commit). Results are cached.
func (r *Repo) Patch(commit string) (*Patch, error) {
	if p, ok := r.patches.Load(commit); ok {
		return p.(*Patch), nil
	}
	tree, parentTree, err := r.treeAndParentTree(commit)
	if err != nil {
		return nil, err
	}
	changes, err := r.diffTrees(parentTree, tree, "", nil)
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", Short(commit), err)
	}
	p := &Patch{Commit: commit}
	for _, ch := range changes {
		fp := FilePatch{}
		var oldText, newText string
		if ch.from.Mode != 0 {
			fp.OldPath, fp.OldMode, fp.OldID = ch.path, uint32(ch.from.Mode), ch.from.Hash.String()
		}
		if ch.to.Mode != 0 {
			fp.NewPath, fp.NewMode, fp.NewID = ch.path, uint32(ch.to.Mode), ch.to.Hash.String()
		}
		if isSubmodule(ch.from.Mode) || isSubmodule(ch.to.Mode) {
			fp.Binary = true
			p.Files = append(p.Files, fp)
			continue
		}
		for _, side := range []struct {
			e    object.TreeEntry
			text *string
		}{{ch.from, &oldText}, {ch.to, &newText}} {
			if side.e.Mode == 0 {
				continue
			}
			data, size, err := r.blob(side.e.Hash, maxDiffBytes)
			if err != nil {
				return nil, fmt.Errorf("read %s at %s: %w", ch.path, Short(commit), err)
			}
			if size > maxDiffBytes || bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
				fp.Binary = true
				continue
			}
			*side.text = string(data)
		}
		if !fp.Binary {
			fp.Hunks = hunks(oldText, newText)
		}
		p.Files = append(p.Files, fp)
	}
	sort.Slice(p.Files, func(i, j int) bool { return p.Files[i].Path() < p.Files[j].Path() })
	r.patches.Store(commit, p)
	return p, nil
}

func isSubmodule(m filemode.FileMode) bool { return m == filemode.Submodule }

type diffLine struct {
	op   byte // ' ', '-', '+'
	text string
	old  int // 1-based line in the old file (for ' ' and '-')
}

// hunks diffs two texts line by line and groups the changes as xdiff does:
// changes whose gap is at most 2×context equal lines share a hunk.
// DiffFiles diffs two versions of a text file into a FilePatch, as Patch
// does for each file a commit changes; "" is an absent side. It lets
// tests build patches without a repository.
func DiffFiles(oldPath, newPath, oldText, newText string) FilePatch {
	fp := FilePatch{OldPath: oldPath, NewPath: newPath, Hunks: hunks(oldText, newText)}
	if oldPath != "" {
		fp.OldMode = 0o100644
	}
	if newPath != "" {
		fp.NewMode = 0o100644
	}
	return fp
}

func hunks(oldText, newText string) []Hunk {
	var lines []diffLine
	oldNo := 1
	var dels, adds []diffLine
	flush := func() {
		lines = append(lines, dels...)
		lines = append(lines, adds...)
		dels, adds = dels[:0], adds[:0]
	}
	// A time limit turns on diffmatchpatch's half-match speed-up, which
	// keeps large syncs (thousands of changed lines) fast; an hour never
	// expires, so the result does not depend on the machine. Without it,
	// 1% more patch-ids agree with git and a libbpf plan takes 60× longer.
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = time.Hour
	a, b, table := dmp.DiffLinesToRunes(oldText, newText)
	for _, d := range dmp.DiffCharsToLines(dmp.DiffMainRunes(a, b, false), table) {
		for _, text := range splitLines(d.Text) {
			switch d.Type {
			case diffmatchpatch.DiffEqual:
				flush()
				lines = append(lines, diffLine{' ', text, oldNo})
				oldNo++
			case diffmatchpatch.DiffDelete:
				dels = append(dels, diffLine{'-', text, oldNo})
				oldNo++
			case diffmatchpatch.DiffInsert:
				adds = append(adds, diffLine{'+', text, oldNo})
			}
		}
	}
	flush()
	var out []Hunk
	for i := 0; i < len(lines); {
		if lines[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-contextLines)
		for start < i && lines[start].op != ' ' {
			start++
		}
		end := i
		for {
			for end < len(lines) && lines[end].op != ' ' {
				end++
			}
			gap := 0
			for end+gap < len(lines) && lines[end+gap].op == ' ' {
				gap++
			}
			if end+gap < len(lines) && gap <= 2*contextLines {
				end += gap
				continue
			}
			end = min(len(lines), end+min(gap, contextLines))
			break
		}
		h := Hunk{OldStart: lines[start].old}
		for _, l := range lines[start:end] {
			h.Lines = append(h.Lines, string(l.op)+l.text)
		}
		out = append(out, h)
		i = end
	}
	return out
}

// splitLines splits text into lines without their newlines.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return []string{""}
	}
	return strings.Split(s, "\n")
}

// ID returns the patch's `git patch-id --stable`: per file, the SHA-1 of
// the diff header and hunk lines with all whitespace removed, summed over
// files as 20-byte little-endian numbers, so file order does not matter.
// Binary files, and files over 1 MiB, hash their blob ids, as git does for
// binary files of full-index patches.
func (p *Patch) ID() string {
	var sum [sha1.Size]byte
	for _, f := range p.Files {
		h := sha1.New()
		add := func(s string) { h.Write(stripSpace(s)) }
		a, b := f.OldPath, f.NewPath
		if a == "" {
			a = b
		}
		if b == "" {
			b = a
		}
		add("diff --git a/" + a + " b/" + b)
		switch {
		case f.OldMode == 0:
			add(fmt.Sprintf("new file mode %06o", f.NewMode))
		case f.NewMode == 0:
			add(fmt.Sprintf("deleted file mode %06o", f.OldMode))
		case f.OldMode != f.NewMode:
			add(fmt.Sprintf("old mode %06o", f.OldMode))
			add(fmt.Sprintf("new mode %06o", f.NewMode))
		}
		if f.Binary {
			h.Write([]byte(f.OldID + f.NewID))
		} else if len(f.Hunks) > 0 {
			if f.OldMode == 0 {
				add("--- /dev/null")
			} else {
				add("--- a/" + a)
			}
			if f.NewMode == 0 {
				add("+++ /dev/null")
			} else {
				add("+++ b/" + b)
			}
			for _, hk := range f.Hunks {
				for _, l := range hk.Lines {
					add(l)
				}
			}
		}
		var carry uint16
		d := h.Sum(nil)
		for i := range sum {
			carry += uint16(sum[i]) + uint16(d[i])
			sum[i] = byte(carry)
			carry >>= 8
		}
	}
	return hex.EncodeToString(sum[:])
}

func stripSpace(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			b = append(b, s[i])
		}
	}
	return b
}

// PatchID returns the `git patch-id --stable` of commit.
func (r *Repo) PatchID(commit string) (string, error) {
	p, err := r.Patch(commit)
	if err != nil {
		return "", err
	}
	return p.ID(), nil
}

// Applies reports whether every hunk of f finds its pre-image, as a
// contiguous block, in content: whether `git apply` (without fuzz) could
// apply it. It returns the pre-image lines it could not find, as
// [FilePatch.FailingHunks] does.
func (f FilePatch) Applies(content []byte) (ok bool, missing []string) {
	failing, missing := f.FailingHunks(content)
	return len(failing) == 0, missing
}

func containsBlock(have, block []string) bool {
outer:
	for i := 0; i+len(block) <= len(have); i++ {
		for j, l := range block {
			if have[i+j] != l {
				continue outer
			}
		}
		return true
	}
	return false
}
