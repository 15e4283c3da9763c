// Package xdiff computes the diffs git computes by default, so that a
// patch built from them is byte for byte the patch `git diff` prints and
// hashes to the same `git patch-id`.
//
// It holds a from-scratch Go implementation of what git's xdiff library
// does with git's defaults (diff.algorithm=myers, diff.indentHeuristic=true):
//
//   - [Split] cuts a text into lines, each keeping its "\n", so a last line
//     without one differs from the same line with one ("\ No newline at end
//     of file").
//   - [Diff] interns the lines to integers (a large file costs hashing, not
//     character work), trims the common ends, discards the lines that have
//     no match in the other file and the runs of lines with too many
//     matches, runs Myers' O(ND) algorithm with xdiff's middle-snake
//     search and cost heuristics, and then slides each group of changes as
//     xdiff's compaction does, choosing among the slides with the indent
//     heuristic.
//   - [Hunks] groups the edits into unified-diff hunks: a given number of
//     context lines, changes at most twice that apart in one hunk, and
//     removals of a change before its additions.
//   - [Cut] takes the [Window] of two large texts that differ in a few
//     places: only the lines around the differences are split and
//     diffed, the rest scanned for how often the window's lines occur;
//     [Window.Diff] says when compaction came too near the window's edge
//     for its edits to be those of the whole texts.
//
// It also holds the content similarity of git's rename detection
// (diffcore-delta): [CountSpans] and [Copied] estimate how many bytes of one
// file another one copies, the measure behind "similarity index".
//
// The package is pure: it reads no files, runs no git and keeps no state.
package xdiff
