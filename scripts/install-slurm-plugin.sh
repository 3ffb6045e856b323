#!/bin/sh
# install-slurm-plugin.sh: builds chos's Slurm SPANK plugin from this checkout and installs it
# as /usr/local/lib/chos/chos_spank.so (PREFIX, LIBDIR, RUN_DIR may be overridden), when Slurm's
# headers are present (Debian: libslurm-dev). Does nothing, successfully, where they are not.
# Then: chosctl slurm-config --install [--mode user|root], and restart slurmd. See docs/slurm.md.
set -eu
here=$(cd "$(dirname -- "$0")/.." && pwd)
if [ ! -f /usr/include/slurm/spank.h ]; then
  echo "install-slurm-plugin: Slurm's headers (/usr/include/slurm/spank.h) are not installed; skipping the Slurm plugin"
  exit 0
fi
command -v make >/dev/null 2>&1 && command -v "${CC:-gcc}" >/dev/null 2>&1 || {
  echo "install-slurm-plugin: error: make and a C compiler are needed to build the Slurm plugin" >&2
  exit 1
}
make -s -C "$here/native/spank" chos_spank.so
make -s -C "$here/native/spank" install
echo "install-slurm-plugin: installed ${LIBDIR:-${PREFIX:-/usr/local}/lib/chos}/chos_spank.so; now run 'chosctl slurm-config --install' and restart slurmd"
