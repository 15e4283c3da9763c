package policies

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// DefaultFile is the policy file's name at the repository root.
const DefaultFile = "tiered.yaml"

// Policy is a project's release policy (DESIGN §8). [Default] gives every
// key its default; [Parse] overrides what a file sets.
type Policy struct {
	// File is where the policy came from; empty for the built-in default.
	File     string
	Scheme   versioning.Scheme
	Trunk    string
	Tags     versioning.Pattern
	Branches BranchPatterns
	// Kernels maps a kernel line ("1.4") to its baseline kernel, where the
	// line's first tag does not carry it.
	Kernels  map[string]versioning.Kernel
	ABI      ABIConfig
	UAPI     UAPIConfig
	Features FeaturesConfig
	Fixes    FixesConfig
	Backport BackportConfig
	Packages []PackageSpec
	// Packaging is what tiered package needs beyond the install tree.
	Packaging PackagingConfig
}

// BranchPatterns names the branch of each tier's lines. A zero pattern
// means the project has no branches of that tier.
type BranchPatterns struct {
	ABI, Kernel, Stable versioning.Pattern
}

// ABIConfig says where the library's ABI is declared.
type ABIConfig struct {
	Library   string // soname base, "libfoo"
	SymbolMap string // ELF version script, "src/libfoo.map"
}

// UAPIConfig lists the kernel UAPI headers a release carries.
type UAPIConfig struct {
	Headers []string
}

// FeaturesConfig says where kernel features and kernel BTF come from.
type FeaturesConfig struct {
	Manifest string
	BTF      string
}

// FixesConfig says what makes a commit a fix beyond the built-in trailers
// (DESIGN §3): the trailers that nominate it for stable lines, and more
// evidence a project writes.
type FixesConfig struct {
	Nominate []string
	// Evidence are regular expressions (RE2, ignoring case) matched at the
	// start of the subject or of any line of the message: "Addresses:",
	// `\[BUGFIX\]`.
	Evidence []EvidencePattern
}

// EvidencePattern is one fixes.evidence pattern of the policy file.
type EvidencePattern struct {
	Source string // as written
	re     *regexp.Regexp
}

// String is the pattern as written: what a [Policy.Fingerprint] shows
// (the compiled expression is a pointer, another in every run).
func (e EvidencePattern) String() string { return e.Source }

// ParseEvidencePattern compiles a fixes.evidence pattern: a regular
// expression matched, ignoring case, at the start of a line.
func ParseEvidencePattern(s string) (EvidencePattern, error) {
	re, err := regexp.Compile(`(?i)^\s*(?:` + s + `)`)
	if err != nil {
		return EvidencePattern{}, err
	}
	return EvidencePattern{Source: s, re: re}, nil
}

// match returns the first line of message the pattern matches, trimmed.
func (e EvidencePattern) match(message string) (string, bool) {
	for _, line := range strings.Split(message, "\n") {
		if e.re != nil && e.re.MatchString(line) {
			return strings.TrimSpace(line), true
		}
	}
	return "", false
}

// BackportConfig tunes backport eligibility (DESIGN §4, §8).
type BackportConfig struct {
	// UpstreamFirst forbids a commit that is on no source line and names
	// no upstream commit (rule upstream-first).
	UpstreamFirst bool
	// Similarity is how alike two patches with the same subject and
	// author must be for one to count as the other applied, edited: the
	// share of changed lines they have in common, from 0 to 1.
	Similarity float64
}

// DefaultSimilarity is backport.similarity's default.
const DefaultSimilarity = 0.6

// PackageSpec describes one package `tiered package` builds.
type PackageSpec struct {
	Name        string   // may contain {abi}
	Kind        string   // "runtime" or "dev"
	Files       []string // globs relative to the install tree
	Depends     []string
	Description string
}

// Default returns the built-in policy: the four-tier scheme, trunk main,
// tags v{version}, release/v… branches.
func Default() *Policy {
	return &Policy{
		Scheme: versioning.SchemeFour,
		Trunk:  "main",
		Tags:   versioning.MustParsePattern("v{version}"),
		Branches: BranchPatterns{
			ABI:    versioning.MustParsePattern("release/v{abi}"),
			Kernel: versioning.MustParsePattern("release/v{abi}.{kernel}"),
			Stable: versioning.MustParsePattern("release/v{abi}.{kernel}.{feature}"),
		},
		Kernels:  map[string]versioning.Kernel{},
		UAPI:     UAPIConfig{Headers: []string{"include/uapi/linux/bpf.h"}},
		Fixes:    FixesConfig{Nominate: []string{"Cc: stable@vger.kernel.org"}},
		Backport: BackportConfig{UpstreamFirst: true, Similarity: DefaultSimilarity},
	}
}

