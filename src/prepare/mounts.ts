// Reads the mount table of this process (/proc/self/mountinfo, see proc(5)). I/O.

import * as fs from 'node:fs';

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
