// Escapes control characters in text that came from a tree, an archive, a registry or a user
// file before chos prints it, so that it cannot move the cursor, retitle the terminal or fake
// a line of chos's own output. Pure.

/**
 * C0 controls (newline and tab included), DEL and C1 controls become \xNN; the Unicode
 * bidirectional overrides, embeddings and isolates (which reorder what a terminal shows) and
 * the line and paragraph separators become \u{NNNN}. A backslash is left as it is.
 */
export function escapeControl(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => {
    const n = c.codePointAt(0) ?? 0;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}