// Fingerprint writes out every setting of the policy, the same for the
// same settings in every run: caches key answers by it.
func (p *Policy) Fingerprint() string { return fmt.Sprintf("%+v", *p) }

// Load reads the policy file at path and parses it. It returns an error
// wrapping fs.ErrNotExist if there is no such file.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Repository is where [LoadRepo] looks for a policy: a work tree, or
// the commit HEAD names in a bare repository.
type Repository interface {
	WorkTree() string
	Resolve(rev string) (string, error)
	ReadFile(commit, path string) ([]byte, error)
}

// LoadRepo reads a repository's policy: tiered.yaml at the root of its
// work tree or, in a bare repository, tiered.yaml committed on HEAD; the
// built-in default when there is none.
func LoadRepo(r Repository) (*Policy, error) {
	if wt := r.WorkTree(); wt != "" {
		return LoadOrDefault(filepath.Join(wt, DefaultFile))
	}
	head, err := r.Resolve("HEAD")
	if err != nil {
		return Default(), nil
	}
	data, err := r.ReadFile(head, DefaultFile)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(DefaultFile+"@HEAD", data)
}

// Layout is how package branches reads the repository's lines under this
// policy.
func (p *Policy) Layout() branches.Layout {
	return branches.Layout{
		Scheme:       p.Scheme,
		Trunk:        p.Trunk,
		Tags:         p.Tags,
		ABIBranch:    p.Branches.ABI,
		KernelBranch: p.Branches.Kernel,
		StableBranch: p.Branches.Stable,
		Kernels:      p.Kernels,
	}
}

// LoadOrDefault is [Load], but a missing file gives [Default].
func LoadOrDefault(path string) (*Policy, error) {
	p, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	return p, err
}

// Parse parses a policy file's contents; name is used in errors. Every
// problem is reported, as an [ErrorList] of *[FileError] with file, line and
// key.
func Parse(name string, data []byte) (*Policy, error) {
	p := Default()
	p.File = name
	d := &decoder{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			err = errors.New(strings.Join(te.Errors, "; "))
		}
		return nil, ErrorList{{File: name, Line: yamlErrorLine(err), Err: errors.New(trimYAMLPrefix(err.Error()))}}
	}
	if len(doc.Content) == 0 {
		return p, nil // empty file: all defaults
	}
	d.policy(doc.Content[0], p)
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
		return nil, d.errs
	}
	return p, nil
}

type decoder struct {
	file string
	errs ErrorList
}

func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, &FileError{File: d.file, Line: n.Line, Key: key, Err: fmt.Errorf(format, args...)})
}

// mapping walks a mapping node, calling fields[key] for each key and
// reporting unknown keys with a suggestion.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]func(key string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		d.errorf(n, path, "want a mapping, have %s", describe(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		full := key
		if path != "" {
			full = path + "." + key
		}
		if seen[key] {
			d.errorf(k, full, "key appears twice")
			continue
		}
		seen[key] = true
		f, ok := fields[key]
		if !ok {
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			slices.Sort(names)
			if s := closest(key, names); s != "" {
				d.errorf(k, full, "unknown key (did you mean %q?)", s)
			} else {
				d.errorf(k, full, "unknown key (known: %s)", strings.Join(names, ", "))
			}
			continue
		}
		f(full, v)
	}
}

func (d *decoder) str(key string, n *yaml.Node, out *string) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float" {
		d.errorf(n, key, "want a string, have %s", describe(n))
		return
	}
	*out = n.Value
}

func (d *decoder) strs(key string, n *yaml.Node, out *[]string) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, key, "want a list of strings, have %s", describe(n))
		return
	}
	list := []string{}
	for i, c := range n.Content {
		var s string
		before := len(d.errs)
		d.str(fmt.Sprintf("%s[%d]", key, i), c, &s)
		if len(d.errs) == before {
			list = append(list, s)
		}
	}
	*out = list
}

func (d *decoder) boolean(key string, n *yaml.Node, out *bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, key, "want true or false, have %s", describe(n))
		return
	}
	*out = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
}

