// Unit tests for the pure part of src/images/record.ts: whether an update would build what it
// has (sameBuild). Nothing here touches the disk.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Recorded, sameBuild } from '../../../src/images/record.js';

describe('sameBuild', () => {
  const blobs = ['sha256:c0', 'sha256:l1', 'sha256:l2'];
  const pulled: Recorded = { source: { kind: 'pull', ref: 'reg.example.org/a/b:1' }, keepSetuid: false, chosFile: '/etc/chos', blobs, limits: {} };
  test('the same image, options and caps: nothing to build', () => {
    assert.equal(sameBuild(pulled, [...blobs], false, {}), true);
  });
  test('the same image with the same recorded caps', () => {
    assert.equal(sameBuild({ ...pulled, limits: { maxBytes: 5, maxEntries: 7 } }, blobs, false, { maxBytes: 5, maxEntries: 7 }), true);
  });
  test('a record without limits is the default caps', () => {
    const { limits: _unused, ...noLimits } = pulled;
    assert.equal(sameBuild(noLimits, blobs, false, {}), true);
  });
  const differs: ReadonlyArray<[string, Recorded | undefined, readonly string[], boolean, { maxBytes?: number; maxEntries?: number }]> = [
    ['another layer', pulled, ['sha256:c0', 'sha256:l1', 'sha256:l3'], false, {}],
    ['another config', pulled, ['sha256:c9', 'sha256:l1', 'sha256:l2'], false, {}],
    ['a layer more', pulled, [...blobs, 'sha256:l4'], false, {}],
    ['a layer fewer', pulled, blobs.slice(0, 2), false, {}],
    ['the layers in another order', pulled, ['sha256:c0', 'sha256:l2', 'sha256:l1'], false, {}],
    ['--keep-setuid now', pulled, blobs, true, {}],
    ['--keep-setuid before, not now', { ...pulled, keepSetuid: true }, blobs, false, {}],
    ['another --max-size', pulled, blobs, false, { maxBytes: 5 }],
    ['another --max-entries', { ...pulled, limits: { maxEntries: 7 } }, blobs, false, { maxEntries: 8 }],
    ['no record', undefined, blobs, false, {}],
    ['a record without blobs (an older chosctl)', { source: pulled.source, keepSetuid: false, chosFile: '/etc/chos' }, blobs, false, {}],
    ['a source that is not a pull', { ...pulled, source: { kind: 'tar', file: '/a.tar' } }, blobs, false, {}],
  ];
  for (const [what, previous, now, keepSetuid, limits] of differs) {
    test(`${what}: build again`, () => assert.equal(sameBuild(previous, now, keepSetuid, limits), false));
  }
});
