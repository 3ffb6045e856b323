// Unit tests for the pure parts of src/cli/create-command.ts: which source chosctl create
// builds from its options, and the caps from --max-size and --max-entries. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { importCaps, sourceFromFlags } from '../../../src/cli/create-command.js';
import { ChosError } from '../../../src/errors.js';
import { DEFAULT_CAPS } from '../../../src/images/tar-listing.js';

const usage = (f: () => unknown, message: RegExp): void => {
  assert.throws(f, (e: unknown) => e instanceof ChosError && e.code === 'usage' && message.test(e.message));
};

describe('sourceFromFlags', () => {
  test('--debootstrap with variant and mirror', () => {
    assert.deepEqual(sourceFromFlags({ debootstrap: 'bookworm', variant: 'minbase', mirror: 'http://deb.debian.org/debian' }, '/root'),
      { kind: 'debootstrap', suite: 'bookworm', variant: 'minbase', mirror: 'http://deb.debian.org/debian' });
  });
  test('--mmdebstrap is a debootstrap source with the tool named', () => {
    assert.deepEqual(sourceFromFlags({ mmdebstrap: 'trixie' }, '/root'), { kind: 'debootstrap', suite: 'trixie', tool: 'mmdebstrap' });
  });
  test('--from-tar is made absolute from the current directory', () => {
    assert.deepEqual(sourceFromFlags({ 'from-tar': 'images/site.tar.zst' }, '/srv'), { kind: 'tar', file: '/srv/images/site.tar.zst' });
  });
  test('an absolute --from-tar stays as it is', () => {
    assert.deepEqual(sourceFromFlags({ 'from-tar': '/a/b.tar' }, '/srv'), { kind: 'tar', file: '/a/b.tar' });
  });
  test('--from-oci with --ref', () => {
    assert.deepEqual(sourceFromFlags({ 'from-oci': 'layout', ref: 'v3' }, '/srv'), { kind: 'oci', path: '/srv/layout', ref: 'v3' });
  });
  test('--pull with --insecure and a relative --auth-file', () => {
    assert.deepEqual(sourceFromFlags({ pull: 'reg.example.org:5000/a/b:1', insecure: true, 'auth-file': 'auth.json' }, '/etc/chos.d'),
      { kind: 'pull', ref: 'reg.example.org:5000/a/b:1', insecure: true, authFile: '/etc/chos.d/auth.json' });
  });
  const foreign: ReadonlyArray<[string, Parameters<typeof sourceFromFlags>[0], RegExp]> = [
    ['--variant with --pull', { pull: 'a/b', variant: 'minbase' }, /^--variant applies only with --debootstrap or --mmdebstrap$/],
    ['--mirror with --from-tar', { 'from-tar': 'a.tar', mirror: 'http://m' }, /^--mirror applies only with --debootstrap or --mmdebstrap$/],
    ['--ref with --pull', { pull: 'a/b', ref: 'x' }, /^--ref applies only with --from-oci$/],
    ['--ref with --from-tar', { 'from-tar': 'a.tar', ref: 'x' }, /^--ref applies only with --from-oci$/],
    ['--insecure with --from-oci', { 'from-oci': 'layout', insecure: true }, /^--insecure applies only with --pull$/],
    ['--auth-file with --debootstrap', { debootstrap: 'bookworm', 'auth-file': 'a.json' }, /^--auth-file applies only with --pull$/],
    ['--verify-key with --from-oci', { 'from-oci': 'layout', 'verify-key': 'cosign.pub' }, /^--verify-key applies only with --pull$/],
    ['an empty --variant with --from-oci', { 'from-oci': 'l', variant: '' }, /^--variant applies only/],
  ];
  for (const [what, flags, message] of foreign) {
    test(`an option of another source is a usage error: ${what}`, () => usage(() => sourceFromFlags(flags, '/'), message));
  }
  test('--pull with a relative --verify-key, made absolute', () => {
    assert.deepEqual(sourceFromFlags({ pull: 'a/b:1', 'verify-key': 'keys/cosign.pub' }, '/etc/chos.d'),
      { kind: 'pull', ref: 'a/b:1', verifyKey: '/etc/chos.d/keys/cosign.pub' });
  });
  test('each source takes its own options', () => {
    assert.equal(sourceFromFlags({ mmdebstrap: 'trixie', variant: 'minbase', mirror: 'http://m' }, '/').kind, 'debootstrap');
    assert.equal(sourceFromFlags({ 'from-oci': 'l', ref: 'v1' }, '/').kind, 'oci');
    assert.equal(sourceFromFlags({ pull: 'a/b', insecure: true, 'auth-file': '/a.json' }, '/').kind, 'pull');
  });
  test('no source is a usage error naming all five', () => {
    usage(() => sourceFromFlags({}, '/'), /give exactly one of --debootstrap SUITE, --mmdebstrap SUITE, --from-tar FILE, --from-oci PATH and --pull REF/);
  });
  test('two sources are a usage error', () => {
    usage(() => sourceFromFlags({ debootstrap: 'bookworm', mmdebstrap: 'bookworm' }, '/'), /exactly one/);
    usage(() => sourceFromFlags({ 'from-tar': 'a', pull: 'b' }, '/'), /exactly one/);
  });
  test('an empty value still counts as given', () => {
    usage(() => sourceFromFlags({ 'from-tar': '', pull: 'b' }, '/'), /exactly one/);
  });
});

describe('importCaps', () => {
  test('what create recorded applies where no option is given (update)', () => {
    assert.deepEqual(importCaps(undefined, undefined, { maxBytes: 5, maxEntries: 7 }), { ...DEFAULT_CAPS, maxBytes: 5, maxEntries: 7 });
    assert.deepEqual(importCaps(undefined, undefined, { maxEntries: 7 }), { ...DEFAULT_CAPS, maxEntries: 7 });
  });
  test('an option given wins over what was recorded', () => {
    assert.deepEqual(importCaps('1M', undefined, { maxBytes: 5, maxEntries: 7 }), { ...DEFAULT_CAPS, maxBytes: 2 ** 20, maxEntries: 7 });
    assert.deepEqual(importCaps(undefined, '9', { maxBytes: 5, maxEntries: 7 }), { ...DEFAULT_CAPS, maxBytes: 5, maxEntries: 9 });
  });
  test('without options, the defaults', () => {
    assert.deepEqual(importCaps(undefined, undefined), DEFAULT_CAPS);
  });
  test('--max-size sets the content bytes, keeping the other caps', () => {
    assert.deepEqual(importCaps('20G', undefined), { ...DEFAULT_CAPS, maxBytes: 20 * 2 ** 30 });
  });
  test('--max-entries sets the entries', () => {
    assert.deepEqual(importCaps(undefined, '1000'), { ...DEFAULT_CAPS, maxEntries: 1000 });
  });
  test('both together', () => {
    assert.deepEqual(importCaps('1M', '10'), { ...DEFAULT_CAPS, maxBytes: 2 ** 20, maxEntries: 10 });
  });
  test('a bad size is a usage error naming the option', () => {
    usage(() => importCaps('1x', undefined), /^--max-size: invalid size "1x"/);
  });
  test('a bad count is a usage error naming the option', () => {
    usage(() => importCaps(undefined, '-3'), /^--max-entries: invalid count "-3"/);
  });
});
