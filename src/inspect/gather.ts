// Gathers the facts checkTree judges: the tree's path chain, shells, identity files, setuid
// files, its C library's ELF notes. I/O (read-only; every path of the tree is resolved inside
// it by src/host/in-tree.ts: links stay inside, /local/… included; FIFOs and devices are never
// opened; of ELF files only the headers and notes are read, within ELF_SPAN_CAP/ELF_READ_CAP).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { elfRanges, parseKernelRelease, readElfInfo, machineMatchesArch } from './elf.js';
import { IDENTITY_FILES } from '../plan/root-plan.js';
import { openInTree, type Resolved, resolveInTree } from '../host/in-tree.js';

export interface PathOwner {
  readonly path: string;
  readonly uid: number;
  readonly mode: number;
}

export interface ElfSummary {
  readonly machineName: string;
  readonly matchesHost: boolean;
  /** Minimum kernel from the NT_GNU_ABI_TAG note, when there is one. */
  readonly minKernel?: readonly [number, number, number];
}

export interface TreeCheckFacts {
  readonly name: string;
  readonly configuredPath: string;
  /** Kind of the configured path itself (lstat). */
  readonly kind: 'dir' | 'symlink' | 'missing' | 'other';
  readonly symlinkTarget?: string;
  /** Every directory from / down to the tree (symlinks resolved), with owner and mode. */
  readonly chain: readonly PathOwner[];
  readonly hasOsRelease: boolean;
  /** /bin/sh resolved inside the tree: missing, not executable, or its ELF summary. */
  readonly sh: { readonly state: 'missing' | 'not-executable' | 'ok' | 'script'; readonly elf?: ElfSummary };
  /** Login shells of the host's users and whether the tree has each. */
  readonly shells: ReadonlyArray<{ readonly shell: string; readonly present: boolean }>;
  /** Identity files in the tree's etc: kind and, for symlinks, the target. */
  readonly identity: Readonly<Record<string, { readonly kind: string; readonly target?: string }>>;
  readonly setuid: number;
  readonly setgid: number;
  /** The tree's C library, if found. */
  readonly libc?: { readonly path: string; readonly elf?: ElfSummary };
  /** The running kernel's version. */
  readonly kernel: readonly [number, number, number];
  /** Warnings planning gave for this tree (mount points missing …). */
  readonly planWarnings: readonly string[];
}

/**
 * Caps on reading an ELF file of a tree (its /bin/sh or C library): the parts readElfInfo
 * needs (header, program headers, PT_INTERP, PT_NOTE) must lie within the first
 * ELF_SPAN_CAP bytes, and at most ELF_READ_CAP bytes are read in all. A file without program
 * headers is read from its start up to ELF_READ_CAP.
 */
export const ELF_SPAN_CAP = 16 * 1024 * 1024;
export const ELF_READ_CAP = 1024 * 1024;

/** The host path `rel` leads to inside `tree` (links followed inside it only), or undefined. */
function resolved(tree: string, rel: string): Resolved | undefined {
  try {
    return resolveInTree(tree, rel);
  } catch {
    return undefined; // a loop, a non-directory on the way: as good as absent
  }
}

/** Reads [offset, offset + size) of fd into buf at the same offset; false when the file is shorter. */
function preadInto(fd: number, buf: Buffer, offset: number, size: number): boolean {
  let got = 0;
  while (got < size) {
    const k = fs.readSync(fd, buf, offset + got, size - got, offset + got);
    if (k === 0) return false;
    got += k;
  }
  return true;
}

/**
 * Reads the ELF summary of a regular file of the tree: opened inside it (a FIFO or device is
 * refused unopened), and only the parts readElfInfo needs, within the caps above; the rest of
 * the buffer stays zero and is never looked at. A huge sparse file costs its few headers.
 */
