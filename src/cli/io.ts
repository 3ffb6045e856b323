// The streams and process facts a command may touch, injected so commands run in-process in
// tests; and the real ones (I/O): standard output and error written synchronously, whole.

import * as fs from 'node:fs';
import { sleepSync } from '../host/processes.js';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Standard output's reader went away (EPIPE): the command stops, quietly (see run.ts). */
export class OutputClosed extends Error {
  constructor() {
    super('standard output was closed');
    this.name = 'OutputClosed';
  }
}

/** Writes all of TEXT to FD, waiting while a non-blocking pipe is full. */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length;) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      sleepSync(1);
    }
  }
}

/**
 * The process's own streams. Written with write(2) rather than process.stdout, so that a closed
 * pipe or a full disk is an error of the write that met it (caught by the command's boundary),
 * not an 'error' event that would end the process with a stack trace.
 */
export const processIo = (): Io => {
  let closed = false;
  return {
    out: (t) => {
      if (closed) throw new OutputClosed();
      try {
        writeAll(1, t);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          closed = true;
          throw new OutputClosed();
        }
        // A full disk behind `> file`: the boundary says so, naming what it was.
        if (e instanceof Error && code !== undefined) (e as NodeJS.ErrnoException).path = 'standard output';
        throw e;
      }
    },
    err: (t) => {
      try {
        writeAll(2, t);
      } catch { /* standard error is gone: there is nowhere left to say anything */ }
    },
    env: process.env,
  };
};
