// What `chosctl create|update` reports for an error: a system error of a file operation (a
// full disk, EACCES) as one line naming the path, every message with its control characters
// escaped. Pure.

import { ChosError } from '../errors.js';
import { escapeControl } from '../text/escape.js';

/** errno codes of a local failure that an admin can fix (space, permissions), named with the path. */
const LOCAL_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', EMFILE: 'too many open files', ENFILE: 'too many open files in the system',
};

/**
 * What create reports for an error: a system error of a file operation (a full disk, EACCES)
 * as a one-line error naming the path; anything else as it is. Every message and hint has its
 * control characters escaped, as they may carry member names or what a registry said. Pure.
 */
export function reportable(e: unknown): unknown {
  if (e instanceof ChosError) {
    const message = escapeControl(e.message);
    const hint = e.hint === undefined ? undefined : escapeControl(e.hint);
    if (message === e.message && hint === e.hint) return e;
    return new ChosError(e.code, message, { exitCode: e.exitCode, cause: e, ...(hint !== undefined ? { hint } : {}) });
  }
  const x = e as (NodeJS.ErrnoException & { dest?: unknown }) | undefined;
  const why = typeof x?.code === 'string' ? LOCAL_FAILURES[x.code] : undefined;
  if (why !== undefined && typeof x?.path === 'string') {
    const on = typeof x.dest === 'string' ? `${x.path} -> ${x.dest}` : x.path;
    return new ChosError('setup-failed', escapeControl(`${x.syscall ?? 'writing'} ${on}: ${why} (${x.code ?? ''})`), {
      cause: e, hint: x.code === 'ENOSPC' || x.code === 'EDQUOT' ? 'free space there (or give another --store), then run the command again' : 'check the owner and mode of that path',
    });
  }
  return e;
}