function elfSummary(tree: string, rel: string): ElfSummary | undefined {
  let fd: number | undefined;
  try {
    fd = openInTree(tree, rel);
    if (fd === undefined) return undefined;
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    if (!preadInto(fd, head, 0, head.length)) return undefined;
    let ranges = elfRanges(head);
    if (ranges !== undefined && 'needMore' in ranges) {
      const r = ranges.needMore;
      if (r.size > ELF_READ_CAP || r.offset + r.size > Math.min(size, ELF_SPAN_CAP)) return undefined;
      const table = Buffer.alloc(r.size);
      if (!preadInto(fd, table, r.offset, r.size)) return undefined;
      ranges = elfRanges(head, table);
      if (ranges !== undefined && 'needMore' in ranges) return undefined;
    }
    let buf: Buffer;
    if (ranges === undefined) {
      buf = Buffer.alloc(Math.min(size, ELF_READ_CAP));
      if (!preadInto(fd, buf, 0, buf.length)) return undefined;
    } else {
      const end = Math.max(...ranges.map((r) => r.offset + r.size));
      const total = ranges.reduce((n, r) => n + r.size, 0);
      if (end > Math.min(size, ELF_SPAN_CAP) || total > ELF_READ_CAP) return undefined;
      buf = Buffer.alloc(end);
      for (const r of ranges) if (!preadInto(fd, buf, r.offset, r.size)) return undefined;
    }
    const info = readElfInfo(buf);
    if ('error' in info) return undefined;
    return {
      machineName: info.machineName,
      matchesHost: machineMatchesArch(info.machine, process.arch),
      ...(info.abiTag && info.abiTag.osName === 'Linux' ? { minKernel: info.abiTag.kernel } : {}),
    };
  } catch {
    return undefined; // InTreeError (not regular, a loop, …) or a read error: no ELF facts
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
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

/** The tree's C library, as a path inside the tree with every link resolved inside it. */
function findLibc(tree: string): string | undefined {
  for (const pattern of LIBC_PLACES) {
    const [head, , tail] = pattern.split(/(\*)/);
    if (tail === undefined) {
      const r = resolved(tree, pattern);
      if (r) return r.inside;
      continue;
    }
    const dir = resolved(tree, head ?? '');
    if (!dir || !dir.stat.isDirectory()) continue;
    let subdirs: string[] = [];
    try {
      subdirs = fs.readdirSync(dir.path).sort();
    } catch {
      continue;
    }
    for (const sub of subdirs) {
      const r = resolved(tree, path.posix.join(dir.inside, sub, tail.replace(/^\//, '')));
      if (r) return r.inside;
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
  const shPath = resolved(real, 'bin/sh');
  let sh: TreeCheckFacts['sh'] = { state: 'missing' };
  if (shPath) {
    const st = shPath.stat;
    if (!st.isFile() || (st.mode & 0o111) === 0) sh = { state: 'not-executable' };
    else {
      const elf = elfSummary(real, 'bin/sh');
      sh = elf ? { state: 'ok', elf } : { state: 'script' };
    }
  }
  const identity: Record<string, { kind: string; target?: string }> = {};
  for (const f of IDENTITY_FILES) {
    try {
      const r = resolveInTree(real, `etc/${f}`, { followLast: false, noLinks: true });
      identity[f] = r === undefined ? { kind: 'missing' } : r.stat.isSymbolicLink() ? { kind: 'symlink', target: r.target ?? '' } : { kind: r.stat.isFile() ? 'file' : 'other' };
    } catch {
      identity[f] = { kind: 'other' }; // etc goes through a link or is not a directory
    }
  }
  const libcPath = findLibc(real);
  const libcElf = libcPath ? elfSummary(real, libcPath) : undefined;
  return {
    ...base,
    kind: isLink ? 'symlink' : 'dir',
    ...(isLink ? { symlinkTarget: fs.readlinkSync(configuredPath) } : {}),
    chain: chainOf(real),
    hasOsRelease: resolved(real, 'etc/os-release') !== undefined || resolved(real, 'usr/lib/os-release') !== undefined,
    sh,
    shells: hostShells().map((shell) => ({ shell, present: resolved(real, shell) !== undefined })),
    identity,
    ...(walkSetid ? countSetid(real) : { setuid: 0, setgid: 0 }),
    ...(libcPath ? { libc: { path: libcPath, ...(libcElf ? { elf: libcElf } : {}) } } : {}),
  };
}
