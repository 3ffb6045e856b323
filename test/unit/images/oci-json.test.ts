// Unit tests for parseImageJson (src/images/oci.ts): a document that does not parse is named by
// file and kind, never by what it holds.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageJson } from '../../../src/images/oci.js';
import { MAX_JSON_BYTES } from '../../../src/images/oci-model.js';

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
