// Gathers the facts checkTree judges: the tree's path chain, shells, identity files, setuid
// files, its C library's ELF notes. I/O (read-only; symlinks inside the tree are resolved as
// they would be inside, never followed out of it, except /local/… which is the host).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseKernelRelease, readElfInfo, machineMatchesArch } from './elf.js';
import type { ElfSummary, PathOwner, TreeCheckFacts } from './tree-check.js';
import { IDENTITY_FILES } from '../plan/root-plan.js';

/**
 * Resolves `rel` inside `tree` as the kernel would after chroot: absolute link targets start
 * again at the tree's root, `/local/…` continues on the host (as it does inside). Returns the
 * host path of the final file, or undefined when it does not exist (40 links at most, as the
 * kernel allows).
 */
export function resolveInTree(tree: string, rel: string): string | undefined {
  const todo = rel.split('/').filter((s) => s !== '' && s !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift() ?? '';
    if (part === '..') {
      done.pop();
      continue;
    }
    const p = path.join(tree, ...done, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++links > 40) return undefined;
      const target = fs.readlinkSync(p);
      if (target.startsWith('/local/')) {
        // Inside, /local is the host root: the rest resolves on the host.
        const host = path.join(target.slice('/local'.length), ...todo);
        try {
          return fs.realpathSync(host);
        } catch {
          return undefined;
        }
      }
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
      continue;
    }
    done.push(part);
  }
  return path.join(tree, ...done);
}

function elfSummary(file: string): ElfSummary | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const info = readElfInfo(buf);
  if ('error' in info) return undefined;
  return {
    machineName: info.machineName,
    matchesHost: machineMatchesArch(info.machine, process.arch),
    ...(info.abiTag && info.abiTag.osName === 'Linux' ? { minKernel: info.abiTag.kernel } : {}),
  };
}

/** Directories from / down to `p`, with owner and mode. */
function chainOf(p: string): PathOwner[] {
  const out: PathOwner[] = [];
  const parts = p.split('/').filter((s) => s !== '');
  for (let i = 0; i <= parts.length; i++) {
    const q = '/' + parts.slice(0, i).join('/');
    try {
      const st = fs.statSync(q);
      out.push({ path: q, uid: st.uid, mode: st.mode });
    } catch {
      break;
    }
  }
  return out;
}

/** Counts setuid and setgid regular files below `dir`, without following symlinks. */
export function countSetid(dir: string, limit = 2_000_000): { setuid: number; setgid: number } {
  let setuid = 0;
  let setgid = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0 && seen < limit) {
    const d = stack.pop() ?? '';
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen++;
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        try {
          const mode = fs.lstatSync(p).mode;
          if (mode & 0o4000) setuid++;
          if (mode & 0o2000) setgid++;
        } catch { /* vanished */ }
      }
    }
  }
  return { setuid, setgid };
}

/** Login shells of the host's local users (from /etc/passwd), excluding nologin and false. */
export function hostShells(passwd = '/etc/passwd'): string[] {
  let text = '';
  try {
    text = fs.readFileSync(passwd, 'utf8');
  } catch {
    return [];
  }
  const shells = new Set<string>();
  for (const line of text.split('\n')) {
    const shell = line.split(':')[6]?.trim();
    if (shell && shell.startsWith('/') && !/\/(nologin|false|sync|halt|shutdown)$/.test(shell)) shells.add(shell);
  }
  return [...shells].sort();
}

const LIBC_PLACES = ['lib/*/libc.so.6', 'usr/lib/*/libc.so.6', 'lib64/libc.so.6', 'usr/lib64/libc.so.6', 'lib/libc.so.6', 'usr/lib/libc.so.6'];

function findLibc(tree: string): string | undefined {
  for (const pattern of LIBC_PLACES) {
    const [head, , tail] = pattern.split(/(\*)/);
    if (tail === undefined) {
      const p = resolveInTree(tree, pattern);
      if (p) return p;
      continue;
    }
    const dir = resolveInTree(tree, head ?? '');
    if (!dir) continue;
    let subdirs: string[] = [];
    try {
      subdirs = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const sub of subdirs) {
      const p = resolveInTree(tree, path.join(path.relative(tree, dir), sub, tail.replace(/^\//, '')));
      if (p) return p;
    }
  }
  return undefined;
}

/** `walkSetid` false skips the walk over every file (setup runs often; chosctl check does it). */
export function gatherTree(name: string, configuredPath: string, planWarnings: readonly string[], walkSetid = true): TreeCheckFacts {
  const kernel = parseKernelRelease(os.release()) ?? [0, 0, 0];
  let lst: fs.Stats | undefined;
  try {
    lst = fs.lstatSync(configuredPath);
  } catch {
    lst = undefined;
  }
  const base = {
    name, configuredPath, kernel, planWarnings,
    chain: [] as PathOwner[], hasOsRelease: false, sh: { state: 'missing' as const }, shells: [], identity: {}, setuid: 0, setgid: 0,
  };
  if (!lst) return { ...base, kind: 'missing' };
  const isLink = lst.isSymbolicLink();
  let real: string;
  try {
    real = fs.realpathSync(configuredPath);
    if (!fs.statSync(real).isDirectory()) return { ...base, kind: 'other' };
  } catch {
    return { ...base, kind: 'missing' };
  }
  const shPath = resolveInTree(real, 'bin/sh');
  let sh: TreeCheckFacts['sh'] = { state: 'missing' };
  if (shPath) {
    const st = fs.statSync(shPath);
    if (!st.isFile() || (st.mode & 0o111) === 0) sh = { state: 'not-executable' };
    else {
      const elf = elfSummary(shPath);
      sh = elf ? { state: 'ok', elf } : { state: 'script' };
    }
  }
  const identity: Record<string, { kind: string; target?: string }> = {};
  for (const f of IDENTITY_FILES) {
    const p = path.join(real, 'etc', f);
    try {
      const st = fs.lstatSync(p);
      identity[f] = st.isSymbolicLink() ? { kind: 'symlink', target: fs.readlinkSync(p) } : { kind: st.isFile() ? 'file' : 'other' };
    } catch {
      identity[f] = { kind: 'missing' };
    }
  }
  const libcPath = findLibc(real);
  const libcElf = libcPath ? elfSummary(libcPath) : undefined;
  return {
    ...base,
    kind: isLink ? 'symlink' : 'dir',
    ...(isLink ? { symlinkTarget: fs.readlinkSync(configuredPath) } : {}),
    chain: chainOf(real),
    hasOsRelease: resolveInTree(real, 'etc/os-release') !== undefined || resolveInTree(real, 'usr/lib/os-release') !== undefined,
    sh,
    shells: hostShells().map((shell) => ({ shell, present: resolveInTree(real, shell) !== undefined })),
    identity,
    ...(walkSetid ? countSetid(real) : { setuid: 0, setgid: 0 }),
    ...(libcPath ? { libc: { path: '/' + path.relative(real, libcPath), ...(libcElf ? { elf: libcElf } : {}) } } : {}),
  };
}
