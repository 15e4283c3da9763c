// Package policies holds a project's release policy and every rule that
// judges commits and releases against it (DESIGN §3, §4, §6, §8): the
// policy file (tiered.yaml, [Parse] and [Load]), commit facts (trailers
// and ABI changes, [ReadFacts]), the tier rules with their IDs
// (rules.go), backport eligibility ([NewBackport]) and its backtest
// against what a line really took ([Replay]), the next version of a
// line ([Next]), the gates of a cut ([PlanCut]), and what a package build
// needs from the repository ([Package]).
//
// Data flows one way: git (package branches, read through the [History]
// interface) → facts → rules → verdicts. Kernel features are package
// kernel's and exports package abi's; policies adapts its inputs to
// theirs, and nothing below it imports it. It reads the policy file (in
// [Load]) and nothing else; it never writes, prints, or reads the
// environment.
package policies
