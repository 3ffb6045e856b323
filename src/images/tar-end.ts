// Detects bytes after the end of a tar archive (two zero blocks, then zero padding to the
// record size): an archive with trailing garbage is refused rather than half-read. Only plain
// (uncompressed) archive files are checked: compressed ones are checked once decompressed. I/O.

import * as fs from 'node:fs';
import { runSandboxed } from './sandbox.js';

/** Bytes tar consumed, from `tar --list --totals` ("Total bytes read: N (…)"). Pure. */
export function parseTotals(stderr: string): number | undefined {
  const m = /Total bytes read: (\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** Whether `file` is an uncompressed tar (ustar magic at offset 257), judged from its first block. */
export function isPlainTar(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(512);
    const n = fs.readSync(fd, b, 0, 512, 0);
    return n === 512 && b.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    fs.closeSync(fd);
  }
}

/** A message when `file` (a plain tar) has non-zero bytes after its end, else undefined. */
export async function trailingGarbage(file: string, writable: string, onSpawn: (kill: () => void) => void): Promise<string | undefined> {
  if (!isPlainTar(file)) return undefined;
  const out = await runSandboxed({ writable, readOnly: [[file, '/tmp/archive']], onSpawn },
    ['sh', '-c', 'tar --list --totals -f /tmp/archive 2>&1 >/dev/null'], 'measuring the archive');
  const read = parseTotals(out);
  if (read === undefined) return undefined;
  const size = fs.statSync(file).size;
  if (size <= read) return undefined;
  if (size - read > 1 << 20) return `${size - read} bytes follow the end of the archive`;
  const rest = Buffer.alloc(size - read);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, rest, 0, rest.length, read);
  } finally {
    fs.closeSync(fd);
  }
  return rest.some((b) => b !== 0) ? `${size - read} bytes of data follow the end of the archive` : undefined;
}
