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
  | 'user-file';

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

/**
 * Formats an error the way every chos command prints it: `PROG: error: …` then `hint: …`.
 * A message of several lines (several config problems) gets the prefix on each line, except
 * on its own `hint:` lines.
 */
export function formatError(prog: string, err: ChosError): string {
  const lines = err.message.split('\n').map((l) => (l.startsWith('hint: ') ? l : `${prog}: error: ${l}`));
  return lines.join('\n') + '\n' + (err.hint ? `hint: ${err.hint}\n` : '');
}
