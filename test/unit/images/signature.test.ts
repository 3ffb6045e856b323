// Unit tests for src/images/signature.ts: cosign's signature tag, the signed payloads a
// signature manifest lists, what a payload must say, and checking a signature with a public
// key. Keys are made here with node:crypto (ECDSA P-256 as cosign makes them, RSA, Ed25519).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import {
  SIGNATURE_ANNOTATION, SIMPLE_SIGNING, payloadProblem, readPublicKey, signatureLayers, signatureTag, signatureValid,
} from '../../../src/images/signature.js';

const DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const OTHER = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';

function payloadFor(digest: unknown, type: unknown = 'cosign container image signature'): string {
  return JSON.stringify({ critical: { identity: { 'docker-reference': 'reg.example.org/team/img' }, image: { 'docker-manifest-digest': digest }, type }, optional: null });
}

describe('signatureTag', () => {
  test('sha256:HEX is stored under sha256-HEX.sig', () => {
    assert.equal(signatureTag(DIGEST), 'sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.sig');
  });
});

describe('signatureLayers', () => {
  const layer = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    mediaType: SIMPLE_SIGNING, digest: DIGEST, size: 200, annotations: { [SIGNATURE_ANNOTATION]: 'MEUCIQ==' }, ...over,
  });
  test('the simple-signing layers with a signature', () => {
    assert.deepEqual(signatureLayers(JSON.stringify({ layers: [layer(), layer({ digest: OTHER, size: 5 })] })), [
      { digest: DIGEST, size: 200, signature: 'MEUCIQ==' },
      { digest: OTHER, size: 5, signature: 'MEUCIQ==' },
    ]);
  });
  test('other layers are passed over', () => {
    const m = { layers: [layer({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }), layer({ annotations: {} }), layer({ annotations: null }),
      layer({ size: '200' }), layer({ digest: 5 }), layer({ annotations: { [SIGNATURE_ANNOTATION]: 7 } }), null, 'x', layer()] };
    assert.deepEqual(signatureLayers(JSON.stringify(m)), [{ digest: DIGEST, size: 200, signature: 'MEUCIQ==' }]);
  });
  test('a manifest without layers, or not JSON, is an error', () => {
    assert.deepEqual(signatureLayers('{}'), { error: 'the signature manifest has no layers' });
    assert.deepEqual(signatureLayers('null'), { error: 'the signature manifest has no layers' });
    assert.deepEqual(signatureLayers('{"layers":{}}'), { error: 'the signature manifest has no layers' });
    assert.deepEqual(signatureLayers('<html>'), { error: 'the signature manifest is not JSON' });
  });
  test('no signed layer at all is an empty list', () => {
    assert.deepEqual(signatureLayers('{"layers":[]}'), []);
  });
});

describe('payloadProblem', () => {
  test('a payload naming the digest vouches for it', () => {
    assert.equal(payloadProblem(payloadFor(DIGEST), DIGEST), undefined);
  });
  const bad: ReadonlyArray<[string, string, string]> = [
    ['another digest', payloadFor(OTHER), `the signature is for ${OTHER}, not ${DIGEST}`],
    ['no digest', payloadFor(undefined), `the signature is for no digest, not ${DIGEST}`],
    ['a digest that is no string', payloadFor(5), `the signature is for no digest, not ${DIGEST}`],
    ['another type', payloadFor(DIGEST, 'atomic container signature'), 'the signed payload is of type "atomic container signature", not "cosign container image signature"'],
    ['no critical section', '{"optional":{}}', 'the signed payload has no "critical" section'],
    ['null', 'null', 'the signed payload has no "critical" section'],
    ['not JSON', 'sha256:…', 'the signed payload is not JSON'],
  ];
  for (const [what, payload, why] of bad) {
    test(`${what}: refused`, () => assert.equal(payloadProblem(payload, DIGEST), why));
  }
});

describe('readPublicKey and signatureValid', () => {
  const pairs: ReadonlyArray<[string, { publicKey: KeyObject; privateKey: KeyObject }]> = [
    ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['RSA', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['Ed25519', generateKeyPairSync('ed25519')],
  ];
  const payload = Buffer.from(payloadFor(DIGEST));
  for (const [what, { publicKey, privateKey }] of pairs) {
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signature = sign(what === 'Ed25519' ? null : 'sha256', payload, privateKey).toString('base64');
    test(`${what}: its signature verifies with its public key`, () => {
      const key = readPublicKey(pem);
      assert.ok(!('error' in key));
      assert.equal(signatureValid(key as KeyObject, payload, signature), true);
    });
    test(`${what}: a changed payload does not verify`, () => {
      const changed = Buffer.from(payloadFor(OTHER));
      assert.equal(signatureValid(readPublicKey(pem) as KeyObject, changed, signature), false);
    });
  }
  test('a signature by another key does not verify', () => {
    const [, a] = pairs[0] ?? [];
    const b = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const signature = sign('sha256', payload, b.privateKey).toString('base64');
    assert.equal(signatureValid(a?.publicKey as KeyObject, payload, signature), false);
  });
  test('a signature that is not base64, or not a signature, does not verify', () => {
    const key = pairs[0]?.[1].publicKey as KeyObject;
    assert.equal(signatureValid(key, payload, 'not base64!'), false);
    assert.equal(signatureValid(key, payload, ''), false);
    assert.equal(signatureValid(key, payload, Buffer.from('short').toString('base64')), false);
  });
  test('a private key gives its public half; garbage or an empty file is no key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // createPublicKey derives the public half of an unencrypted private key.
    assert.ok(!('error' in readPublicKey(priv)));
    assert.deepEqual(readPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), { error: 'not a public key in PEM format' });
    assert.deepEqual(readPublicKey(''), { error: 'not a public key in PEM format' });
  });
  test('a DSA or X25519 key is refused by name', () => {
    const x = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.deepEqual(readPublicKey(x), { error: 'a x25519 key; expected ECDSA, RSA or Ed25519' });
  });
});
