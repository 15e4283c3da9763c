package kernel

import (
	"errors"
	"slices"
	"sync"
)

// Matrix is a release's kernel needs against every kernel of an index
// (DESIGN §5): what each kernel has, lacks or cannot say, where each
// feature first appears, what no released kernel has, and the oldest
// kernel with all the features the manifest requires. It asks each
// kernel's witnesses (BTF, then its headers) and nothing else: it searches
// no history, so a constant the check proves renamed is missing here.
type Matrix struct {
	Commit  string         `json:"commit"`
	Checked int            `json:"checked"`
	Kernels []MatrixKernel `json:"kernels"`
	// Features are the release's needs, each with its answer per kernel
	// (in the order of Kernels).
	Features []MatrixFeature `json:"features"`
	// Nowhere are the features no kernel of the index has, which the
	// newest released kernel shows missing: the revert gate's question.
	// Unknown are those no kernel has, where the newest released kernel
	// cannot say.
	Nowhere []string `json:"nowhere"`
	Unknown []string `json:"unknown"`
	// Required are the manifest's required: true features; Oldest is the
	// oldest kernel that has them all, "" if none does.
	Required []string `json:"required"`
	Oldest   string   `json:"oldest,omitempty"`
	// Skipped are the files of the BTF directories that were not read.
	Skipped []Skip `json:"skipped,omitempty"`
}

// MatrixKernel is one kernel's column: which kernel, and its counts.
type MatrixKernel struct {
	Kernel  string `json:"kernel"`
	Version string `json:"version"`
	By      string `json:"by"`
	Stable  bool   `json:"stable,omitempty"`
	RC      bool   `json:"rc,omitempty"`
	Headers string `json:"headers,omitempty"`
	Has     int    `json:"has"`
	Missing int    `json:"missing"`
	// Unverifiable counts what neither its BTF nor its headers settle.
	Unverifiable int `json:"unverifiable"`
	// First counts the features this kernel is the first of the index to
	// have.
	First int `json:"first"`
	// Required says it has every required feature.
	Required bool `json:"required"`
}

// MatrixFeature is one feature's row.
type MatrixFeature struct {
	Feature  string         `json:"feature"`
	Kind     FeatureKind    `json:"kind"`
	Source   string         `json:"source"`
	Required bool           `json:"required,omitempty"`
	First    string         `json:"first_kernel,omitempty"`
	Kernels  []Availability `json:"kernels"`
}

// Matrix judges the release at commit against every kernel of the index
// with a version. Kernels are read in parallel; the first error wins.
func (idx *Index) Matrix(h History, cfg Config, commit, rev string) (*Matrix, error) {
	c := &Check{History: h, Config: cfg, Index: idx, Rev: rev}
	needs, err := ReadNeeds(h, cfg, commit)
	if mfe, ok := err.(*MissingFileError); ok {
		mfe.Rev = rev
	}
	if err != nil {
		return nil, err
	}
	var entries []*kernelEntry
	for _, e := range idx.entries {
		if !e.Version.IsZero() {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		return nil, &noKernelsError{idx}
	}
	if err := loadAll(entries); err != nil {
		return nil, err
	}
	m := &Matrix{Commit: commit, Checked: len(needs), Nowhere: []string{}, Unknown: []string{}, Required: []string{}, Skipped: idx.Skipped}
	files := c.files()
	answers := make([][]Availability, len(entries))
	for i, e := range entries {
		answers[i] = make([]Availability, len(needs))
		for n, f := range needs {
			a, err := e.judge(f, files)
			if err != nil {
				return nil, err
			}
			answers[i][n] = a.Availability
		}
	}
	// A manifest feature no kernel has, nor the release's headers, is a typo.
	j := &judgement{check: c, needs: needs}
	j.declare()
	var typos []error
	for n, f := range needs {
		if !c.isManifest(f) || slices.ContainsFunc(answers, func(as []Availability) bool { return as[n] == Present }) {
			continue
		}
		known, err := j.known(f, files)
		if err != nil {
			return nil, err
		}
		if !known {
			typos = append(typos, j.typo(f))
		}
	}
	if len(typos) > 0 {
		return nil, errors.Join(typos...)
	}
	for _, e := range entries {
		mk := MatrixKernel{Kernel: e.label(), Version: e.Version.String(), By: e.By, Stable: e.Stable(), RC: e.Version.IsRC(), Required: true}
		if e.headers != nil {
			mk.Headers = e.headers.Label() + " (" + e.headers.Dir + ")"
		}
		m.Kernels = append(m.Kernels, mk)
	}
	for n, f := range needs {
		row := MatrixFeature{Feature: f.ID, Kind: f.Kind, Source: f.Source, Required: f.Required, Kernels: make([]Availability, len(entries))}
		present := false
		newest := Unverifiable // what the newest released kernel says
		for i := range entries {
			a := answers[i][n]
			row.Kernels[i] = a
			mk := &m.Kernels[i]
			switch a {
			case Present:
				mk.Has++
				present = true
				if row.First == "" {
					row.First = mk.Kernel
					mk.First++
				}
			case Missing:
				mk.Missing++
			default:
				mk.Unverifiable++
			}
			if !entries[i].Version.IsRC() {
				newest = a
			}
			if f.Required && a != Present {
				mk.Required = false
			}
		}
		if f.Required {
			m.Required = append(m.Required, f.ID)
		}
		switch {
		case present:
		case newest == Missing:
			m.Nowhere = append(m.Nowhere, f.ID)
		default:
			m.Unknown = append(m.Unknown, f.ID)
		}
		m.Features = append(m.Features, row)
	}
	if len(m.Required) > 0 {
		for _, mk := range m.Kernels {
			if mk.Required {
				m.Oldest = mk.Kernel
				break
			}
		}
	}
	return m, nil
}

// loadAll reads the kernels' BTF, two at a time: reading a kernel image
// is mostly decompression, which one core does at a time.
func loadAll(entries []*kernelEntry) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	errs := make([]error, len(entries))
	for i, e := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, errs[i] = e.get()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// noKernelsError reports an index without a kernel named by its version.
type noKernelsError struct{ idx *Index }

func (e *noKernelsError) Error() string {
	return e.idx.Source + ": " + ErrNoBTF.Error() + ": no kernel named by its version (" + e.idx.have() + ")"
}

func (e *noKernelsError) Unwrap() error { return ErrNoBTF }
