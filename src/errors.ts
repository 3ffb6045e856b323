// One error type for everything chos reports to a person, and the table of exit statuses. Pure.

/**
 * Exit statuses of `chos` and `chosctl`. The user's command's own status passes through
 * unchanged (128+N when it died of signal N); these are the statuses chos uses for itself.
 * They mirror env(1) and podman: 125 = chos failed before the command started,
 * 126 = the command was found but could not be run, 127 = the command was not found.
 */
export const Exit = {
  ok: 0,
  /** check/doctor found warnings only; status found the config changed since setup. */
  warnings: 1,
  /** A usage mistake: unknown option, missing argument. */
  usage: 2,
  /** check/doctor found errors. */
  problems: 3,
  /** chos itself failed before running anything (config, selection, setup state). */
  failed: 125,
  cannotRun: 126,
  notFound: 127,
  /**
   * Standard output was closed by its reader (`chosctl status | head -1`): chos stops quietly,
   * with the status of a process killed by SIGPIPE (128+13), as cat or ls would.
   */
  outputClosed: 141,
} as const;

/** Stable codes: never renumber or reuse one; tests and scripts may match on them. */
export type ErrorCode =
  | 'config-unreadable'
  | 'config-owner'
  | 'config-syntax'
  | 'tree-missing'
  | 'tree-invalid'
  | 'unknown-environment'
  | 'invalid-name'
  | 'not-set-up'
  | 'setup-failed'
  | 'not-root'
  | 'usage'
  | 'user-file'
  | 'system';

export class ChosError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ChosError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? (code === 'usage' ? Exit.usage : Exit.failed);
  }
}

/** The error of a step of create, update or setup that failed (code setup-failed, status 125). */
export function fail(message: string, hint?: string): ChosError {
  return new ChosError('setup-failed', message, hint ? { hint } : {});
}

/** TEXT with control characters written as \xNN, so that a path cannot drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** What a failed system call was doing, by its name as Node reports it. */
const DOING: Record<string, string> = {
  open: 'cannot open', write: 'cannot write', read: 'cannot read', mkdir: 'cannot create', mkdtemp: 'cannot create',
  rmdir: 'cannot remove', unlink: 'cannot remove', rm: 'cannot remove', rename: 'cannot rename', link: 'cannot link',
  symlink: 'cannot create the link', copyfile: 'cannot copy', scandir: 'cannot list', opendir: 'cannot list',
  stat: 'cannot look at', lstat: 'cannot look at', chmod: 'cannot change the mode of', chown: 'cannot change the owner of',
  lchown: 'cannot change the owner of', access: 'cannot access', utime: 'cannot touch', readlink: 'cannot read the link',
  spawn: 'cannot run', spawnSync: 'cannot run', fsync: 'cannot write', close: 'cannot write',
};

const HINTS: Record<string, (where: string) => string> = {
  ENOSPC: (w) => `the file system is full: free some space where ${w} is (df -h)`,
  EDQUOT: (w) => `the disk quota is used up where ${w} is (quota -s)`,
  EACCES: () => 'run it as root, or check the owner and mode of that path and the directories above it',
  EPERM: () => 'run it as root, or check the owner, mode and attributes (lsattr) of that path and the directories above it',
  EROFS: () => 'that file system is mounted read-only',
  EMFILE: () => 'too many open files: raise the limit (ulimit -n)',
  ENFILE: () => 'the system has too many open files',
  EIO: () => 'the device reported an error: see dmesg',
};

/**
 * An error of the system (an ErrnoException from node:fs or node:child_process: ENOSPC, EACCES,
 * EROFS…) as the error chos prints: what failed, on which path, why, and a hint. Undefined for
 * anything else (a bug). The errno names come from the system's own table (util's map).
 */
export function systemError(e: unknown, reasons: ReadonlyMap<number, [string, string]>): ChosError | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as NodeJS.ErrnoException & { dest?: string };
  if (typeof x.code !== 'string' || !/^E[A-Z0-9]+$/.test(x.code) || typeof x.syscall !== 'string') return undefined;
  const where = x.path === undefined ? 'a file' : printable(x.path);
  const doing = DOING[x.syscall] ?? `${printable(x.syscall)} failed on`;
  const dest = x.dest === undefined ? '' : ` to ${printable(x.dest)}`;
  const reason = (x.errno === undefined ? undefined : reasons.get(x.errno)?.[1]) ?? 'failed';
  const hint = HINTS[x.code]?.(where);
  return new ChosError('system', `${doing} ${where}${dest}: ${reason} (${x.code})`, { ...(hint ? { hint } : {}), cause: e });
}

/**
 * Runs FN; a system error it throws without a path (a write(2) through a descriptor, as in
 * fs.writeFileSync) gets PATH, so that the error names the file.
 */
export function atPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    if (e instanceof Error && typeof x.code === 'string' && x.path === undefined) x.path = path;
    throw e;
  }
}

/**
 * Formats an error the way every chos command prints it: `PROG: error: …` then `hint: …`.
 * A message of several lines (several config problems) gets the prefix on each line, except
 * on its own `hint:` lines.
 */
export function formatError(prog: string, err: ChosError): string {
  const lines = err.message.split('\n').map((l) => (l.startsWith('hint: ') ? l : `${prog}: error: ${l}`));
  return lines.join('\n') + '\n' + (err.hint ? `hint: ${err.hint}\n` : '');
}
