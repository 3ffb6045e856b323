// Unit tests for src/config/diagnostic.ts: line splitting and diagnostic formatting. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Diagnostic,
  formatDiagnostic,
  hasErrors,
  isBlank,
  isComment,
  numberedLines,
} from '../../../src/config/diagnostic.js';

describe('numberedLines', () => {
  const cases: ReadonlyArray<readonly [string, string, readonly string[]]> = [
    ['an empty text has no lines', '', []],
    ['a lone newline is one empty line', '\n', ['']],
    ['a final newline does not start another line', 'a\nb\n', ['a', 'b']],
    ['a text without a final newline keeps its last line', 'a\nb', ['a', 'b']],
    ['only one final newline is dropped: a blank last line stays', 'a\n\n', ['a', '']],
    ['blank lines in the middle are kept and counted', 'a\n\n\nb', ['a', '', '', 'b']],
    ['CRLF endings lose their carriage return', 'a\r\nb\r\n', ['a', 'b']],
    ['CRLF without a final newline still loses the carriage return', 'a\r\nb\r', ['a', 'b']],
    ['mixed LF and CRLF endings are both read', 'a\nb\r\nc\n', ['a', 'b', 'c']],
    ['a lone CR line is an empty line', 'a\r\n\r\nb', ['a', '', 'b']],
    ['a carriage return inside a line is kept', 'a\rb\n', ['a\rb']],
    ['only one trailing carriage return is removed', 'a\r\r\n', ['a\r']],
    ['leading and trailing spaces are kept', '  a  \n', ['  a  ']],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      assert.deepEqual(
        [...numberedLines(text)],
        expected.map((t, i) => ({ no: i + 1, text: t })),
      );
    });
  }
});

describe('formatDiagnostic', () => {
  const cases: ReadonlyArray<readonly [string, Diagnostic, string]> = [
    [
      'an error with a line and no hint is one line "file:line: error: message"',
      { file: '/etc/chos', line: 3, severity: 'error', message: 'bad' },
      '/etc/chos:3: error: bad',
    ],
    [
      'a warning with a line and a hint puts the hint on an indented second line',
      { file: '/etc/chos', line: 12, severity: 'warning', message: 'odd', hint: 'fix it' },
      '/etc/chos:12: warning: odd\n  hint: fix it',
    ],
    [
      'line 0 means the whole file, so no line number is shown',
      { file: '/etc/chos', line: 0, severity: 'error', message: 'unreadable' },
      '/etc/chos: error: unreadable',
    ],
    [
      'line 0 with a hint shows the hint too',
      { file: '/etc/chos', line: 0, severity: 'error', message: 'unreadable', hint: 'check the owner' },
      '/etc/chos: error: unreadable\n  hint: check the owner',
    ],
    [
      'an empty hint is treated as no hint',
      { file: 'f', line: 1, severity: 'warning', message: 'm', hint: '' },
      'f:1: warning: m',
    ],
  ];
  for (const [name, d, expected] of cases) {
    test(name, () => {
      assert.equal(formatDiagnostic(d), expected);
    });
  }
});

describe('hasErrors', () => {
  const w: Diagnostic = { file: 'f', line: 1, severity: 'warning', message: 'w' };
  const e: Diagnostic = { file: 'f', line: 2, severity: 'error', message: 'e' };
  const cases: ReadonlyArray<readonly [string, readonly Diagnostic[], boolean]> = [
    ['no diagnostics means no errors', [], false],
    ['warnings alone are not errors', [w, w], false],
    ['one error among warnings is enough', [w, e, w], true],
    ['errors alone are errors', [e], true],
  ];
  for (const [name, ds, expected] of cases) {
    test(name, () => {
      assert.equal(hasErrors(ds), expected);
    });
  }
});

describe('isBlank and isComment', () => {
  const cases: ReadonlyArray<readonly [string, boolean, boolean]> = [
    ['', true, false],
    [' ', true, false],
    ['\t \t', true, false],
    ['x', false, false],
    ['  x  ', false, false],
    ['#', false, true],
    ['# comment', false, true],
    ['   # indented', false, true],
    ['\t#tabbed', false, true],
    ['x # trailing', false, false],
    ['%SHELLS', false, false],
  ];
  for (const [line, blank, comment] of cases) {
    test(`${JSON.stringify(line)} is ${blank ? '' : 'not '}blank and ${comment ? '' : 'not '}a comment`, () => {
      assert.equal(isBlank(line), blank);
      assert.equal(isComment(line), comment);
    });
  }
});
