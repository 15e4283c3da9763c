// Package branches reads a project's lines, releases and commits from a git
// repository through github.com/go-git/go-git/v5: tags and branches,
// ancestry and merge bases, commit messages, file contents and patches.
// Two of git's files it reads itself, in place: pack indexes (packs.go:
// go-git's copy of them costs hundreds of megabytes at kernel scale) and
// the commit-graph, one file or a split chain (commitgraph.go). What it
// reads of each commit it keeps under .git/tiered (commitcache.go,
// patchcache.go), content-addressed, so it is never stale.
//
// It exports plain values ([Commit], [Tag], [Line], [Release]), never go-git
// types, and knows nothing of release rules: package policies judges what
// this package reads. It writes refs only when a release is cut, as git
// writes them (lock files, fsync, rename, reflog), all or none even under
// kill -9; readers never take or mind a lock (see [Repo.Write]).
package branches
