// JSON text that is safe to print or cat on a terminal. Pure.

/**
 * JSON.stringify (two-space indent) with DEL, C1 controls and the Unicode bidirectional
 * controls and line separators written as \uXXXX too (JSON.stringify escapes only C0 ones):
 * the same data for a parser, nothing a terminal acts on.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
