// Package synth writes synthetic kernel-scale histories through git
// fast-import, for tests and benchmarks: a trunk with merges of topic
// branches, kernel lines forked at release tags that take -x cherry-picks
// of fixes and cut stable releases, Fixes: and revert trailers at the
// rates of real kernel-adjacent projects, UAPI header syncs and a growing
// symbol map; and what makes real histories expensive to read: translation
// catalogs of about 1 MB updated often, on trunk and before each stable
// release, under one subject and author; a large generated header
// regenerated often; and files renamed. The same Options give the same
// repository, sha for sha.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options shape a history.
type Options struct {
	// Commits is the number of commits to write (merges included).
	Commits int
	// Seed makes the history; the same seed, the same shas.
	Seed uint64
	// Lines is how many kernel lines to fork from trunk (default Commits/5000, 3 to 40).
	Lines int
	// Files is the number of source files (default 400).
	Files int
}

// Rates of real histories (libbpf, the kernel's tools/lib/bpf): a share
// of commits is a merge, carries Fixes:, reverts, syncs the UAPI header,
// or adds an exported symbol; a share of fixes is cherry-picked to the
// kernel lines that have the bug.
const (
	mergeRate      = 0.06
	fixRate        = 0.12
	revertRate     = 0.004
	stableCcRate   = 0.03
	headerSyncRate = 0.003
	symbolRate     = 0.004
	pickRate       = 0.5
	stableEvery    = 25 // cherry-picks between stable releases of a line

	translationRate = 0.002 // a catalog update (po/LANG.po, about 1 MB)
	regenerateRate  = 0.002 // the generated header regenerated (about 1.5 MB)
	renameRate      = 0.002 // a source file moved, perhaps edited
)

// The translation bot's commits share one subject and author on trunk and
// on the lines: equal subjects make a plan compare their patches.
const (
	translationSubject = "po: update translations"
	translationAuthor  = "Translation Bot <i18n@example.org>"
	generatedPath      = "include/generated/vmlinux.h"
)

var languages = []string{"de", "fr", "ja"}

// Summary names what a generated history holds.
type Summary struct {
	Dir      string
	Commits  int
	Trunk    string
	Lines    []string // kernel line branches, oldest first
	Releases int
	Fixes    int
	Picks    int
	Reverts  int
	// Translations counts catalog updates (trunk and lines), Regenerations
	// the generated header's, Renames the files moved.
	Translations  int
	Regenerations int
	Renames       int
	Elapsed       time.Duration
}

type change struct {
	file     int
	line     int
	old, new string
}

type commitRec struct {
	mark    int
	subject string
	changes []change
	fixable bool // a normal trunk commit a later fix may name
}

type line struct {
	branch   string
	minor    int
	forkMark int // trunk mark the line forked at
	tip      int
	files    [][]string
	names    []string   // path of each file on the line
	po       [][]string // catalog entries per language
	picks    int
	stable   int
}

type gen struct {
	opt     Options
	rng     *rand.Rand
	w       *bufio.Writer
	marks   *bufio.Reader
	mark    int
	commits int
	when    time.Time
	trunk   [][]string
	names   []string   // path of each trunk file: renames move them
	po      [][]string // trunk catalog entries per language
	gen     []string   // lines of the generated header
	header  []string   // constants of enum bpf_prog_type
	symbols []string   // "node sym"
	lines   []*line
	recent  []*commitRec // trunk commits a fix or revert may name
	sum     Summary
	shas    map[int]string
}

var subsystems = []string{"libbpf", "btf", "bpftool", "ringbuf", "map", "prog", "link", "usdt", "xsk", "netlink", "gen_loader", "linker", "relo", "skel", "kprobe", "uprobe", "perf", "cgroup", "struct_ops", "arena"}
var verbs = []string{"fix", "handle", "add", "rework", "avoid", "support", "check", "clean up", "simplify", "use", "drop", "move", "rename", "document"}
var nouns = []string{"overflow", "leak", "race", "error path", "flag", "size", "alignment", "endianness", "NULL deref", "helper", "option", "attach", "detach", "relocation", "iterator"}

