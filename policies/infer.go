package policies

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// Survey is what [Infer] reads of a repository. *branches.Repo satisfies
// it.
type Survey interface {
	Tags() ([]branches.Tag, error)
	Branches() ([]branches.Branch, error)
	// RemoteHead names the branch origin's HEAD points at, "" if none.
	RemoteHead() string
	// HeadBranch names the branch HEAD is on, "" if detached.
	HeadBranch() string
	// Files lists the paths of commit's tree.
	Files(commit string) ([]string, error)
	ReadFile(commit, path string) ([]byte, error)
	FirstParents(commit string, max int) ([]string, error)
	Commit(hash string) (branches.Commit, error)
}

var _ Survey = (*branches.Repo)(nil)

// Inference is a release policy read off a repository, and why.
type Inference struct {
	Policy *Policy
	// Notes say what was found and why each value was chosen, one line
	// each, in the order of the policy file.
	Notes []string
	// Trailers counts the fix-evidence trailers of trunk's recent commits.
	Trailers map[string]int
	// Examined is how many trunk commits the trailer counts come from.
	Examined int
}

// surveyDepth bounds the trunk commits read for trailers in use.
const surveyDepth = 2000

var (
	// versionedName splits a tag or branch name around its version:
	// "libbpf-1.4.7" → "libbpf-", "1.4.7", "".
	versionedName = regexp.MustCompile(`^(.*?)([0-9]+(?:\.[0-9]+){0,3})([-+~].*)?$`)
	// versionNode reads a library name off a version node: LIBBPF_0.0.1.
	versionNode = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*?)_[0-9]`)
)

// evidenceTrailers are the trailers of fix evidence counted on trunk.
var evidenceTrailers = []string{"Fixes:", "Closes:", "Resolves:", "Addresses:", "Bug:", "Cc: stable@vger.kernel.org", "Stable-dep-of:", "(cherry picked from commit"}

// Infer reads a release policy off a repository: the trunk (origin's
// HEAD, else main or master, else HEAD's branch), the tag pattern and the
// scheme from the tags that exist, branch patterns from the branches, the
// symbol version script and library name, the UAPI header copies, and the
// fix-evidence trailers trunk's commits use. It returns an error only when
// the repository cannot be read or has no branch at all.
func Infer(s Survey) (*Inference, error) {
	in := &Inference{Policy: Default(), Trailers: map[string]int{}}
	p := in.Policy
	note := func(format string, args ...any) { in.Notes = append(in.Notes, fmt.Sprintf(format, args...)) }

	brs, err := s.Branches()
	if err != nil {
		return nil, err
	}
	if len(brs) == 0 {
		return nil, errors.New("the repository has no branch: commit something first")
	}
	has := func(name string) (string, bool) {
		for _, b := range brs {
			if b.Name == name {
				return b.Commit, true
			}
		}
		return "", false
	}
	var trunkTip string
	for _, c := range []struct{ name, why string }{
		{s.RemoteHead(), "origin's HEAD points at it"},
		{"main", "the branch main exists"},
		{"master", "the branch master exists"},
		{s.HeadBranch(), "HEAD is on it"},
		{brs[0].Name, "it is the first branch"},
	} {
		if tip, ok := has(c.name); ok && c.name != "" {
			p.Trunk, trunkTip = c.name, tip
			note("trunk: %s (%s)", c.name, c.why)
			break
		}
	}

	var files []string
	if files, err = s.Files(trunkTip); err != nil {
		return nil, err
	}
	var headers []string
	for _, f := range files {
		if strings.Contains(f, "uapi/linux/") && strings.HasSuffix(f, ".h") {
			headers = append(headers, f)
		}
	}
	p.UAPI.Headers = headers
	if len(headers) > 0 {
		note("uapi.headers: %s of kernel UAPI headers (%s)", plural(len(headers), "copy", "copies"), shortList(headers, 4))
	} else {
		note("uapi.headers: none (no */uapi/linux/*.h in %s): the features gate has nothing to check", p.Trunk)
	}

	tags, err := s.Tags()
	if err != nil {
		return nil, err
	}
	numbers := in.inferTags(tags, len(headers) > 0)
	in.inferBranches(brs, numbers)

	if err := in.inferABI(s, trunkTip, files); err != nil {
		return nil, err
	}
	if err := in.inferTrailers(s, trunkTip); err != nil {
		return nil, err
	}
	return in, nil
}

// nameKey is a name's shape: its text around a version of n numbers.
type nameKey struct {
	prefix, suffix string
	n              int
}

// inferTags picks the tag pattern most tags follow and the scheme their
// count of numbers implies; it returns that count.
func (in *Inference) inferTags(tags []branches.Tag, kernelAdjacent bool) int {
	p := in.Policy
	count := map[nameKey]int{}
	for _, t := range tags {
		m := versionedName.FindStringSubmatch(t.Name)
		if m == nil || strings.ContainsAny(m[1], "0123456789") {
			continue
		}
		count[nameKey{prefix: m[1], n: strings.Count(m[2], ".") + 1}]++
	}
	keys := sortedKeys(count)
	if len(keys) == 0 || keys[0].n < 2 {
		in.Notes = append(in.Notes, fmt.Sprintf("tags: no version tags yet; v{version} and the four-tier scheme (%d tags read)", len(tags)))
		return 4
	}
	best := keys[0]
	// Two-number tags (v0.2) are written beside three-number ones: the
	// count of numbers is the highest among tags of the best prefix.
	n := best.n
	for _, k := range keys {
		if k.prefix == best.prefix && k.n > n && count[k] > 0 {
			n = k.n
		}
	}
	matched := 0
	for _, k := range keys {
		if k.prefix == best.prefix {
			matched += count[k]
		}
	}
	p.Tags = versioning.MustParsePattern(best.prefix + "{version}")
	switch {
	case n >= 4:
		p.Scheme = versioning.SchemeFour
	case kernelAdjacent:
		p.Scheme = versioning.SchemeKernel
	default:
		p.Scheme = versioning.SchemeSemver
	}
	in.Notes = append(in.Notes, fmt.Sprintf("tags: %q (%d of %d tags follow it)", p.Tags, matched, len(tags)))
	why := map[versioning.Scheme]string{
		versioning.SchemeFour:   "four-number tags",
		versioning.SchemeKernel: "three-number tags and kernel UAPI headers: ABI.kernel.stable, as libbpf versions",
		versioning.SchemeSemver: "three-number tags and no kernel UAPI headers: plain semver",
	}
	in.Notes = append(in.Notes, fmt.Sprintf("scheme: %s (%s)", p.Scheme, why[p.Scheme]))
	return min(n, 4)
}

// inferBranches picks a pattern per tier from the branches named by
// versions: one per release ({version}) when the names carry as many
// numbers as the tags, else per line.
func (in *Inference) inferBranches(brs []branches.Branch, tagNumbers int) {
	p := in.Policy
	scheme := p.Scheme
	count := map[nameKey]int{}
	for _, b := range brs {
		if b.Name == p.Trunk {
			continue
		}
		m := versionedName.FindStringSubmatch(b.Name)
		if m == nil || m[3] != "" || m[1] == "" || strings.ContainsAny(m[1], "0123456789") {
			continue // no version, or a topic branch such as libbpf-0.1.1-xdp-bug-fix
		}
		count[nameKey{prefix: m[1], n: strings.Count(m[2], ".") + 1}]++
	}
	tiers := scheme.Tiers()
	placeholders := map[versioning.Tier]string{
		versioning.TierABI: "{abi}", versioning.TierKernel: "{kernel}", versioning.TierFeature: "{feature}",
	}
	chosen := map[string]string{} // policy key → pattern
	why := map[string]string{}
	for _, k := range sortedKeys(count) {
		var key, pat string
		switch {
		case k.n == tagNumbers:
			key, pat = "stable", k.prefix+"{version}"
		case k.n < len(tiers):
			parts := make([]string, k.n)
			for i := range k.n {
				parts[i] = placeholders[tiers[i]]
			}
			pat = k.prefix + strings.Join(parts, ".")
			key = map[versioning.Tier]string{versioning.TierABI: "abi", versioning.TierKernel: "kernel", versioning.TierFeature: "stable"}[tiers[k.n-1]]
		default:
			continue
		}
		if _, taken := chosen[key]; taken || key == "" {
			continue
		}
		if _, err := versioning.ParsePattern(pat); err != nil {
			continue
		}
		chosen[key] = pat
		why[key] = fmt.Sprintf("%d branches", count[k])
	}
	set := func(key string, out *versioning.Pattern) {
		if pat, ok := chosen[key]; ok {
			*out = versioning.MustParsePattern(pat)
			in.Notes = append(in.Notes, fmt.Sprintf("branches.%s: %q (%s follow it)", key, pat, why[key]))
			return
		}
		*out = versioning.Pattern{}
		in.Notes = append(in.Notes, fmt.Sprintf("branches.%s: none (no branch is named like one)", key))
	}
	set("abi", &p.Branches.ABI)
	set("kernel", &p.Branches.Kernel)
	set("stable", &p.Branches.Stable)
}

// inferABI finds the ELF version script with the most symbols, and the
// library name from its file name or its version nodes.
func (in *Inference) inferABI(s Survey, tip string, files []string) error {
	p := in.Policy
	best, bestN, bestNode := "", 0, ""
	for _, f := range files {
		if !strings.HasSuffix(f, ".map") && !strings.HasSuffix(f, ".ver") && !strings.HasSuffix(f, ".sym") {
			continue
		}
		data, err := s.ReadFile(tip, f)
		if err != nil {
			return err
		}
		if !bytes.Contains(data, []byte("global:")) && !bytes.Contains(data, []byte("local:")) {
			continue
		}
		m := abi.ParseSymbolMap(data)
		if len(m) > bestN {
			best, bestN, bestNode = f, len(m), ""
			for _, node := range m {
				if bestNode == "" || node < bestNode {
					bestNode = node
				}
			}
		}
	}
	if best == "" {
		p.ABI = ABIConfig{}
		in.Notes = append(in.Notes, "abi: no ELF version script (*.map with global:/local:): the ABI gate needs --lib or abi.symbol_map")
		return nil
	}
	p.ABI.SymbolMap = best
	base := strings.TrimSuffix(path.Base(best), path.Ext(best))
	switch m := versionNode.FindStringSubmatch(bestNode); {
	case strings.HasPrefix(base, "lib"):
		p.ABI.Library = base
	case m != nil:
		p.ABI.Library = "lib" + strings.TrimPrefix(strings.ToLower(m[1]), "lib")
	default:
		p.ABI.Library = "lib" + base
	}
	in.Notes = append(in.Notes, fmt.Sprintf("abi.symbol_map: %s (%d symbols); abi.library: %s", best, bestN, p.ABI.Library))
	return nil
}

// inferTrailers counts the fix-evidence trailers of trunk's recent
// commits, and nominates with Cc: stable when the project uses it.
func (in *Inference) inferTrailers(s Survey, tip string) error {
	shas, err := s.FirstParents(tip, surveyDepth)
	if err != nil {
		return err
	}
	for _, sha := range shas {
		c, err := s.Commit(sha)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(c.Message, "\n") {
			line = strings.TrimSpace(line)
			for _, t := range evidenceTrailers {
				if len(line) >= len(t) && strings.EqualFold(line[:len(t)], t) {
					in.Trailers[t]++
				}
			}
		}
	}
	in.Examined = len(shas)
	in.Policy.Fixes.Nominate = in.nominate()
	var used []string
	for _, t := range evidenceTrailers {
		if n := in.Trailers[t]; n > 0 {
			used = append(used, fmt.Sprintf("%s %d", t, n))
		}
	}
	if len(used) == 0 {
		in.Notes = append(in.Notes, fmt.Sprintf("fixes: no fix-evidence trailers in the last %d commits of %s", len(shas), in.Policy.Trunk))
		return nil
	}
	in.Notes = append(in.Notes, fmt.Sprintf("fixes: in the last %d commits of %s: %s", len(shas), in.Policy.Trunk, strings.Join(used, ", ")))
	return nil
}

// YAML writes the inferred policy as a commented tiered.yaml, which
// [Parse] reads back to the same policy.
func (in *Inference) YAML() []byte {
	p := in.Policy
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# tiered.yaml: the release policy of this repository, written by\n")
	w("# `tiered init` from what the repository holds. Edit freely; every key\n")
	w("# has a default, and `tiered status` shows how the repository reads.\n\n")
	for _, n := range in.Notes {
		w("# %s\n", n)
	}
	w("\n# How versions are written: abi.kernel.feature.stable, abi.kernel.stable\n# (libbpf) or abi.feature.stable (semver).\n")
	w("scheme: %s\n", p.Scheme)
	w("trunk: %s\n", strconv.Quote(p.Trunk))
	w("tags: %s\n", strconv.Quote(p.Tags.String()))
	w("# Branch names per tier: {abi} {kernel} {feature}, or {version} for one\n# branch per release; \"\" for none.\n")
	w("branches:\n")
	w("  abi: %s\n", strconv.Quote(p.Branches.ABI.String()))
	w("  kernel: %s\n", strconv.Quote(p.Branches.Kernel.String()))
	w("  stable: %s\n", strconv.Quote(p.Branches.Stable.String()))
	if p.Scheme.Has(versioning.TierKernel) {
		w("# The baseline kernel of each kernel line, where its first release tag\n# carries no Kernel-Baseline: (tiered cut writes it), e.g.\n# kernels:\n#   \"1.4\": \"6.9\"\n")
	}
	if p.ABI.SymbolMap != "" {
		w("abi:\n  library: %s\n  symbol_map: %s\n", strconv.Quote(p.ABI.Library), strconv.Quote(p.ABI.SymbolMap))
	}
	w("uapi:\n  headers:")
	if len(p.UAPI.Headers) == 0 {
		w(" []\n")
	} else {
		w("\n")
		for _, h := range p.UAPI.Headers {
			w("    - %s\n", strconv.Quote(h))
		}
	}
	w("# Kernel BTF for the features gate: a file (/sys/kernel/btf/vmlinux) or a\n# directory of files named by kernel version.\n# features:\n#   btf: /sys/kernel/btf/vmlinux\n")
	w("fixes:\n  nominate: [")
	for i, n := range in.nominate() {
		if i > 0 {
			w(", ")
		}
		w("%s", strconv.Quote(n))
	}
	w("]\n")
	return []byte(b.String())
}

// nominate is the nomination trailers the project uses.
func (in *Inference) nominate() []string {
	if in.Trailers["Cc: stable@vger.kernel.org"] > 0 {
		return []string{"Cc: stable@vger.kernel.org"}
	}
	return []string{}
}

// sortedKeys orders name shapes by how many names have them, then by
// more numbers, then by prefix.
func sortedKeys(count map[nameKey]int) []nameKey {
	keys := make([]nameKey, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b nameKey) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.prefix, b.prefix)
	})
	return keys
}

func shortList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(", and %d more", len(xs)-n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
