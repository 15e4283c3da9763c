package policies

import (
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tiered-release/tiered/internal/spdx"
)

// PackagingConfig is the policy file's packaging: block (DESIGN §8): what
// tiered package needs to know that neither the install tree nor the
// repository says.
type PackagingConfig struct {
	// Epoch is the package epoch, so that packages upgrade over a
	// distribution's epoch'd ones (Debian's libbpf is 1:1.1.2); 0 is none.
	Epoch uint32
	// License is an SPDX license expression, normalised
	// ("LGPL-2.1-only OR BSD-2-Clause"); empty takes the repository's
	// license files' own word for it.
	License string
	// Copyright lists the copyright holders as Debian's copyright file
	// writes them ("2015 The Libbpf Authors"); empty reads them from the
	// license files.
	Copyright []string
	// Homepage is the project's URL.
	Homepage string
	// Summary is the one-line description; Description the paragraphs
	// under it, in both formats.
	Summary, Description string
	// Static splits static archives into their own rpm package
	// (libfoo-static), as Fedora asks.
	Static bool
	// DebPackages names the Debian package of a pkg-config module
	// ("libelf": "libelf-dev") or a shared library ("libfoo.so.1":
	// "libfoo1 (>= 1.2)") where the build machine's dpkg database does not.
	DebPackages map[string]string
}

func (d *decoder) packaging(key string, n *yaml.Node, c *PackagingConfig) {
	d.mapping(n, key, map[string]func(string, *yaml.Node){
		"epoch": func(k string, v *yaml.Node) {
			e, err := strconv.ParseUint(v.Value, 10, 31)
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || err != nil {
				d.errorf(v, k, "want a number from 0 to 2147483647, have %s", describe(v))
				return
			}
			c.Epoch = uint32(e)
		},
		"license": func(k string, v *yaml.Node) {
			var s string
			before := len(d.errs)
			if d.str(k, v, &s); len(d.errs) > before {
				return
			}
			e, err := spdx.Parse(s)
			if err != nil {
				d.errorf(v, k, "%v (write an SPDX expression, e.g. \"LGPL-2.1-only OR BSD-2-Clause\")", err)
				return
			}
			c.License = e.String()
		},
		"copyright": func(k string, v *yaml.Node) {
			if v.Kind == yaml.ScalarNode {
				var s string
				d.str(k, v, &s)
				c.Copyright = []string{s}
				return
			}
			d.strs(k, v, &c.Copyright)
		},
		"homepage": func(k string, v *yaml.Node) {
			before := len(d.errs)
			if d.str(k, v, &c.Homepage); len(d.errs) > before {
				return
			}
			if u, err := url.Parse(c.Homepage); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				d.errorf(v, k, "%q is not an http or https URL", c.Homepage)
			}
		},
		"summary": func(k string, v *yaml.Node) {
			before := len(d.errs)
			if d.str(k, v, &c.Summary); len(d.errs) > before {
				return
			}
			c.Summary = strings.TrimSpace(c.Summary)
			switch {
			case strings.Contains(c.Summary, "\n"):
				d.errorf(v, k, "is more than one line (put the rest in packaging.description)")
			case len(c.Summary) > 79:
				d.errorf(v, k, "is %d characters long (at most 79: Debian and rpm show it on one line)", len(c.Summary))
			case strings.HasSuffix(c.Summary, "."):
				d.errorf(v, k, "ends with a period (a summary is not a sentence)")
			}
		},
		"description": func(k string, v *yaml.Node) { d.str(k, v, &c.Description) },
		"static": func(k string, v *yaml.Node) {
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				d.errorf(v, k, "want true or false, have %s", describe(v))
				return
			}
			c.Static = v.Value == "true"
		},
		"deb_packages": func(k string, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				d.errorf(v, k, "want a mapping of pkg-config module or soname to Debian package, have %s", describe(v))
				return
			}
			c.DebPackages = map[string]string{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				name, pkg := v.Content[i], v.Content[i+1]
				var s string
				before := len(d.errs)
				if d.str(k+"."+name.Value, pkg, &s); len(d.errs) > before {
					continue
				}
				if s == "" {
					d.errorf(pkg, k+"."+name.Value, "is empty (name the Debian package, e.g. libelf-dev)")
					continue
				}
				c.DebPackages[name.Value] = s
			}
		},
	})
}
