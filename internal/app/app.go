// Package app is what every tiered command starts from: a [Session] opens
// the repository (package branches), loads its policy (package policies),
// reads its lines once, says once when the policy misreads them, runs
// read-only queries through the answer cache (internal/answers), resolves
// the revisions and lines users name, and opens the kernel BTF a command
// or the policy names (package kernel).
//
// It holds no command line: cmd/tiered parses the flags, calls one
// package, prints, and maps errors to exit codes; errors that are bad
// usage are *[UsageError], and a query's "no" is [ErrNo]. It prints only
// notes, to the Stderr it is given; it reads git's repository and config,
// the policy file, kernel BTF and /proc/sys/kernel/osrelease (which kernel
// runs), and writes only the caches under the git directory.
package app

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/internal/answers"
	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
)

// UsageError is bad usage: a wrong flag, argument or name.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef makes a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// ErrNo is a query's answer "no": it printed its verdict.
var ErrNo = errors.New("the answer is no")

// Options are what every command is given: the global flags.
type Options struct {
	Repo, Config string
	NoCache      bool
	// Stderr takes notes; Log takes --verbose's log (nil: none).
	Stderr io.Writer
	Log    *slog.Logger
}

// Session is an open repository and its policy.
type Session struct {
	Repo   *branches.Repo
	Policy *policies.Policy

	opts  Options
	log   *slog.Logger
	hint  sync.Once
	notes strings.Builder // what Note wrote, kept with a cached answer
}

// Open opens the repository and loads its policy: the --config file, else
// tiered.yaml in the work tree (committed on HEAD in a bare repository),
// else the built-in default.
func Open(o Options) (*Session, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	repo, err := branches.Open(o.Repo)
	if err != nil {
		return nil, err
	}
	var p *policies.Policy
	if o.Config != "" {
		p, err = policies.Load(o.Config)
	} else {
		p, err = policies.LoadRepo(repo)
	}
	if err != nil {
		return nil, err
	}
	log.Debug("opened", "repo", o.Repo, "policy", cmp.Or(p.File, "default"), "took", time.Since(start))
	if o.NoCache {
		repo.DisableCommitCache()
	}
	// Notes (a commit's facts under a policy) are this build's own; a
	// build that cannot name itself keeps none.
	if id := answers.BinaryHash(); id != "unknown" {
		repo.SetNotesSalt(id)
	}
	return &Session{Repo: repo, Policy: p, opts: o, log: log}, nil
}

// OpenStatus opens the repository and reads its lines.
func OpenStatus(o Options) (*Session, *branches.Status, error) {
	s, err := Open(o)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.Status()
	if err != nil {
		return nil, nil, err
	}
	return s, st, nil
}

// Note writes a line to stderr and keeps it for the answer cache.
func (s *Session) Note(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.notes.WriteString(line)
	if s.opts.Stderr != nil {
		io.WriteString(s.opts.Stderr, line)
	}
}

// Status reads the repository's lines, and says once when the policy
// misreads them (most tags not read as releases): run tiered init.
func (s *Session) Status() (*branches.Status, error) {
	start := time.Now()
	st, err := s.Repo.Status(s.Policy.Layout())
	if err != nil {
		return nil, err
	}
	s.log.Debug("status", "lines", len(st.Lines), "releases", len(st.Releases), "tags", st.Tags, "took", time.Since(start))
	s.hint.Do(func() {
		if st.Tags >= 4 && 2*len(st.Misread) > st.Tags {
			s.Note("tiered: note: %d of %d tags (%s) do not read as tags: %q in scheme %s of %s: run tiered init to write a policy that fits\n",
				len(st.Misread), st.Tags, listSome(st.Misread, 3), s.Policy.Tags, st.Scheme, s.policyName())
		}
	})
	return st, nil
}

// policyName says where the policy came from, for messages.
func (s *Session) policyName() string {
	if s.Policy.File == "" {
		return "the default policy (no tiered.yaml)"
	}
	return s.Policy.File
}

func listSome(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + ", …"
}

// entry is a query's stored answer.
type entry struct {
	Out   string
	No    bool
	Notes string // stderr notes, repeated on a hit
}

