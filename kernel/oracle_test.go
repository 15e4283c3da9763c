package kernel

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tiered-release/tiered/branches"
)

// TestOracle holds the verdicts of the features check to an oracle that
// shares none of its readers: every libbpf release's copies of the UAPI
// headers against every kernel BTF at hand, each verdict compared with
// what `bpftool btf dump file BTF format raw` shows, and, for a kernel
// whose own UAPI headers are given, with what gcc compiles against them.
// A missed feature (the check says present, the oracle absent) and a
// false one (missing, and present) both fail. Inputs, all optional (the
// test skips without them; .ci/oracle fetches them):
//
//	TIERED_LIBBPF          a clone of github.com/libbpf/libbpf with its tags
//	TIERED_ORACLE_BTF      kernel BTF files named by version, raw or ELF, which
//	                       bpftool reads too (not .ci/kernels.sh's images)
//	TIERED_KERNEL_HEADERS  kernels' own UAPI headers: DIR or VERSION=DIR, comma-separated
func TestOracle(t *testing.T) {
	repoDir, kernels := os.Getenv("TIERED_LIBBPF"), os.Getenv("TIERED_ORACLE_BTF")
	if repoDir == "" || kernels == "" {
		t.Skip("set TIERED_LIBBPF to a libbpf clone and TIERED_ORACLE_BTF to a directory of kernel BTF (see .ci/oracle)")
	}
	bpftool, err := exec.LookPath("bpftool")
	if err != nil {
		t.Skip("needs bpftool, the oracle")
	}
	repo, err := branches.Open(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := repo.Tags()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := Load(LoadOptions{}, strings.Split(kernels, ",")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range idx.Skipped {
		t.Logf("skipped %s: %s", s.Path, s.Reason)
	}
	var headers []*Headers
	if hs := os.Getenv("TIERED_KERNEL_HEADERS"); hs != "" {
		for _, arg := range strings.Split(hs, ",") {
			h, err := LoadHeaders(arg)
			if err != nil {
				t.Fatal(err)
			}
			headers = append(headers, h)
		}
		idx.UseHeaders(headers...)
	}
	type kernelTruth struct {
		e      *kernelEntry
		btf    *btfTruth
		gcc    *gccTruth
		counts map[string]int
	}
	var truths []*kernelTruth
	for _, e := range idx.entries {
		out, err := exec.Command(bpftool, "btf", "dump", "file", e.source, "format", "raw").Output()
		if err != nil {
			t.Logf("%s: bpftool cannot read it (%v): not checked", e.source, err)
			continue
		}
		kt := &kernelTruth{e: e, btf: parseBTFDump(out), counts: map[string]int{}}
		if e.headers != nil {
			if _, err := exec.LookPath("gcc"); err == nil {
				kt.gcc = &gccTruth{dir: e.headers.Dir, tmp: t.TempDir(), cache: map[string]map[string]bool{}}
			}
		}
		truths = append(truths, kt)
	}
	if len(truths) == 0 {
		t.Skipf("bpftool reads none of the kernels in %s: the oracle wants raw BTF or ELF files (.ci/oracle cuts them out of .ci/kernels.sh's images)", kernels)
	}
	releases := 0
	for _, tag := range tags {
		if !regexp.MustCompile(`^v\d+\.\d+(\.\d+)?$`).MatchString(tag.Name) {
			continue
		}
		files, err := headerFiles(repo, tag.Commit)
		if err != nil || len(files) == 0 {
			t.Logf("%s: no include/uapi/linux headers", tag.Name)
			continue
		}
		releases++
		c := &Check{History: repoHistory{repo}, Config: Config{Headers: files}, Index: idx, Rev: tag.Name}
		needs, err := ReadNeeds(c.History, c.Config, tag.Commit)
		if err != nil {
			t.Fatalf("%s: %v", tag.Name, err)
		}
		for _, kt := range truths {
			k, err := kt.e.get()
			if err != nil {
				t.Fatal(err)
			}
			j := &judgement{check: c, entry: kt.e, kernel: k, needs: needs}
			verdicts, err := j.judgeAll()
			if err != nil {
				t.Fatalf("%s against %s: %v", tag.Name, kt.e.label(), err)
			}
			for i, v := range verdicts {
				f := needs[i]
				truth, decided := kt.btf.has(f)
				by := "bpftool"
				if !decided && kt.gcc != nil {
					truth, decided, err = kt.gcc.has(f)
					if err != nil {
						t.Fatal(err)
					}
					by = "gcc"
				}
				kt.counts["verdicts"]++
				kt.counts[string(v.Availability)]++
				switch {
				case !decided:
					kt.counts["oracle silent"]++
				case truth && v.Availability == Missing:
					kt.counts["false"]++
					kt.counts["false by "+by]++
					if kt.counts["false"] <= 10 {
						t.Errorf("%s against %s: %s (%s) is missing, but %s shows it: %s", tag.Name, kt.e.label(), f.ID, f.Source, by, v.Reason)
					}
				case !truth && v.Availability == Present:
					kt.counts["missed"]++
					kt.counts["missed by "+by]++
					if kt.counts["missed"] <= 10 {
						t.Errorf("%s against %s: %s (%s) is present, but %s shows no such thing", tag.Name, kt.e.label(), f.ID, f.Source, by)
					}
				case !truth && v.Availability == Unverifiable:
					kt.counts["unverifiable, oracle says absent"]++
					if kt.counts["unverifiable, oracle says absent"] <= 10 {
						t.Errorf("%s against %s: %s (%s) is unverifiable, but %s shows it absent: %s", tag.Name, kt.e.label(), f.ID, f.Source, by, v.Reason)
					}
				case truth && v.Availability == Unverifiable:
					kt.counts["unverifiable, oracle says present"]++
				default:
					kt.counts["agreed by "+by]++
				}
			}
		}
	}
	t.Logf("%d releases", releases)
	for _, kt := range truths {
		c := kt.counts
		t.Logf("kernel %s: %d verdicts (present %d, missing %d, unverifiable %d); decided by bpftool %d, by gcc %d, oracle silent %d; missed %d, false %d, unverifiable where the oracle decides %d",
			kt.e.label(), c["verdicts"], c[string(Present)], c[string(Missing)], c[string(Unverifiable)],
			c["agreed by bpftool"]+c["missed by bpftool"]+c["false by bpftool"], c["agreed by gcc"]+c["missed by gcc"]+c["false by gcc"], c["oracle silent"],
			c["missed"], c["false"], c["unverifiable, oracle says absent"]+c["unverifiable, oracle says present"])
	}
}

// headerFiles lists a release's copies of the UAPI headers.
func headerFiles(repo *branches.Repo, commit string) ([]string, error) {
	out, err := exec.Command("git", "-C", repo.WorkTree(), "ls-tree", "--name-only", commit, "include/uapi/linux/").Output()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasSuffix(l, ".h") {
			files = append(files, l)
		}
	}
	return files, nil
}

// repoHistory is kernel.History over branches.Repo, as policies adapts it.
type repoHistory struct{ *branches.Repo }

func (r repoHistory) Parents(commit string) ([]string, error) {
	c, err := r.Commit(commit)
	return c.Parents, err
}

func (r repoHistory) IsRevert(commit string) (bool, error) {
	c, err := r.Commit(commit)
	return strings.Contains(c.Message, "This reverts commit"), err
}

// btfTruth is what bpftool shows of a kernel's BTF.
type btfTruth struct {
	types    map[int]*dumpType
	named    map[string][]*dumpType // struct, union and enum by name
	constant map[string]bool        // enum constants
}

type dumpType struct {
	kind, name string
	ref        int // the type a typedef, qualifier or array refers to
	members    []dumpMember
}

type dumpMember struct {
	name string
	typ  int
}

var dumpLine = regexp.MustCompile(`^\[(\d+)\] (\w+) '([^']*)'(.*)$`)

func parseBTFDump(out []byte) *btfTruth {
	b := &btfTruth{types: map[int]*dumpType{}, named: map[string][]*dumpType{}, constant: map[string]bool{}}
	var cur *dumpType
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := dumpLine.FindStringSubmatch(line); m != nil {
			id, _ := strconv.Atoi(m[1])
			cur = &dumpType{kind: m[2], name: m[3]}
			if m[3] == "(anon)" {
				cur.name = ""
			}
			if r := regexp.MustCompile(`\btype_id=(\d+)`).FindStringSubmatch(m[4]); r != nil {
				cur.ref, _ = strconv.Atoi(r[1])
			}
			b.types[id] = cur
			switch cur.kind {
			case "STRUCT", "UNION", "ENUM", "ENUM64":
				if cur.name != "" {
					b.named[cur.name] = append(b.named[cur.name], cur)
				}
			}
			continue
		}
		if cur == nil || !strings.HasPrefix(line, "\t'") {
			continue
		}
		rest := line[2:]
		name, attrs, _ := strings.Cut(rest, "'")
		if name == "(anon)" {
			name = ""
		}
		switch cur.kind {
		case "ENUM", "ENUM64":
			b.constant[name] = true
			cur.members = append(cur.members, dumpMember{name: name})
		case "STRUCT", "UNION":
			m := dumpMember{name: name}
			if r := regexp.MustCompile(`type_id=(\d+)`).FindStringSubmatch(attrs); r != nil {
				m.typ, _ = strconv.Atoi(r[1])
			}
			cur.members = append(cur.members, m)
		}
	}
	return b
}

