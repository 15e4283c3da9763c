package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/branches"
	"github.com/tiered-release/tiered/policies"
)

// globalOpts are the flags every command takes.
type globalOpts struct {
	repo    string
	config  string
	noCache bool
	verbose bool
	stderr  io.Writer // for notes; errors go through exitCode
	log     *slog.Logger
}

func newRootCmd() *cobra.Command {
	g := &globalOpts{}
	root := &cobra.Command{
		Use:   "tiered",
		Short: "Plan, gate and cut four-tier releases of kernel-adjacent libraries",
		Long: `tiered reads a git repository's release lines (ABI.kernel.feature.stable),
answers backport questions, gates releases on kernel features, cuts versions
and builds packages.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.repo, "repo", ".", "the repository `DIR`")
	root.PersistentFlags().StringVar(&g.config, "config", "", "the policy `FILE` (default: tiered.yaml at the repository root)")
	root.PersistentFlags().BoolVar(&g.noCache, "no-cache", false, "compute every answer afresh, neither reading nor writing the answer and commit caches")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what tiered reads and how long it takes, on stderr")
	root.PersistentPreRun = func(c *cobra.Command, args []string) {
		g.stderr = c.ErrOrStderr()
		g.log = newLogger(g.stderr, g.verbose)
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{fmt.Errorf("%v (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(
		newStatusCmd(g),
		newNextCmd(g),
		group(newBackportCmd(g)),
		group(newFeaturesCmd(g)),
		newCutCmd(g),
		newPackageCmd(g),
		newInitCmd(g),
		newReportCmd(g),
		newDemoCmd(),
		newManCmd(),
	)
	group(root)
	root.Version = versionString()
	root.SetVersionTemplate("{{.Version}}\n")
	registerCompletions(root, g)
	return root
}

// registerCompletions completes line names, release tags and fixed
// values from the repository, for the shell completions cobra writes
// (tiered completion bash|zsh|fish).
func registerCompletions(root *cobra.Command, g *globalOpts) {
	lines, releases := completeLines(g), completeReleases(g)
	for _, c := range []struct {
		path  []string
		flags map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective)
		args  func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective)
	}{
		{[]string{"next"}, map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective){"line": lines}, nil},
		{[]string{"cut"}, map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective){"line": lines}, nil},
		{[]string{"backport", "check"}, map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective){"to": lines, "from": lines}, nil},
		{[]string{"backport", "plan"}, map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective){"to": lines, "from": lines, "at": releases}, nil},
		{[]string{"features", "check"}, map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective){"line": lines}, releases},
		{[]string{"package"}, map[string]func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective){"release": releases, "format": completeWords("deb", "rpm", "deb,rpm")}, nil},
	} {
		cmd, _, err := root.Find(c.path)
		if err != nil || cmd == root {
			continue
		}
		for name, f := range c.flags {
			if cmd.Flags().Lookup(name) != nil {
				cmd.RegisterFlagCompletionFunc(name, f)
			}
		}
		if c.args != nil {
			cmd.ValidArgsFunction = c.args
		}
	}
}

// session is an open repository and its policy.
type session struct {
	repo    *branches.Repo
	policy  *policies.Policy
	noCache bool
	stderr  io.Writer
	log     *slog.Logger
	hint    sync.Once
	notes   strings.Builder // what note wrote, kept with a cached answer
}

// note writes a line to stderr and keeps it for the answer cache.
func (s *session) note(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.notes.WriteString(line)
	if s.stderr != nil {
		io.WriteString(s.stderr, line)
	}
}

func (g *globalOpts) open() (*session, error) {
	if g.log == nil {
		g.log = newLogger(nil, false)
	}
	start := time.Now()
	repo, err := branches.Open(g.repo)
	if err != nil {
		return nil, err
	}
	p, err := g.loadPolicy(repo)
	if err != nil {
		return nil, err
	}
	g.log.Debug("opened", "repo", g.repo, "policy", cmp.Or(p.File, "default"), "took", time.Since(start))
	if g.noCache {
		repo.DisableCommitCache()
	}
	return &session{repo: repo, policy: p, noCache: g.noCache, stderr: g.stderr, log: g.log}, nil
}

func (g *globalOpts) loadPolicy(repo *branches.Repo) (*policies.Policy, error) {
	if g.config != "" {
		return policies.Load(g.config)
	}
	if wt := repo.WorkTree(); wt != "" {
		return policies.LoadOrDefault(filepath.Join(wt, policies.DefaultFile))
	}
	// A bare repository: the policy committed on HEAD, if any.
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return policies.Default(), nil
	}
	data, err := repo.ReadFile(head, policies.DefaultFile)
	if errors.Is(err, branches.ErrNoFile) {
		return policies.Default(), nil
	}
	if err != nil {
		return nil, err
	}
	return policies.Parse(policies.DefaultFile+"@HEAD", data)
}

func (s *session) layout() branches.Layout {
	p := s.policy
	return branches.Layout{
		Scheme:       p.Scheme,
		Trunk:        p.Trunk,
		Tags:         p.Tags,
		ABIBranch:    p.Branches.ABI,
		KernelBranch: p.Branches.Kernel,
		StableBranch: p.Branches.Stable,
		Kernels:      p.Kernels,
	}
}

// openStatus opens the repository and reads its lines: what every command
// but demo starts with.
func (g *globalOpts) openStatus() (*session, *branches.Status, error) {
	s, err := g.open()
	if err != nil {
		return nil, nil, err
	}
	st, err := s.repo.Status(s.layout())
	if err != nil {
		return nil, nil, err
	}
	return s, st, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// answer runs a read-only query through the answer cache: its output and
// whether the answer is "no" are stored under a key of the query, its
// inputs, the policy, the refs and the binary (cache.go). A repeated query
// on an unchanged repository prints the stored answer without reading
// history.
func (g *globalOpts) answer(w io.Writer, query string, inputs []string, run func(s *session, w io.Writer) error) error {
	s, err := g.open()
	if err != nil {
		return err
	}
	key, err := s.cacheKey(query, inputs...)
	if err != nil {
		return run(s, w)
	}
	store := s.answers()
	var a answerEntry
	hit := store.Get(key, &a)
	s.log.Debug("answer cache", "query", query, "hit", hit, "dir", store.Dir)
	if !hit {
		var buf bytes.Buffer
		err := run(s, &buf)
		s.adviseCommitGraph()
		s.repo.SaveCache() // a cache that cannot be written only costs time
		if err != nil && !errors.Is(err, errNo) {
			return err
		}
		a = answerEntry{Out: buf.String(), No: err != nil, Notes: s.notes.String()}
		store.Put(key, a)
	} else if a.Notes != "" && g.stderr != nil {
		io.WriteString(g.stderr, a.Notes)
	}
	io.WriteString(w, a.Out)
	if a.No {
		return errNo
	}
	return nil
}

// answerEntry is a query's stored answer.
type answerEntry struct {
	Out   string `json:"out"`
	No    bool   `json:"no"`
	Notes string `json:"notes,omitempty"` // stderr notes, repeated on a hit
}

// status reads the repository's lines, and says once on stderr when the
// policy misreads them.
func (s *session) status() (*branches.Status, error) {
	start := time.Now()
	st, err := s.repo.Status(s.layout())
	if err != nil {
		return nil, err
	}
	s.log.Debug("status", "lines", len(st.Lines), "releases", len(st.Releases), "tags", st.Tags, "took", time.Since(start))
	s.hint.Do(func() {
		if st.Tags >= 4 && 2*len(st.Misread) > st.Tags {
			s.note("tiered: note: %d of %d tags (%s) do not read as tags: %q in scheme %s of %s: run tiered init to write a policy that fits\n",
				len(st.Misread), st.Tags, listSome(st.Misread, 3), s.policy.Tags, st.Scheme, s.policyName())
		}
	})
	return st, nil
}

// commitGraphAdviceAt is how many commits a query may read one by one,
// for want of a commit-graph file, before tiered says how to write one.
var commitGraphAdviceAt = 50000

// adviseCommitGraph says on stderr, once, that a commit-graph would spare
// reading every commit. Not a note: once written, the stored answer's
// replay would repeat stale advice.
func (s *session) adviseCommitGraph() {
	if n := s.repo.UngraphedCommits(); n > commitGraphAdviceAt && s.stderr != nil {
		fmt.Fprintf(s.stderr, "tiered: note: %d commits are in no commit-graph file, so each was read from its object: git commit-graph write --reachable --changed-paths makes queries on this repository fast\n", n)
	}
}

// policyName says where the policy came from, for messages.
func (s *session) policyName() string {
	if s.policy.File == "" {
		return "the default policy (no tiered.yaml)"
	}
	return s.policy.File
}

func listSome(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + ", …"
}