// Answer runs a read-only query through the answer cache: its output, its
// notes and whether the answer is "no" ([ErrNo]) are stored under a key
// of the query and its inputs, the policy, the refs, the kernel BTF files
// and the binary. A repeated query on an unchanged repository prints the
// stored answer without reading history.
func Answer(o Options, w io.Writer, query string, inputs []string, run func(s *Session, w io.Writer) error) error {
	s, err := Open(o)
	if err != nil {
		return err
	}
	key, err := s.cacheKey(query, inputs...)
	if err != nil {
		return run(s, w)
	}
	store := s.answers()
	var a entry
	hit := store.Get(key, &a)
	s.log.Debug("answer cache", "query", query, "hit", hit, "dir", store.Dir)
	if !hit {
		var buf bytes.Buffer
		err := run(s, &buf)
		s.adviseCommitGraph()
		s.Repo.SaveCache() // a cache that cannot be written only costs time
		if err != nil && !errors.Is(err, ErrNo) {
			return err
		}
		a = entry{Out: buf.String(), No: err != nil, Notes: s.notes.String()}
		store.Put(key, a)
	} else if a.Notes != "" && o.Stderr != nil {
		io.WriteString(o.Stderr, a.Notes)
	}
	io.WriteString(w, a.Out)
	if a.No {
		return ErrNo
	}
	return nil
}

// cacheKey fingerprints a query for the answer cache: its name and
// arguments, the refs and the commit-graph files (which may hold commits
// no ref reaches, that references resolve to), and what [Session.key]
// adds.
func (s *Session) cacheKey(query string, inputs ...string) (string, error) {
	refs, err := s.Repo.RefsFingerprint()
	if err != nil {
		return "", err
	}
	return s.key(append([]string{query, refs, s.Repo.GraphFilesFingerprint()}, inputs...)...), nil
}

// key fingerprints what a cached result depends on besides parts: the
// binary (answers.Key), the policy and the kernel BTF file it names.
func (s *Session) key(parts ...string) string {
	parts = append(parts, s.Policy.Fingerprint())
	if btf := s.policyBTF(); btf != "" {
		parts = append(parts, "btf "+answers.FileStamp(btf))
	}
	return answers.Key(parts...)
}

// Log is the session's logger: debug lines with --verbose.
func (s *Session) Log() *slog.Logger { return s.log }

// PlanMemory is where backport plans keep their verdicts for the next
// plan of the same lines ([policies.Backport.Remember]), and the key that
// fingerprints what else than the repository they depend on (inputs and
// what [Session.key] adds). Nothing with --no-cache.
func (s *Session) PlanMemory(inputs ...string) (policies.PlanMemory, string) {
	// A record per pair of lines and target tip: a few dozen are plenty.
	st := s.store("plans", 64)
	if st.Dir == "" {
		return nil, ""
	}
	return st, s.key(append([]string{"plan memory"}, inputs...)...)
}

// answers is the session's answer store.
func (s *Session) answers() answers.Store { return s.store("answers", 0) }

// store is a store under the repository's cache directory keeping at most
// max entries (0: the default); the zero store, which keeps nothing, with
// --no-cache or when the running binary cannot be fingerprinted (another
// build's entries could pass for its own).
func (s *Session) store(dir string, max int) answers.Store {
	if s.opts.NoCache || s.Repo.CacheDir() == "" || answers.BinaryHash() == "unknown" {
		return answers.Store{}
	}
	return answers.Store{Dir: filepath.Join(s.Repo.CacheDir(), dir), Max: max}
}

// Rev resolves a revision the user gave (flag names it in errors); ""
// stays "". A revision that names nothing is bad usage.
func (s *Session) Rev(flag, rev string) (string, error) {
	if rev == "" {
		return "", nil
	}
	sha, err := s.Repo.Resolve(rev)
	if err != nil {
		return "", &UsageError{fmt.Errorf("%s %w", flag, err)}
	}
	return sha, nil
}

// Line finds the line a --line flag names; empty means trunk.
func (s *Session) Line(st *branches.Status, name string) (*branches.Line, error) {
	if name == "" {
		name = branches.TierTrunk
	}
	l, err := st.FindLine(name)
	if err != nil {
		return nil, &UsageError{fmt.Errorf("--line %w", err)}
	}
	return l, nil
}

