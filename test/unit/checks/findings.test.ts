// Unit tests for src/checks/findings.ts: config diagnostics as findings, the worst level of a
// list, and the one-line text form of a finding. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../src/config/diagnostic.js';
import { type Finding, type Level, formatFinding, fromDiagnostic, worst } from '../../../src/checks/findings.js';

const finding = (level: Level, over: Partial<Finding> = {}): Finding => ({
  subject: 'el9',
  level,
  code: `code-${level}`,
  message: `a ${level}`,
  ...over,
});

describe('fromDiagnostic', () => {
  const cases: ReadonlyArray<readonly [string, Diagnostic, Finding]> = [
    [
      'an error with a hint and a line keeps all three',
      { file: '/etc/chos', line: 12, severity: 'error', message: 'unknown environment "el8"', hint: 'add it to /etc/chos' },
      { subject: 'config', level: 'error', code: 'config-error', message: 'unknown environment "el8"', hint: 'add it to /etc/chos', file: '/etc/chos', line: 12 },
    ],
    [
      'a warning with a hint and a line keeps all three',
      { file: '/etc/sysconfig/chos', line: 3, severity: 'warning', message: 'unknown key', hint: 'remove it' },
      { subject: 'config', level: 'warning', code: 'config-warning', message: 'unknown key', hint: 'remove it', file: '/etc/sysconfig/chos', line: 3 },
    ],
    [
      'an error without a hint has no hint',
      { file: '/etc/chos', line: 7, severity: 'error', message: 'bad line' },
      { subject: 'config', level: 'error', code: 'config-error', message: 'bad line', file: '/etc/chos', line: 7 },
    ],
    [
      'a warning without a hint has no hint',
      { file: '/etc/chos', line: 1, severity: 'warning', message: 'odd line' },
      { subject: 'config', level: 'warning', code: 'config-warning', message: 'odd line', file: '/etc/chos', line: 1 },
    ],
    [
      'an error about the whole file (line 0) has no line',
      { file: '/etc/chos', line: 0, severity: 'error', message: 'cannot read it', hint: 'create it' },
      { subject: 'config', level: 'error', code: 'config-error', message: 'cannot read it', hint: 'create it', file: '/etc/chos' },
    ],
    [
      'a warning about the whole file without a hint has neither line nor hint',
      { file: '/etc/chos', line: 0, severity: 'warning', message: 'empty file' },
      { subject: 'config', level: 'warning', code: 'config-warning', message: 'empty file', file: '/etc/chos' },
    ],
    [
      'an empty hint is no hint',
      { file: '/etc/chos', line: 4, severity: 'error', message: 'bad', hint: '' },
      { subject: 'config', level: 'error', code: 'config-error', message: 'bad', file: '/etc/chos', line: 4 },
    ],
  ];
  for (const [name, d, expected] of cases) {
    test(name, () => {
      assert.deepEqual(fromDiagnostic(d), expected);
    });
  }

  test('the diagnostic is not changed', () => {
    const d: Diagnostic = Object.freeze({ file: '/etc/chos', line: 2, severity: 'error', message: 'm', hint: 'h' });
    fromDiagnostic(d);
    assert.deepEqual(d, { file: '/etc/chos', line: 2, severity: 'error', message: 'm', hint: 'h' });
  });
});

describe('worst', () => {
  const cases: ReadonlyArray<readonly [readonly Level[], Level]> = [
    [[], 'ok'],
    [['ok'], 'ok'],
    [['ok', 'ok'], 'ok'],
    [['warning'], 'warning'],
    [['ok', 'warning'], 'warning'],
    [['warning', 'ok', 'warning'], 'warning'],
    [['error'], 'error'],
    [['ok', 'error'], 'error'],
    [['error', 'warning'], 'error'],
    [['warning', 'ok', 'error', 'ok'], 'error'],
    [['note'], 'ok'],
    [['note', 'ok'], 'ok'],
    [['note', 'warning'], 'warning'],
    [['error', 'note'], 'error'],
  ];
  for (const [levels, expected] of cases) {
    test(`the worst of [${levels.join(', ')}] is ${expected}`, () => {
      assert.equal(worst(levels.map((l) => finding(l))), expected);
    });
  }
});

describe('formatFinding', () => {
  const cases: ReadonlyArray<readonly [string, Finding, string]> = [
    ['an ok finding is tagged "ok" and padded to four', finding('ok', { message: 'usable (/srv/el9)' }), 'ok   el9: usable (/srv/el9)'],
    ['a note is tagged "note"', finding('note', { message: '9 setuid and 4 setgid files' }), 'note el9: 9 setuid and 4 setgid files'],
    ['a warning is tagged "warn"', finding('warning', { message: 'the tree has no /etc/passwd' }), 'warn el9: the tree has no /etc/passwd'],
    ['an error is tagged "FAIL"', finding('error', { message: 'the tree has no /bin/sh' }), 'FAIL el9: the tree has no /bin/sh'],
    ['the code is not printed', finding('error', { code: 'no-sh', message: 'm' }), 'FAIL el9: m'],
    ['a file comes after the subject', finding('error', { subject: 'config', file: '/etc/chos', message: 'cannot read it' }), 'FAIL config: /etc/chos: cannot read it'],
    ['a file and line come as file:line', finding('warning', { subject: 'config', file: '/etc/chos', line: 12, message: 'odd' }), 'warn config: /etc/chos:12: odd'],
    ['a line 0 is not printed', finding('error', { subject: 'config', file: '/etc/chos', line: 0, message: 'm' }), 'FAIL config: /etc/chos: m'],
    ['a line without a file is not printed', finding('error', { subject: 'config', line: 5, message: 'm' }), 'FAIL config: m'],
    ['an empty file is not printed', finding('error', { subject: 'config', file: '', line: 5, message: 'm' }), 'FAIL config: m'],
    [
      'a hint goes on its own line, indented under the message',
      finding('error', { message: 'the tree has no /bin/sh', hint: 'install a shell in the tree (dash or bash)' }),
      'FAIL el9: the tree has no /bin/sh\n     hint: install a shell in the tree (dash or bash)',
    ],
    ['a hint on an ok finding is printed too', finding('ok', { message: 'fine', hint: 'h' }), 'ok   el9: fine\n     hint: h'],
    [
      'file, line and hint together',
      finding('warning', { subject: 'config', file: '/etc/chos', line: 3, message: 'unknown key', hint: 'remove it' }),
      'warn config: /etc/chos:3: unknown key\n     hint: remove it',
    ],
    ['an empty hint is not printed', finding('warning', { message: 'm', hint: '' }), 'warn el9: m'],
  ];
  for (const [name, f, expected] of cases) {
    test(name, () => {
      assert.equal(formatFinding(f), expected);
    });
  }

  test('a config diagnostic reads the same after fromDiagnostic', () => {
    const d: Diagnostic = { file: '/etc/chos', line: 9, severity: 'error', message: 'bad path', hint: 'use an absolute path' };
    assert.equal(formatFinding(fromDiagnostic(d)), 'FAIL config: /etc/chos:9: bad path\n     hint: use an absolute path');
  });
});
