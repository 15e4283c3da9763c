#!/usr/bin/env bash
# bench/libbpf.sh [LIBBPF_CLONE]: a cold backport plan of each stable line
# of a libbpf clone (default $TIERED_LIBBPF), from master, against git
# cherry on the same refs: the patch-id comparison git does in one process.
# Prints CPU seconds (user + system) and peak RSS of both, and the ratio;
# then turn_cpu, the same plan with tiered's caches in a copy of the clone,
# the lines planned one after another, as a release manager plans them
# (the first pays what a cold plan does, the next find the commits they
# share in the cache), and a last row of totals.
# Needs git, go, bc and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=${1:-${TIERED_LIBBPF:?give a libbpf clone or set TIERED_LIBBPF}}
. bench/cherry.sh
cfg=$(pwd)/policies/testdata/policy/libbpf.yaml
turns "$repo"
cd "$repo"
printf '%-5s %-14s %9s %9s %9s %9s %6s %9s\n' line tip cherry_cpu cherry_mb tiered_cpu tiered_mb ratio turn_cpu
gsum=0 tsum=0 usum=0
for tip in $(git for-each-ref --format='%(refname:short)' 'refs/heads/libbpf-*' 'refs/remotes/origin/libbpf-*' | sed 's|^origin/||' | sort -uV); do
  l=$(echo "${tip#libbpf-}" | cut -d. -f1-2)
  last=$(git for-each-ref --format='%(refname:short)' "refs/heads/libbpf-$l.*" "refs/remotes/origin/libbpf-$l.*" | sort -V | tail -1)
  [ "${last#origin/}" = "$tip" ] || continue
  read -r gc gm < <(cpu git cherry "$last" master)
  read -r tc tm < <(cpu "$bin/tiered" --config "$cfg" --no-cache backport plan --to "$l" --json)
  read -r uc _ < <(cpu "$bin/tiered" --repo "$bin/turns.git" --config "$cfg" backport plan --to "$l" --json)
  printf '%-5s %-14s %9s %9s %9s %9s %6s %9s\n' "$l" "$tip" "$gc" "$gm" "$tc" "$tm" "$(echo "scale=1; $tc / ($gc + 0.005)" | bc)x" "$uc"
  gsum=$(echo "$gsum + $gc" | bc) tsum=$(echo "$tsum + $tc" | bc) usum=$(echo "$usum + $uc" | bc)
done
printf '%-5s %-14s %9s %9s %9s %9s %6s %9s\n' all - "$gsum" - "$tsum" - "$(echo "scale=2; $tsum / $gsum" | bc)x" "$usum ($(echo "scale=2; $usum / $gsum" | bc)x)"
