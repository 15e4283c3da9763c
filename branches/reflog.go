package branches

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/config"
)

// zeroHash is the old value of a ref that did not exist, in a reflog.
const zeroHash = "0000000000000000000000000000000000000000"

// reflogLine is one reflog entry as git writes it:
//
//	<old> <new> <name> <<email>> <unix seconds> <+zzzz>\t<message>\n
func reflogLine(old, new string, who Signature, msg string) string {
	if old == "" {
		old = zeroHash
	}
	// git drops <, > and new lines from a name or an email, and trims
	// punctuation and white space around them.
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r == '<' || r == '>' || r == '\n' {
				return -1
			}
			return r
		}, s)
		return strings.Trim(s, ".,:;\"\\' \t\r")
	}
	line := fmt.Sprintf("%s %s %s <%s> %d %s", old, new, clean(who.Name), clean(who.Email), who.When.Unix(), who.When.Format("-0700"))
	// git folds a message's white space, new lines included, into single spaces.
	if msg = strings.Join(strings.Fields(msg), " "); msg != "" {
		line += "\t" + msg
	}
	return line + "\n"
}

// logRefs is git's core.logAllRefUpdates: which refs get a reflog made
// when they have none (a ref that has one is always logged).
type logRefs int

const (
	logNone   logRefs = iota // false; the default in a bare repository
	logNormal                // true; the default with a work tree: branches, remote-tracking branches, notes, HEAD
	logAlways                // always: every ref, tags too
)

// logAllRefUpdates reads core.logAllRefUpdates from the repository's, the
// global and the system config, as git does.
func (r *Repo) logAllRefUpdates() logRefs {
	local, err := r.r.Storer.Config()
	if err != nil {
		return logNormal
	}
	cfgs := []*config.Config{local}
	for _, scope := range []config.Scope{config.GlobalScope, config.SystemScope} {
		if cfg, err := config.LoadConfig(scope); err == nil {
			cfgs = append(cfgs, cfg)
		}
	}
	for _, cfg := range cfgs {
		if cfg.Raw == nil || !cfg.Raw.Section("core").HasOption("logallrefupdates") {
			continue
		}
		switch strings.ToLower(cfg.Raw.Section("core").Option("logallrefupdates")) {
		case "always":
			return logAlways
		case "true", "yes", "on", "1", "":
			return logNormal
		}
		return logNone
	}
	if local.Core.IsBare {
		return logNone
	}
	return logNormal
}

// creates reports whether git would make a reflog for name, under mode.
func (mode logRefs) creates(name string) bool {
	switch mode {
	case logAlways:
		return true
	case logNormal:
		return name == "HEAD" || strings.HasPrefix(name, "refs/heads/") ||
			strings.HasPrefix(name, "refs/remotes/") || strings.HasPrefix(name, "refs/notes/")
	}
	return false
}

// reflogEntry is one appended reflog line, to take back if the write fails.
type reflogEntry struct {
	path    string
	size    int64 // before the append
	created bool
}

// appendReflog appends line to the reflog of name (logs/<name>), if git
// would: the log exists, or create says to make it. The line is synced to
// disk. It returns nil if nothing was appended.
func (s *refStore) appendReflog(name, line string, create bool) (*reflogEntry, error) {
	path := s.path("logs/" + name)
	e := &reflogEntry{path: path}
	flags := os.O_WRONLY | os.O_APPEND
	if create {
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			return nil, fmt.Errorf("reflog of %s: %w", name, err)
		}
		flags |= os.O_CREATE
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return nil, nil
	case errors.Is(err, fs.ErrNotExist):
		e.created = true
	case err != nil:
		return nil, fmt.Errorf("reflog of %s: %w", name, err)
	default:
		e.size = info.Size()
	}
	f, err := os.OpenFile(path, flags, 0o666)
	if err != nil {
		return nil, fmt.Errorf("reflog of %s: %w", name, err)
	}
	_, err = f.WriteString(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && e.created {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		e.undo()
		return nil, fmt.Errorf("reflog of %s: %w", name, err)
	}
	return e, nil
}

// undo takes the appended line back.
func (e *reflogEntry) undo() error {
	if e.created {
		return os.Remove(e.path)
	}
	return os.Truncate(e.path, e.size)
}

// syncDir makes the entries of a directory (a file created, renamed or
// removed in it) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