// TargetAndSource finds the line a flag names (required) and the source
// line --from names (default trunk); one line cannot be both.
func (s *Session) TargetAndSource(st *branches.Status, flag, target, from string) (*branches.Line, *branches.Line, error) {
	if target == "" {
		return nil, nil, Usagef("%s LINE is required", flag)
	}
	t, err := st.FindLine(target)
	if err != nil {
		return nil, nil, &UsageError{fmt.Errorf("%s %w", flag, err)}
	}
	src, err := s.Line(st, from)
	if err != nil {
		return nil, nil, err
	}
	if src == t {
		return nil, nil, Usagef("%s and --from name the same line %s", flag, t.Name)
	}
	return t, src, nil
}

// Describe is "sha12 subject" for a commit, the sha alone if unreadable.
func (s *Session) Describe(sha string) string {
	c, err := s.Repo.Commit(sha)
	if err != nil {
		return branches.Short(sha)
	}
	return branches.Short(sha) + " " + c.Subject
}

// Title names the repository for reports: the library, else the
// directory.
func (s *Session) Title() string {
	if s.Policy.ABI.Library != "" {
		return s.Policy.ABI.Library
	}
	if wt := s.Repo.WorkTree(); wt != "" {
		return filepath.Base(wt)
	}
	return "repository"
}

// policyBTF is features.btf, relative to the work tree; "" if unset.
func (s *Session) policyBTF() string {
	path := s.Policy.Features.BTF
	if path != "" && !filepath.IsAbs(path) && s.Repo.WorkTree() != "" {
		path = filepath.Join(s.Repo.WorkTree(), path)
	}
	return path
}

// HasKernels reports whether the flags or the policy name kernel BTF.
func (s *Session) HasKernels(btf []string) bool { return len(btf) > 0 || s.Policy.Features.BTF != "" }

// KernelIndex opens the kernel BTF the flags name (each a file, a
// directory, or VERSION=PATH), else features.btf, and gives the kernels
// their own headers (--kernel-headers).
func (s *Session) KernelIndex(btf, headers []string) (*kernel.Index, error) {
	args := btf
	if len(args) == 0 {
		if path := s.policyBTF(); path != "" {
			args = []string{path}
		}
	}
	if len(args) == 0 {
		return nil, Usagef("no kernel BTF to check against (pass --btf PATH, such as --btf /sys/kernel/btf/vmlinux, or set features.btf in tiered.yaml)")
	}
	for _, a := range args {
		if _, _, err := kernel.SplitBTFArg(a); err != nil {
			return nil, &UsageError{err}
		}
	}
	idx, err := kernel.Load(kernel.LoadOptions{Running: RunningKernel()}, args...)
	if err != nil {
		return nil, err
	}
	for _, dir := range headers {
		h, err := kernel.LoadHeaders(dir)
		if err != nil {
			return nil, err
		}
		idx.UseHeaders(h)
	}
	return idx, nil
}

// KernelInputs are what an answer that reads kernel BTF depends on: the
// flags, the files' sizes and times, and the running kernel.
func KernelInputs(btf, headers []string) []string {
	out := []string{RunningKernel()}
	for _, arg := range append(slices.Clone(btf), headers...) {
		path, _, _ := kernel.SplitBTFArg(arg)
		out = append(out, arg, answers.FileStamp(path))
	}
	return out
}

// RunningKernel is the running kernel's release, as uname -r prints it;
// "" where there is none to read. /sys/kernel/btf/vmlinux is that kernel.
func RunningKernel() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// BTFArg is a single --btf flag as KernelIndex takes it.
func BTFArg(flag string) []string {
	if flag == "" {
		return nil
	}
	return []string{flag}
}

// CommitGraphAdviceAt is how many commits a query may read one by one,
// for want of a commit-graph file, before tiered says how to write one.
var CommitGraphAdviceAt = 50000

// adviseCommitGraph says on stderr, once, that a commit-graph would spare
// reading every commit. Not a note: once written, the stored answer's
// replay would repeat stale advice.
func (s *Session) adviseCommitGraph() {
	if n := s.Repo.UngraphedCommits(); n > CommitGraphAdviceAt && s.opts.Stderr != nil {
		fmt.Fprintf(s.opts.Stderr, "tiered: note: %d commits are in no commit-graph file, so each was read from its object: git commit-graph write --reachable --changed-paths makes queries on this repository fast\n", n)
	}
}
