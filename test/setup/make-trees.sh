#!/bin/sh
# Builds (once) and caches the real Debian trees the end-to-end tests and benchmarks use.
# Usage: make-trees.sh [CACHE_DIR]   (default /var/cache/chos-test/trees). Needs root and debootstrap.
set -eu
cache=${1:-${CHOS_TEST_TREES:-/var/cache/chos-test/trees}}
mkdir -p "$cache"
# One builder at a time (a test run may start while another builds).
exec 9>"$cache/.lock"
flock 9
# Beyond minbase: what ssh-based tests run inside (scp -O, sftp-server, rsync).
base=openssh-client,openssh-sftp-server,rsync
build() { # suite [extra packages]
  dest=$cache/$1
  include=$base${2:+,$2}
  [ "$(cat "$dest.complete" 2>/dev/null)" = "$include" ] && return 0
  rm -rf "$dest.partial"
  echo "make-trees: debootstrap $1 -> $dest" >&2
  debootstrap --variant=minbase --include="$include" "$1" "$dest.partial" >"$cache/$1.log" 2>&1 || {
    tail -n 20 "$cache/$1.log" >&2; echo "make-trees: debootstrap $1 failed" >&2; exit 1; }
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  echo "$include" >"$dest.complete"
}
# In parallel: each is network- and dpkg-bound, about 30 s alone. A tree is published by
# rename only when debootstrap succeeded, and marked complete beside it (not inside it), with
# the package list it was built with: a changed list builds it again.
build bullseye & p1=$!
# bookworm also gets a Slurm client (the same 22.05 as Debian 12's daemons): the batch tests
# run srun inside a job that entered it.
build bookworm slurm-client & p2=$!
build trixie & p3=$!
rc=0
wait $p1 || rc=1; wait $p2 || rc=1; wait $p3 || rc=1
exit $rc
