// ENTRY="setuid" in setup: the helper's setuid bit (set only in that mode, cleared otherwise)
// and the per-generation entry data the helper reads (gen-<id>/entry/NAME). I/O, root only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import type { EntryMode } from '../config/index.js';

/** Where the helper of an installation lies: PKG/libexec/chos-enter, beside PKG/bin/chos. */
export function helperPath(launcher: string): string {
  return path.join(path.dirname(path.dirname(launcher)), 'libexec', 'chos-enter');
}

const INSTALL_HINT = 'build and install it with scripts/install-helper.sh (scripts/install.sh does), or set ENTRY="userns"';

/**
 * Refuses a helper that someone other than root could replace: it must be a regular file (not
 * a link), and it and every directory above it root's and not writable by group or others
 * (root's sticky directories such as /var/tmp excepted). Returns an error message or undefined.
 */
export function helperProblem(helper: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(helper);
  } catch {
    return `ENTRY="setuid" but the entry helper is not installed at ${helper}`;
  }
  if (!st.isFile()) return `the entry helper ${helper} is not a regular file`;
  for (let d = path.dirname(helper); ; d = path.dirname(d)) {
    const s = fs.lstatSync(d);
    const sticky = (s.mode & 0o1000) !== 0;
    if (!s.isDirectory() || s.uid !== 0 || ((s.mode & 0o022) !== 0 && !sticky)) {
      return `${d}, above the entry helper, is not a root-owned directory writable only by root; refusing to make the helper setuid`;
    }
    if (d === '/') return undefined;
  }
}

/**
 * In setuid mode, makes the helper root's and mode 4755; otherwise clears its setuid bit when
 * it has one. Works on the opened file (O_NOFOLLOW), so a swapped path changes nothing else.
 */
export function applyHelperMode(mode: EntryMode, helper: string, log: (l: string) => void): void {
  if (mode === 'setuid') {
    const problem = helperProblem(helper);
    if (problem !== undefined) throw new ChosError('setup-failed', problem, { hint: INSTALL_HINT });
  }
  let fd: number;
  try {
    fd = fs.openSync(helper, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    if (mode === 'userns') return; // not installed: nothing to clear
    throw new ChosError('setup-failed', `cannot open the entry helper ${helper}: ${(e as Error).message}`, { hint: INSTALL_HINT });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return;
    if (mode === 'setuid') {
      if (st.uid !== 0 || st.gid !== 0) fs.fchownSync(fd, 0, 0); // clears the bit: set below
      if ((st.mode & 0o7777) !== 0o4755 || st.uid !== 0 || st.gid !== 0) {
        fs.fchmodSync(fd, 0o4755);
        log(`made ${helper} setuid root (ENTRY="setuid")`);
      }
    } else if ((st.mode & 0o6000) !== 0) {
      fs.fchmodSync(fd, st.mode & 0o777 & ~0o022);
      log(`cleared the setuid bit of ${helper} (ENTRY="userns")`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes gen/entry/NAME for the helper: the root to enter (a name under roots/), or "/" for the host. */
export function writeEntryData(genDir: string, targets: ReadonlyMap<string, string>): void {
  const dir = path.join(genDir, 'entry');
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  for (const [name, target] of targets) fs.writeFileSync(path.join(dir, name), `${target}\n`, { mode: 0o644 });
}
