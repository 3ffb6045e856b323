#!/bin/sh
# Builds the setuid entry helper (native/) and installs it as PKG/libexec/chos-enter, root's,
# mode 0755: NOT setuid. `chosctl setup` sets the bit only while /etc/sysconfig/chos says
# ENTRY="setuid", and clears it otherwise. Needs gcc and make.
# Usage: scripts/install-helper.sh PKG [RUN_DIR]   (PKG: the installed package, holding bin/chos;
#        RUN_DIR: compiled in, /run/chos unless a test build asks for another)
set -eu

die() { echo "install-helper: error: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: scripts/install-helper.sh PKG [RUN_DIR]"
pkg=$1
run=${2:-/run/chos}
[ -f "$pkg/bin/chos" ] || die "$pkg/bin/chos does not exist: PKG must be an installed chos package"
case $run in
/*) ;;
*) die "RUN_DIR must be an absolute path" ;;
esac
command -v make >/dev/null && command -v gcc >/dev/null || die "gcc and make are needed (apt-get install gcc make)"

src=$(cd "$(dirname "$0")/../native" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s -C "$src" OUT="$out" RUN_DIR="$run" >&2
mkdir -p "$pkg/libexec"
# A new file moved into place: a running helper keeps its old inode, and no window exists in
# which the path holds a half-written or setuid file.
install -o root -g root -m 0755 "$out/chos-enter" "$pkg/libexec/.chos-enter.new"
mv -f "$pkg/libexec/.chos-enter.new" "$pkg/libexec/chos-enter"
echo "install-helper: installed $pkg/libexec/chos-enter (not setuid; chosctl setup sets the bit when ENTRY=\"setuid\")" >&2
