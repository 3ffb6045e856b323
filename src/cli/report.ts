// Prints check and doctor findings for a person or, with --json, for a tool. I/O (via Io).

import { type Finding, formatFinding, worst } from '../checks/findings.js';
import { Exit } from '../errors.js';
import type { Io } from './io.js';

/**
 * JSON text in which no character can act on a terminal: JSON.stringify escapes C0 controls
 * itself; DEL, C1 controls and bidirectional controls become \\u escapes too (same data).
 */
export function jsonForTerminal(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Prints findings (or JSON) and returns 0 / 1 (warnings only) / 3 (errors). */
export function report(io: Io, findings: readonly Finding[], json: boolean): number {
  const level = worst(findings);
  if (json) {
    const count = (l: string): number => findings.filter((f) => f.level === l).length;
    io.out(jsonForTerminal({ result: level, errors: count('error'), warnings: count('warning'), findings }) + '\n');
  } else {
    for (const f of findings) io.out(formatFinding(f) + '\n');
  }
  return level === 'error' ? Exit.problems : level === 'warning' ? Exit.warnings : Exit.ok;
}

