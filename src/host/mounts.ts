// Reads the mount table of this process (/proc/self/mountinfo, see proc(5)), and removes
// directories that may hold mounts. I/O.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ChosError } from '../errors.js';

/** Mount points from mountinfo text, octal escapes (\040 for space …) decoded. Pure. */
export function parseMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.push(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export function mountPoints(): string[] {
  return parseMountPoints(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Mount points at or below `dir`, in mount order. */
export function mountsUnder(dir: string): string[] {
  return mountPoints().filter((m) => m === dir || m.startsWith(dir + '/'));
}

export function isMountPoint(dir: string): boolean {
  return mountPoints().includes(dir);
}

/**
 * Unmounts everything below `dir`, deepest first, then removes it. Files are never removed
 * through a mount still in place (a prepared root holds the host root at /local). Callers
 * make sure no process still runs below `dir`: even a lazy unmount disconnects child mounts.
 */
export function unmountAndRemove(dir: string): void {
  if (!fs.existsSync(dir)) return;
  // The outermost mounts first: one lazy unmount detaches a whole prepared root (a hundred
  // mounts) at once. Then whatever is left, deepest first.
  const all = mountsUnder(dir);
  const outermost = all.filter((m) => !all.some((o) => o !== m && m.startsWith(o + '/')));
  for (const m of outermost) spawnSync('umount', ['-l', '--', m], { stdio: 'ignore' });
  for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', '--', m], { stdio: 'ignore' });
  if (mountsUnder(dir).length > 0) throw new ChosError('setup-failed', `cannot unmount everything below ${dir}; left it in place`);
  // Retries: a killed run's extractor may still be writing for a moment (ENOTEMPTY, EBUSY).
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
}


