package policies

import (
	"hash/fnv"
	"path"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/branches"
)

// Similarity of patches, as `git range-diff` pairs commits: two patches
// are alike as far as their changed lines are. Lines are compared as
// hashes with their whitespace removed (as patch-ids ignore it), so the
// measure is linear in the patches' size and never diffs file contents.

// lineHashes returns the changed lines of the files of p that count, as
// hashes of the sign and the line without whitespace, with how often each
// occurs. A binary or oversized file counts as one line: its new blob.
func lineHashes(p *branches.Patch) (map[uint64]int, int) {
	out := map[uint64]int{}
	n := 0
	for _, f := range p.Files {
		if countsForNothing(f.Path()) {
			continue
		}
		if f.Binary {
			out[hashLine("binary "+f.Path()+" "+f.NewID)]++
			n++
			continue
		}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l == "" || l[0] == ' ' {
					continue
				}
				out[hashLine(l)]++
				n++
			}
		}
	}
	return out, n
}

func hashLine(l string) uint64 {
	h := fnv.New64a()
	for _, f := range strings.Fields(l) {
		h.Write([]byte(f))
	}
	return h.Sum64()
}

// similarity returns how alike patches a and b are: twice the changed
// lines they share over the changed lines of both (a multiset Dice
// coefficient), from 0 to 1. Two empty patches are alike (1); two that
// change only files that count for nothing (translations, generated
// files) have nothing to compare and are not (0).
func similarity(a, b *branches.Patch) float64 {
	ha, na := lineHashes(a)
	hb, nb := lineHashes(b)
	if na+nb == 0 && len(a.Files)+len(b.Files) > 0 {
		return 0
	}
	return dice(ha, na, hb, nb)
}

func dice(ha map[uint64]int, na int, hb map[uint64]int, nb int) float64 {
	if na+nb == 0 {
		return 1
	}
	common := 0
	for h, k := range hb {
		common += min(k, ha[h])
	}
	return 2 * float64(common) / float64(na+nb)
}

// fileAlike returns how alike a deleted file's removed lines and an added
// file's added lines are: whether an addition is a rename of a deletion.
func fileAlike(deleted, added branches.FilePatch) float64 {
	count := func(f branches.FilePatch, sign byte) (map[uint64]int, int) {
		out, n := map[uint64]int{}, 0
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l != "" && l[0] == sign {
					out[hashLine(l[1:])]++
					n++
				}
			}
		}
		return out, n
	}
	if deleted.Binary || added.Binary {
		if deleted.OldID != "" && deleted.OldID == added.NewID {
			return 1
		}
		return 0
	}
	hd, nd := count(deleted, '-')
	ha, na := count(added, '+')
	if nd+na == 0 {
		return 0
	}
	return dice(hd, nd, ha, na)
}

// renameSimilarity is how alike a deletion and an addition of one commit
// must be to count as a rename: git's default for diff -M.
const renameSimilarity = 0.5

// lockfiles are package managers' generated lock files.
var lockfiles = map[string]bool{
	"package-lock.json": true, "yarn.lock": true, "pnpm-lock.yaml": true, "npm-shrinkwrap.json": true,
	"Cargo.lock": true, "go.sum": true, "poetry.lock": true, "Pipfile.lock": true, "Gemfile.lock": true,
	"composer.lock": true, "flake.lock": true, "uv.lock": true,
}

// countsForNothing reports whether a file is generated or a translation,
// whose changes say nothing about whether two patches are one change:
// po/ catalogs, .pot templates, configure scripts, lock files.
// onlyCountingForNothing reports whether paths, a commit's changed paths,
// are all files that count for nothing, and at least one: such a commit
// has no changed lines to compare, whatever its patch.
func onlyCountingForNothing(paths []string) bool {
	return len(paths) > 0 && !slices.ContainsFunc(paths, func(p string) bool { return !countsForNothing(p) })
}

func countsForNothing(p string) bool {
	base := path.Base(p)
	return isTranslation(p) || base == "configure" || lockfiles[base]
}

// isTranslation reports whether p is a translation catalog or template.
func isTranslation(p string) bool {
	switch path.Ext(p) {
	case ".po", ".pot", ".mo", ".gmo":
		return true
	}
	return underDir(p, "po", "po-man", "po-docs", "translations", "locale", "locales")
}

// isDocumentation reports whether p is documentation: text and markup
// files, man pages, Documentation/ and docs/ trees.
func isDocumentation(p string) bool {
	base := strings.ToLower(path.Base(p))
	if base == "cmakelists.txt" || base == "requirements.txt" {
		return false
	}
	switch path.Ext(base) {
	case ".md", ".rst", ".txt", ".adoc", ".asciidoc", ".html", ".texi", ".1", ".2", ".3", ".4", ".5", ".6", ".7", ".8", ".9":
		return true
	}
	for _, name := range []string{"readme", "news", "changelog", "changes", "authors", "copying", "license", "contributing", "releasenotes"} {
		if strings.HasPrefix(base, name) {
			return true
		}
	}
	return underDir(p, "Documentation", "docs", "doc", "man")
}

// isCI reports whether p configures continuous integration.
func isCI(p string) bool {
	switch path.Base(p) {
	case ".gitlab-ci.yml", ".travis.yml", ".cirrus.yml", "azure-pipelines.yml", "appveyor.yml", ".packit.yaml":
		return true
	}
	return underDir(p, ".github", ".circleci", ".ci", "ci")
}

// isTest reports whether p is a test or test data.
func isTest(p string) bool {
	base := path.Base(p)
	return strings.Contains(base, "_test.") || strings.HasPrefix(base, "test_") ||
		underDir(p, "tests", "test", "testing", "testdata", "selftests")
}

// underDir reports whether one of p's directories is named one of dirs.
func underDir(p string, dirs ...string) bool {
	parts := strings.Split(p, "/")
	for _, d := range parts[:len(parts)-1] {
		for _, want := range dirs {
			if d == want {
				return true
			}
		}
	}
	return false
}
