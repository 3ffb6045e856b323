// Unit tests for src/cli/report.ts: printing findings as text or JSON, and the exit status
// they give. In-process: the Io collects what is written in memory.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../src/checks/findings.js';
import type { Io } from '../../../src/cli/io.js';
import { report } from '../../../src/cli/report.js';
import { Exit } from '../../../src/errors.js';

interface MemoryIo extends Io {
  readonly outText: () => string;
  readonly errText: () => string;
}

function memoryIo(): MemoryIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    env: {},
    outText: () => out.join(''),
    errText: () => err.join(''),
  };
}

const OK: Finding = { subject: 'el9', level: 'ok', code: 'tree-ok', message: 'usable (/srv/el9)' };
const WARN: Finding = {
  subject: 'el9', level: 'warning', code: 'no-os-release',
  message: 'the tree has no /etc/os-release (nor /usr/lib/os-release)', hint: 'chos --list cannot name its OS',
};
const WARN2: Finding = { subject: 'el7', level: 'warning', code: 'mount-point', message: 'no /scratch' };
const NOTE: Finding = { subject: 'el9', level: 'note', code: 'setuid-files', message: '9 setuid and 4 setgid files: they gain no privilege inside (nosuid, user namespace)' };
const FAIL: Finding = {
  subject: 'el7', level: 'error', code: 'no-sh', message: 'the tree has no /bin/sh', hint: 'install a shell in the tree (dash or bash)',
};
const CONFIG: Finding = {
  subject: 'config', level: 'error', code: 'config-error', message: 'unknown key', file: '/etc/chos', line: 4,
};

function run(findings: readonly Finding[], json: boolean): { status: number; out: string; err: string } {
  const io = memoryIo();
  const status = report(io, findings, json);
  return { status, out: io.outText(), err: io.errText() };
}

describe('report: exit status', () => {
  const cases: ReadonlyArray<readonly [string, readonly Finding[], number]> = [
    ['no findings', [], 0],
    ['only ok findings', [OK, { ...OK, subject: 'el7' }], 0],
    ['warnings only', [OK, WARN], 1],
    ['several warnings', [WARN, WARN2], 1],
    ['an error among warnings', [WARN, FAIL, OK], 3],
    ['errors only', [FAIL, CONFIG], 3],
    ['notes only (a stock tree\'s setuid files)', [NOTE, OK], 0],
    ['notes and warnings', [NOTE, WARN], 1],
  ];
  for (const [name, findings, status] of cases) {
    for (const json of [false, true]) {
      test(`${name} return ${status} ${json ? 'with' : 'without'} --json`, () => {
        assert.equal(run(findings, json).status, status);
      });
    }
  }

  test('the statuses are the ones in the Exit table', () => {
    assert.equal(run([OK], false).status, Exit.ok);
    assert.equal(run([WARN], false).status, Exit.warnings);
    assert.equal(run([FAIL], false).status, Exit.problems);
  });
});

describe('report: text', () => {
  test('each finding is printed on its own line, in order, hints indented below', () => {
    const { out, err } = run([OK, WARN, WARN2, FAIL, CONFIG], false);
    assert.equal(
      out,
      [
        'ok   el9: usable (/srv/el9)',
        'warn el9: the tree has no /etc/os-release (nor /usr/lib/os-release)',
        '     hint: chos --list cannot name its OS',
        'warn el7: no /scratch',
        'FAIL el7: the tree has no /bin/sh',
        '     hint: install a shell in the tree (dash or bash)',
        'FAIL config: /etc/chos:4: unknown key',
        '',
      ].join('\n'),
    );
    assert.equal(err, '');
  });

  test('no findings print nothing', () => {
    assert.deepEqual(run([], false), { status: 0, out: '', err: '' });
  });

  test('a single ok finding prints one line', () => {
    assert.deepEqual(run([OK], false), { status: 0, out: 'ok   el9: usable (/srv/el9)\n', err: '' });
  });
});

describe('report: JSON', () => {
  test('the output is the result, the counts and the findings, indented by two and ending in a newline', () => {
    const { status, out, err } = run([OK, WARN, FAIL], true);
    assert.equal(status, 3);
    assert.equal(err, '');
    assert.ok(out.endsWith('}\n'));
    assert.equal(out, JSON.stringify({ result: 'error', errors: 1, warnings: 1, notes: 0, findings: [OK, WARN, FAIL] }, null, 2) + '\n');
  });

  test('the top-level keys are result, errors, warnings, notes and findings, in that order', () => {
    const parsed = JSON.parse(run([OK], true).out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['result', 'errors', 'warnings', 'notes', 'findings']);
  });

  const cases: ReadonlyArray<readonly [string, readonly Finding[], object]> = [
    ['no findings', [], { result: 'ok', errors: 0, warnings: 0, notes: 0, findings: [] }],
    ['only ok findings', [OK], { result: 'ok', errors: 0, warnings: 0, notes: 0, findings: [OK] }],
    ['warnings only', [WARN, OK, WARN2], { result: 'warning', errors: 0, warnings: 2, notes: 0, findings: [WARN, OK, WARN2] }],
    ['errors and warnings', [FAIL, WARN, CONFIG], { result: 'error', errors: 2, warnings: 1, notes: 0, findings: [FAIL, WARN, CONFIG] }],
    ['notes only', [NOTE, OK], { result: 'ok', errors: 0, warnings: 0, notes: 1, findings: [NOTE, OK] }],
  ];
  for (const [name, findings, expected] of cases) {
    test(`${name} give ${JSON.stringify({ ...expected, findings: undefined })}`, () => {
      assert.deepEqual(JSON.parse(run(findings, true).out), expected);
    });
  }

  test('findings keep their hint, file and line, and have none they did not have', () => {
    const parsed = JSON.parse(run([CONFIG, WARN2], true).out) as { findings: Array<Record<string, unknown>> };
    assert.deepEqual(parsed.findings, [
      { subject: 'config', level: 'error', code: 'config-error', message: 'unknown key', file: '/etc/chos', line: 4 },
      { subject: 'el7', level: 'warning', code: 'mount-point', message: 'no /scratch' },
    ]);
  });

  test('the JSON output has no text lines', () => {
    const { out } = run([FAIL], true);
    assert.ok(!out.includes('FAIL '));
  });
});
