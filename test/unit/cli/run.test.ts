// Unit tests for src/cli/run.ts, the one error boundary of chos and chosctl: what each kind of
// error prints and which status it gives. Real system errors from failing fs calls. I/O (fs).

import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChosError, Exit, atPath, printable } from '../../../src/errors.js';
import { type Io, OutputClosed } from '../../../src/cli/io.js';
import { runCommand, runCommandAsync } from '../../../src/cli/run.js';

function capture(fn: () => number): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: {} };
  const status = runCommand('chosctl', io, fn);
  return { status, out, err };
}

describe('the error boundary', () => {
  test('a ChosError is its message and hint, with its own status', () => {
    assert.deepEqual(capture(() => { throw new ChosError('usage', 'no command', { hint: "run 'chosctl help'" }); }),
      { status: Exit.usage, out: '', err: "chosctl: error: no command\nhint: run 'chosctl help'\n" });
  });

  test('a closed standard output ends the command quietly, status 141', () => {
    assert.deepEqual(capture(() => { throw new OutputClosed(); }), { status: 141, out: '', err: '' });
    assert.equal(Exit.outputClosed, 128 + 13);
  });

  test('a system error from fs names the path and the reason, status 125, no stack', () => {
    const r = capture(() => fs.readFileSync('/nonexistent-chos/x').length);
    assert.deepEqual(r, { status: Exit.failed, out: '', err: 'chosctl: error: cannot open /nonexistent-chos/x: no such file or directory (ENOENT)\n' });
  });

  test('a rename names both paths', () => {
    const r = capture(() => { fs.renameSync('/nonexistent-chos/a', '/nonexistent-chos/b'); return 0; });
    assert.equal(r.err, 'chosctl: error: cannot rename /nonexistent-chos/a to /nonexistent-chos/b: no such file or directory (ENOENT)\n');
  });

  test('a write through a descriptor, which has no path, is named by atPath', () => {
    const r = capture(() => atPath('/run/chos/gen-1/catalog.json', () => fs.writeSync(987654, 'x')));
    assert.equal(r.err, 'chosctl: error: cannot write /run/chos/gen-1/catalog.json: bad file descriptor (EBADF)\n');
    assert.equal(r.status, Exit.failed);
  });

  test('a path with control characters is printed escaped', () => {
    const r = capture(() => fs.readFileSync('/nonexistent-chos/\u001b[2J').length);
    assert.equal(r.err, 'chosctl: error: cannot open /nonexistent-chos/\\x1b[2J: no such file or directory (ENOENT)\n');
  });

  test('anything else is a bug, and says so with its stack', () => {
    const r = capture(() => { throw new TypeError('x is undefined'); });
    assert.equal(r.status, Exit.failed);
    assert.match(r.err, /^chosctl: internal error \(please report it\): TypeError: x is undefined\n\s+at /);
  });

  test('the asynchronous boundary is the same', async () => {
    let err = '';
    const io: Io = { out: () => {}, err: (t) => { err += t; }, env: {} };
    const status = await runCommandAsync('chosctl', io, async () => { await Promise.resolve(); fs.mkdirSync('/nonexistent-chos/a/b'); return 0; });
    assert.equal(status, Exit.failed);
    assert.equal(err, 'chosctl: error: cannot create /nonexistent-chos/a/b: no such file or directory (ENOENT)\n');
  });
});

describe('printable', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['/srv/chos/debian11', '/srv/chos/debian11'],
    ['a\nb', 'a\\x0ab'],
    ['\u0000\u007f\u009b', '\\x00\\x7f\\x9b'],
    ['é', 'é'],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} prints as ${JSON.stringify(expected)}`, () => assert.equal(printable(text), expected));
  }
});