// fraction decodes a number from 0 to 1.
func (d *decoder) fraction(key string, n *yaml.Node, out *float64) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!float" && n.Tag != "!!int") || n.Decode(&f) != nil {
		d.errorf(n, key, "want a number from 0 to 1, have %s", describe(n))
		return
	}
	if f < 0 || f > 1 {
		d.errorf(n, key, "%s is not from 0 to 1 (0.6: six in ten changed lines alike)", n.Value)
		return
	}
	*out = f
}

// evidence decodes fixes.evidence: a list of regular expressions.
func (d *decoder) evidence(key string, n *yaml.Node, out *[]EvidencePattern) {
	var raw []string
	before := len(d.errs)
	d.strs(key, n, &raw)
	if len(d.errs) > before {
		return
	}
	list := []EvidencePattern{}
	for i, s := range raw {
		e, err := ParseEvidencePattern(s)
		if err != nil {
			var se *syntax.Error
			msg := err.Error()
			if errors.As(err, &se) {
				msg = se.Code.String()
			}
			d.errorf(n.Content[i], fmt.Sprintf("%s[%d]", key, i), "bad regular expression %q: %s", s, msg)
			continue
		}
		list = append(list, e)
	}
	*out = list
}

func (d *decoder) pattern(key string, n *yaml.Node, out *versioning.Pattern, allowEmpty bool) {
	var s string
	before := len(d.errs)
	d.str(key, n, &s)
	if len(d.errs) > before {
		return
	}
	if s == "" && allowEmpty {
		*out = versioning.Pattern{}
		return
	}
	p, err := versioning.ParsePattern(s)
	if err != nil {
		var se *versioning.SyntaxError
		if errors.As(err, &se) {
			err = errors.New(se.Msg)
		}
		d.errorf(n, key, "%v", err)
		return
	}
	// Every name the pattern gives must be a ref name git accepts: a
	// pattern with "..", "//" or a leading "-" would write outside refs/.
	prefix := "refs/heads/"
	if key == "tags" {
		prefix = "refs/tags/"
	}
	for _, v := range []versioning.Version{{ABI: 1, Kernel: 4, Feature: 2, Stable: 1}, {ABI: 1, Kernel: 5, Pre: "rc.1"}} {
		if err := branches.CheckRefName(prefix + p.Expand(versioning.SchemeFour, v)); err != nil {
			var re *branches.RefNameError
			if errors.As(err, &re) {
				err = fmt.Errorf("names refs git refuses: %s gives %s (%s)", s, strings.TrimPrefix(re.Name, prefix), re.Reason)
			}
			d.errorf(n, key, "%v", err)
			return
		}
	}
	*out = p
}

