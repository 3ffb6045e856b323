// Unit tests for the pure parts of src/images/registry.ts: where a registry's credentials may go
// (realmMayGetCredentials), and reading a response body under a cap (readLimited, on in-memory
// responses).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readLimited, realmMayGetCredentials } from '../../../src/images/registry.js';

describe('realmMayGetCredentials', () => {
  const cases: ReadonlyArray<readonly [string, string, string, readonly string[], boolean]> = [
    ['HTTPS realm on the registry\'s host', 'https://reg.example.org', 'https://reg.example.org/token', [], true],
    ['HTTPS realm on the registry\'s host, another port', 'https://reg.example.org:5000', 'https://reg.example.org:8443/token', [], true],
    ['plain HTTP realm on the HTTPS registry\'s host', 'https://reg.example.org', 'http://reg.example.org/token', [], false],
    ['plain HTTP realm on a plain HTTP (loopback) registry\'s host', 'http://127.0.0.1:5013', 'http://127.0.0.1:5033/token', [], true],
    ['HTTPS realm on another host, not named', 'https://registry-1.docker.io', 'https://auth.docker.io/token', [], false],
    ['HTTPS realm on another host, named', 'https://registry-1.docker.io', 'https://auth.docker.io/token', ['auth.docker.io'], true],
    ['HTTPS realm on another host, named with its port', 'https://reg.example.org', 'https://auth.example.org:8443/token', ['auth.example.org:8443'], true],
    ['plain HTTP realm on another host, even named', 'http://127.0.0.1:5041', 'http://127.0.0.2:5041/token', ['127.0.0.2', '127.0.0.2:5041'], false],
    ['a realm carrying credentials of its own', 'https://reg.example.org', 'https://u:p@reg.example.org/token', [], false],
    ['another scheme', 'https://reg.example.org', 'ftp://reg.example.org/token', [], false],
    ['a look-alike host', 'https://reg.example.org', 'https://reg.example.org.evil.net/token', [], false],
  ];
  for (const [what, base, realm, named, want] of cases) test(what, () => assert.equal(realmMayGetCredentials(base, new URL(realm), named), want));
});

describe('readLimited', () => {
  const stream = (chunks: number, size: number): ReadableStream<Uint8Array> => {
    let sent = 0;
    return new ReadableStream({
      pull(c) {
        if (sent++ >= chunks) c.close();
        else c.enqueue(new Uint8Array(size));
      },
    });
  };
  test('returns a body within the cap', async () => {
    assert.equal((await readLimited(new Response(stream(3, 100)), 300, 'm')).length, 300);
  });
  test('refuses a body as soon as it passes the cap, without reading it to its end', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({ pull(c) { pulled++; c.enqueue(new Uint8Array(1024)); } });
    await assert.rejects(readLimited(new Response(endless), 10_000, 'manifest x'), /manifest x: the answer is longer than the 10000 bytes allowed/);
    assert.ok(pulled < 20, `read ${pulled} chunks`);
  });
  test('refuses a declared length over the cap before reading', async () => {
    const r = new Response(stream(1, 10), { headers: { 'Content-Length': '999999' } });
    await assert.rejects(readLimited(r, 1000, 'm'), /999999 bytes, more than the 1000 allowed/);
  });
});
