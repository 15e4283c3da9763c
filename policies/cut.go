package policies

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/versioning"
)

// ErrNeedKernel reports a cut that opens a kernel line without a baseline.
var ErrNeedKernel = errors.New("a new kernel line needs its baseline kernel")

// ErrBadCut reports a cut request that cannot be: a bad pre-release
// identifier, a baseline for a line that already has one.
var ErrBadCut = errors.New("bad cut request")

// GateStatus is the outcome of one gate.
type GateStatus string

// Gate outcomes. A gate without the data to judge by is skipped, and says
// what would enable it; it never passes silently and never blocks.
const (
	GatePassed  GateStatus = "passed"
	GateFailed  GateStatus = "failed"
	GateSkipped GateStatus = "skipped"
)

// Gate names.
const (
	GateVersion  = "version"  // the version fits the line, is new, keeps the line's form
	GateTiers    = "tiers"    // what the line holds is allowed in its tier
	GateFeatures = "features" // no kernel feature missing from the baseline
	GateReverts  = "reverts"  // no commit whose upstream revert the line lacks
	GateABI      = "abi"      // exports kept: stable exact, feature superset, across lines
	GateRefs     = "refs"     // the refs to create do not exist
)

// Gate is one check a cut passes before anything is written. Rules are
// the rules it checked when it passed or was skipped, the rules that
// refused when it failed.
type Gate struct {
	Name    string     `json:"name"`
	Status  GateStatus `json:"status"`
	Rules   []RuleID   `json:"rules"`
	Reasons []string   `json:"reasons"`
}

// gateRules are the rules each gate checks.
var gateRules = map[string][]RuleID{
	GateTiers:    {RuleABIBreak, RuleABIAddition, RuleStableFixesOnly, RuleNothingToRelease},
	GateVersion:  {RuleVersionOrder, RuleVersionForm},
	GateFeatures: {RuleKernelFeatureMissing},
	GateReverts:  {RuleRevertedUpstream},
	GateABI:      {RuleABIBreak, RuleABIAddition, RuleABISoname, RuleABIOrder},
	GateRefs:     {RuleRefsExist},
}

// CutRequest is what a release manager asks of [PlanCut].
type CutRequest struct {
	Line *branches.Line
	// Kernel is the baseline of a kernel line the cut opens (--kernel).
	Kernel versioning.Kernel
	// Pre makes a pre-release with this identifier ("rc": 1.5.0.0-rc.1).
	Pre string
	// Kernels is the kernel BTF for the features gate; nil skips it.
	Kernels *kernel.Index
	// Library is the built library's exports (--lib); nil: the symbol map.
	Library *abi.Exports
	// Tagger signs the tag.
	Tagger branches.Signature
	// RefExists reports a ref's current target; nil assumes none exists.
	RefExists func(name string) (string, bool)
}

// Cut is a planned release: what would be written, and the gates.
type Cut struct {
	Line     string   `json:"line"`
	Bump     Bump     `json:"bump"`
	Version  string   `json:"version"`
	Tag      string   `json:"tag"`
	Branches []string `json:"branches"`
	DryRun   bool     `json:"dry_run"`
	Previous string   `json:"previous"`
	Commit   string   `json:"commit"`
	Kernel   string   `json:"kernel_baseline"`
	Refused  bool     `json:"refused"`
	Gates    []Gate   `json:"gates"`
	Reasons  []string `json:"reasons"`
	// Annotation is the tag message.
	Annotation string `json:"annotation"`

	// TagObject and Updates are what [branches.Repo.Write] writes.
	TagObject *branches.TagObject  `json:"-"`
	Updates   []branches.RefUpdate `json:"refs"`
	// Value is Version as a value.
	Value versioning.Version `json:"-"`
}

// gate records a gate that passed or was skipped: it checked all its rules.
func (c *Cut) gate(name string, status GateStatus, reasons ...string) {
	if reasons == nil {
		reasons = []string{}
	}
	c.Gates = append(c.Gates, Gate{name, status, slices.Clone(gateRules[name]), reasons})
}

// fail records a gate that refused, with the rules that refused.
func (c *Cut) fail(name string, fs []Finding) {
	g := Gate{Name: name, Status: GateFailed, Rules: []RuleID{}, Reasons: []string{}}
	for _, f := range fs {
		if !slices.Contains(g.Rules, f.Rule) {
			g.Rules = append(g.Rules, f.Rule)
		}
		g.Reasons = append(g.Reasons, f.Reason)
	}
	c.Gates = append(c.Gates, g)
	c.Refused = true
}

