// Unit tests for parseImageJson (src/images/oci.ts): a document that does not parse is named by
// file and kind, never by what it holds.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageJson } from '../../../src/images/oci.js';
import { type Index, MAX_JSON_BYTES, pickManifest } from '../../../src/images/oci-model.js';

describe('parseImageJson', () => {
  test('parses JSON', () => assert.deepEqual(parseImageJson(Buffer.from('{"a":1}'), '/l/index.json', 'an image index'), { a: 1 }));
  test('a failure names the file and kind, not the content', () => {
    assert.throws(() => parseImageJson(Buffer.from('root:$6$secret:19000:0:99999:7:::\n'), '/l/index.json', 'an image index'), (e: Error) => {
      assert.equal(e.message, '/l/index.json: not valid JSON (expected an image index)');
      assert.ok(!e.message.includes('secret'));
      return true;
    });
  });
  test('JSON documents are capped at 4 MiB', () => assert.equal(MAX_JSON_BYTES, 4 * 2 ** 20));
});

describe('pickManifest on hostile indexes', () => {
  const d = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 10 };
  test('entries that are not descriptors are passed over', () => {
    assert.deepEqual(pickManifest({ manifests: [null, 5, 'x', {}, d] } as unknown as Index, 'amd64'), d);
  });
  test('an index that is null or has no list gives an error, not a crash', () => {
    assert.ok('error' in pickManifest(null as unknown as Index, 'amd64'));
    assert.ok('error' in pickManifest({ manifests: 'no' } as unknown as Index, 'amd64'));
  });
});