// has says whether the kernel has f, and whether its BTF decides it.
func (b *btfTruth) has(f Feature) (present, decided bool) {
	switch f.Kind {
	case KindEnumValue:
		if b.constant[f.Name] {
			return true, true
		}
		if name, ok := strings.CutPrefix(f.Container, "enum "); ok {
			for _, t := range b.named[name] {
				if t.kind == "ENUM" || t.kind == "ENUM64" {
					return false, true
				}
			}
			return false, false
		}
		if f.Group != "" && f.Group != f.Name && b.constant[f.Group] {
			return false, true
		}
		return false, false
	case KindType:
		want := map[string]string{"struct": "STRUCT", "union": "UNION", "enum": "ENUM"}[f.Container]
		for _, t := range b.named[f.Name] {
			if want == "" || t.kind == want || want == "ENUM" && t.kind == "ENUM64" {
				return true, true
			}
		}
		return false, false
	case KindMember:
		var root *dumpType
		for _, t := range b.named[f.Path[0]] {
			if t.kind == "STRUCT" || t.kind == "UNION" {
				if root == nil || strings.HasPrefix(f.Container, strings.ToLower(t.kind)+" ") {
					root = t
				}
			}
		}
		if root == nil {
			return false, false
		}
		cur := root
		for i, name := range f.Path[1:] {
			m, ok := b.member(cur, name, 0)
			if !ok {
				return false, true
			}
			if i == len(f.Path)-2 {
				return true, true
			}
			if cur = b.composite(m.typ); cur == nil {
				return false, true
			}
		}
		return true, true
	}
	return false, false
}

