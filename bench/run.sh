#!/usr/bin/env bash
# bench/run.sh [N ...]: generate an N-commit synthetic history (default
# 10000; kept in $BENCH_DIR, default /tmp/tiered-bench, and reused), then
# time each query with tiered and with the equivalent git-CLI pipeline in
# the same run, and print one row per query:
#
#   query commits tiered_s git_s ratio tiered_rss_mb
#
# ratio is tiered_s / git_s (below 1: tiered is faster). Queries:
#   status        every line, latest release, unreleased count, fork point
#                 git: for-each-ref, then per line merge-base and rev-list --count
#   plan          backport plan for the newest stable line (1.L.0) from trunk
#                 git: log of the range with messages, markers of the target
#                 side, patch-id --stable of the target side and of the fix
#                 candidates, merge-base --is-ancestor per Fixes: target and,
#                 where the bug is on the line, apply --check of the fix
#                 against the line's tree
#   plan-repeat   the same plan again, unchanged repository (answer cache);
#                 git has no cache: the same pipeline again
#   features      features check of the newest line's release against kernel
#                 BTF declaring its header (all present)
#                 git: show the header at the release and list its constants
# Needs git, go and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${BENCH_DIR:-/tmp/tiered-bench}
mkdir -p "$dir"
go build -o "$dir/tiered" ./cmd/tiered
go build -o "$dir/gen" ./bench/gen
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench/run.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

# measure CMD...: sets secs and rss_mb for a command, output discarded.
measure() {
  local out
  $TIME -o "$dir/time.out" -f '%e %M' "$@" >/dev/null 2>&1 || true
  out=$(tail -1 "$dir/time.out")
  secs=${out% *}
  rss_mb=$(( ${out#* } / 1024 ))
}
# gitsecs SCRIPT: wall time of a shell pipeline.
gitsecs() {
  local start end
  start=$(date +%s.%N)
  bash -c "$1" >/dev/null 2>&1
  end=$(date +%s.%N)
  gsecs=$(echo "$end - $start" | bc)
}
row() { # query commits tiered_s git_s rss
  printf '%-12s %8s %9.2f %9.2f %6.2f %13s\n' "$1" "$2" "$3" "$4" "$(echo "scale=4; $3 / $4" | bc)" "$5"
}

printf '%-12s %8s %9s %9s %6s %13s\n' query commits tiered_s git_s ratio tiered_rss_mb
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

  measure "$dir/tiered" --no-cache status
  t=$secs r=$rss_mb
  gitsecs '
    git for-each-ref --format="%(refname:short) %(objectname)" refs/tags refs/heads >/dev/null
    git rev-list --count "$(git describe --tags --abbrev=0 main)"..main
    for b in $(git for-each-ref --format="%(refname:short)" "refs/heads/release/*"); do
      git merge-base main "$b"
      git rev-list --count "$(git describe --tags --abbrev=0 "$b")".."$b"
    done'
  row status "$n" "$t" "$gsecs" "$r"

  # The plan's git equivalent: the range with messages, the target side's
  # markers and patch-ids, then for every fix: is its Fixes: target on the
  # line (merge-base --is-ancestor), and if so does its patch apply there
  # (apply --check against the line's tree) and what is its patch-id.
  plan_git="
    set -e
    T=$stable
    tmp=\$(mktemp -d)
    git log --no-merges --format='%H%x09%an%x09%s%x00%b%x00' \$T..main > \$tmp/cand
    git log --format='%H%x00%B%x00' main..\$T > /dev/null
    git log -p --no-merges main..\$T | git patch-id --stable > /dev/null
    GIT_INDEX_FILE=\$tmp/index git read-tree \$T
    git log --no-merges --format='commit %H%n%b' \$T..main | awk '/^commit /{c=\$2} /^Fixes: /{print c, \$2}' > \$tmp/fixes
    cut -d' ' -f1 \$tmp/fixes | git log --no-walk --stdin -p | git patch-id --stable > /dev/null
    while read -r sha target; do
      if git merge-base --is-ancestor \$target \$T 2>/dev/null; then
        git diff-tree -p \$sha | GIT_INDEX_FILE=\$tmp/index git apply --check --cached 2>/dev/null || true
      fi
    done < \$tmp/fixes
    rm -rf \$tmp"
  measure "$dir/tiered" backport plan --to "1.$minor.0"
  t=$secs r=$rss_mb
  gitsecs "$plan_git"
  g=$gsecs
  row plan "$n" "$t" "$g" "$r"
  measure "$dir/tiered" backport plan --to "1.$minor.0"
  t=$secs r=$rss_mb
  gitsecs "$plan_git"
  row plan-repeat "$n" "$t" "$gsecs" "$r"

  release="v1.$minor.0.0"
  mkdir -p "$dir/kernels-$n"
  git show "$release:include/uapi/linux/bpf.h" > "$dir/kernels-$n/bpf.h"
  "$dir/gen" -btf "$dir/kernels-$n/bpf.h" "$dir/kernels-$n/5.$minor.btf"
  rm -f "$dir/kernels-$n/bpf.h"
  measure "$dir/tiered" --no-cache features check "$release" --btf "$dir/kernels-$n"
  t=$secs r=$rss_mb
  gitsecs "git show $release:include/uapi/linux/bpf.h | grep -o 'BPF_[A-Z0-9_]*' | sort -u"
  row features "$n" "$t" "$gsecs" "$r"
  cd "$root"
done
