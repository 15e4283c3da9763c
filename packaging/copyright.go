package packaging

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tiered-release/tiered/internal/spdx"
)

// LicenseFile is one of the project's license files (LICENSE, LICENSE.*,
// COPYING*) at the release.
type LicenseFile struct {
	Name string
	Data []byte
}

// ErrNeedsPolicy is what a build that needs a packaging: value from
// tiered.yaml wraps: a license nobody names, a copyright holder nobody
// states, a Debian package nobody maps.
var ErrNeedsPolicy = errors.New("tiered.yaml must say more")

// policyError is an error that [ErrNeedsPolicy] matches, with its own text.
type policyError struct{ msg string }

func (e *policyError) Error() string        { return e.msg }
func (e *policyError) Is(target error) bool { return target == ErrNeedsPolicy }

func needsPolicy(format string, args ...any) error {
	return &policyError{fmt.Sprintf(format, args...)}
}

// debianLicense is how Debian names an SPDX license (the DEP-5 short
// name) and where its text is on a Debian system, if it is there.
type debianLicense struct {
	name, common string
	grant        string // the notice that goes before the pointer to common
}

var gnuGrant = map[bool]string{
	false: "This program is free software; you can redistribute it and/or modify it under the terms of the %s as published by the Free Software Foundation; version %s of the License.",
	true:  "This program is free software; you can redistribute it and/or modify it under the terms of the %s as published by the Free Software Foundation; either version %s of the License, or (at your option) any later version.",
}

// debianLicenses maps the SPDX ids whose Debian names differ from them
// or whose texts /usr/share/common-licenses holds.
var debianLicenses = func() map[string]debianLicense {
	m := map[string]debianLicense{
		"Apache-2.0":   {"Apache-2.0", "Apache-2.0", `Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except in compliance with the License. Unless required by applicable law or agreed to in writing, software distributed under the License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the License for the specific language governing permissions and limitations under the License.`},
		"CC0-1.0":      {"CC0-1.0", "CC0-1.0", "To the extent possible under law, the authors have dedicated all copyright and related and neighboring rights to this software to the public domain worldwide. This software is distributed without any warranty."},
		"MPL-1.1":      {"MPL-1.1", "MPL-1.1", "This Source Code Form is subject to the terms of the Mozilla Public License, v. 1.1."},
		"MPL-2.0":      {"MPL-2.0", "MPL-2.0", "This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0."},
		"MIT":          {name: "Expat"},
		"BSD-2-Clause": {name: "BSD-2-clause"},
		"BSD-3-Clause": {name: "BSD-3-clause"},
	}
	gnu := []struct {
		spdx, deb, name, version string
	}{
		{"GPL-1.0", "GPL-1", "GNU General Public License", "1"},
		{"GPL-2.0", "GPL-2", "GNU General Public License", "2"},
		{"GPL-3.0", "GPL-3", "GNU General Public License", "3"},
		{"LGPL-2.0", "LGPL-2", "GNU Library General Public License", "2"},
		{"LGPL-2.1", "LGPL-2.1", "GNU Lesser General Public License", "2.1"},
		{"LGPL-3.0", "LGPL-3", "GNU Lesser General Public License", "3"},
		{"GFDL-1.2", "GFDL-1.2", "GNU Free Documentation License", "1.2"},
		{"GFDL-1.3", "GFDL-1.3", "GNU Free Documentation License", "1.3"},
	}
	for _, g := range gnu {
		for _, later := range []bool{false, true} {
			id, name := g.spdx+"-only", g.deb
			if later {
				id, name = g.spdx+"-or-later", g.deb+"+"
			}
			m[id] = debianLicense{name, g.deb, fmt.Sprintf(gnuGrant[later], g.name, g.version)}
		}
	}
	return m
}()

// debName is the DEP-5 short name of a license: "LGPL-2.1", "GPL-2+",
// "BSD-2-clause", "GPL-2 with Linux-syscall-note exception".
func debName(l *spdx.Expression) string {
	name := l.ID
	if d, ok := debianLicenses[l.ID]; ok {
		name = d.name
	}
	if l.Exception != "" {
		name += " with " + l.Exception + " exception"
	}
	return name
}

// debExpression writes an SPDX expression as DEP-5 does: short names,
// lower-case "or" and "and".
func debExpression(e *spdx.Expression) string {
	if e.Op == "" {
		return debName(e)
	}
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = debExpression(a)
		if e.Op == "AND" && a.Op == "OR" {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " "+strings.ToLower(e.Op)+" ")
}

// license is what both formats say of the license.
type license struct {
	expr      *spdx.Expression
	copyright []byte        // Debian's DEP-5 copyright file
	files     []LicenseFile // rpm's %license files
}

