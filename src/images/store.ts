// The store's rule (where chosctl create keeps trees, default /var/lib/chos/envs): it must be
// root's, and everything chos deletes in it is found by device and inode through open
// directories, never by re-resolving a path string. I/O, root only.
//
// The rule: the store is a directory owned by root with no access for group or others
// (mode 0700 or stricter); every directory on the way to it is owned by root and writable by
// no one else, unless it is sticky (/tmp, /var/tmp), where others cannot rename or remove
// root's entries; no component of its path is a symbolic link. A store that breaks it is
// refused before anything in it is read, written or deleted: root would otherwise delete,
// through a link planted there, whatever the link names.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import { fdPath, openDirAt } from '../host/fd-path.js';

/** Where chosctl create keeps trees unless told otherwise (--store, CHOS_STORE). */
export const DEFAULT_STORE = '/var/lib/chos/envs';

/** The store's own mode, which create gives it when it makes it. */
export const STORE_MODE = 0o700;

export interface StoreId {
  readonly dev: number;
  readonly ino: number;
}

const refuse = (message: string, hint: string): ChosError => new ChosError('setup-failed', message, { hint });

/** Why the directory `st` at `p` may not be on the way to a store (or be the store, `last`); undefined when it may. Pure. */
export function storeComponentProblem(p: string, st: Pick<fs.Stats, 'uid' | 'mode'> & { isSymbolicLink(): boolean; isDirectory(): boolean }, last: boolean): string | undefined {
  if (st.isSymbolicLink()) return `${p} is a symbolic link`;
  if (!st.isDirectory()) return `${p} is not a directory`;
  if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root`;
  if (last && (st.mode & 0o077) !== 0) return `${p} has mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}: group and others must have no access`;
  if (!last && (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return `${p} may be written by others than root (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/**
 * Checks the store against the rule; with `make`, creates what is missing (the store with
 * mode 0700, directories on the way 0755). Returns the store's device and inode, or undefined
 * when it does not exist (and `make` is false). Throws a ChosError naming the component that
 * breaks the rule.
 */
export function checkStore(store: string, make: boolean): StoreId | undefined {
  if (!path.isAbsolute(store)) throw new ChosError('usage', `the store must be an absolute path, found "${store}"`);
  const parts = path.normalize(store).split('/').filter((c) => c !== '');
  let at = '/';
  let st = fs.lstatSync(at);
  for (const [i, c] of parts.entries()) {
    at = path.join(at, c);
    const last = i === parts.length - 1;
    let next: fs.Stats;
    try {
      next = fs.lstatSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(`cannot look at ${at} on the way to the store ${store} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check that path');
      if (!make) return undefined;
      fs.mkdirSync(at, { mode: last ? STORE_MODE : 0o755 });
      fs.chmodSync(at, last ? STORE_MODE : 0o755);
      next = fs.lstatSync(at);
    }
    const why = storeComponentProblem(at, next, last);
    if (why !== undefined) {
      throw refuse(`refusing the store ${store}: ${why}; nothing in it was read, written or deleted`,
        last ? `the store must be root's: chown root:root ${at} && chmod 0700 ${at}, if its content is what you expect, or give another --store`
          : 'every directory on the way to the store must be root\'s and writable by root only (or sticky), with no symbolic link');
    }
    st = next;
  }
  return { dev: st.dev, ino: st.ino };
}

/** A directory opened by fd, checked to be what lstat saw (same device and inode, not a link). */
export interface OpenDir {
  readonly fd: number;
  /** The path it was found at, for messages only. */
  readonly shown: string;
  readonly dev: number;
  readonly ino: number;
}

/** The path that reaches `name` inside an open directory through its fd, without re-resolving the directory's own path. */
export function via(dir: OpenDir, name: string): string {
  return fdPath(dir.fd, name);
}

/**
 * Opens the directory `name` inside `parent` (or the path `name` when parent is undefined)
 * without following a link; checks it is the directory lstat saw and, with `expect`, that it
 * has that device and inode. Undefined when it is missing or is not a directory.
 */
export function openDir(parent: OpenDir | undefined, name: string, expect?: StoreId): OpenDir | undefined {
  const p = parent === undefined ? name : via(parent, name);
  const shown = parent === undefined ? name : path.join(parent.shown, name);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return undefined;
  const fd = openDirAt(parent?.fd, name);
  const now = fs.fstatSync(fd);
  if (now.dev !== st.dev || now.ino !== st.ino || (expect !== undefined && (now.dev !== expect.dev || now.ino !== expect.ino))) {
    fs.closeSync(fd);
    throw refuse(`${shown} changed while chosctl was looking at it; nothing was deleted`, 'run the command again');
  }
  return { fd, shown, dev: now.dev, ino: now.ino };
}

export function closeDir(d: OpenDir | undefined): void {
  if (d !== undefined) fs.closeSync(d.fd);
}

/**
 * Deletes the directory `name` of the open directory `parent` and all it holds, when it is a
 * real directory (a link planted there is left alone, and so is what it names) and, with
 * `expect`, the one of that device and inode. Returns whether it deleted it.
 */
export function removeDirIn(parent: OpenDir, name: string, expect?: StoreId): boolean {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return false;
  const p = via(parent, name);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return false;
  }
  if (!st.isDirectory()) return false;
  if (expect !== undefined && (st.dev !== expect.dev || st.ino !== expect.ino)) return false;
  // The path goes through the parent's fd: the parent is never looked up by name again.
  // rmSync lstat()s what it walks, so links inside are removed, not followed.
  fs.rmSync(p, { recursive: true, force: true });
  return true;
}
