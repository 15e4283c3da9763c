#!/usr/bin/env bash
# bench/run.sh [N ...]: generate an N-commit synthetic history (default
# 10000; kept in $BENCH_DIR, default /tmp/tiered-bench, and reused), then
# time each query with tiered and with git doing the same work in batched
# form (one git process per question: never a loop of processes whose
# start is most of the cost), in the same run, and print one row per query:
#
#   query commits tiered_s tiered_cpu git_s git_cpu ratio tiered_mb git_mb
#
# _s is wall time, _cpu user+system time (children included), _mb peak RSS
# (for git, of its largest process); ratio is tiered_cpu / git_cpu: on a
# shared machine CPU time is the steadier measure. Then, for two or more
# sizes, how each query grows from the first size to the last.
#
# Queries (T is the newest stable line's newest release, the plan's target):
#   status        every line: latest release, unreleased count, fork point
#                 git: for-each-ref of refs and peeled tags, tags merged
#                 into main (one walk), then per line merge-base with main
#                 and rev-list --count since its latest release (two light
#                 processes per line: git has no one command for it)
#   status-chain  status with the commit-graph split into a chain of two
#                 layers, as git gc with split commit-graphs writes it;
#                 git: the same pipeline
#   plan          backport plan --to that line, from trunk, caches empty
#                 git: log of T..main with messages (the candidates), log
#                 of main..T (markers), git cherry T main (patch-ids of
#                 both sides), rev-list T (which Fixes: targets the line
#                 has: one walk), then one log -p of the fixes whose bug is
#                 on the line (their patches; git cannot check that they
#                 apply without a process each, tiered does)
#   plan-cherry   the same plan against git cherry T main alone
#   plan-repeat   the plan again, repository unchanged (answer cache)
#   plan-new      the plan after one new commit on main: the answer cache
#                 misses, the commit and patch caches and the previous
#                 plan's verdicts hold all else (each round's commit goes
#                 on top of the last round's, as commits land)
#                 git: the plan pipeline again (git keeps no cache)
#   features      features check of the line's .0 release against BTF
#                 that has all it needs; git: show the header and list its
#                 constants (git checks nothing against BTF: the ratio only
#                 says what tiered's floor is)
# ROUNDS=N runs every measurement N times and reports the median round.
# Needs git, go, bc and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${BENCH_DIR:-/tmp/tiered-bench}
mkdir -p "$dir"
go build -o "$dir/tiered" ./cmd/tiered
go build -o "$dir/gen" ./bench/gen
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench/run.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

# ROUNDS (default 1) runs each measurement that many times and keeps the
# round of median CPU time (and the largest RSS): a shared machine's timing
# drifts from one minute to the next, git's as much as tiered's.
rounds=${ROUNDS:-1}
# prep is a command run before each round of a tiered measurement (what
# makes every round the same: caches removed, a new commit written).
prep=:
# measure CMD...: sets wall, cpu and mb for a command, output discarded.
measure() {
  local i e u s m all=()
  for ((i = 0; i < rounds; i++)); do
    eval "$prep"
    $TIME -o "$dir/time.out" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
    read -r e u s m < <(tail -1 "$dir/time.out")
    all+=("$(echo "$u + $s" | bc) $e $((m / 1024))")
  done
  read -r cpu wall _ < <(printf '%s\n' "${all[@]}" | sort -n | sed -n "$(((rounds + 1) / 2))p")
  mb=$(printf '%s\n' "${all[@]}" | awk '$3 > m {m = $3} END {print m}')
}
# tiered ARGS...: measure tiered; sets t_wall, t_cpu, t_mb.
tiered() { measure "$dir/tiered" "$@"; t_wall=$wall t_cpu=$cpu t_mb=$mb; }
# gitrun SCRIPT: measure a git pipeline ($0 in it is a scratch directory);
# sets g_wall, g_cpu, g_mb.
gitrun() {
  local p=$prep
  prep=:
  measure bash -c "$1" "$dir"
  prep=$p g_wall=$wall g_cpu=$cpu g_mb=$mb
}
row() { # query commits
  local ratio
  ratio=$(echo "scale=4; $t_cpu / ($g_cpu + 0.005)" | bc)
  printf '%-13s %8s %8.2f %10.2f %6.2f %7.2f %6.2f %9s %6s\n' "$1" "$2" "$t_wall" "$t_cpu" "$g_wall" "$g_cpu" "$ratio" "$t_mb" "$g_mb"
  echo "$1 $2 $t_cpu $g_cpu" >> "$dir/rows"
}

