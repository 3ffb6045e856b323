// Runs a command function and turns errors into the documented output and exit status. I/O.

import { ChosError, Exit, formatError } from '../errors.js';
import type { Io } from './io.js';

export function runCommand(prog: string, io: Io, fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ChosError) {
      io.err(formatError(prog, e));
      return e.exitCode;
    }
    // Anything else is a bug in chos, not a mistake of the user: say so, with the stack.
    io.err(`${prog}: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return Exit.failed;
  }
}

/** The same for a command that finishes later (chosctl create). */
export async function runCommandAsync(prog: string, io: Io, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    return runCommand(prog, io, () => {
      throw e;
    });
  }
}

