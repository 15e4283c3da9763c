package kernel

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ManifestError reports a problem at one place of a feature manifest.
// [ParseManifest] joins several with errors.Join; errors.As finds each.
type ManifestError struct {
	File string // the manifest's name as given to ParseManifest
	Line int    // 1-based; 0 when unknown
	Key  string // the feature id
	Err  error
}

func (e *ManifestError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *ManifestError) Unwrap() error { return e.Err }

// yamlLine reads the line number out of a YAML syntax error.
func yamlLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	return line
}

// ParseManifest reads a declarative feature manifest: a mapping from a
// feature id to one BTF predicate, and optionally required: true for a
// feature the library cannot run without.
//
//	ringbuf:      {enum: BPF_MAP_TYPE_RINGBUF}
//	kprobe-multi: {member: bpf_attr.link_create.kprobe_multi}
//	dynptr:       {kfunc: bpf_dynptr_from_skb}
//	ktime:        {func: bpf_ktime_get_ns}
//	cgroup-iter:  {type: enum bpf_cgroup_iter_order}
//	bpf-link:     {enum: BPF_LINK_CREATE, required: true}
//
// Errors name the file and line.
func ParseManifest(name string, data []byte) ([]Feature, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ManifestError{File: name, Line: yamlLine(err), Err: err}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ManifestError{File: name, Line: root.Line, Err: errors.New("want a mapping from feature id to {enum|member|func|kfunc|type: name}")}
	}
	var errs []error
	var out []Feature
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		fail := func(n *yaml.Node, format string, args ...any) {
			errs = append(errs, &ManifestError{File: name, Line: n.Line, Key: k.Value, Err: fmt.Errorf(format, args...)})
		}
		if v.Kind != yaml.MappingNode {
			fail(v, "want one predicate, like {enum: BPF_MAP_TYPE_RINGBUF}")
			continue
		}
		var pred []*yaml.Node
		required, bad := false, false
		for j := 0; j+1 < len(v.Content); j += 2 {
			key, val := v.Content[j], v.Content[j+1]
			if key.Value != "required" {
				pred = append(pred, key, val)
				continue
			}
			if err := val.Decode(&required); err != nil || val.Kind != yaml.ScalarNode {
				fail(val, "required: want true or false")
				bad = true
			}
		}
		if bad {
			continue
		}
		if len(pred) != 2 || pred[1].Kind != yaml.ScalarNode {
			fail(v, "want one predicate, like {enum: BPF_MAP_TYPE_RINGBUF}, and optionally required: true")
			continue
		}
		kind, target := pred[0].Value, strings.TrimSpace(pred[1].Value)
		f := Feature{ID: k.Value, Name: target, Required: required, Source: fmt.Sprintf("%s:%d", name, k.Line)}
		switch kind {
		case "enum", "enum-value":
			f.Kind = KindEnumValue
		case "func":
			f.Kind = KindFunc
		case "kfunc":
			f.Kind = KindKfunc
		case "member":
			f.Kind = KindMember
			f.Path = strings.Split(target, ".")
			if len(f.Path) < 2 || slices.Contains(f.Path, "") {
				fail(pred[1], "member %q: want type.member[.member…]", target)
				continue
			}
			f.Name = ""
		case "type":
			f.Kind = KindType
			if kw, rest, ok := strings.Cut(target, " "); ok && (kw == "struct" || kw == "union" || kw == "enum") {
				f.Name, f.Container = strings.TrimSpace(rest), kw
			}
		default:
			fail(pred[0], "unknown predicate %q (use enum, member, func, kfunc or type)", kind)
			continue
		}
		if target == "" {
			fail(pred[1], "%s: empty name", kind)
			continue
		}
		out = append(out, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