var authors = func() []string {
	first := []string{"Andrii", "Alexei", "Daniel", "Yonghong", "Eduard", "Martin", "Kumar", "Jiri", "Song", "Hou", "Ihor", "Quentin", "Toke", "Stanislav", "Yafang", "Kui-Feng", "Dave", "Jakub", "Paolo", "Eric"}
	last := []string{"Nakryiko", "Starovoitov", "Borkmann", "Song", "Zingerman", "Lau", "Kartikeya", "Olsa", "Liu", "Tao", "Solodrai", "Monnet", "Hoiland", "Fomichev", "Shao", "Lee", "Miller", "Kicinski", "Abeni", "Dumazet"}
	var out []string
	for _, f := range first {
		for _, l := range last {
			out = append(out, f+" "+l+" <"+strings.ToLower(f)+"."+strings.ToLower(l)+"@example.org>")
		}
	}
	return out
}()

// Generate writes a repository of opt.Commits commits into dir (created,
// must not exist), with a tiered.yaml, and writes a commit-graph file.
// It needs the git command.
func Generate(dir string, opt Options) (*Summary, error) {
	start := time.Now()
	if opt.Commits < 100 {
		return nil, fmt.Errorf("synth: at least 100 commits, not %d", opt.Commits)
	}
	if opt.Lines == 0 {
		opt.Lines = min(max(opt.Commits/5000, 3), 40)
	}
	if opt.Files == 0 {
		opt.Files = 400
	}
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("synth: %s exists", dir)
	}
	if out, err := exec.Command("git", "init", "-q", "-b", "main", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git init: %v\n%s", err, out)
	}
	cmd := exec.Command("git", "-c", "pack.compression=1", "fast-import", "--quiet", "--cat-blob-fd=3", "--max-pack-size=4g", "--done")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{pw}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	pw.Close()
	g := &gen{
		opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		w: bufio.NewWriterSize(stdin, 1<<20), marks: bufio.NewReader(pr),
		when: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), shas: map[int]string{},
	}
	g.sum.Dir = dir
	genErr := g.run()
	if genErr == nil {
		fmt.Fprintln(g.w, "done")
		genErr = g.w.Flush()
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil && genErr == nil {
		genErr = fmt.Errorf("git fast-import: %w", err)
	}
	pr.Close()
	if genErr != nil {
		return nil, genErr
	}
	for _, args := range [][]string{
		{"branch", "-D", "-q", "topic"},
		{"checkout", "-q", "-f", "main"},
		{"commit-graph", "write", "--reachable"},
	} {
		c := exec.Command("git", args...)
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	g.sum.Commits = g.commits
	g.sum.Trunk = "main"
	g.sum.Elapsed = time.Since(start)
	return &g.sum, nil
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) fileName(i int) string {
	return fmt.Sprintf("src/%s/f%03d.c", subsystems[i%len(subsystems)], i)
}

func (g *gen) lineText() string {
	return fmt.Sprintf("\t%s_%s(%d);", g.pick(subsystems), strings.ReplaceAll(g.pick(nouns), " ", "_"), g.rng.IntN(100000))
}

const fileLines = 24

func (g *gen) headerText() string {
	var b strings.Builder
	b.WriteString("/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */\n#ifndef _UAPI__LINUX_BPF_H__\n#define _UAPI__LINUX_BPF_H__\n\nenum bpf_prog_type {\n")
	for _, c := range g.header {
		b.WriteString("\t" + c + ",\n")
	}
	b.WriteString("};\n\nunion bpf_attr {\n\tstruct {\n\t\t__u32\tmap_type;\n\t\t__u32\tkey_size;\n\t};\n};\n\n#endif\n")
	return b.String()
}

func (g *gen) mapText() string {
	var b strings.Builder
	nodes := map[string][]string{}
	var order []string
	for _, s := range g.symbols {
		node, sym, _ := strings.Cut(s, " ")
		if _, ok := nodes[node]; !ok {
			order = append(order, node)
		}
		nodes[node] = append(nodes[node], sym)
	}
	prev := ""
	for _, n := range order {
		fmt.Fprintf(&b, "%s {\n\tglobal:\n", n)
		for _, s := range nodes[n] {
			fmt.Fprintf(&b, "\t\t%s;\n", s)
		}
		if prev == "" {
			b.WriteString("\tlocal:\n\t\t*;\n};\n")
		} else {
			fmt.Fprintf(&b, "} %s;\n", prev)
		}
		prev = n
	}
	return b.String()
}

func (g *gen) data(s string) {
	fmt.Fprintf(g.w, "data %d\n%s\n", len(s), s)
}

// commit writes one commit on ref with the given parents and file
// contents, and returns its mark.
func (g *gen) commit(ref, msg string, from int, merge int, files map[string]string) int {
	return g.commitAs(g.pick(authors), ref, msg, from, merge, nil, files)
}

// commitAs is commit by author, first moving the files of renames (old
// path → new path).
func (g *gen) commitAs(author, ref, msg string, from int, merge int, renames [][2]string, files map[string]string) int {
	g.mark++
	g.commits++
	g.when = g.when.Add(time.Duration(30+g.rng.IntN(900)) * time.Second)
	fmt.Fprintf(g.w, "commit %s\nmark :%d\n", ref, g.mark)
	fmt.Fprintf(g.w, "author %s %d +0000\ncommitter %s %d +0000\n", author, g.when.Unix(), author, g.when.Unix())
	g.data(msg)
	if from > 0 {
		fmt.Fprintf(g.w, "from :%d\n", from)
	}
	if merge > 0 {
		fmt.Fprintf(g.w, "merge :%d\n", merge)
	}
	for _, r := range renames {
		fmt.Fprintf(g.w, "R %s %s\n", r[0], r[1])
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		fmt.Fprintf(g.w, "M 100644 inline %s\n", p)
		g.data(files[p])
	}
	g.w.WriteString("\n")
	return g.mark
}

// sha asks fast-import for the sha of a mark.
func (g *gen) sha(mark int) (string, error) {
	if s, ok := g.shas[mark]; ok {
		return s, nil
	}
	fmt.Fprintf(g.w, "get-mark :%d\n", mark)
	if err := g.w.Flush(); err != nil {
		return "", err
	}
	line, err := g.marks.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("get-mark :%d: %w", mark, err)
	}
	s := strings.TrimSpace(line)
	g.shas[mark] = s
	return s, nil
}

