#!/usr/bin/env bash
# kernels.sh DIR: fetch two Debian kernels for kernel/image's real-data tests.
#
# Downloads (apt-get download: no install, no root needed beyond what apt's
# cache already has) the newest linux-image-6.1.*-amd64 and
# linux-image-6.12.*-amd64 this machine's apt sources offer, found through
# the meta packages linux-image-amd64 (bookworm: 6.1) and
# linux-image-6.12-amd64 (bookworm-security or -backports; trixie's
# linux-image-amd64 when that is the source). Each package is unpacked with
# dpkg-deb -x into a scratch directory, and only these are kept:
#
#   DIR/<release>/vmlinuz-<release>          the signed bzImage
#   DIR/<release>/<module>.ko[.xz|.zst]      the modules named in MODULES
#   DIR/<release>/package.txt                package name, version, sha256
#
# Then run: TIERED_KERNELS=DIR go test ./kernel/...
# Set KERNEL_PACKAGES to download exact packages instead of resolving.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
modules=${MODULES:-"nf_conntrack fou"}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# resolve META prints the linux-image package META depends on, or nothing.
resolve() {
  apt-cache depends "$1" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

if [ -n "${KERNEL_PACKAGES:-}" ]; then
  read -r -a pkgs <<<"$KERNEL_PACKAGES"
else
  pkgs=()
  for meta in linux-image-amd64 linux-image-6.12-amd64; do
    p=$(resolve "$meta")
    if [ -z "$p" ]; then
      echo "kernels.sh: apt offers no $meta (run apt-get update, or set KERNEL_PACKAGES)" >&2
      exit 1
    fi
    pkgs+=("$p")
  done
  case "${pkgs[*]}" in
  *linux-image-6.1.*) ;;
  *)
    echo "kernels.sh: no linux-image-6.1 package among: ${pkgs[*]}" >&2
    exit 1
    ;;
  esac
fi

scratch=$(mktemp -d "$dir/.scratch.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

for pkg in "${pkgs[@]}"; do
  # apt's _apt user cannot write into a private DIR: apt downloads as the
  # caller then, and says so on stderr; that is expected.
  (cd "$scratch" && apt-get download -q "$pkg")
  deb=$(find "$scratch" -maxdepth 1 -name "${pkg}_*.deb")
  version=$(dpkg-deb -f "$deb" Version)
  sum=$(sha256sum "$deb" | cut -d' ' -f1)
  tree="$scratch/tree"
  dpkg-deb -x "$deb" "$tree"

  vmlinuz=$(find "$tree/boot" -name 'vmlinuz-*' | sort | head -n1)
  if [ -z "$vmlinuz" ]; then
    echo "kernels.sh: $pkg has no boot/vmlinuz-*" >&2
    exit 1
  fi
  release=${vmlinuz##*/vmlinuz-}
  out="$dir/$release"
  rm -rf "$out"
  mkdir -p "$out"
  mv "$vmlinuz" "$out/"
  for m in $modules; do
    ko=$(find "$tree" -path '*/lib/modules/*' -name "$m.ko*" | sort | head -n1)
    if [ -z "$ko" ]; then
      echo "kernels.sh: $pkg has no module $m" >&2
      exit 1
    fi
    mv "$ko" "$out/"
  done
  printf 'package %s\nversion %s\nsha256 %s\n' "$pkg" "$version" "$sum" >"$out/package.txt"
  rm -rf "$tree" "$deb"
  echo "$out: $pkg $version"
  ls -l "$out"
done
