// Unit tests for src/images/reportable.ts: what create reports for an error (a local failure
// named with its path, control characters escaped). Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChosError } from '../../../src/errors.js';
import { reportable } from '../../../src/images/reportable.js';

describe('reportable', () => {
  test('a full disk names the path, in one line', () => {
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/store/x\nfake' });
    const r = reportable(e);
    assert.ok(r instanceof ChosError);
    assert.equal(r.message, 'write /store/x\\x0afake: no space left on the device (ENOSPC)');
    assert.match(r.hint ?? '', /free space/);
  });
  test('EACCES names the path and the other end of a rename', () => {
    const e = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'rename', path: '/a', dest: '/b' });
    assert.equal((reportable(e) as ChosError).message, 'rename /a -> /b: permission denied (EACCES)');
  });
  test('control characters in a ChosError are escaped; a clean one is kept as it is', () => {
    const hostile = new ChosError('setup-failed', 'member "\x1b[2J" is bad', { hint: '\u202ex' });
    const r = reportable(hostile) as ChosError;
    assert.equal(r.message, 'member "\\x1b[2J" is bad');
    assert.equal(r.hint, '\\u{202e}x');
    assert.equal(r.exitCode, hostile.exitCode);
    const clean = new ChosError('usage', 'fine');
    assert.equal(reportable(clean), clean);
  });
  test('other errors pass unchanged', () => {
    const e = new TypeError('bug');
    assert.equal(reportable(e), e);
  });
});
