# bench/cherry.sh, sourced by lines.sh and libbpf.sh: a scratch directory
# $bin with tiered built in it, removed on exit; cpu, which times a
# command; and turns, which copies a repository for runs with caches.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/tiered" ./cmd/tiered
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench/$(basename "$0") needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
cpu() { # CMD...: prints "cpu_s rss_mb"
  $TIME -o "$bin/time" -f '%U %S %M' "$@" >/dev/null 2>&1
  local u s m
  read -r u s m < "$bin/time"
  echo "$(echo "$u + $s" | bc) $((m / 1024))"
}
# turns REPO: a copy of REPO's git directory for the runs in turn (plans
# with tiered's caches, one line after another, as a release manager
# plans them), so that they neither read nor change REPO's own caches.
turns() {
  cp -a "$(git -C "$1" rev-parse --absolute-git-dir)" "$bin/turns.git"
  rm -rf "$bin/turns.git/tiered"
}
