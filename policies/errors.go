package policies

import (
	"fmt"
	"io/fs"
	"strings"
)

// FileError reports a problem at one place of the policy file.
type FileError struct {
	File string // the file's name as given to Parse
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key path: "branches.stable"
	Err  error
}

func (e *FileError) Error() string {
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

func (e *FileError) Unwrap() error { return e.Err }

// ErrorList is every problem found in one policy file, in file order.
type ErrorList []*FileError

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the errors, so errors.As finds a *FileError.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// ConfiguredFileError reports a file the policy names that a revision
// does not have: a header copy, a manifest, a symbol map. Data that is
// configured but missing is an error, never "nothing to check". It is
// fs.ErrNotExist.
type ConfiguredFileError struct {
	Key    string // the policy key: "abi.symbol_map"
	Path   string
	Rev    string // the revision as the user named it, or the line
	Commit string
}

func (e *ConfiguredFileError) Error() string {
	return fmt.Sprintf("%s %s: no such file at %s (%s) (fix %s in tiered.yaml)", e.Key, e.Path, e.Rev, shortSHA(e.Commit), e.Key)
}

// Is makes errors.Is(err, fs.ErrNotExist) true.
func (e *ConfiguredFileError) Is(target error) bool { return target == fs.ErrNotExist }

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