func (b *btfTruth) member(t *dumpType, name string, depth int) (dumpMember, bool) {
	if depth > 32 {
		return dumpMember{}, false
	}
	for _, m := range t.members {
		if m.name == name {
			return m, true
		}
		if m.name == "" {
			if inner := b.composite(m.typ); inner != nil {
				if found, ok := b.member(inner, name, depth+1); ok {
					return found, true
				}
			}
		}
	}
	return dumpMember{}, false
}

func (b *btfTruth) composite(id int) *dumpType {
	for range 32 {
		t := b.types[id]
		if t == nil {
			return nil
		}
		switch t.kind {
		case "STRUCT", "UNION":
			return t
		case "TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG", "ARRAY":
			id = t.ref
		default:
			return nil
		}
	}
	return nil
}

// flags are gcc's flags for the headers. Installed headers (/usr/include)
// need none; a kernel tree's include/uapi needs what the kernel's
// headers_install.sh does to them: the compiler.h includes and the
// sparse annotations go.
func (g *gccTruth) flags() []string {
	flags := []string{"-fsyntax-only", "-w"}
	tree, ok := strings.CutSuffix(filepath.Clean(g.dir), filepath.Join("include", "uapi"))
	if !ok {
		return append(flags, "-I", g.dir)
	}
	shim := filepath.Join(g.tmp, "shim")
	os.MkdirAll(filepath.Join(shim, "linux"), 0o755)
	for _, h := range []string{"compiler.h", "compiler_types.h"} {
		os.WriteFile(filepath.Join(shim, "linux", h), nil, 0o644)
	}
	return append(flags, "-D__user=", "-D__force=", "-D__iomem=", "-D__attribute_const__=", "-I", shim, "-I", g.dir,
		"-I", filepath.Join(tree, "arch", "x86", "include", "uapi"), "-I", filepath.Join(tree, "arch", "x86", "include", "generated", "uapi"))
}

// gccTruth is what gcc compiles against a kernel's own UAPI headers: one
// translation unit per header, a line per feature, and the lines gcc
// rejects are the features the headers lack.
type gccTruth struct {
	dir, tmp string
	cache    map[string]map[string]bool // header → feature key → present
}

func (g *gccTruth) has(f Feature) (present, decided bool, err error) {
	var expr string
	switch f.Kind {
	case KindDefine, KindEnumValue:
		// A constant: a macro, or an enum constant.
		expr = "#ifndef " + f.Name + "\nlong long x = (long long)(" + f.Name + ");\n#endif"
	case KindType:
		if f.Container == "" {
			return false, false, nil
		}
		expr = "int x = sizeof(" + f.Container + " " + f.Name + ");"
	case KindMember:
		kw, _, _ := strings.Cut(f.Container, " ")
		// A member access compiles for bit-fields and flexible arrays,
		// which sizeof and offsetof refuse.
		expr = "void x(void) { (void)(((" + kw + " " + f.Path[0] + " *)0)->" + strings.Join(f.Path[1:], ".") + "); }"
	default:
		return false, false, nil
	}
	file := sourceFile(f)
	rel := counterpart(file)
	if _, err := os.Stat(filepath.Join(g.dir, rel)); err != nil {
		return false, true, nil // the kernel has no such header
	}
	results, ok := g.cache[rel]
	if !ok {
		results = map[string]bool{}
		g.cache[rel] = results
	}
	key := string(f.Kind) + " " + f.ID
	if p, ok := results[key]; ok {
		return p, true, nil
	}
	// One feature per compile keeps the oracle simple and exact.
	src := "#include <linux/types.h>\n#include <" + rel + ">\n" + expr + "\n"
	name := filepath.Join(g.tmp, strings.ReplaceAll(path.Base(rel), ".", "_")+".c")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		return false, false, err
	}
	cmd := exec.Command("gcc", append(g.flags(), name)...)
	p := cmd.Run() == nil
	results[key] = p
	return p, true, nil
}