// license works out the project's license: the SPDX expression
// (configured, else the license files' own), the copyright holders
// (configured, else the license files' copyright lines), and the text
// of each license Debian does not ship in /usr/share/common-licenses.
func (b *Build) license() (*license, error) {
	expr, err := b.licenseExpression()
	if err != nil {
		return nil, err
	}
	holders := b.Copyright
	if len(holders) == 0 {
		holders = copyrightHolders(b.LicenseFiles)
	}
	if len(holders) == 0 {
		return nil, needsPolicy("no copyright holder: the license files (%s) name none (set packaging.copyright in tiered.yaml, e.g. [\"2024 The libfoo authors\"])", licenseFileNames(b.LicenseFiles))
	}
	var c strings.Builder
	c.WriteString("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
	fmt.Fprintf(&c, "Upstream-Name: %s\n", b.upstreamName())
	if b.Homepage != "" {
		fmt.Fprintf(&c, "Source: %s\n", b.Homepage)
	}
	c.WriteString("\nFiles: *\n")
	for i, h := range holders {
		if i == 0 {
			fmt.Fprintf(&c, "Copyright: %s\n", h)
		} else {
			fmt.Fprintf(&c, "           %s\n", h)
		}
	}
	fmt.Fprintf(&c, "License: %s\n", debExpression(expr))
	for _, l := range expr.Licenses() {
		text, err := b.licenseText(l)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&c, "\nLicense: %s\n%s", debName(l), paragraph(text))
	}
	return &license{expr: expr, copyright: []byte(c.String()), files: b.LicenseFiles}, nil
}

// CopyrightFile is the Debian copyright file (DEP-5) the build's
// packages carry, from License, LicenseFiles, Copyright, Homepage and
// Library: for projects that package themselves some other way (tiered's
// own .goreleaser.yaml) and want the same file.
func (b *Build) CopyrightFile() ([]byte, error) {
	l, err := b.license()
	if err != nil {
		return nil, err
	}
	return l.copyright, nil
}

// upstreamName is the project's name: the library's.
func (b *Build) upstreamName() string { return b.Library }

