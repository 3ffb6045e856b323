// Reads a user's ~/.chos as the selection rules say (docs/selection.md): only a regular file
// (links followed), only its first 256 bytes, never blocking (a FIFO, /dev/zero or a huge file
// cannot stall anything). bin/chos-rules.sh reads it the same way in sh. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { USER_FILE_MAX, type UserFile } from '../select/select.js';

export { USER_FILE_MAX, type UserFile };

/** ~/.chos of HOME; HOME unset or empty means there is none. */
export function readUserFile(home: string | undefined): UserFile {
  if (!home) return { state: 'absent' };
  const p = path.join(home, '.chos');
  try {
    fs.lstatSync(p);
  } catch {
    // Nothing there, or nothing this user can see (as `test -e`/`-L` in sh).
    return { state: 'absent' };
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return { state: 'not-a-file' }; // a dangling or looping link
  }
  if (!st.isFile()) return { state: 'not-a-file' };
  let fd: number;
  try {
    fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    return { state: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
  try {
    // Swapped for something else since the stat: as if it had been that when looked at.
    if (!fs.fstatSync(fd).isFile()) return { state: 'not-a-file' };
    const buf = Buffer.alloc(USER_FILE_MAX);
    let n = 0;
    for (let got = -1; got !== 0 && n < USER_FILE_MAX; n += got) got = fs.readSync(fd, buf, n, USER_FILE_MAX - n, n);
    return { state: 'read', bytes: buf.subarray(0, n) };
  } catch (e) {
    return { state: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    fs.closeSync(fd);
  }
}