// findings gives reasons one rule.
func findings(rule RuleID, reasons []string) []Finding {
	out := make([]Finding, len(reasons))
	for i, r := range reasons {
		out[i] = Finding{rule, r}
	}
	return out
}

// PlanCut computes the next release of a line and runs every gate. It
// writes nothing: a cut that is not refused carries the tag and refs to
// write. It returns an error wrapping [ErrNeedKernel] when the release
// opens a kernel line with no baseline known.
func PlanCut(h History, p *Policy, st *branches.Status, req CutRequest) (*Cut, error) {
	line := req.Line
	np, err := planNext(h, p, st, line)
	if err != nil {
		return nil, err
	}
	c := &Cut{Line: line.Name, Bump: np.Bump, Commit: line.Tip, Reasons: np.Reasons, Branches: []string{}, Gates: []Gate{}}
	if line.Latest != nil {
		c.Previous = line.Latest.Name
	}
	scheme := st.Scheme

	// Tier rules first: a refused line has no version to gate.
	switch np.Bump {
	case BumpRefused:
		c.Gates = append(c.Gates, Gate{Name: GateTiers, Status: GateFailed, Rules: np.Rules, Reasons: np.Reasons})
		c.Refused = true
		return c, nil
	case BumpNone:
		c.fail(GateTiers, []Finding{{RuleNothingToRelease, "nothing to release: " + strings.Join(np.Reasons, "; ")}})
		return c, nil
	}
	c.gate(GateTiers, GatePassed, np.undecided...)
	v := np.Version
	if req.Pre != "" {
		if !validIdent(req.Pre) {
			return nil, fmt.Errorf("%w: --pre %q: want an identifier like rc or beta", ErrBadCut, req.Pre)
		}
		v = nextPre(st, v, req.Pre)
		c.Reasons = append(c.Reasons, fmt.Sprintf("pre-release %s of %s", v.Pre, scheme.Format(v.Release())))
	}
	c.Value, c.Version = v, scheme.Format(v)
	c.Tag = p.Tags.Expand(scheme, v)

	// The baseline kernel of the release.
	baseline := line.Kernel
	opensKernelLine := np.Bump == BumpKernel || np.Bump == BumpABI || (np.Bump == BumpFinal && line.Tier == branches.TierTrunk && v.Feature == 0 && v.Stable == 0)
	if opensKernelLine && scheme.Has(versioning.TierKernel) {
		kl := versioning.PrefixOf(v, versioning.TierKernel).Format(scheme)
		baseline = versioning.Kernel{}
		if k, ok := p.Kernels[kl]; ok {
			baseline = k
		}
		if !req.Kernel.IsZero() {
			baseline = req.Kernel
		}
		if baseline.IsZero() && np.Bump == BumpFinal {
			baseline = baselineOfTag(st, versioning.PrefixOf(v, versioning.TierKernel))
		}
		if baseline.IsZero() {
			return nil, fmt.Errorf("%w: cutting %s opens kernel line %s (pass --kernel VERSION, or set kernels.%q in tiered.yaml)", ErrNeedKernel, c.Version, kl, kl)
		}
	} else if !req.Kernel.IsZero() && req.Kernel.Compare(line.Kernel) != 0 {
		return nil, fmt.Errorf("%w: --kernel %s: line %s already targets kernel %s; only a cut that opens a kernel line sets one", ErrBadCut, req.Kernel, line.Name, line.Kernel)
	}
	if !baseline.IsZero() {
		c.Kernel = baseline.String()
	}

	c.versionGate(p, st, line, v)
	if err := c.featuresGate(h, p, st, req, baseline); err != nil {
		return nil, err
	}
	if err := c.revertsGate(h, st, line); err != nil {
		return nil, err
	}
	if err := c.abiGate(h, p, st, req, v, np.Bump); err != nil {
		return nil, err
	}

	// What the release writes.
	c.Branches = opens(p, scheme, v, np.Bump)
	var taken []string
	for _, b := range c.Branches {
		if req.RefExists != nil {
			if at, ok := req.RefExists("refs/heads/" + b); ok {
				taken = append(taken, fmt.Sprintf("branch %s already exists (at %s)", b, branches.Short(at)))
			}
		}
	}
	if req.RefExists != nil {
		if at, ok := req.RefExists("refs/tags/" + c.Tag); ok {
			taken = append(taken, fmt.Sprintf("tag %s already exists (at %s)", c.Tag, branches.Short(at)))
		}
	}
	if len(taken) > 0 {
		c.fail(GateRefs, findings(RuleRefsExist, taken))
	} else {
		c.gate(GateRefs, GatePassed)
	}
	c.Annotation = annotation(p, c, line, np.Bump, v, req.Library)
	c.TagObject = &branches.TagObject{Name: c.Tag, Target: line.Tip, Message: c.Annotation, Tagger: req.Tagger}
	return c, nil
}

