// Gathers what planning needs from the disk: a tree's top level, its identity files, its own
// chos.conf and os-release, and the host's BINDMOUNT directories. I/O (read-only, lstat-based:
// nothing inside a tree is followed out of it).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EntryKind, HostFacts, TreeEntry, TreeFacts } from '../plan/root-plan.js';
import { IDENTITY_FILES } from '../plan/root-plan.js';

export function kindOf(st: fs.Stats): EntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

function lkind(p: string): { kind: EntryKind; target?: string } {
  try {
    const st = fs.lstatSync(p);
    const kind = kindOf(st);
    return kind === 'symlink' ? { kind, target: fs.readlinkSync(p) } : { kind };
  } catch {
    return { kind: 'missing' };
  }
}

/** Walks `rel` below `root` component by component without following symlinks. */
export function walkKind(root: string, rel: string): EntryKind {
  let cur = root;
  const parts = rel.split('/').filter((s) => s !== '');
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i] ?? '');
    const k = lkind(cur).kind;
    if (i < parts.length - 1 && k !== 'dir') return k === 'missing' ? 'missing' : 'other';
    if (i === parts.length - 1) return k;
  }
  return 'dir';
}

export function treeFacts(treePath: string, bindMounts: readonly string[]): TreeFacts {
  const topLevel: TreeEntry[] = fs
    .readdirSync(treePath)
    .sort()
    .map((name) => ({ name, ...lkind(path.join(treePath, name)) }));
  const etcIsDir = lkind(path.join(treePath, 'etc')).kind === 'dir';
  const etc: Record<string, { kind: EntryKind; target?: string }> = {};
  for (const f of IDENTITY_FILES) etc[f] = etcIsDir ? lkind(path.join(treePath, 'etc', f)) : { kind: 'missing' };
  const nestedDirs: Record<string, boolean> = {};
  for (const d of bindMounts) {
    if (d.split('/').length > 2) nestedDirs[d] = walkKind(treePath, d) === 'dir';
  }
  return { path: treePath, topLevel, etc, usrLocalBin: walkKind(treePath, 'usr/local/bin'), nestedDirs };
}

export function hostFacts(bindMounts: readonly string[]): HostFacts {
  const identityFiles = IDENTITY_FILES.filter((f) => lkind(path.join('/etc', f)).kind !== 'missing');
  const binds: Record<string, EntryKind> = {};
  for (const d of bindMounts) {
    try {
      binds[d] = kindOf(fs.statSync(d));
    } catch {
      binds[d] = 'missing';
    }
  }
  return { identityFiles, bindMounts: binds };
}

/**
 * Reads a small file of a tree by its path inside the tree. One symlink is followed the way it
 * resolves inside: `/local/…` to the host (trees prepared the original way), other absolute
 * targets within the tree, relative ones beside the link. Returns undefined when absent.
 */
export function readTreeFile(treePath: string, rel: string, maxBytes = 65536): string | undefined {
  let p = path.join(treePath, rel);
  const k = lkind(p);
  if (k.kind === 'symlink') {
    const t = k.target ?? '';
    if (t.startsWith('/local/')) p = t.slice('/local'.length);
    else if (t.startsWith('/')) p = path.join(treePath, t);
    else p = path.join(path.dirname(p), t);
    const inside = treePath === '/' ? '/' : treePath + '/';
    if (!t.startsWith('/local/') && !path.resolve(p).startsWith(inside)) return undefined;
    if (lkind(p).kind !== 'file') return undefined;
  } else if (k.kind !== 'file') {
    return undefined;
  }
  const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(maxBytes);
    const n = fs.readSync(fd, buf, 0, maxBytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** PRETTY_NAME from a tree's os-release (etc/os-release, else usr/lib/os-release). */
export function prettyName(treePath: string): string | undefined {
  const text = readTreeFile(treePath, 'etc/os-release') ?? readTreeFile(treePath, 'usr/lib/os-release');
  if (text === undefined) return undefined;
  return parseOsRelease(text)['PRETTY_NAME'];
}

/** os-release(5): KEY=value lines, values optionally quoted. Pure. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2] ?? '';
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    out[m[1] ?? ''] = v;
  }
  return out;
}
