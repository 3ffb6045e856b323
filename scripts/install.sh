#!/bin/sh
# Installs chos from this checkout on a Debian/Ubuntu host, and with --demo also builds a
# Debian 11 tree, registers it and runs a command in it as a normal user.
# Usage: sudo scripts/install.sh [--demo]
set -eu

die() { echo "install: error: $*" >&2; exit 1; }
say() { echo "install: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run me as root (sudo scripts/install.sh)"
cd "$(dirname "$0")/.."
demo=no
case ${1-} in
--demo) demo=yes ;;
'') ;;
*) die "unknown option '$1' (usage: scripts/install.sh [--demo])" ;;
esac

export DEBIAN_FRONTEND=noninteractive
need=""
command -v unshare >/dev/null || need="$need util-linux"
command -v mount >/dev/null || need="$need mount"
command -v node >/dev/null || need="$need nodejs"
command -v npm >/dev/null || need="$need npm"
# chosctl create extracts archives in a bubblewrap sandbox; zstd/xz read compressed ones.
command -v bwrap >/dev/null || need="$need bubblewrap"
command -v zstd >/dev/null || need="$need zstd"
[ $demo = no ] || command -v debootstrap >/dev/null || need="$need debootstrap"
if [ -n "$need" ]; then
  say "installing:$need"
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q $need
fi

say "building"
npm ci --no-audit --no-fund
# A copy, not a link to this checkout: every user must be able to read the installation.
npm install -g --install-links --no-audit --no-fund .
prefix=$(npm prefix -g)
say "installed $prefix/bin/chos, $prefix/bin/chosctl and $prefix/bin/chos-login"

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
