// Who may change a tree root mounts from and on, and whether the paths setup mounts on or from
// inside a tree are still plain directories (no symbolic link at any component). I/O (lstat,
// in-tree resolution).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import { InTreeError, resolveInTree } from '../host/in-tree.js';
import type { RootOp } from '../plan/root-plan.js';

const modeText = (m: number): string => (m & 0o7777).toString(8).padStart(4, '0');

/**
 * Problems with who may change a tree: the tree directory and each directory at its top level
 * must be root's and writable by nobody else (a user who can replace `usr/local` or a nested
 * mount point with a link between check and mount could redirect a mount onto a host path).
 */
export function treeOwnershipProblems(treePath: string): string[] {
  const out: string[] = [];
  const judge = (p: string, st: fs.Stats): void => {
    if (st.uid !== 0) out.push(`${p} is owned by uid ${st.uid}, not root`);
    if ((st.mode & 0o022) !== 0 && !(st.uid === 0 && st.mode & 0o1000 && p !== treePath)) {
      out.push(`${p} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${modeText(st.mode)})`);
    }
  };
  let top: fs.Stats;
  try {
    top = fs.lstatSync(treePath);
  } catch {
    return out; // reported as missing elsewhere
  }
  judge(treePath, top);
  let names: string[] = [];
  try {
    names = fs.readdirSync(treePath).sort();
  } catch { /* unreadable: the plan will fail on it */ }
  for (const n of names) {
    const p = path.join(treePath, n);
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) judge(p, st);
    } catch { /* vanished */ }
  }
  return out;
}

/**
 * The paths inside trees a plan mounts from or on, as [tree, path inside it]: sources below a
 * tree, and targets below the prepared root that lie inside one of the tree's directories bound
 * there (a nested BINDMOUNT, usr/local/bin).
 */
export function treePathsOf(ops: readonly RootOp[], treePath: string, root: string): string[] {
  const out = new Set<string>();
  const add = (p: string): void => {
    if (p.startsWith(treePath + '/')) out.add(p.slice(treePath.length + 1));
  };
  const bound = new Set<string>();
  for (const op of ops) {
    if (op.op === 'bind' && op.src.startsWith(treePath + '/')) bound.add(op.dst);
    if (op.op === 'overlay' && op.lower.some((l) => l.startsWith(treePath + '/'))) bound.add(op.dst);
  }
  for (const op of ops) {
    if (op.op === 'bind') add(op.src);
    if (op.op === 'overlay') op.lower.forEach(add);
    if (op.op === 'bind' || op.op === 'overlay') {
      // A target inside a directory bound from the tree is that tree's directory.
      for (const b of bound) {
        if (op.dst.startsWith(b + '/')) out.add(path.relative(root, op.dst));
      }
    }
  }
  return [...out].sort();
}

/**
 * Verifies, right before mounting, that each path is still a plain directory (or, for a
 * top-level file bound, a regular file) inside the tree with no link at any component.
 */
export function verifyTreePaths(name: string, treePath: string, rels: readonly string[]): void {
  for (const rel of rels) {
    let why: string | undefined;
    try {
      const r = resolveInTree(treePath, rel, { followLast: false, noLinks: true });
      if (r === undefined) why = 'does not exist';
      else if (r.stat.isSymbolicLink()) why = 'is a symbolic link';
      else if (!r.stat.isDirectory() && !r.stat.isFile()) why = 'is not a directory';
    } catch (e) {
      why = e instanceof InTreeError ? 'goes through a symbolic link or something that is not a directory' : 'cannot be looked up';
    }
    if (why !== undefined) {
      throw new ChosError('setup-failed', `"${name}": ${path.join(treePath, rel)} ${why} now; setup mounts nothing through it`, {
        hint: 'the tree changed while setup ran; make it root\'s alone (chown -R root:, chmod go-w) and run chosctl setup again',
      });
    }
  }
}