func (g *gen) tag(name string, mark int, msg string) {
	fmt.Fprintf(g.w, "tag %s\nfrom :%d\ntagger Release Manager <rm@example.org> %d +0000\n", name, mark, g.when.Unix())
	g.data(msg)
	g.sum.Releases++
}

func join(lines []string) string { return strings.Join(lines, "\n") + "\n" }

func (g *gen) run() error {
	// The initial import: every file, the header, the map, the policy.
	g.trunk = make([][]string, g.opt.Files)
	g.names = make([]string, g.opt.Files)
	files := map[string]string{}
	for i := range g.trunk {
		g.trunk[i] = make([]string, fileLines)
		for j := range g.trunk[i] {
			g.trunk[i][j] = g.lineText()
		}
		g.names[i] = g.fileName(i)
		files[g.names[i]] = join(g.trunk[i])
	}
	g.po = make([][]string, len(languages))
	for k, lang := range languages {
		g.po[k] = make([]string, poEntries)
		for j := range g.po[k] {
			g.po[k][j] = g.poEntry(j)
		}
		files["po/"+lang+".po"] = poText(lang, g.po[k])
	}
	g.gen = make([]string, genLines)
	for j := range g.gen {
		g.gen[j] = g.genLine()
	}
	files[generatedPath] = join(g.gen)
	g.header = []string{"BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_SOCKET_FILTER", "BPF_PROG_TYPE_KPROBE"}
	g.symbols = []string{"LIBFOO_1.0.0 foo_open", "LIBFOO_1.0.0 foo_close"}
	files["include/uapi/linux/bpf.h"] = g.headerText()
	files["src/libfoo.map"] = g.mapText()
	files["tiered.yaml"] = "# synthetic kernel-scale history\nabi:\n  library: libfoo\n  symbol_map: src/libfoo.map\nuapi:\n  headers: [include/uapi/linux/bpf.h]\n"
	files["LICENSE"] = "Copyright (c) 2015 The libfoo authors\n\nPermission is hereby granted, free of charge, to any person.\n"
	tip := g.commit("refs/heads/main", "libfoo: initial import\n", 0, 0, files)
	g.tag("v1.0.0.0", tip, "libfoo 1.0.0.0\n\nTier: kernel\nKernel-Baseline: 4.0\nABI: 1\n")

	releaseEvery := g.opt.Commits / (g.opt.Lines + 1)
	nextRelease := releaseEvery
	minor := 0
	for g.commits < g.opt.Commits {
		switch r := g.rng.Float64(); {
		case r < mergeRate && g.commits+6 < g.opt.Commits:
			var err error
			if tip, err = g.mergeTopic(tip); err != nil {
				return err
			}
		default:
			var err error
			if tip, err = g.trunkCommit(tip); err != nil {
				return err
			}
		}
		if g.commits >= nextRelease && len(g.lines) < g.opt.Lines {
			minor++
			nextRelease += releaseEvery
			name := fmt.Sprintf("v1.%d.0.0", minor)
			g.tag(name, tip, fmt.Sprintf("libfoo 1.%d.0.0\n\nTier: kernel\nKernel-Baseline: 5.%d\nABI: 1\n", minor, minor))
			l := &line{branch: fmt.Sprintf("release/v1.%d", minor), minor: minor, forkMark: tip, tip: tip}
			l.files = make([][]string, len(g.trunk))
			for i := range g.trunk {
				l.files[i] = slices.Clone(g.trunk[i])
			}
			l.names = slices.Clone(g.names)
			l.po = make([][]string, len(g.po))
			for k := range g.po {
				l.po[k] = slices.Clone(g.po[k])
			}
			fmt.Fprintf(g.w, "reset refs/heads/%s\nfrom :%d\n\n", l.branch, tip)
			g.lines = append(g.lines, l)
			g.sum.Lines = append(g.sum.Lines, l.branch)
		}
	}
	return nil
}

