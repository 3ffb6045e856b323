// Reads a user's ~/.chos the way every chos command does: only a regular file, only its first
// 256 bytes, never blocking (a FIFO, /dev/zero or a huge file cannot stall a login). I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const USER_FILE_MAX = 256;

export type UserFile =
  | { readonly state: 'absent' }
  | { readonly state: 'not-a-file' }
  | { readonly state: 'unreadable'; readonly code: string }
  | { readonly state: 'read'; readonly text: string };

export function readUserFile(home: string): UserFile {
  const p = path.join(home, '.chos');
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return { state: 'absent' };
  }
  if (!st.isFile()) return { state: 'not-a-file' };
  try {
    const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(USER_FILE_MAX);
      return { state: 'read', text: buf.subarray(0, fs.readSync(fd, buf, 0, USER_FILE_MAX, 0)).toString('utf8') };
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return { state: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}
