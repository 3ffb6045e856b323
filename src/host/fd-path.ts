// Reaching what an open directory holds without resolving its path again. Node has no
// openat(2): a directory opened as an fd is reached through /proc/self/fd/N/NAME, which the
// kernel resolves from that open directory (proc(5), "magic links"), so each step is relative
// to the directory already opened, never re-resolved by name from the host's root. Used by the
// in-tree reads (in-tree.ts) and the store's deletions (src/images/store.ts). I/O (one open).

import * as fs from 'node:fs';

/** The path of the open directory `fd` itself, or of `name` inside it (through the fd). Pure. */
export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/**
 * Opens the directory `name` inside the open directory `dirFd` (or the path `name` when
 * `dirFd` is undefined) read-only, failing rather than following a symbolic link (O_NOFOLLOW)
 * or opening anything but a directory (O_DIRECTORY). The caller closes the fd.
 */
export function openDirAt(dirFd: number | undefined, name: string): number {
  return fs.openSync(dirFd === undefined ? name : fdPath(dirFd, name), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
}
