package policies

import (
	"regexp"
	"strings"
)

// Ref is a commit a message names: by sha, by subject, or both.
type Ref struct {
	SHA     string `json:"sha,omitempty"`     // as written: 7 to 40 hex digits
	Subject string `json:"subject,omitempty"` // as written, without quotes
	// Resolved is the full sha the reference resolves to in the repository,
	// "" when it resolves to nothing; How says whether by "sha" or "subject".
	Resolved string `json:"resolved,omitempty"`
	How      string `json:"how,omitempty"`
}

// Trailers is what a commit message says about the commit (DESIGN §3).
type Trailers struct {
	Fixes      []Ref
	Reverts    *Ref     // "This reverts commit …" / Revert "…"
	BackportOf []string // shas named by cherry-pick and upstream markers
	Nominated  bool     // carries a configured nomination trailer
	// Prereqs are the commits a "Cc: stable@vger.kernel.org # 6.1.x: sha:
	// subject" trailer names as needed first.
	Prereqs   []Ref
	NoAutoSel string // the reason a "stable+noautosel" trailer gives; "" if none
}

var (
	fixesLine   = regexp.MustCompile(`(?i)^\s*Fixes:\s*([0-9a-f]{7,40})\b\s*(.*)$`)
	revertSHA   = regexp.MustCompile(`(?i)This reverts commit ([0-9a-f]{7,40})\b`)
	cherryPick  = regexp.MustCompile(`(?i)\(cherry picked from commit ([0-9a-f]{7,40})\)`)
	upstreamCom = regexp.MustCompile(`(?im)^\s*commit ([0-9a-f]{40}) upstream\.?\s*$`)
	upstreamBr  = regexp.MustCompile(`(?i)\[\s*upstream commit ([0-9a-f]{7,40})\s*\]`)
	stablePre   = regexp.MustCompile(`(?i)^\s*Cc:\s*<?stable@vger\.kernel\.org>?\s*#\s*[^:]*:\s*([0-9a-f]{7,40})\b:?\s*(.*)$`)
	noAutoSel   = regexp.MustCompile(`(?i)^\s*Cc:\s*<?stable\+noautosel@kernel\.org>?\s*(?:#\s*(.*))?$`)
	trailerKey  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*:\s`)
)

// ParseTrailers reads a commit message. nominate lists the trailer prefixes
// that nominate a commit for stable lines ("Cc: stable@vger.kernel.org").
func ParseTrailers(subject, message string, nominate []string) Trailers {
	var t Trailers
	lines := strings.Split(message, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fixesLine.FindStringSubmatch(line); m != nil {
			rest := strings.TrimSpace(m[2])
			// A quoted subject may wrap onto following lines.
			for strings.HasPrefix(rest, "(") && !balanced(rest) && i+1 < len(lines) {
				next := strings.TrimSpace(lines[i+1])
				if next == "" || trailerKey.MatchString(next) {
					break
				}
				i++
				rest += " " + next
			}
			t.Fixes = append(t.Fixes, Ref{SHA: strings.ToLower(m[1]), Subject: quotedSubject(rest)})
			continue
		}
		if m := stablePre.FindStringSubmatch(line); m != nil {
			t.Prereqs = append(t.Prereqs, Ref{SHA: strings.ToLower(m[1]), Subject: strings.TrimSpace(m[2])})
		}
		if m := noAutoSel.FindStringSubmatch(line); m != nil {
			t.NoAutoSel = strings.TrimSpace(m[1])
			if t.NoAutoSel == "" {
				t.NoAutoSel = "no reason given"
			}
			continue
		}
		for _, n := range nominate {
			if n != "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), strings.ToLower(n)) {
				t.Nominated = true
			}
		}
	}
	if m := revertSHA.FindStringSubmatch(message); m != nil {
		t.Reverts = &Ref{SHA: strings.ToLower(m[1])}
	}
	if s, ok := RevertedSubject(subject); ok {
		if t.Reverts == nil {
			t.Reverts = &Ref{}
		}
		t.Reverts.Subject = s
	}
	for _, re := range []*regexp.Regexp{cherryPick, upstreamCom, upstreamBr} {
		for _, m := range re.FindAllStringSubmatch(message, -1) {
			t.BackportOf = append(t.BackportOf, strings.ToLower(m[1]))
		}
	}
	return t
}

// RevertedSubject returns the subject a `Revert "…"` subject reverts.
func RevertedSubject(subject string) (string, bool) {
	s, ok := strings.CutPrefix(subject, `Revert "`)
	if !ok {
		return "", false
	}
	s, ok = strings.CutSuffix(s, `"`)
	return s, ok && s != ""
}

func balanced(s string) bool {
	depth := 0
	for _, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return depth <= 0
}

// quotedSubject reads `("subject")`, `(subject)` or `("subject"` cut short.
func quotedSubject(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") {
		return ""
	}
	s = s[1:]
	if i := strings.LastIndex(s, ")"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	} else {
		s = strings.Trim(s, `"`)
	}
	return strings.TrimSpace(s)
}
