// Package policies holds a project's release policy and the rules that judge
// commits and releases against it: the policy file (tiered.yaml), commit
// facts, backport eligibility, gates and kernel features.
//
// Data flows one way: git (package branches, read through the [History]
// interface) → facts → rules → verdicts. The package reads the policy file
// (in [Load]), kernel BTF (in [LoadKernelIndex] and [LoadKernelBTF]) and a
// built library (in [LoadLibraryExports]) and nothing else; it never
// writes, prints, or reads the environment.
package policies
