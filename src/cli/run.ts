// The one error boundary of chos and chosctl: runs a command function and turns whatever it
// throws into the documented output and exit status (errors.ts Exit). I/O (via Io).
//
//   ChosError          `PROG: error: MESSAGE` (+ `hint:`), its own status (125, 2, …)
//   OutputClosed       nothing at all, 141: the reader of standard output went away
//   a system error     (ENOSPC, EACCES, EROFS… from node:fs or a spawn) `PROG: error: cannot
//                      write PATH: No space left on device (ENOSPC)` + hint, 125; no stack
//   anything else      a bug in chos: `PROG: internal error (please report it)` with the stack

import { getSystemErrorMap } from 'node:util';
import { ChosError, Exit, formatError, systemError } from '../errors.js';
import { type Io, OutputClosed } from './io.js';

function boundary(prog: string, io: Io, e: unknown): number {
  if (e instanceof OutputClosed) return Exit.outputClosed;
  if (e instanceof ChosError) {
    io.err(formatError(prog, e));
    return e.exitCode;
  }
  const sys = systemError(e, getSystemErrorMap());
  if (sys) {
    io.err(formatError(prog, sys));
    return sys.exitCode;
  }
  io.err(`${prog}: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return Exit.failed;
}

export function runCommand(prog: string, io: Io, fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    return boundary(prog, io, e);
  }
}

/** The same for a command that finishes later (chosctl create). */
export async function runCommandAsync(prog: string, io: Io, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    return boundary(prog, io, e);
  }
}