// change edits one line of a trunk file and returns the change.
func (g *gen) edit(state [][]string, file int) change {
	ln := g.rng.IntN(fileLines)
	c := change{file: file, line: ln, old: state[file][ln], new: g.lineText()}
	state[file][ln] = c.new
	return c
}

func (g *gen) subject() string {
	return fmt.Sprintf("%s: %s %s %d", g.pick(subsystems), g.pick(verbs), g.pick(nouns), g.commits)
}

func (g *gen) remember(r *commitRec) {
	g.recent = append(g.recent, r)
	if len(g.recent) > 4000 {
		g.recent = g.recent[1000:]
	}
}

func (g *gen) trunkCommit(tip int) (int, error) {
	r := g.rng.Float64()
	switch {
	case r < headerSyncRate:
		c := fmt.Sprintf("BPF_PROG_TYPE_SYNTH%d", len(g.header))
		g.header = append(g.header, c)
		return g.commit("refs/heads/main", fmt.Sprintf("sync: bpf: add %s\n\nSync include/uapi/linux/bpf.h with bpf-next.\n", c), tip, 0,
			map[string]string{"include/uapi/linux/bpf.h": g.headerText()}), nil
	case r < headerSyncRate+symbolRate:
		sym := fmt.Sprintf("foo_api_%d", len(g.symbols))
		g.symbols = append(g.symbols, fmt.Sprintf("LIBFOO_1.%d.0 %s", len(g.lines)+1, sym))
		file := g.rng.IntN(g.opt.Files)
		ch := g.edit(g.trunk, file)
		rec := &commitRec{subject: fmt.Sprintf("libfoo: add %s() %d", sym, g.commits), changes: []change{ch}}
		rec.mark = g.commit("refs/heads/main", rec.subject+"\n\nA new API.\n", tip, 0,
			map[string]string{"src/libfoo.map": g.mapText(), g.names[file]: join(g.trunk[file])})
		return rec.mark, nil
	case r < headerSyncRate+symbolRate+revertRate && len(g.recent) > 50:
		return g.revert(tip)
	case r < headerSyncRate+symbolRate+revertRate+fixRate && len(g.recent) > 50:
		return g.fix(tip)
	case r < headerSyncRate+symbolRate+revertRate+fixRate+translationRate:
		return g.translate("refs/heads/main", tip, g.po), nil
	case r < headerSyncRate+symbolRate+revertRate+fixRate+translationRate+regenerateRate:
		return g.regenerate(tip), nil
	case r < headerSyncRate+symbolRate+revertRate+fixRate+translationRate+regenerateRate+renameRate:
		return g.rename(tip), nil
	}
	n := 1 + g.rng.IntN(2)
	rec := &commitRec{subject: g.subject(), fixable: true}
	files := map[string]string{}
	for range n {
		f := g.rng.IntN(g.opt.Files)
		rec.changes = append(rec.changes, g.edit(g.trunk, f))
		files[g.names[f]] = join(g.trunk[f])
	}
	msg := rec.subject + "\n\nRework the code path so that it behaves.\n\nSigned-off-by: " + g.pick(authors) + "\n"
	if g.rng.Float64() < stableCcRate {
		msg += "Cc: stable@vger.kernel.org\n"
	}
	rec.mark = g.commit("refs/heads/main", msg, tip, 0, files)
	g.remember(rec)
	return rec.mark, nil
}

