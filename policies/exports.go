package policies

import (
	"slices"

	"github.com/tiered-release/tiered/abi"
	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/versioning"
)

// exportsOf is what a release exports: the block its tag carries, else
// the version script at its commit, else nil.
func exportsOf(h History, p *Policy, r branches.Release) (*abi.Exports, error) {
	if e, ok := abi.ParseAnnotation(r.Message, "tag "+r.Ref()); ok {
		return e, nil
	}
	if p.ABI.SymbolMap == "" {
		return nil, nil
	}
	m, err := readSymbolMap(h, p.ABI.SymbolMap, r.Commit)
	if err != nil {
		return nil, err
	}
	return abi.FromMap(m, p.ABI.SymbolMap+" at "+r.Ref()), nil
}

// ExportsSince maps each export of the ABI's releases below v to the
// first of them (by version) that exported it, written in the scheme:
// the minimum versions of a Debian symbols file.
func ExportsSince(h History, p *Policy, st *branches.Status, v versioning.Version) (map[abi.Export]string, error) {
	var rels []branches.Release
	for _, r := range st.Releases {
		if r.Version.ABI == v.ABI && !r.Version.IsPrerelease() && r.Version.Compare(v) < 0 {
			rels = append(rels, r)
		}
	}
	slices.SortFunc(rels, func(a, b branches.Release) int { return a.Version.Compare(b.Version) })
	var list []abi.Release
	for _, r := range rels {
		e, err := exportsOf(h, p, r)
		if err != nil {
			return nil, err
		}
		list = append(list, abi.Release{Name: st.Scheme.Format(r.Version), Exports: e})
	}
	return abi.FirstExported(list), nil
}
