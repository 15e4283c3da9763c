#!/usr/bin/env bash
# bench/lines.sh REPO POLICY [LINE ...]: a cold backport plan of each
# line of a real repository (default: every line but trunk that `tiered
# status` finds with a branch), from trunk, caches off, against
# `git cherry BRANCH TRUNK` on the same refs: the patch-id comparison git
# does in one process. Prints CPU seconds (user + system) and peak RSS of
# both, and the ratio; then turn_cpu, the same plan with tiered's caches in
# a copy of the repository, the lines planned one after another (the first
# pays what a cold plan does, the next find the commits they share in the
# cache), and a last row of totals. Needs git, go, bc, python3 and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=${1:?give a repository}
cfg=$(realpath "${2:?give its policy file}")
shift 2
. bench/cherry.sh
turns "$repo"
cd "$repo"
# line name, its branch, the trunk branch: from tiered's own status.
"$bin/tiered" --config "$cfg" --no-cache status --json 2>/dev/null | python3 -c '
import json, sys
lines = json.load(sys.stdin)["lines"]
trunk = next((l["branch"] for l in lines if l["tier"] == "trunk"), "")
want = sys.argv[1:]
for l in lines:
    if l["tier"] != "trunk" and l.get("branch") and (not want or l["name"] in want):
        print(l["name"], l["branch"], trunk)
' "$@" > "$bin/lines"
printf '%-6s %-24s %10s %9s %10s %9s %6s %9s\n' line branch cherry_cpu cherry_mb tiered_cpu tiered_mb ratio turn_cpu
gsum=0 tsum=0 usum=0
while read -r l branch trunk; do
  read -r gc gm < <(cpu git cherry "$branch" "$trunk")
  read -r tc tm < <(cpu "$bin/tiered" --config "$cfg" --no-cache backport plan --to "$l" --json)
  read -r uc _ < <(cpu "$bin/tiered" --repo "$bin/turns.git" --config "$cfg" backport plan --to "$l" --json)
  printf '%-6s %-24s %10s %9s %10s %9s %6s %9s\n' "$l" "$branch" "$gc" "$gm" "$tc" "$tm" "$(echo "scale=1; $tc / ($gc + 0.005)" | bc)x" "$uc"
  gsum=$(echo "$gsum + $gc" | bc) tsum=$(echo "$tsum + $tc" | bc) usum=$(echo "$usum + $uc" | bc)
done < "$bin/lines"
printf '%-6s %-24s %10s %9s %10s %9s %6s %9s\n' all - "$gsum" - "$tsum" - "$(echo "scale=2; $tsum / $gsum" | bc)x" "$usum ($(echo "scale=2; $usum / $gsum" | bc)x)"