// fix names an earlier commit in Fixes: and edits the same file; the kernel
// lines that have the bug take it as a -x cherry-pick at pickRate.
func (g *gen) fix(tip int) (int, error) {
	target := g.pickRecent(3000)
	if target == nil {
		return g.trunkCommit(tip)
	}
	tsha, err := g.sha(target.mark)
	if err != nil {
		return 0, err
	}
	file := target.changes[0].file
	rec := &commitRec{subject: fmt.Sprintf("%s: fix %s in %s %d", g.pick(subsystems), g.pick(nouns), filepath.Base(g.names[file]), g.commits), fixable: true}
	ch := g.edit(g.trunk, file)
	rec.changes = []change{ch}
	msg := fmt.Sprintf("%s\n\nThe earlier change broke it.\n\nFixes: %s (\"%s\")\nSigned-off-by: %s\n", rec.subject, tsha[:12], target.subject, g.pick(authors))
	rec.mark = g.commit("refs/heads/main", msg, tip, 0, map[string]string{g.names[file]: join(g.trunk[file])})
	g.remember(rec)
	g.sum.Fixes++
	// Cherry-picks to the newest lines forked after the target.
	for i := len(g.lines) - 1; i >= 0 && i >= len(g.lines)-3; i-- {
		l := g.lines[i]
		if l.forkMark < target.mark || g.rng.Float64() >= pickRate {
			continue
		}
		sha, err := g.sha(rec.mark)
		if err != nil {
			return 0, err
		}
		l.files[file][ch.line] = ch.new
		l.tip = g.commit("refs/heads/"+l.branch, msg+"\n(cherry picked from commit "+sha+")\n", l.tip, 0,
			map[string]string{l.names[file]: join(l.files[file])})
		g.sum.Picks++
		l.picks++
		if l.picks%stableEvery == 0 {
			// Translations are brought up to date before each release.
			l.tip = g.translate("refs/heads/"+l.branch, l.tip, l.po)
			l.stable++
			g.tag(fmt.Sprintf("v1.%d.0.%d", l.minor, l.stable), l.tip, fmt.Sprintf("libfoo 1.%d.0.%d\n\nTier: stable\nABI: 1\n", l.minor, l.stable))
		}
	}
	return rec.mark, nil
}

