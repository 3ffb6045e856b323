// Unit tests for src/images/fetch-error.ts: the reason fetch() failed, read from the chain of
// causes Node's fetch and undici throw. The errors are built the way they arrive (shapes seen
// here with Node 20's fetch and undici 6's EnvHttpProxyAgent). Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFetchError } from '../../../src/images/fetch-error.js';

/** An Error with a code and a cause, as fetch throws them. */
function err(message: string, extra: { code?: unknown; cause?: unknown } = {}): Error {
  const e = new Error(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  if (extra.code !== undefined) (e as Error & { code?: unknown }).code = extra.code;
  return e;
}

describe('describeFetchError', () => {
  test('a refused connection gives its system code', () => {
    const e = err('fetch failed', { cause: err('connect ECONNREFUSED 127.0.0.1:5011', { code: 'ECONNREFUSED' }) });
    assert.deepEqual(describeFetchError(e), { reason: 'ECONNREFUSED' });
  });
  test('an unknown host gives ENOTFOUND', () => {
    const e = err('fetch failed', { cause: err('getaddrinfo ENOTFOUND lab-registry', { code: 'ENOTFOUND' }) });
    assert.deepEqual(describeFetchError(e), { reason: 'ENOTFOUND' });
  });
  test('a proxy that wants credentials: undici\'s message, and a hint', () => {
    // fetch failed → "Request was cancelled." (code 0) → the proxy's answer.
    const e = err('fetch failed', { cause: err('Request was cancelled.', { code: 0, cause: err('Proxy response (407) !== 200 when HTTP Tunneling', { code: 'UND_ERR_ABORTED' }) }) });
    assert.deepEqual(describeFetchError(e), {
      reason: 'Proxy response (407) !== 200 when HTTP Tunneling',
      hint: 'the proxy wants credentials: give them in its URL, http://USER:PASSWORD@HOST:PORT',
    });
  });
  test('a proxy that refuses otherwise: its status in the hint', () => {
    const e = err('fetch failed', { cause: err('Proxy response (403) !== 200 when HTTP Tunneling') });
    assert.equal(describeFetchError(e).hint, 'the proxy refused the connection (403); check HTTP_PROXY, HTTPS_PROXY and NO_PROXY');
  });
  test('undici\'s own codes (UND_ERR_*) are not system codes', () => {
    const e = err('fetch failed', { cause: err('Connect Timeout Error', { code: 'UND_ERR_CONNECT_TIMEOUT' }) });
    assert.deepEqual(describeFetchError(e), { reason: 'Connect Timeout Error' });
  });
  test('a TLS failure gives its code', () => {
    const e = err('fetch failed', { cause: err('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) });
    assert.deepEqual(describeFetchError(e), { reason: 'self-signed certificate' });
  });
  test('a system code deep in the chain wins over messages above it', () => {
    const e = err('fetch failed', { cause: err('socket hang up', { cause: err('read ECONNRESET', { code: 'ECONNRESET' }) }) });
    assert.deepEqual(describeFetchError(e), { reason: 'ECONNRESET' });
  });
  test('with nothing but generic messages, the error\'s own', () => {
    assert.deepEqual(describeFetchError(err('fetch failed')), { reason: 'fetch failed' });
    assert.deepEqual(describeFetchError(err('fetch failed', { cause: err('terminated') })), { reason: 'fetch failed' });
  });
  test('something that is no Error', () => {
    assert.deepEqual(describeFetchError('boom'), { reason: 'boom' });
    assert.deepEqual(describeFetchError(undefined), { reason: 'undefined' });
  });
  test('a cycle of causes ends', () => {
    const a = err('fetch failed');
    const b = err('inner', { cause: a });
    (a as Error & { cause?: unknown }).cause = b;
    assert.deepEqual(describeFetchError(a), { reason: 'inner' });
  });
});
