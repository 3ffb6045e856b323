// Gathers what planning needs from the disk: a tree's top level, its identity files, its own
// chos.conf and os-release, and the host's BINDMOUNT directories. I/O (read-only; every path
// of a tree is resolved inside it with src/host/in-tree.ts, never followed out of it).

import * as fs from 'node:fs';
import type { EntryKind, HostFacts, TreeEntry, TreeFacts } from '../plan/root-plan.js';
import { IDENTITY_FILES } from '../plan/root-plan.js';
import { parseTreeConf, type TreeConf } from '../config/chos-conf.js';
import { InTreeError, readTextInTree, resolveInTree } from './in-tree.js';

/** Largest etc/chos.conf or os-release root reads from a tree (documented in docs/security.md). */
export const TREE_TEXT_CAP = 64 * 1024;
/** Longest PRETTY_NAME kept; longer ones are cut (it is shown on one line of chos --list). */
export const PRETTY_NAME_CAP = 200;

export function kindOf(st: fs.Stats): EntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/**
 * What `rel` is inside `root`, every directory before it a real directory (a link on the way
 * counts as 'other'), the last component not followed.
 */
function lkind(root: string, rel: string): { kind: EntryKind; target?: string } {
  try {
    const r = resolveInTree(root, rel, { followLast: false, noLinks: true });
    if (r === undefined) return { kind: 'missing' };
    const kind = kindOf(r.stat);
    return kind === 'symlink' ? { kind, target: r.target ?? '' } : { kind };
  } catch (e) {
    if (e instanceof InTreeError && e.reason !== 'unreadable') return { kind: 'other' };
    return { kind: 'missing' };
  }
}

/** Walks `rel` below `root` component by component without following symlinks. */
export function walkKind(root: string, rel: string): EntryKind {
  const k = lkind(root, rel);
  return k.kind;
}

export function treeFacts(treePath: string, bindMounts: readonly string[]): TreeFacts {
  const topLevel: TreeEntry[] = fs
    .readdirSync(treePath)
    .sort()
    .map((name) => ({ name, ...lkind(treePath, name) }));
  const etcIsDir = lkind(treePath, 'etc').kind === 'dir';
  const etc: Record<string, { kind: EntryKind; target?: string }> = {};
  for (const f of IDENTITY_FILES) etc[f] = etcIsDir ? lkind(treePath, `etc/${f}`) : { kind: 'missing' };
  const nestedDirs: Record<string, boolean> = {};
  for (const d of bindMounts) {
    if (d.split('/').length > 2) nestedDirs[d] = walkKind(treePath, d) === 'dir';
  }
  return { path: treePath, topLevel, etc, usrLocalBin: walkKind(treePath, 'usr/local/bin'), nestedDirs };
}

export function hostFacts(bindMounts: readonly string[]): HostFacts {
  const identityFiles = IDENTITY_FILES.filter((f) => lkind('/', `etc/${f}`).kind !== 'missing');
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

/** A text file of a tree, or why it could not be read (never its content). */
export type TreeText = { readonly text?: string; readonly problem?: string };

/**
 * Reads a small text file of a tree, resolved inside it (links at any component stay inside;
 * see src/host/in-tree.ts), a regular file of at most `maxBytes`. `hostFiles` lists the host
 * files a /local/… link may name (trees prepared the original CHOS way). Absent: {}.
 */
export function readTreeText(treePath: string, rel: string, opts: { maxBytes?: number; hostFiles?: readonly string[] } = {}): TreeText {
  try {
    const text = readTextInTree(treePath, rel, { maxBytes: opts.maxBytes ?? TREE_TEXT_CAP, ...(opts.hostFiles ? { hostFiles: opts.hostFiles } : {}) });
    return text === undefined ? {} : { text };
  } catch (e) {
    if (e instanceof InTreeError) return { problem: inTreeProblem(e) };
    return { problem: 'cannot be read' };
  }
}

/** Why a read failed, in words that name no content. */
export function inTreeProblem(e: InTreeError): string {
  switch (e.reason) {
    case 'missing': return 'does not exist';
    case 'not-directory': return 'goes through something that is not a directory';
    case 'not-regular': return 'is not a regular file (a FIFO, device, socket or directory)';
    case 'too-many-links': return 'goes through too many symbolic links';
    case 'too-large': return 'is larger than root reads from a tree';
    case 'host-path': return 'leads to the host through /local';
    case 'link': return 'goes through a symbolic link';
    case 'unreadable': return 'cannot be read';
  }
}

/** Reads a small file of a tree by its path inside the tree; undefined when absent or unreadable. */
export function readTreeFile(treePath: string, rel: string, maxBytes = TREE_TEXT_CAP): string | undefined {
  return readTreeText(treePath, rel, { maxBytes }).text;
}

/**
 * A tree's etc/chos.conf, parsed. A link to /local/etc/chos.conf (the original CHOS layout)
 * reads the host's; any other link stays inside the tree. A file that cannot be read (not a
 * regular file, too large, …) is a warning naming why, and the defaults apply.
 */
export function readTreeConf(treePath: string): TreeConf {
  const file = `${treePath === '/' ? '' : treePath}/etc/chos.conf`;
  const r = readTreeText(treePath, 'etc/chos.conf', { hostFiles: ['/etc/chos.conf'] });
  const conf = parseTreeConf(r.text ?? '', file);
  if (r.problem === undefined) return conf;
  return { ...conf, diagnostics: [{ file, line: 0, severity: 'warning', message: `${r.problem}: it is ignored and the defaults apply` }, ...conf.diagnostics] };
}

/** PRETTY_NAME from a tree's os-release (etc/os-release, else usr/lib/os-release), cut to PRETTY_NAME_CAP. */
export function prettyName(treePath: string): string | undefined {
  const text = readTreeFile(treePath, 'etc/os-release') ?? readTreeFile(treePath, 'usr/lib/os-release');
  if (text === undefined) return undefined;
  const v = parseOsRelease(text)['PRETTY_NAME'];
  return v === undefined ? undefined : [...v].slice(0, PRETTY_NAME_CAP).join('');
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
