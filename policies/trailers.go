package policies

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tiered-release/tiered/versioning"
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
	// Evidence is every line that makes the commit a fix, as written:
	// Fixes: naming a sha, an issue URL or #N; Closes:, Resolves:,
	// Addresses:, Bug:; "Fixes #N" anywhere in a line; a nomination
	// (Cc: stable@vger.kernel.org in any form); Stable-dep-of:; a
	// conventional fix: subject. [ReadFacts] adds the policy's patterns.
	Evidence []string
	// StableSince is the oldest kernel a stable nomination's comment
	// names ("# 6.1+", "# v6.1.x"): older kernels do not have the bug.
	// Zero when none is named.
	StableSince versioning.Kernel
	// Feature is positive evidence of a feature, as written: a
	// conventional feat: subject. "" when there is none.
	Feature string
	// Series are the patch series the commit was posted in, read from
	// Link: and Message-Id: trailers (a mail's id without its patch
	// number, a pull request's URL): commits of one series were posted
	// together.
	Series []string
	// Reported says a Reported-by: trailer credits someone who hit the bug.
	Reported bool
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

	// issueTrailer is a trailer that names what a commit fixes: a sha, an
	// issue URL, #N. "BUG:" in capitals starts a kernel splat, not a trailer.
	issueTrailer = regexp.MustCompile(`(?i)^\s*(fixes|closes|resolves|addresses|bug|stable-dep-of)\s*:\s*(\S.*)$`)
	// issueKeyword is GitHub's closing keyword anywhere in a line:
	// "Fixes #2865.", "closes org/repo#12", "resolves https://…/issues/3".
	issueKeyword = regexp.MustCompile(`(?i)\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\s+((?:[\w.-]+/[\w.-]+)?#\d+\b|https?://\S+/(?:issues|pull|merge_requests|bugs?)/\S*\d+)`)
	// stableBound reads the kernel a stable nomination's comment starts
	// from: "6.1+", "v6.1.x", "5.10.y", "4.19".
	stableBound = regexp.MustCompile(`^\s*v?(\d+\.\d+)(?:\.(?:\d+|[xy]))?\+?(?:[\s:,;-]|$)`)
	fixSubject  = regexp.MustCompile(`(?i)^fix(?:\([^)]*\))?!?:\s*\S`)
	featSubject = regexp.MustCompile(`(?i)^feat(?:\([^)]*\))?!?:\s*\S`)
	reportedBy  = regexp.MustCompile(`(?i)^\s*Reported-by:\s*\S`)
	// seriesLink is a Link: or Message-Id: naming a mail, in a lore-style
	// URL (the id is the last path element) or bare in angle brackets.
	seriesLink = regexp.MustCompile(`(?i)^\s*(?:Link|Message-Id):\s*<?(?:https?://[^\s>]*/)?([^\s/<>]+@[^\s/<>]+?)/?>?\s*$`)
	// pullLink is a Link: to a pull or merge request.
	pullLink = regexp.MustCompile(`(?i)^\s*Link:\s*<?(https?://\S+/(?:pull|merge_requests)/\d+)`)
	// patchNumber is the "-N-" of a mail id that git send-email or b4
	// numbered: 20240507001335.1445325-5-andrii@kernel.org.
	patchNumber = regexp.MustCompile(`^(.+)-\d+-([^-@]+@.+)$`)
)

// ParseTrailers reads a commit message. nominate lists the trailer prefixes
// that nominate a commit for stable lines ("Cc: stable@vger.kernel.org").
func ParseTrailers(subject, message string, nominate []string) Trailers {
	var t Trailers
	if len(nominate) > 0 {
		norm := make([]string, len(nominate))
		for i, n := range nominate {
			norm[i] = normalizeTrailer(n)
		}
		nominate = norm
	}
	lines := strings.Split(message, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if !trailerLike(line) {
			if m := mayMatch(line, issueKeywordNeeds, issueKeywordWords, issueKeyword); m != nil {
				t.Evidence = append(t.Evidence, strings.TrimSpace(m[0]))
			}
			if nominates(line, nominate) {
				t.nominatedBy(line)
			}
			continue
		}
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
			t.Evidence = append(t.Evidence, strings.TrimSpace("Fixes: "+m[1]+" "+rest))
			continue
		}
		if m := issueTrailer.FindStringSubmatch(line); m != nil && !strings.HasPrefix(strings.TrimSpace(line), "BUG:") {
			t.Evidence = append(t.Evidence, strings.TrimSpace(line))
		} else if m := mayMatch(line, issueKeywordNeeds, issueKeywordWords, issueKeyword); m != nil {
			t.Evidence = append(t.Evidence, strings.TrimSpace(m[0]))
		}
		if m := seriesLink.FindStringSubmatch(line); m != nil {
			id := strings.TrimSuffix(m[1], ">")
			if n := patchNumber.FindStringSubmatch(id); n != nil {
				t.Series = append(t.Series, n[1]+"-"+n[2])
			}
		} else if m := pullLink.FindStringSubmatch(line); m != nil {
			t.Series = append(t.Series, m[1])
		}
		if reportedBy.MatchString(line) {
			t.Reported = true
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
		if nominates(line, nominate) {
			t.nominatedBy(line)
		}
	}
	if fixSubject.MatchString(subject) {
		t.Evidence = append(t.Evidence, "subject "+strconv.Quote(subject))
	}
	if featSubject.MatchString(subject) {
		t.Feature = "subject " + strconv.Quote(subject)
	}
	if m := mayMatch(message, nil, []string{"reverts commit"}, revertSHA); m != nil {
		t.Reverts = &Ref{SHA: strings.ToLower(m[1])}
	}
	if s, ok := RevertedSubject(subject); ok {
		if t.Reverts == nil {
			t.Reverts = &Ref{}
		}
		t.Reverts.Subject = s
	}
	for _, re := range []*regexp.Regexp{cherryPick, upstreamCom, upstreamBr} {
		if !mayContain(message, nil, []string{"commit"}) {
			break
		}
		for _, m := range re.FindAllStringSubmatch(message, -1) {
			t.BackportOf = append(t.BackportOf, strings.ToLower(m[1]))
		}
	}
	return t
}

