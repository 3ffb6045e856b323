#!/bin/sh
# Builds (once) and caches the real Debian trees the end-to-end tests and benchmarks use.
# Usage: make-trees.sh [CACHE_DIR]   (default /var/cache/chos-test/trees). Needs root and debootstrap.
set -eu
cache=${1:-${CHOS_TEST_TREES:-/var/cache/chos-test/trees}}
mkdir -p "$cache"
build() { # suite
  dest=$cache/$1
  [ -f "$dest.complete" ] && return 0
  rm -rf "$dest.partial"
  echo "make-trees: debootstrap $1 -> $dest" >&2
  debootstrap --variant=minbase "$1" "$dest.partial" >"$cache/$1.log" 2>&1 || {
    tail -n 20 "$cache/$1.log" >&2; echo "make-trees: debootstrap $1 failed" >&2; exit 1; }
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  touch "$dest.complete"
}
# In parallel: each is network- and dpkg-bound, about 30 s alone. A tree is published by
# rename only when debootstrap succeeded, and marked complete beside it (not inside it).
build bullseye & p1=$!
build bookworm & p2=$!
build trixie & p3=$!
rc=0
wait $p1 || rc=1; wait $p2 || rc=1; wait $p3 || rc=1
exit $rc