func licenseFileNames(files []LicenseFile) string {
	if len(files) == 0 {
		return "none in the repository"
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// licenseExpression is the configured SPDX expression, or the one the
// license files give: a file that is an SPDX expression (libbpf's
// LICENSE is "LGPL-2.1 OR BSD-2-Clause"), else the one license the files
// hold between them.
func (b *Build) licenseExpression() (*spdx.Expression, error) {
	if b.License != "" {
		e, err := spdx.Parse(b.License)
		if err != nil {
			return nil, needsPolicy("packaging.license: %v", err)
		}
		return e, nil
	}
	for _, f := range b.LicenseFiles {
		text := strings.TrimSpace(string(f.Data))
		if strings.Contains(text, "\n") || len(text) > 200 {
			continue
		}
		if e, err := spdx.Parse(text); err == nil && knownLicenses(e) {
			return e, nil
		}
	}
	var ids []string
	for _, f := range b.LicenseFiles {
		if id := identify(f); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch len(ids) {
	case 1:
		return spdx.Parse(ids[0])
	case 0:
		if len(b.LicenseFiles) == 0 {
			return nil, needsPolicy("no license: the repository has no license file (LICENSE, LICENSE.*, COPYING*) and tiered.yaml no packaging.license; Debian's copyright file and rpm's License tag need one")
		}
		return nil, needsPolicy("no license: the license files (%s) hold none tiered knows (set packaging.license in tiered.yaml to an SPDX expression)", licenseFileNames(b.LicenseFiles))
	}
	return nil, needsPolicy("the license files hold %s: set packaging.license in tiered.yaml to say how they combine (e.g. %q)", strings.Join(ids, ", "), strings.Join(ids, " OR "))
}

func knownLicenses(e *spdx.Expression) bool {
	for _, l := range e.Licenses() {
		if !slices.Contains(spdx.Known, l.ID) && !strings.HasPrefix(l.ID, "LicenseRef-") {
			return false
		}
	}
	return true
}

// identify names the one license a license file holds, "" if it cannot
// tell: a kernel-style "Valid-License-Identifier:" header, an
// "SPDX-License-Identifier:" line, or the text itself.
func identify(f LicenseFile) string {
	t := string(f.Data)
	for _, key := range []string{"Valid-License-Identifier:", "SPDX-License-Identifier:"} {
		if i := strings.Index(t, key); i >= 0 {
			line, _, _ := strings.Cut(t[i+len(key):], "\n")
			line = strings.Trim(strings.TrimSpace(line), "*/ ")
			if e, err := spdx.Parse(line); err == nil && e.Op == "" {
				return e.String()
			}
		}
	}
	switch {
	case strings.Contains(t, "Permission is hereby granted, free of charge"):
		return "MIT"
	case strings.Contains(t, "Apache License") && strings.Contains(t, "Version 2.0"):
		return "Apache-2.0"
	case strings.Contains(t, "GNU LESSER GENERAL PUBLIC LICENSE") && strings.Contains(t, "Version 2.1"):
		return "LGPL-2.1-only"
	case strings.Contains(t, "GNU GENERAL PUBLIC LICENSE") && strings.Contains(t, "Version 2,"):
		return "GPL-2.0-only"
	case strings.Contains(t, "Redistribution and use in source and binary forms") && strings.Contains(t, "Neither the name"):
		return "BSD-3-Clause"
	case strings.Contains(t, "Redistribution and use in source and binary forms"):
		return "BSD-2-Clause"
	case strings.Contains(t, "Permission to use, copy, modify, and/or distribute this software for any"):
		return "ISC"
	}
	return ""
}

// licenseText is the License paragraph's text for one license: for a
// license Debian ships in /usr/share/common-licenses, its notice and a
// pointer there (lintian requires the pointer, not the text); for any
// other, its full text from the license file that holds it.
func (b *Build) licenseText(l *spdx.Expression) (string, error) {
	if d, ok := debianLicenses[l.ID]; ok && d.common != "" {
		text := d.grant + "\n\n"
		if l.Exception != "" {
			text = fmt.Sprintf("%sThe %s exception applies; see the license files of the source.\n\n", text, l.Exception)
		}
		return text + fmt.Sprintf("On Debian systems, the complete text of the license can be found in /usr/share/common-licenses/%s.", d.common), nil
	}
	for _, f := range b.LicenseFiles {
		if strings.Contains(f.Name, l.ID) || identify(f) == l.ID {
			return licenseBody(f.Data), nil
		}
	}
	return "", needsPolicy("no text for license %s: Debian's copyright file must carry it in full, and no license file (%s) holds it (add LICENSE.%s to the repository)",
		l.ID, licenseFileNames(b.LicenseFiles), l.ID)
}

// licenseBody is a license file's text without what is not the license:
// a kernel-style header (up to "License-Text:") and its copyright
// lines, which the Files paragraph carries.
func licenseBody(data []byte) string {
	t := string(data)
	if _, rest, ok := strings.Cut(t, "License-Text:"); ok {
		t = rest
	}
	var lines []string
	for _, l := range strings.Split(t, "\n") {
		if copyrightLine.MatchString(l) {
			continue
		}
		lines = append(lines, strings.TrimRight(l, " \t\r"))
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// paragraph indents text as a DEP-5 field's continuation lines: a
// space before each line, " ." for an empty one.
func paragraph(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(wrap(text, 78), "\n") {
		if strings.TrimSpace(l) == "" {
			b.WriteString(" .\n")
		} else {
			b.WriteString(" " + l + "\n")
		}
	}
	return b.String()
}

// copyrightLine matches a copyright statement: "Copyright (c) 2015 The
// Libbpf Authors. All rights reserved.", "Copyright 2020 Jane Doe",
// "© 2021 Foo Inc."
var copyrightLine = regexp.MustCompile(`^\s*(?:Copyright\s*(?:\([cC]\)|©)?|©)\s*(\d{4}.*|\([cC]\).*)$`)

// isHolder reports whether a copyright statement's rest names a holder:
// it starts with a year, and is neither a license text's own (the Free
// Software Foundation's) nor a template ("year  name of author",
// "[yyyy] [name of copyright owner]", "<year> <copyright holders>").
func isHolder(h string) bool {
	if h == "" || !isDigit(h[0]) || strings.Contains(h, "Free Software Foundation") {
		return false
	}
	lower := strings.ToLower(h)
	for _, t := range []string{"yyyy", "<year>", "name of author", "name of copyright owner", "<copyright holders>"} {
		if strings.Contains(lower, t) {
			return false
		}
	}
	return true
}

// copyrightHolders reads the copyright statements of the license files,
// leaving out the license texts' own (the Free Software Foundation's)
// and templates ("[yyyy] [name of copyright owner]").
func copyrightHolders(files []LicenseFile) []string {
	var out []string
	for _, f := range files {
		for _, l := range strings.Split(string(f.Data), "\n") {
			m := copyrightLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			h := strings.TrimSpace(m[1])
			h = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(h, "(c)"), "(C)"))
			h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(h, "All rights reserved.")), "."))
			if !isHolder(h) {
				continue
			}
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}
