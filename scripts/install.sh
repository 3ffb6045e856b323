#!/bin/sh
# Installs chos from this checkout on a Debian/Ubuntu host (with a supported Node, and its man
# pages); with --test also every Debian package the test suite needs; with --demo also builds a
# Debian 11 tree, registers it and runs a command in it as a normal user. I/O, as root.
# Usage: sudo scripts/install.sh [--test] [--demo]
set -eu

die() { echo "install: error: $*" >&2; exit 1; }
say() { echo "install: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run me as root (sudo scripts/install.sh)"
cd "$(dirname "$0")/.."
demo=no
tests=no
for arg in "$@"; do
  case $arg in
  --demo) demo=yes ;;
  --test) tests=yes ;;
  *) die "unknown option '$arg' (usage: scripts/install.sh [--test] [--demo])" ;;
  esac
done
# The Node majors chos supports (package.json "engines"; see docs/dependencies.md), and the one
# installed from the npm registry when the machine's is missing or older (Debian 12 has 18).
node_major=24
node_ok() { node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 10) ? 0 : 1)' 2>/dev/null; }

export DEBIAN_FRONTEND=noninteractive
need=""
command -v unshare >/dev/null || need="$need util-linux"
command -v mount >/dev/null || need="$need mount"
command -v node >/dev/null || need="$need nodejs"
command -v npm >/dev/null || need="$need npm"
# chosctl create extracts archives in a bubblewrap sandbox; zstd/xz read compressed ones.
command -v bwrap >/dev/null || need="$need bubblewrap"
command -v zstd >/dev/null || need="$need zstd"
command -v man >/dev/null || need="$need man-db"
# The setuid entry helper (native/, used only with ENTRY="setuid") is built from this checkout.
command -v gcc >/dev/null || need="$need gcc"
command -v make >/dev/null || need="$need make"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/aarch64-linux-gnu/libc.a ] || need="$need libc6-dev"
[ $demo = no ] || command -v debootstrap >/dev/null || need="$need debootstrap"
if [ $tests = yes ]; then
  # What the test suite runs (docs/testing.md says which test needs which):
  # debootstrap, mmdebstrap: the test trees and chosctl create; tmux: the terminal test;
  # bubblewrap, hyperfine: the sandbox and the benchmarks; openssh-server/-client, rsync,
  # rsyslog, cron: the login tests; zstd, xz-utils, umoci, skopeo: archives and OCI images;
  # docker-registry, apache2-utils, openssl: registries on loopback with Basic and Bearer
  # auth; slurmd, slurmctld, slurm-client, munge, libslurm-dev, gcc, make: the Slurm tests
  # and the C parts; python3-seccomp: the seccomp tests; man-db: the man page checks.
  for p in util-linux mount debootstrap mmdebstrap tmux bubblewrap hyperfine ca-certificates zstd xz-utils umoci skopeo \
    docker-registry apache2-utils openssl openssh-server openssh-client rsync rsyslog cron \
    slurmd slurmctld slurm-client munge libslurm-dev gcc make python3-seccomp man-db; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
  done
fi
if [ -n "$need" ]; then
  say "installing:$need"
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q $need
fi

if ! node_ok; then
  # Debian 12's nodejs is 18 (past its end of life, and too old): Node $node_major from the npm
  # registry (the node package fetches the official binary), into npm's prefix (/usr/local).
  say "node $(node -v 2>/dev/null || echo missing) is older than chos supports (>= 20.10): installing Node $node_major with npm"
  npm install -g --no-audit --no-fund "node@$node_major"
  hash -r
  node_ok || die "node on the PATH ($(command -v node)) is still $(node -v); put $(npm prefix -g)/bin first on the PATH"
fi
say "using node $(node -v) ($(command -v node))"

say "building"
npm ci --no-audit --no-fund
# A copy, not a link to this checkout: every user must be able to read the installation.
npm install -g --install-links --no-audit --no-fund .
prefix=$(npm prefix -g)
say "installed $prefix/bin/chos, $prefix/bin/chosctl and $prefix/bin/chos-login"
# After npm install, which replaces the package directory: the helper, not setuid (chosctl
# setup sets the bit only while /etc/sysconfig/chos says ENTRY="setuid").
sh scripts/install-helper.sh "$(npm root -g)/chos"
# The Slurm SPANK plugin, whenever Slurm's headers are present (docs/slurm.md); a no-op otherwise.
sh scripts/install-slurm-plugin.sh
# npm puts the man pages under $prefix/share/man (package.json "man").
for page in chos chosctl chos-login "5 chos"; do
  # shellcheck disable=SC2086
  man -w $page >/dev/null 2>&1 || die "man $page finds no page after the install (looked in $(manpath 2>/dev/null))"
done
say "man chos, man chosctl, man chos-login and man 5 chos work"

if [ -d /run/systemd/system ]; then
  sed "s|/usr/bin/chosctl|$prefix/bin/chosctl|g" systemd/chos.service >/etc/systemd/system/chos.service
  systemctl daemon-reload
  systemctl enable chos.service >/dev/null 2>&1 || true
  say "installed chos.service (runs 'chosctl setup' at boot)"
fi

[ $demo = yes ] || exit 0

tree=/srv/chos/debian11
if [ ! -f /srv/chos/debian11.complete ]; then
  say "debootstrap bullseye into $tree (about a minute)"
  mkdir -p /srv/chos
  rm -rf "$tree.partial"
  debootstrap --variant=minbase bullseye "$tree.partial" >/srv/chos/debian11.log 2>&1 ||
    die "debootstrap failed; see /srv/chos/debian11.log"
  rm -rf "$tree"
  mv "$tree.partial" "$tree"
  touch /srv/chos/debian11.complete
fi

if [ ! -e /etc/chos ]; then
  cat >/etc/chos <<EOF
# Environments users may choose (see chos(5)).
%SHELLS
root:/
debian11:$tree
EOF
  chmod 644 /etc/chos
  say "wrote /etc/chos"
elif ! grep -q "^debian11:" /etc/chos; then
  say "/etc/chos exists and is left as it is; add this line under %SHELLS to use the demo:"
  say "  debian11:$tree"
  exit 0
fi

"$prefix/bin/chosctl" setup
user=${SUDO_USER:-nobody}
[ "$user" != root ] || user=nobody
say "as user '$user': CHOS=debian11 chos cat /etc/os-release"
cd /
setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
  env CHOS=debian11 "$prefix/bin/chos" cat /etc/os-release