: > "$dir/rows"
printf '%-13s %8s %8s %10s %6s %7s %6s %9s %6s\n' query commits tiered_s tiered_cpu git_s git_cpu ratio tiered_mb git_mb
for n in "${@:-10000}"; do
  repo="$dir/synth-$n"
  if [ ! -d "$repo" ]; then
    "$dir/gen" -n "$n" "$repo" >&2
  fi
  cd "$repo"
  last=$(git for-each-ref --format='%(refname:short)' 'refs/heads/release/*' | sort -t. -k2 -n | tail -1)
  minor=${last#release/v1.}
  stable=$(git tag -l "v1.$minor.0.*" | sort -t. -k4 -n | tail -1)
  [ -n "$stable" ] || stable="v1.$minor.0.0"
  rm -rf .git/tiered

  status_git='
    git for-each-ref --format="%(refname:short) %(objectname) %(*objectname)" refs/tags refs/heads > "$0/refs"
    git for-each-ref --merged main --format="%(refname)" refs/tags >/dev/null
    # per line: its branch and its newest release, from the one listing
    awk "\$1 ~ /^release\\/v1\\./ {b[\$1]=1} \$1 ~ /^v1\\.[0-9]+\\.0\\./ {split(\$1, v, \".\"); if (v[4]+0 >= n[v[2]]) {n[v[2]]=v[4]+0; t[v[2]]=\$1}}
      END {for (x in b) {m=substr(x, 12); print x, t[m]}}" "$0/refs" |
    while read -r b t; do
      git merge-base main "$b" >/dev/null
      git rev-list --count "${t:-$b}..$b" >/dev/null
    done'
  tiered --no-cache status
  gitrun "$status_git"
  row status "$n"

  # The same status on a commit-graph chain of two layers: the commits up
  # to the line's fork, then the rest.
  graph=.git/objects/info/commit-graph
  if [ -f "$graph" ]; then
    mv "$graph" "$dir/commit-graph.saved"
    git rev-parse "$last" | git commit-graph write --stdin-commits --split=no-merge
    git commit-graph write --reachable --split=no-merge
    tiered --no-cache status
    gitrun "$status_git"
    row status-chain "$n"
    rm -rf .git/objects/info/commit-graphs
    mv "$dir/commit-graph.saved" "$graph"
  fi

  plan_git="
    set -e
    T=$stable
    tmp=\$(mktemp -d)
    git log --no-merges --format='%H%x09%an%x09%s%x00%b%x00' \$T..main > \$tmp/cand
    git log --format='%H%x00%B%x00' main..\$T > /dev/null
    git cherry \$T main > /dev/null
    git rev-list \$T | cut -c1-12 | sort > \$tmp/onT
    git log --no-merges --format='commit %H%n%b' \$T..main |
      awk '/^commit /{c=\$2} /^Fixes: /{print substr(\$2,1,12), c}' | sort > \$tmp/fixes
    join \$tmp/onT \$tmp/fixes | cut -d' ' -f2 | git log --no-walk --stdin -p > /dev/null
    rm -rf \$tmp"
  prep="rm -rf .git/tiered"
  tiered backport plan --to "1.$minor.0"
  prep=:
  gitrun "$plan_git"
  row plan "$n"
  cold_cpu=$t_cpu
  gitrun "git cherry $stable main >/dev/null"
  row plan-cherry "$n"

  tiered backport plan --to "1.$minor.0"
  gitrun "$plan_git"
  row plan-repeat "$n"

  # One new commit on main, written with plumbing (no work tree needed),
  # another for each round on top of the last (a commit rewritten in place
  # would be a force-push, after which a plan judges everything again),
  # and main put back afterwards.
  old=$(git rev-parse main)
  k=0
  new_commit() {
    k=$((k + 1))
    local blob tree new tip
    tip=$(git rev-parse main)
    blob=$(printf 'int bench_new(void) { return %s; }\n' "$n$k" | git hash-object -w --stdin)
    GIT_INDEX_FILE="$dir/index" git read-tree "$tip"
    GIT_INDEX_FILE="$dir/index" git update-index --add --cacheinfo "100644,$blob,src/bench-new.c"
    tree=$(GIT_INDEX_FILE="$dir/index" git write-tree)
    new=$(echo "bench: one more commit" | GIT_AUTHOR_NAME=B GIT_AUTHOR_EMAIL=b@example.org GIT_COMMITTER_NAME=B GIT_COMMITTER_EMAIL=b@example.org git commit-tree "$tree" -p "$tip")
    git update-ref refs/heads/main "$new"
  }
  prep=new_commit
  tiered backport plan --to "1.$minor.0"
  prep=:
  gitrun "$plan_git"
  row plan-new "$n"
  echo "plan-new/plan $n $(echo "scale=3; $t_cpu / $cold_cpu" | bc)" >> "$dir/rows"
  git update-ref refs/heads/main "$old"
  rm -f "$dir/index"

  release="v1.$minor.0.0"
  mkdir -p "$dir/kernels-$n"
  git show "$release:include/uapi/linux/bpf.h" > "$dir/kernels-$n/bpf.h"
  "$dir/gen" -btf "$dir/kernels-$n/bpf.h" "$dir/kernels-$n/5.$minor.btf"
  rm -f "$dir/kernels-$n/bpf.h"
  tiered --no-cache features check "$release" --btf "$dir/kernels-$n"
  gitrun "git show $release:include/uapi/linux/bpf.h | grep -o 'BPF_[A-Z0-9_]*' | sort -u >/dev/null"
  row features "$n"
  cd "$root"
done

# Growth from the first size to the last, per query: tiered's CPU and git's.
if [ $# -ge 2 ]; then
  first=$1 final=${!#}
  echo
  printf '%-13s %17s %17s\n' query "tiered ${first}->${final}" "git ${first}->${final}"
  for q in status status-chain plan plan-cherry plan-repeat plan-new features; do
    a=$(awk -v q=$q -v n=$first '$1==q && $2==n {print $3, $4}' "$dir/rows")
    b=$(awk -v q=$q -v n=$final '$1==q && $2==n {print $3, $4}' "$dir/rows")
    [ -n "$a" ] && [ -n "$b" ] || continue
    read -r ta ga <<<"$a"
    read -r tb gb <<<"$b"
    growth() { # FROM TO: TO/FROM, or - when FROM is below what time measures
      if [ "$(echo "$1 < 0.01" | bc)" = 1 ]; then echo -; else echo "$(echo "scale=1; $2 / $1" | bc)x"; fi
    }
    printf '%-13s %17s %17s\n' $q "$(growth "$ta" "$tb")" "$(growth "$ga" "$gb")"
  done
  echo
  grep '^plan-new/plan' "$dir/rows" | awk '{printf "plan-new / cold plan at %s: %s\n", $2, $3}'
fi
