// Config problems as data: every parser collects them all (for `chosctl check`) instead of
// stopping at the first. Pure.

import { escapeControl } from '../text/escape.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly file: string;
  /** 1-based line number; 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
}

/** One diagnostic for a person; file, message and hint with their control characters escaped. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${escapeControl(d.file)}:${d.line}` : escapeControl(d.file);
  return `${where}: ${d.severity}: ${escapeControl(d.message)}` + (d.hint ? `\n  hint: ${escapeControl(d.hint)}` : '');
}

/** The same without the severity, for a caller that prints it in its own prefix. */
export function describeDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${escapeControl(d.file)}:${d.line}` : escapeControl(d.file);
  return `${where}: ${escapeControl(d.message)}` + (d.hint ? `\nhint: ${escapeControl(d.hint)}` : '');
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** Splits text into lines the way every CHOS file is read: LF or CRLF, 1-based numbers. */
export function* numberedLines(text: string): Generator<{ no: number; text: string }> {
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    yield { no: i + 1, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw };
  }
}

export const isBlank = (line: string): boolean => /^\s*$/.test(line);
export const isComment = (line: string): boolean => /^\s*#/.test(line);
