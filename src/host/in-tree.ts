// Reads files of an untrusted tree (or archive staging, OCI layout, store) as root without
// ever leaving it: every component is resolved inside the tree, symbolic links included, the
// way openat2(2) RESOLVE_IN_ROOT does. I/O.
//
// Node has no openat(2). A directory opened as an fd is reached again through
// /proc/self/fd/N/NAME (fd-path.ts), which the kernel resolves from that open directory, so
// each step is relative to the directory already opened, never re-resolved by name from the
// host's root. Each component is lstat'ed first: a symbolic link is read and its target walked
// inside the tree (absolute targets from the tree's top, ".." never above it); a FIFO, socket
// or device is refused without being opened; a regular file is opened O_NOFOLLOW | O_NONBLOCK
// and checked again with fstat (same inode, still regular) before one byte is read.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fdPath, openDirAt } from './fd-path.js';

/** Symbolic links followed in one resolution before giving up (the kernel's MAXSYMLINKS). */
export const MAX_LINKS = 40;

export type InTreeFailure =
  | 'missing' // a component does not exist
  | 'not-directory' // a component before the last is not a directory
  | 'not-regular' // the last component is a FIFO, socket, device or directory
  | 'too-many-links' // more than MAX_LINKS symbolic links
  | 'too-large' // the file is larger than the cap
  | 'host-path' // a link leads to the host through /local where this read does not allow it
  | 'unreadable' // the kernel refused (EACCES, EIO, …)
  | 'link'; // a symbolic link where `noLinks` allows none

/** Why a file of a tree could not be read; the message names the path inside the tree, never content. */
export class InTreeError extends Error {
  constructor(
    readonly reason: InTreeFailure,
    readonly rel: string,
    message: string,
  ) {
    super(message);
    this.name = 'InTreeError';
  }
}

export interface InTreeOptions {
  /**
   * Host files a link of the form /local/… may lead to (trees prepared the original CHOS way
   * link e.g. etc/chos.conf to /local/etc/chos.conf, the host's copy). Each is an absolute host
   * path, matched whole; the host file is then read with the same rules from the host's root.
   * Anything else under /local resolves inside the tree, as it would for a tree without /local.
   */
  readonly hostFiles?: readonly string[];
  /**
   * Refuse (InTreeError 'link') any symbolic link before the last component, and at the last
   * one too when it is followed: for paths root mounts on or from, where no link may be.
   */
  readonly noLinks?: boolean;
}

