// Package report renders what tiered knows of a repository for people:
// a static, self-contained release dashboard ([HTML]: one page, inline CSS
// and SVG, no script, nothing fetched) and the same as Markdown tables
// ([Markdown]) for a pull-request comment or a CI job summary.
//
// It renders the result types of package policies and reads nothing: it
// never touches the repository, files, or the network, and returns bytes.
package report
