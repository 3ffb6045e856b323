// Whether the paths setup mounts on or from inside a tree are still plain directories (no
// symbolic link at any component), checked right before mounting. Who may change a tree is
// judged by the inspection (src/inspect/tree.ts). I/O (in-tree resolution).

import * as path from 'node:path';
import { ChosError } from '../errors.js';
import { InTreeError, resolveInTree } from '../host/in-tree.js';
import type { RootOp } from '../plan/root-plan.js';

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
