// Makes text from a tree, an archive, a registry or a user file safe to print on a terminal:
// control characters and bidirectional overrides become visible escapes. Pure.

/**
 * Escapes C0 controls (tab and newline included), DEL and C1 controls as \xNN, and the Unicode
 * bidirectional controls (U+061C, U+200E-F, U+202A-E, U+2066-9) and line/paragraph separators
 * as \u{…}. A backslash is left as it is; everything else passes through unchanged.
 */
export function escapeControl(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += `\\u{${c.toString(16)}}`;
    } else out += ch;
  }
  return out;
}