func validIdent(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return s != "" && (s[0] < '0' || s[0] > '9')
}

// nextPre is the next pre-release of v with identifier id: rc.1, or one
// above the highest rc.N of v already released.
func nextPre(st *branches.Status, v versioning.Version, id string) versioning.Version {
	v = v.Release()
	n := 0
	for _, r := range st.Releases {
		if r.Version.Release().Compare(v) != 0 {
			continue
		}
		if rest, ok := strings.CutPrefix(r.Version.Pre, id+"."); ok {
			if k, err := strconv.Atoi(rest); err == nil && k > n {
				n = k
			}
		}
	}
	v.Pre = fmt.Sprintf("%s.%d", id, n+1)
	return v
}

// baselineOfTag reads the Kernel-Baseline of a kernel line's pre-releases.
func baselineOfTag(st *branches.Status, kl versioning.Prefix) versioning.Kernel {
	for _, r := range st.Releases {
		if kl.Contains(r.Version) && r.Annotated {
			if k, ok := branches.KernelBaseline(r.Message); ok {
				return k
			}
		}
	}
	return versioning.Kernel{}
}

// versionGate: inside the line's prefix, not yet released, above every
// release of the prefix, and in the form the line's tags already use.
func (c *Cut) versionGate(p *Policy, st *branches.Status, line *branches.Line, v versioning.Version) {
	var bad []Finding
	if !line.Prefix.IsTrunk() && !line.Prefix.Contains(v) {
		bad = append(bad, Finding{RuleVersionOrder, fmt.Sprintf("%s is outside line %s", c.Version, line.Name)})
	}
	prefix := line.Prefix
	if prefix.IsTrunk() {
		prefix = versioning.PrefixOf(v, versioning.TierABI)
	}
	var form string
	for _, r := range st.Releases {
		if r.Version.Compare(v) == 0 {
			bad = append(bad, Finding{RuleVersionOrder, fmt.Sprintf("%s is already released (%s)", c.Version, r.Ref())})
		}
		if !line.Prefix.IsTrunk() && line.Prefix.Contains(r.Version) && r.Version.Compare(v) > 0 && !r.Version.IsPrerelease() {
			bad = append(bad, Finding{RuleVersionOrder, fmt.Sprintf("%s is below %s, already released on the line", c.Version, r.Name)})
		}
		if r.Tag != "" && prefix.Contains(r.Version) && form == "" {
			if want := p.Tags.Expand(st.Scheme, r.Version); want != r.Tag {
				form = r.Tag
			}
		}
	}
	if form != "" {
		bad = append(bad, Finding{RuleVersionForm, fmt.Sprintf("the line's tag %s is not written as %s: mixing %d- and %d-number versions breaks dpkg and rpm order (1.4.7 sorts above 1.4.1.0); retag in one form",
			form, p.Tags.Expand(st.Scheme, mustVersion(st, form)), numbers(form), numbers(c.Tag))})
	}
	if len(bad) > 0 {
		c.fail(GateVersion, bad)
		return
	}
	c.gate(GateVersion, GatePassed)
}

func mustVersion(st *branches.Status, tag string) versioning.Version {
	for _, r := range st.Releases {
		if r.Tag == tag {
			return r.Version
		}
	}
	return versioning.Version{}
}

func numbers(s string) int {
	s, _, _ = strings.Cut(s, "-")
	return strings.Count(s, ".") + 1
}