// pickRecent picks one of the last window trunk commits that a fix or a
// revert may name; nil if a few tries find none.
func (g *gen) pickRecent(window int) *commitRec {
	for range 8 {
		c := g.recent[len(g.recent)-1-g.rng.IntN(min(len(g.recent), window))]
		if c.fixable && len(c.changes) > 0 {
			return c
		}
	}
	return nil
}

func (g *gen) revert(tip int) (int, error) {
	target := g.pickRecent(200)
	if target == nil {
		return g.trunkCommit(tip)
	}
	tsha, err := g.sha(target.mark)
	if err != nil {
		return 0, err
	}
	files := map[string]string{}
	for _, ch := range target.changes {
		if g.trunk[ch.file][ch.line] == ch.new {
			g.trunk[ch.file][ch.line] = ch.old
		}
		files[g.names[ch.file]] = join(g.trunk[ch.file])
	}
	target.fixable = false
	g.sum.Reverts++
	msg := fmt.Sprintf("Revert \"%s\"\n\nThis reverts commit %s.\n\nIt broke the build on big-endian machines.\n", target.subject, tsha)
	return g.commit("refs/heads/main", msg, tip, 0, files), nil
}

// mergeTopic forks a topic branch at tip, writes 1-4 commits on it and
// 0-2 on trunk, and merges the topic into trunk.
func (g *gen) mergeTopic(tip int) (int, error) {
	overlay := map[int]map[int]string{}
	topic := tip
	fork := make(map[int][]string)
	k := 1 + g.rng.IntN(4)
	for range k {
		f := g.rng.IntN(g.opt.Files)
		if _, ok := fork[f]; !ok {
			fork[f] = slices.Clone(g.trunk[f])
		}
		ln := g.rng.IntN(fileLines)
		v := g.lineText()
		fork[f][ln] = v
		if overlay[f] == nil {
			overlay[f] = map[int]string{}
		}
		overlay[f][ln] = v
		rec := &commitRec{subject: g.subject(), fixable: true, changes: []change{{file: f, line: ln, new: v}}}
		rec.mark = g.commit("refs/heads/topic", rec.subject+"\n\nPart of a series.\n", topic, 0, map[string]string{g.names[f]: join(fork[f])})
		topic = rec.mark
		g.remember(rec)
	}
	for range g.rng.IntN(3) {
		var err error
		if tip, err = g.trunkCommit(tip); err != nil {
			return 0, err
		}
	}
	files := map[string]string{}
	for f, lines := range overlay {
		for ln, v := range lines {
			g.trunk[f][ln] = v
		}
		files[g.names[f]] = join(g.trunk[f])
	}
	return g.commit("refs/heads/main", fmt.Sprintf("Merge branch '%s-next-%d'\n\nA series of %d patches.\n", g.pick(subsystems), g.commits, k), tip, topic, files), nil
}

// WriteTo is for the command: it prints the summary.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	n, err := fmt.Fprintf(w, "%s: %d commits, %d kernel lines, %d releases, %d fixes, %d cherry-picks, %d reverts, %d translation updates, %d regenerations, %d renames in %s\n",
		s.Dir, s.Commits, len(s.Lines), s.Releases, s.Fixes, s.Picks, s.Reverts, s.Translations, s.Regenerations, s.Renames, s.Elapsed.Round(time.Millisecond))
	return int64(n), err
}

