// What checks report: findings with a severity, a stable code, a message and a hint. Pure.

import type { Diagnostic } from '../config/diagnostic.js';
import { escapeControl } from '../text/escape.js';

/**
 * ok: as it should be; note: a property of the tree worth knowing that needs no action (it
 * never changes an exit status); warning: worth fixing; error: will not work.
 */
export type Level = 'ok' | 'note' | 'warning' | 'error';

export interface Finding {
  /** What the finding is about: an environment name, "config", "host", … */
  readonly subject: string;
  readonly level: Level;
  /** Stable identifier (never renamed), e.g. "tree-writable". */
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;
}

export function fromDiagnostic(d: Diagnostic): Finding {
  return {
    subject: 'config',
    level: d.severity,
    code: d.severity === 'error' ? 'config-error' : 'config-warning',
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    file: d.file,
    ...(d.line > 0 ? { line: d.line } : {}),
  };
}

/** Worst level among findings: error > warning > ok (notes count as ok). */
export function worst(fs: readonly Finding[]): Exclude<Level, 'note'> {
  if (fs.some((f) => f.level === 'error')) return 'error';
  if (fs.some((f) => f.level === 'warning')) return 'warning';
  return 'ok';
}

/** One line per finding, `file:line:` first when known, hint indented below; control characters escaped. */
export function formatFinding(f: Finding): string {
  const e = escapeControl;
  const where = f.file ? `${e(f.file)}${f.line ? `:${f.line}` : ''}: ` : '';
  const tag = f.level === 'ok' ? 'ok  ' : f.level === 'note' ? 'note' : f.level === 'warning' ? 'warn' : 'FAIL';
  return `${tag} ${e(f.subject)}: ${where}${e(f.message)}` + (f.hint ? `\n     hint: ${e(f.hint)}` : '');
}
