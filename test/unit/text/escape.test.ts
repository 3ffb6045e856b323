// Unit tests for escapeControl (src/text/escape.ts): what a terminal would act on is shown as
// an escape, everything else passes unchanged.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControl } from '../../../src/text/escape.js';

describe('escapeControl', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['plain text and UTF-8 pass', 'Debian GNU/Linux 12 (bookworm) — é ✓', 'Debian GNU/Linux 12 (bookworm) — é ✓'],
    ['a terminal title escape', '\x1b]0;owned\x07', '\\x1b]0;owned\\x07'],
    ['newline, carriage return, tab', 'a\nb\rc\td', 'a\\x0ab\\x0dc\\x09d'],
    ['NUL and DEL', '\0\x7f', '\\x00\\x7f'],
    ['C1 controls (CSI)', '\u009b31m', '\\x9b31m'],
    ['bidi overrides and isolates', '\u202eabc\u2066', '\\u{202e}abc\\u{2066}'],
    ['line separators', 'a\u2028b', 'a\\u{2028}b'],
    ['a backslash stays', 'a\\x1b', 'a\\x1b'],
  ];
  for (const [what, input, want] of cases) test(what, () => assert.equal(escapeControl(input), want));
});
