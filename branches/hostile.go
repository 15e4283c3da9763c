package branches

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Errors for repositories and revisions that would give wrong answers.
var (
	// ErrShallow: the repository is a shallow clone. Its history ends at
	// its shallow boundary, so ancestry, fork points and every "not on
	// the line" would be wrong.
	ErrShallow = errors.New("shallow clone: run git fetch --unshallow (tiered needs the whole history)")
	// ErrRevisionSyntax: a revision uses syntax tiered does not read
	// (reflogs, paths, peeling, ranges), which go-git would read as
	// something else.
	ErrRevisionSyntax = errors.New("unsupported revision syntax")
	// ErrRewritten: grafts or replace refs make git show another history
	// than the repository's objects hold.
	ErrRewritten = errors.New("history rewritten by grafts or replace refs")
	// ErrConfig: a git configuration file cannot be read.
	ErrConfig = errors.New("unreadable git configuration")
)

// checkHistory refuses a repository whose history, as git shows it, is
// not the history its objects hold: a shallow clone, grafts, replace refs.
// go-git reads the objects as they are, so its answers would differ from
// git's.
func checkHistory(r *git.Repository) error {
	if s, ok := r.Storer.(storer.ShallowStorer); ok {
		commits, err := s.Shallow()
		if err != nil {
			return fmt.Errorf("read shallow file: %w", err)
		}
		if len(commits) > 0 {
			return fmt.Errorf("%w: %d shallow commits", ErrShallow, len(commits))
		}
	}
	if fsStore, ok := r.Storer.(*filesystem.Storage); ok {
		common := newRefStore(fsStore.Filesystem().Root()).commonDir
		if _, err := os.Stat(filepath.Join(common, "info", "grafts")); err == nil {
			return fmt.Errorf("%w: info/grafts rewrites parents, which tiered does not read (git replace --convert-graft-file turns it into replace refs; remove those too)", ErrRewritten)
		}
	}
	refs, err := r.References()
	if err != nil {
		return err
	}
	defer refs.Close()
	var replaced string
	refs.ForEach(func(ref *plumbing.Reference) error {
		if strings.HasPrefix(ref.Name().String(), "refs/replace/") {
			replaced = ref.Name().String()
			return storer.ErrStop
		}
		return nil
	})
	if replaced != "" {
		return fmt.Errorf("%w: %s replaces an object, which git shows and tiered does not read (git replace -d it, or answer from a clone without it)", ErrRewritten, replaced)
	}
	return nil
}

// revisionForm is what tiered reads as a revision: a ref or sha, then
// first-parent (~N) and parent (^N) steps, and at the end, perhaps, the
// youngest commit whose message matches: ^{/text}.
var revisionForm = regexp.MustCompile(`^[^~^:@{}\\\s?*\[]+(?:[~^][0-9]*)*(?:\^\{/[^{}]+\})?$`)

// checkRevision refuses revision syntax tiered does not support, so that
// HEAD@{5}, x:path, ^{tree} or a..b is an error, never read as another
// commit. It returns an error wrapping [ErrRevisionSyntax].
func checkRevision(rev string) error {
	if rev == "HEAD" || rev == "@" {
		return nil
	}
	if !revisionForm.MatchString(rev) || strings.Contains(rev, "..") || strings.HasPrefix(rev, "-") {
		return fmt.Errorf("%q: %w (use a branch, a tag or a sha, optionally with ~N, ^N or ^{/text})", rev, ErrRevisionSyntax)
	}
	return nil
}

// maxIncludeDepth bounds include.path chains, as git's own limit does.
const maxIncludeDepth = 10

// identityFrom reads user.name and user.email from git configuration
// files in order of precedence (local, global, system), following
// include.path as git does: a missing included file is ignored, one that
// exists but cannot be read is an error wrapping [ErrConfig].
func identityFrom(files []string) (name, email string, err error) {
	for _, f := range files {
		n, e, err := configIdentity(f, 0)
		if err != nil {
			return "", "", err
		}
		if name == "" {
			name = n
		}
		if email == "" {
			email = e
		}
	}
	return name, email, nil
}

// configIdentity reads one configuration file: the last user.name and
// user.email it sets, its included files read where the include is.
func configIdentity(file string, depth int) (name, email string, err error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("%s: %w: %v", file, ErrConfig, err)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				continue
			}
			section = strings.ToLower(strings.TrimSpace(line[1:end]))
			line = strings.TrimSpace(line[end+1:])
			if line == "" {
				continue
			}
		}
		key, value, _ := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		value = configValue(value)
		switch {
		case section == "user" && key == "name":
			name = value
		case section == "user" && key == "email":
			email = value
		case section == "include" && key == "path" && value != "":
			if depth >= maxIncludeDepth {
				return "", "", fmt.Errorf("%s: %w: include.path nested more than %d deep", file, ErrConfig, maxIncludeDepth)
			}
			path := value
			if rest, ok := strings.CutPrefix(path, "~/"); ok {
				home, _ := os.UserHomeDir()
				path = filepath.Join(home, rest)
			} else if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(file), path)
			}
			n, e, err := configIdentity(path, depth+1)
			if err != nil {
				return "", "", fmt.Errorf("%s: include.path %s: %w", file, value, err)
			}
			if n != "" {
				name = n
			}
			if e != "" {
				email = e
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("%s: %w: %v", file, ErrConfig, err)
	}
	return name, email, nil
}

// configValue reads a value: comments cut, quotes removed.
func configValue(v string) string {
	v = strings.TrimSpace(v)
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case (c == '#' || c == ';') && !quoted:
			return strings.TrimSpace(b.String())
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// Errors of [Repo.Signer].
var (
	// ErrNoIdentity: neither the environment nor git config names who
	// signs.
	ErrNoIdentity = errors.New("no tagger identity: set user.name and user.email (git config --global user.name …) or GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL")
	// ErrDate: a date git's environment gives is not one git reads.
	ErrDate = errors.New("bad date")
)

// Signer is who signs what tiered writes, as git chooses: name, email and
// date as git's environment gives them (GIT_COMMITTER_NAME, _EMAIL,
// _DATE; the caller reads them), else user.name and user.email from git
// config ([Repo.Identity]) and now. It returns an error wrapping
// [ErrNoIdentity] when nothing names them, [ErrDate] for a date git
// would not read.
func (r *Repo) Signer(name, email, date string, now func() time.Time) (Signature, error) {
	cfgName, cfgEmail, err := r.Identity()
	if err != nil {
		return Signature{}, err
	}
	if name == "" {
		name = cfgName
	}
	if email == "" {
		email = cfgEmail
	}
	if name == "" || email == "" {
		return Signature{}, ErrNoIdentity
	}
	when := now()
	if date != "" {
		t, err := ParseDate(date)
		if err != nil {
			return Signature{}, fmt.Errorf("GIT_COMMITTER_DATE %q: %w: %v", date, ErrDate, err)
		}
		when = t
	}
	return Signature{Name: name, Email: email, When: when}, nil
}

// ParseDate reads the date forms scripts give git: RFC 3339, and git's
// internal "@1700000000 +0100" or "1700000000 +0100".
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	secs, zone, _ := strings.Cut(strings.TrimPrefix(s, "@"), " ")
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 (2024-01-01T00:00:00Z) or @SECONDS +ZZZZ")
	}
	t := time.Unix(n, 0).UTC()
	if zone != "" {
		z, err := time.Parse("-0700", zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("time zone %q: want +ZZZZ", zone)
		}
		t = t.In(z.Location())
	}
	return t, nil
}