func (d *decoder) policy(n *yaml.Node, p *Policy) {
	var kernels *yaml.Node
	d.mapping(n, "", map[string]func(string, *yaml.Node){
		"scheme": func(key string, v *yaml.Node) {
			var s string
			d.str(key, v, &s)
			if sc, err := versioning.ParseScheme(s); err == nil {
				p.Scheme = sc
			} else if v.Kind == yaml.ScalarNode {
				d.errorf(v, key, "unknown scheme %q (use abi.kernel.feature.stable, abi.kernel.stable or abi.feature.stable)", s)
			}
		},
		"trunk": func(key string, v *yaml.Node) {
			d.str(key, v, &p.Trunk)
			if p.Trunk == "" {
				d.errorf(v, key, "is empty (name the trunk branch, e.g. main)")
			}
		},
		"tags": func(key string, v *yaml.Node) {
			d.pattern(key, v, &p.Tags, false)
			if !p.Tags.IsZero() && !p.Tags.HasVersion() {
				d.errorf(v, key, "a tag pattern must contain {version}")
			}
		},
		"branches": func(key string, v *yaml.Node) {
			d.mapping(v, key, map[string]func(string, *yaml.Node){
				"abi":    func(k string, v *yaml.Node) { d.pattern(k, v, &p.Branches.ABI, true) },
				"kernel": func(k string, v *yaml.Node) { d.pattern(k, v, &p.Branches.Kernel, true) },
				"stable": func(k string, v *yaml.Node) { d.pattern(k, v, &p.Branches.Stable, true) },
			})
		},
		"kernels": func(key string, v *yaml.Node) { kernels = v },
		"abi": func(key string, v *yaml.Node) {
			d.mapping(v, key, map[string]func(string, *yaml.Node){
				"library":    func(k string, v *yaml.Node) { d.str(k, v, &p.ABI.Library) },
				"symbol_map": func(k string, v *yaml.Node) { d.str(k, v, &p.ABI.SymbolMap) },
			})
		},
		"uapi": func(key string, v *yaml.Node) {
			d.mapping(v, key, map[string]func(string, *yaml.Node){
				"headers": func(k string, v *yaml.Node) { d.strs(k, v, &p.UAPI.Headers) },
			})
		},
		"features": func(key string, v *yaml.Node) {
			d.mapping(v, key, map[string]func(string, *yaml.Node){
				"manifest": func(k string, v *yaml.Node) { d.str(k, v, &p.Features.Manifest) },
				"btf":      func(k string, v *yaml.Node) { d.str(k, v, &p.Features.BTF) },
			})
		},
		"fixes": func(key string, v *yaml.Node) {
			d.mapping(v, key, map[string]func(string, *yaml.Node){
				"nominate": func(k string, v *yaml.Node) { d.strs(k, v, &p.Fixes.Nominate) },
				"evidence": func(k string, v *yaml.Node) { d.evidence(k, v, &p.Fixes.Evidence) },
			})
		},
		"backport": func(key string, v *yaml.Node) {
			d.mapping(v, key, map[string]func(string, *yaml.Node){
				"upstream_first": func(k string, v *yaml.Node) { d.boolean(k, v, &p.Backport.UpstreamFirst) },
				"similarity": func(k string, v *yaml.Node) {
					d.fraction(k, v, &p.Backport.Similarity)
				},
			})
		},
		"packages":  func(key string, v *yaml.Node) { d.packages(key, v, p) },
		"packaging": func(key string, v *yaml.Node) { d.packaging(key, v, &p.Packaging) },
	})
	if kernels != nil {
		d.kernels(kernels, p) // after scheme: line names depend on it
	}
}

func (d *decoder) kernels(n *yaml.Node, p *Policy) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "kernels", "want a mapping of kernel line to kernel release, have %s", describe(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := "kernels." + k.Value
		if seen[k.Value] {
			d.errorf(k, key, "key appears twice")
			continue
		}
		seen[k.Value] = true
		pre, err := versioning.ParsePrefix(p.Scheme, k.Value)
		if err != nil || pre.Tier != versioning.TierKernel {
			d.errorf(k, key, "%q is not a kernel line of scheme %s (write ABI.kernel, e.g. \"1.4\")", k.Value, p.Scheme)
			continue
		}
		var s string
		before := len(d.errs)
		d.str(key, v, &s)
		if len(d.errs) > before {
			continue
		}
		kv, err := versioning.ParseKernel(s)
		if err != nil {
			d.errorf(v, key, "%q is not a kernel release (write e.g. \"6.9\")", s)
			continue
		}
		p.Kernels[pre.Format(p.Scheme)] = kv
	}
}

func (d *decoder) packages(key string, n *yaml.Node, p *Policy) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, key, "want a list of packages, have %s", describe(n))
		return
	}
	for i, c := range n.Content {
		var spec PackageSpec
		k := fmt.Sprintf("%s[%d]", key, i)
		d.mapping(c, k, map[string]func(string, *yaml.Node){
			"name": func(k string, v *yaml.Node) { d.str(k, v, &spec.Name) },
			"kind": func(k string, v *yaml.Node) {
				d.str(k, v, &spec.Kind)
				if spec.Kind != "runtime" && spec.Kind != "dev" {
					d.errorf(v, k, "unknown kind %q (use runtime or dev)", spec.Kind)
				}
			},
			"files":       func(k string, v *yaml.Node) { d.strs(k, v, &spec.Files) },
			"depends":     func(k string, v *yaml.Node) { d.strs(k, v, &spec.Depends) },
			"description": func(k string, v *yaml.Node) { d.str(k, v, &spec.Description) },
		})
		if spec.Name == "" {
			d.errorf(c, k, "package has no name")
		}
		p.Packages = append(p.Packages, spec)
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!bool":
		return "a boolean " + n.Value
	case "!!int", "!!float":
		return "a number " + n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

// closest returns the candidate within edit distance 2 of s, if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func yamlErrorLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	return line
}

func trimYAMLPrefix(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if i := strings.Index(msg, "line "); i == 0 {
		if j := strings.Index(msg, ": "); j >= 0 {
			msg = msg[j+2:]
		}
	}
	return msg
}
