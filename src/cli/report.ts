// Prints check and doctor findings for a person or, with --json, for a tool. I/O (via Io).

import { type Finding, formatFinding, worst } from '../checks/findings.js';
import { Exit } from '../errors.js';
import type { Io } from './io.js';
import { jsonForTerminal } from '../text/json.js';

/** Prints findings (or JSON) and returns 0 (notes at most) / 1 (warnings only) / 3 (errors). */
export function report(io: Io, findings: readonly Finding[], json: boolean): number {
  const level = worst(findings);
  if (json) {
    const count = (l: string): number => findings.filter((f) => f.level === l).length;
    io.out(jsonForTerminal({ result: level, errors: count('error'), warnings: count('warning'), notes: count('note'), findings }) + '\n');
  } else {
    for (const f of findings) io.out(formatFinding(f) + '\n');
  }
  return level === 'error' ? Exit.problems : level === 'warning' ? Exit.warnings : Exit.ok;
}

