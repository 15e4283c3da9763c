package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tiered-release/tiered/kernel"
	"github.com/tiered-release/tiered/policies"
)

type matrixOpts struct {
	btf     []string
	headers []string
	json    bool
}

func newFeaturesMatrixCmd(g *globalOpts) *cobra.Command {
	o := &matrixOpts{}
	cmd := &cobra.Command{
		Use:   "matrix [REV] --btf DIR",
		Short: "Show what REV needs from the kernel against every kernel of a BTF directory",
		Long: `matrix reads the kernel features REV (default HEAD) needs, as check does, and
asks every kernel of --btf about each: what it has, lacks, or cannot say;
the first kernel to have each feature; the features no released kernel
has; and the oldest kernel with every feature the manifest marks
required: true. Its exit code is 0 whatever the kernels lack.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("features matrix takes at most one REV, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := "HEAD"
			if len(args) == 1 {
				rev = args[0]
			}
			inputs := append(kernelInputs(o.btf, o.headers), rev, fmt.Sprint(o.json))
			return g.answer(cmd.OutOrStdout(), "features matrix", inputs, func(s *session, w io.Writer) error {
				sha, err := s.rev("REV", rev)
				if err != nil {
					return err
				}
				idx, err := s.kernelIndex(o.btf, o.headers)
				if err != nil {
					return err
				}
				m, err := policies.FeaturesMatrix(s.repo, s.policy, idx, rev, sha)
				if err != nil {
					return err
				}
				if o.json {
					return writeJSON(w, m)
				}
				printMatrix(w, rev, idx.Source, m)
				return nil
			})
		},
	}
	kernelFlags(cmd, &o.btf, &o.headers)
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func printMatrix(w io.Writer, rev, source string, m *kernel.Matrix) {
	for _, sk := range m.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", sk.Path, sk.Reason)
	}
	fmt.Fprintf(w, "%s (%s) needs %d kernel features; %d kernels in %s\n", rev, short(m.Commit), m.Checked, len(m.Kernels), source)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "KERNEL\tHAS\tMISSING\tUNVERIFIABLE\tFIRST HERE")
	if len(m.Required) > 0 {
		fmt.Fprint(tw, "\tREQUIRED")
	}
	fmt.Fprintln(tw)
	for _, k := range m.Kernels {
		name := k.Kernel
		if k.Headers != "" {
			name += " +headers"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d", name, k.Has, k.Missing, k.Unverifiable, k.First)
		if len(m.Required) > 0 {
			fmt.Fprintf(tw, "\t%s", map[bool]string{true: "all", false: "no"}[k.Required])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(m.Nowhere) > 0 {
		fmt.Fprintf(w, "no released kernel has %d: %s\n", len(m.Nowhere), examples(m.Nowhere, 8))
	} else {
		fmt.Fprintln(w, "no feature is missing from every kernel")
	}
	if len(m.Unknown) > 0 {
		fmt.Fprintf(w, "in no kernel, and the newest cannot say for %d: %s\n", len(m.Unknown), examples(m.Unknown, 3))
	}
	switch {
	case len(m.Required) == 0:
	case m.Oldest != "":
		fmt.Fprintf(w, "oldest kernel with all %d required features: %s\n", len(m.Required), m.Oldest)
	default:
		fmt.Fprintf(w, "no kernel has all %d required features (%s)\n", len(m.Required), examples(m.Required, 8))
	}
}

// examples joins the first n of ids, and says how many more there are.
func examples(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}