export interface Resolved {
  /** The host path of the object reached, every component a real (non-link) directory. */
  readonly path: string;
  /** Its path inside the tree after resolution, starting with "/". */
  readonly inside: string;
  readonly stat: fs.Stats;
  /** The link's target, when the object reached is a symbolic link (followLast false). */
  readonly target?: string;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Splits a path inside a tree into components; "" and "." dropped. */
function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Walks `rel` inside `root` and calls `atLast` with a path that reaches the last component
 * through the open fd of its directory (/proc/self/fd/N/NAME), while that fd is still open,
 * and its lstat. The last component is not followed when it is a link and `followLast` is
 * false. Returns undefined when a component is missing; throws InTreeError for other failures.
 */
function walk<T>(
  root: string,
  rel: string,
  opts: InTreeOptions & { followLast?: boolean },
  atLast: (via: string, st: fs.Stats, inside: string[], base: string) => T,
): T | undefined {
  const followLast = opts.followLast ?? true;
  const rootFd = fs.openSync(root, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  // stack[i] is an fd of the directory names[0..i-1] below root; stack[0] is root itself.
  const stack: number[] = [rootFd];
  const names: string[] = [];
  const todo = components(rel);
  let links = 0;
  const closeAbove = (n: number): void => {
    while (stack.length > n) fs.closeSync(stack.pop() as number);
    names.length = Math.max(0, n - 1);
  };
  try {
    for (;;) {
      const top = stack[stack.length - 1] as number;
      if (todo.length === 0) {
        // rel named a directory (or the root itself): reached through its own fd.
        return atLast(fdPath(top), fs.fstatSync(top), [...names], root);
      }
      const c = todo.shift() as string;
      if (c === '..') {
        if (stack.length > 1) closeAbove(stack.length - 1);
        continue;
      }
      const via = fdPath(top, c);
      const last = todo.length === 0;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(via);
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') return undefined;
        if (errnoOf(e) === 'ENOTDIR') throw new InTreeError('not-directory', rel, `"${rel}" goes through something that is not a directory`);
        throw new InTreeError('unreadable', rel, `"${rel}" cannot be looked up (${errnoOf(e) ?? 'error'})`);
      }
      if (st.isSymbolicLink() && (!last || followLast)) {
        if (opts.noLinks) throw new InTreeError('link', rel, `"${rel}" goes through a symbolic link`);
        if (++links > MAX_LINKS) throw new InTreeError('too-many-links', rel, `"${rel}" goes through more than ${MAX_LINKS} symbolic links`);
        const target = fs.readlinkSync(via);
        const host = hostTarget(target, opts.hostFiles);
        if (host !== undefined) {
          if (todo.length > 0) throw new InTreeError('host-path', rel, `"${rel}" leads to the host through /local`);
          // One of the admin's own host files, read by the same rules from the host's root.
          return walk('/', host, { followLast: true }, atLast);
        }
        if (target.startsWith('/')) closeAbove(1);
        todo.unshift(...components(target));
        continue;
      }
      if (last) return atLast(via, st, [...names, c], root);
      if (!st.isDirectory()) throw new InTreeError('not-directory', rel, `"${rel}" goes through something that is not a directory`);
      let fd: number;
      try {
        fd = openDirAt(top, c);
      } catch (e) {
        // Swapped for a link or a file between lstat and open.
        throw new InTreeError('unreadable', rel, `"${rel}" changed while it was being read (${errnoOf(e) ?? 'error'})`);
      }
      stack.push(fd);
      names.push(c);
    }
  } finally {
    closeAbove(0);
  }
}

/**
 * Resolves `rel` inside `root` without following any link out of it (lstat semantics for the
 * last component when `followLast` is false). Undefined when a component is missing. The
 * returned path is only as good as the moment it was made: to read, use openInTree/readInTree.
 */
export function resolveInTree(root: string, rel: string, opts: InTreeOptions & { followLast?: boolean } = {}): Resolved | undefined {
  return walk(root, rel, opts, (via, st, inside, base) => ({
    path: path.join(base, ...inside),
    inside: '/' + inside.join('/'),
    stat: st,
    ...(st.isSymbolicLink() ? { target: fs.readlinkSync(via) } : {}),
  }));
}

/** "/local/X" → "/X" when "/X" is one of the allowed host files, else undefined. */
function hostTarget(target: string, allowed: readonly string[] | undefined): string | undefined {
  if (allowed === undefined || !target.startsWith('/local/')) return undefined;
  const host = path.posix.normalize(target.slice('/local'.length));
  return allowed.includes(host) ? host : undefined;
}

/**
 * Reads a regular file of a tree, resolved inside it, up to `maxBytes` (a larger file is an
 * InTreeError 'too-large' unless `truncate`). Returns undefined when it does not exist.
 */
export function readInTree(
  root: string,
  rel: string,
  opts: InTreeOptions & { maxBytes: number; truncate?: boolean },
): Buffer | undefined {
  const fd = openInTree(root, rel, opts);
  if (fd === undefined) return undefined;
  try {
    const size = fs.fstatSync(fd).size;
    if (size > opts.maxBytes && !opts.truncate) {
      throw new InTreeError('too-large', rel, `"${rel}" is larger than ${opts.maxBytes} bytes`);
    }
    const buf = Buffer.alloc(Math.min(size, opts.maxBytes));
    let n = 0;
    while (n < buf.length) {
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof InTreeError) throw e;
    throw new InTreeError('unreadable', rel, `"${rel}" cannot be read (${errnoOf(e) ?? 'error'})`);
  } finally {
    fs.closeSync(fd);
  }
}

/** readInTree as UTF-8 text, or undefined when absent. */
export function readTextInTree(root: string, rel: string, opts: InTreeOptions & { maxBytes: number; truncate?: boolean }): string | undefined {
  return readInTree(root, rel, opts)?.toString('utf8');
}

/**
 * Opens a regular file of a tree for reading (O_NOFOLLOW | O_NONBLOCK, close-on-exec), resolved
 * inside it; the caller closes the fd. Undefined when it does not exist.
 */
export function openInTree(root: string, rel: string, opts: InTreeOptions = {}): number | undefined {
  return walk(root, rel, { ...opts, followLast: true }, (via, st) => {
    if (!st.isFile()) throw new InTreeError('not-regular', rel, `"${rel}" is not a regular file`);
    let fd: number;
    try {
      fd = fs.openSync(via, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (e) {
      throw new InTreeError('unreadable', rel, `"${rel}" cannot be opened (${errnoOf(e) ?? 'error'})`);
    }
    const now = fs.fstatSync(fd);
    if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) {
      fs.closeSync(fd);
      throw new InTreeError('unreadable', rel, `"${rel}" changed while it was being read`);
    }
    return fd;
  });
}