// Translation catalogs: poEntries entries of about 100 bytes per language.
const poEntries = 10000

var words = []string{"map", "program", "link", "object", "section", "relocation", "kernel", "attach", "cannot", "failed", "loaded", "invalid", "size", "type", "name", "value", "option", "buffer"}

func (g *gen) phrase(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.pick(words)
	}
	return strings.Join(ws, " ")
}

// poEntry is one catalog entry: where the message is used, the message,
// its translation.
func (g *gen) poEntry(j int) string {
	return fmt.Sprintf("#: src/%s/f%03d.c:%d\nmsgid \"%s %d\"\nmsgstr \"%s\"\n",
		g.pick(subsystems), g.rng.IntN(400), 1+g.rng.IntN(3000), g.phrase(4), j, g.phrase(5))
}

func poText(lang string, entries []string) string {
	return "# " + lang + " translations for libfoo.\nmsgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n" + strings.Join(entries, "\n")
}

// translate updates one language's catalog as a catalog tool does: a few
// translations change, and more source references move.
func (g *gen) translate(ref string, tip int, po [][]string) int {
	k := g.rng.IntN(len(po))
	for range poEntries / 20 {
		j := g.rng.IntN(poEntries)
		po[k][j] = g.poEntry(j)
	}
	g.sum.Translations++
	msg := fmt.Sprintf("%s\n\nUpdate the %s catalog from the translation platform.\n", translationSubject, languages[k])
	return g.commitAs(translationAuthor, ref, msg, tip, 0, nil, map[string]string{"po/" + languages[k] + ".po": poText(languages[k], po[k])})
}

// The generated header: genLines lines of about 40 bytes.
const genLines = 40000

func (g *gen) genLine() string {
	return fmt.Sprintf("\t__u%d %s_%s_%d;", 8<<g.rng.IntN(4), g.pick(subsystems), strings.ReplaceAll(g.pick(nouns), " ", "_"), g.rng.IntN(1000000))
}

// regenerate rewrites the generated header: members change, and a run of
// new ones is inserted.
func (g *gen) regenerate(tip int) int {
	for range genLines / 50 {
		g.gen[g.rng.IntN(len(g.gen))] = g.genLine()
	}
	at := g.rng.IntN(len(g.gen))
	add := make([]string, 20+g.rng.IntN(200))
	for i := range add {
		add[i] = g.genLine()
	}
	g.gen = slices.Insert(g.gen, at, add...)
	g.sum.Regenerations++
	return g.commit("refs/heads/main", fmt.Sprintf("sync: regenerate vmlinux.h %d\n\nFrom the latest bpf-next build.\n", g.commits), tip, 0,
		map[string]string{generatedPath: join(g.gen)})
}

// rename moves a trunk file to another subsystem's directory, editing it
// half of the time.
func (g *gen) rename(tip int) int {
	f := g.rng.IntN(g.opt.Files)
	from := g.names[f]
	to := fmt.Sprintf("src/%s/f%03d.c", g.pick(subsystems), f)
	if to == from {
		to = fmt.Sprintf("src/%s/moved/f%03d.c", subsystems[f%len(subsystems)], f)
	}
	g.names[f] = to
	files := map[string]string{}
	if g.rng.IntN(2) == 0 {
		g.edit(g.trunk, f)
		files[to] = join(g.trunk[f])
	}
	g.sum.Renames++
	return g.commitAs(g.pick(authors), "refs/heads/main", fmt.Sprintf("%s: move %s to %s\n\nA better home.\n", subsystems[f%len(subsystems)], filepath.Base(from), filepath.Dir(to)),
		tip, 0, [][2]string{{from, to}}, files)
}