// trailerLike reports whether line could be one of the trailers
// ParseTrailers reads by regexp, all of the form "Key: …" (spaces around
// the key allowed): a word of ASCII letters, digits and dashes before the
// first colon. A key with bytes beyond ASCII may still match, through
// Unicode case folding: it counts.
func trailerLike(line string) bool {
	key, _, ok := strings.Cut(line, ":")
	if !ok {
		return false
	}
	key = strings.Trim(key, " \t\f\r\v")
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 0x80 {
			return true
		}
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z') {
			return false
		}
	}
	return true
}

// nominatedBy records a nomination line and the oldest kernel its comment
// names.
func (t *Trailers) nominatedBy(line string) {
	t.Nominated = true
	t.Evidence = append(t.Evidence, strings.TrimSpace(line))
	if _, comment, ok := strings.Cut(line, "#"); ok {
		if m := stableBound.FindStringSubmatch(comment); m != nil {
			if k, err := versioning.ParseKernel(m[1]); err == nil && (t.StableSince.IsZero() || k.Compare(t.StableSince) < 0) {
				t.StableSince = k
			}
		}
	}
}

// Words a line must hold for issueKeyword to match it: one of the marks,
// and one of the words (lower case).
var (
	issueKeywordNeeds = []string{"#", "://"}
	issueKeywordWords = []string{"fix", "clos", "resolv"}
)

// mayMatch runs re on s only when s could match: it holds one of marks
// (nil: no mark needed) and, ignoring ASCII case, one of words. Text with
// bytes beyond ASCII always runs re, whose case folding is Unicode's.
func mayMatch(s string, marks, words []string, re *regexp.Regexp) []string {
	if !mayContain(s, marks, words) {
		return nil
	}
	return re.FindStringSubmatch(s)
}

// mayContain is mayMatch's test.
func mayContain(s string, marks, words []string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	if marks != nil && !slices.ContainsFunc(marks, func(m string) bool { return strings.Contains(s, m) }) {
		return false
	}
	l := strings.ToLower(s)
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(l, w) })
}

// nominates reports whether line carries one of the nomination trailers,
// in any of the forms people write them: "Cc: stable@vger.kernel.org",
// "Cc: <stable@vger.kernel.org> # 6.1+", "CC: \"stable@vger.kernel.org\"".
// nominate holds normalized prefixes (normalizeTrailer).
func nominates(line string, nominate []string) bool {
	if len(nominate) == 0 {
		return false
	}
	if c, ok := firstNormalized(line); ok && !slices.ContainsFunc(nominate, func(n string) bool { return n != "" && n[0] == c }) {
		return false
	}
	l := normalizeTrailer(line)
	for _, n := range nominate {
		if n != "" && strings.HasPrefix(l, n) {
			return true
		}
	}
	return false
}

// firstNormalized returns the first byte of normalizeTrailer(line)
// without normalizing the line (0 for an empty result); false when bytes
// beyond ASCII come first, whose case folding and blanks are Unicode's.
func firstNormalized(line string) (byte, bool) {
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c >= 0x80:
			return 0, false
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '<' || c == '>' || c == '"':
		case 'A' <= c && c <= 'Z':
			return c + 'a' - 'A', true
		default:
			return c, true
		}
	}
	return 0, true
}

var addressMarks = strings.NewReplacer("<", " ", ">", " ", `"`, " ")

// normalizeTrailer lower-cases a trailer line, drops the angle brackets
// and quotes around addresses and collapses blanks.
func normalizeTrailer(s string) string {
	s = addressMarks.Replace(strings.ToLower(s))
	s = strings.Join(strings.Fields(s), " ")
	return strings.Replace(s, ": ", ":", 1)
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