func (c *Cut) featuresGate(h History, p *Policy, st *branches.Status, req CutRequest, baseline versioning.Kernel) error {
	if req.Kernels == nil {
		c.gate(GateFeatures, GateSkipped, "no kernel BTF (set features.btf in tiered.yaml or pass --btf PATH)")
		return nil
	}
	if len(p.UAPI.Headers) == 0 && p.Features.Manifest == "" {
		c.gate(GateFeatures, GateSkipped, "no kernel features declared (set uapi.headers or features.manifest in tiered.yaml)")
		return nil
	}
	fc := &kernel.Check{History: kernelHistory{h}, Config: p.KernelConfig(), Index: req.Kernels, Baseline: baseline, Elsewhere: st.OtherTips(req.Line)}
	r, err := fc.Check(req.Line.Tip)
	if errors.Is(err, kernel.ErrNoBTF) {
		c.gate(GateFeatures, GateSkipped, err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	if !r.OK() {
		var reasons []string
		for _, m := range r.Missing {
			s := fmt.Sprintf("needs %s (%s): %s", m.Feature, m.Source, m.Reason)
			for _, x := range m.IntroducedBy {
				s += "; added by " + branches.Short(x)
			}
			for _, x := range m.RevertedBy {
				s += "; reverted by " + branches.Short(x)
			}
			reasons = append(reasons, s)
		}
		c.fail(GateFeatures, findings(RuleKernelFeatureMissing, reasons))
		return nil
	}
	note := fmt.Sprintf("%d features, all in kernel %s", r.Checked-len(r.Unverifiable), r.Kernel)
	if r.Provisional {
		note += " (provisional: no final BTF yet, checked against its newest -rc)"
	}
	if len(r.Unverifiable) > 0 {
		note += fmt.Sprintf("; %d unverifiable in BTF", len(r.Unverifiable))
	}
	c.gate(GateFeatures, GatePassed, note)
	return nil
}

// revertsGate refuses a line that has a commit trunk reverted (from the
// history it shares with trunk, or backported), when the line lacks the
// revert: no marker names it, no commit of the line has its subject.
func (c *Cut) revertsGate(h History, st *branches.Status, line *branches.Line) error {
	var trunk *branches.Line
	for _, l := range st.Lines {
		if l.Tier == branches.TierTrunk {
			trunk = l
		}
	}
	if line.Tier == branches.TierTrunk || trunk == nil || trunk.Tip == "" {
		c.gate(GateReverts, GatePassed, "trunk has every revert it made")
		return nil
	}
	onLine, err := h.Between([]string{trunk.Tip}, line.Tip)
	if err != nil {
		return err
	}
	// What the line's own commits carry: themselves and what they backport.
	carries := map[string]string{} // upstream sha → line commit
	subjects := map[string]bool{}
	for _, x := range onLine {
		carries[x.Hash] = x.Hash
		subjects[x.Subject] = true
		for _, sha := range ParseTrailers(x.Subject, x.Message, nil).BackportOf {
			if full, ok := h.ResolveSHA(sha); ok {
				sha = full
			}
			carries[sha] = x.Hash
		}
	}
	onTrunk, err := h.Between([]string{line.Tip}, trunk.Tip)
	if err != nil {
		return err
	}
	revertedBy := map[string]string{}
	for _, x := range onTrunk {
		t := ParseTrailers(x.Subject, x.Message, nil)
		if t.Reverts == nil {
			continue
		}
		target := ""
		if full, ok := h.ResolveSHA(t.Reverts.SHA); t.Reverts.SHA != "" && ok {
			target = full
		} else if t.Reverts.Subject != "" {
			if shas, err := h.FindBySubject(t.Reverts.Subject); err == nil && len(shas) > 0 {
				target = shas[len(shas)-1]
			}
		}
		if target == "" {
			continue
		}
		revertedBy[target] = x.Hash
		// A revert of a revert makes the original live again.
		for orig, r := range revertedBy {
			if r == target {
				delete(revertedBy, orig)
			}
		}
	}
	var bad []string
	for target, revert := range revertedBy {
		if carries[revert] != "" {
			continue
		}
		lc, ok := carries[target]
		if !ok {
			// Shared history: the line has the commit itself.
			has, err := h.IsAncestor(target, line.Tip)
			if err != nil {
				return err
			}
			if !has {
				continue
			}
			lc = target
		}
		rc, err := h.Commit(revert)
		if err != nil {
			return err
		}
		if subjects[rc.Subject] {
			continue // applied, edited
		}
		lcc, err := h.Commit(lc)
		if err != nil {
			return err
		}
		bad = append(bad, fmt.Sprintf("%s %q was reverted on trunk by %s %q, which %s lacks: backport the revert first",
			branches.Short(lc), lcc.Subject, branches.Short(revert), rc.Subject, line.Name))
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		c.fail(GateReverts, findings(RuleRevertedUpstream, bad))
		return nil
	}
	c.gate(GateReverts, GatePassed)
	return nil
}

// abiGate keeps exports: a stable release exports exactly what its
// predecessor does, any other release of the ABI a superset of the next
// lower release of the ABI and a subset of the next higher one (on another
// line, maybe), so that no upgrade loses a symbol@node the dynamic linker
// looks for. A break that already shipped between two older releases does
// not block new ones.
func (c *Cut) abiGate(h History, p *Policy, st *branches.Status, req CutRequest, v versioning.Version, bump Bump) error {
	if bump == BumpABI {
		c.gate(GateABI, GatePassed, fmt.Sprintf("ABI %d starts a new ABI generation", v.ABI))
		return nil
	}
	cur := req.Library
	if cur == nil {
		if p.ABI.SymbolMap == "" {
			c.gate(GateABI, GateSkipped, "no ABI data (pass --lib PATH to a built library, or set abi.symbol_map in tiered.yaml)")
			return nil
		}
		// A configured map the line does not have is a wrong policy, not
		// an empty ABI: "0 exports, kept" would pass a gate it cannot judge.
		if _, err := h.ReadFile(req.Line.Tip, p.ABI.SymbolMap); errors.Is(err, branches.ErrNoFile) {
			return &ConfiguredFileError{Key: "abi.symbol_map", Path: p.ABI.SymbolMap, Rev: req.Line.Name, Commit: req.Line.Tip}
		}
		m, err := readSymbolMap(h, p.ABI.SymbolMap, req.Line.Tip)
		if err != nil {
			return err
		}
		cur = abi.FromMap(m, p.ABI.SymbolMap+" at the line's tip")
	}
	var bad []Finding
	var notes []string
	if req.Library != nil && p.ABI.Library != "" && req.Library.Soname != "" {
		if want := fmt.Sprintf("%s.so.%d", p.ABI.Library, v.ABI); req.Library.Soname != want {
			bad = append(bad, Finding{RuleABISoname, fmt.Sprintf("%s has soname %s; ABI %d needs %s", req.Library.From, req.Library.Soname, v.ABI, want)})
		}
	}
	stable := bump == BumpStable || (bump == BumpFinal && v.Stable > 0)
	var pred *branches.Release
	if req.Line.Latest != nil && !req.Line.Latest.Version.IsPrerelease() {
		pred = req.Line.Latest
	}
	if stable && pred != nil {
		old, err := exportsOf(h, p, *pred)
		if err != nil {
			return err
		}
		if old != nil {
			for _, x := range old.Missing(cur) {
				bad = append(bad, Finding{RuleABIBreak, fmt.Sprintf("drops %s, which %s exports (%s): a stable release exports exactly what its predecessor does", x, pred.Name, old.From)})
			}
			for _, x := range cur.Missing(old) {
				bad = append(bad, Finding{RuleABIAddition, fmt.Sprintf("adds %s, which %s does not export (%s): a stable release exports exactly what its predecessor does", x, pred.Name, old.From)})
			}
			notes = append(notes, fmt.Sprintf("exports exactly what %s does (%d symbol(s), %s)", pred.Name, len(cur.Set), old.From))
		}
	}
	// The neighbours of v among the releases of its ABI: exports only grow
	// from one release to the next, so these two decide for all of them.
	var lower, higher *branches.Release
	for i := range st.Releases {
		r := &st.Releases[i]
		if r.Version.ABI != v.ABI || r.Version.IsPrerelease() || r.Version.Compare(v) == 0 {
			continue
		}
		if r.Version.Compare(v) < 0 && (lower == nil || r.Version.Compare(lower.Version) > 0) {
			lower = r
		}
		if r.Version.Compare(v) > 0 && (higher == nil || r.Version.Compare(higher.Version) < 0) {
			higher = r
		}
	}
	if higher != nil {
		other, err := exportsOf(h, p, *higher)
		if err != nil {
			return err
		}
		if other != nil {
			for _, x := range cur.Missing(other) {
				bad = append(bad, Finding{RuleABIOrder, fmt.Sprintf("exports %s, which the higher release %s does not (%s): an upgrade to %s would lose it", x, higher.Name, other.From, higher.Name)})
			}
		}
	}
	if lower != nil && !(stable && pred != nil && lower.Version.Compare(pred.Version) == 0) {
		other, err := exportsOf(h, p, *lower)
		if err != nil {
			return err
		}
		if other != nil {
			for _, x := range other.Missing(cur) {
				bad = append(bad, Finding{RuleABIBreak, fmt.Sprintf("drops %s, which the lower release %s exports (%s): an upgrade from %s would lose it", x, lower.Name, other.From, lower.Name)})
			}
		}
	}
	if len(bad) > 0 {
		c.fail(GateABI, bad)
		return nil
	}
	if len(notes) == 0 {
		notes = append(notes, fmt.Sprintf("%d export(s) (%s), kept from %s to %s", len(cur.Set), cur.From, refOr(lower, "the first release"), refOr(higher, "the last")))
	}
	c.gate(GateABI, GatePassed, notes...)
	return nil
}

// opens lists the branches a release opens (DESIGN §2): the first release
// of a kernel line opens its kernel branch and its first stable branch, a
// feature release its stable branch; a pattern with {version} names a
// branch per release; a new ABI opens the branch of the old one.
func opens(p *Policy, scheme versioning.Scheme, v versioning.Version, bump Bump) []string {
	if v.IsPrerelease() {
		return []string{}
	}
	var out []string
	add := func(pat versioning.Pattern, t versioning.Tier, ver versioning.Version) {
		if pat.IsZero() || pat.String() == "" || !scheme.Has(t) && !pat.HasVersion() {
			return
		}
		name := pat.Expand(scheme, ver)
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	b := p.Branches
	if b.Stable.HasVersion() {
		add(b.Stable, versioning.TierStable, v)
	}
	first := map[versioning.Tier]bool{}
	for t := versioning.TierABI; t <= versioning.TierStable; t++ {
		first[t] = true
		for tt := t + 1; tt <= versioning.TierStable; tt++ {
			if v.Get(tt) != 0 {
				first[t] = false
			}
		}
	}
	// v is the first release of its kernel line (A.K.0.0) or feature (A.K.F.0).
	if scheme.Has(versioning.TierKernel) && first[versioning.TierKernel] && !b.Kernel.HasVersion() {
		add(b.Kernel, versioning.TierKernel, v)
	}
	if scheme.Has(versioning.TierFeature) && scheme.Has(versioning.TierKernel) && first[versioning.TierFeature] && !b.Stable.HasVersion() {
		add(b.Stable, versioning.TierFeature, v)
	}
	// A.0.0.0 is only ever the first release of ABI A: its final opens
	// the old ABI's branch as a cut without a pre-release does.
	if (bump == BumpABI || bump == BumpFinal && first[versioning.TierABI]) && v.ABI > 0 && !b.ABI.HasVersion() {
		old := v
		old.ABI--
		add(b.ABI, versioning.TierABI, old)
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// annotation writes the tag message: a title, the tier metadata, and the
// exports when a built library was given.
func annotation(p *Policy, c *Cut, line *branches.Line, bump Bump, v versioning.Version, lib *abi.Exports) string {
	var b strings.Builder
	name := p.ABI.Library
	if name == "" {
		name = "Release"
	}
	fmt.Fprintf(&b, "%s %s\n\n", name, c.Version)
	fmt.Fprintf(&b, "Tier: %s\n", tierOf(bump, v))
	if c.Kernel != "" {
		fmt.Fprintf(&b, "Kernel-Baseline: %s\n", c.Kernel)
	}
	fmt.Fprintf(&b, "ABI: %d\n", v.ABI)
	if c.Previous != "" {
		fmt.Fprintf(&b, "Previous: %s\n", c.Previous)
	}
	fmt.Fprintf(&b, "Line: %s\n", line.Name)
	if len(c.Branches) > 0 {
		fmt.Fprintf(&b, "Branches: %s\n", strings.Join(c.Branches, " "))
	}
	if lib != nil {
		b.WriteString("\n" + abi.FormatAnnotation(lib))
	}
	return b.String()
}

func tierOf(bump Bump, v versioning.Version) string {
	switch bump {
	case BumpABI, BumpKernel, BumpFeature, BumpStable:
		return string(bump)
	}
	switch {
	case v.Stable > 0:
		return string(BumpStable)
	case v.Feature > 0:
		return string(BumpFeature)
	case v.Kernel > 0:
		return string(BumpKernel)
	}
	return string(BumpABI)
}
