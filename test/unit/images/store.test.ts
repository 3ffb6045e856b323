// Unit tests for the store's rule on each component of its path (storeComponentProblem in
// src/images/store.ts), and its default place: pure, on made-up stat results.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STORE, STORE_MODE, storeComponentProblem } from '../../../src/images/store.js';

const dir = (uid: number, mode: number): Parameters<typeof storeComponentProblem>[1] => ({ uid, mode: 0o040000 | mode, isSymbolicLink: () => false, isDirectory: () => true });

describe('the store', () => {
  test('the default store is /var/lib/chos/envs', () => {
    assert.equal(DEFAULT_STORE, '/var/lib/chos/envs');
  });
});

describe('storeComponentProblem', () => {
  test('the store is made 0700', () => assert.equal(STORE_MODE, 0o700));
  test('a root-owned 0700 store passes', () => assert.equal(storeComponentProblem('/s', dir(0, 0o700), true), undefined));
  test('a store group or others may enter is refused, even read-only', () => {
    assert.match(storeComponentProblem('/s', dir(0, 0o750), true) ?? '', /mode 0750: group and others must have no access/);
    assert.match(storeComponentProblem('/s', dir(0, 0o701), true) ?? '', /mode 0701/);
  });
  test('a store owned by another user is refused', () => assert.match(storeComponentProblem('/s', dir(1000, 0o700), true) ?? '', /owned by uid 1000, not root/));
  test('a link is refused, at the end or on the way', () => {
    const link = { uid: 0, mode: 0o120777, isSymbolicLink: () => true, isDirectory: () => false };
    assert.match(storeComponentProblem('/s', link, true) ?? '', /is a symbolic link/);
    assert.match(storeComponentProblem('/var', link, false) ?? '', /is a symbolic link/);
  });
  test('a directory on the way: root-owned 0755 passes, writable by others does not, unless sticky', () => {
    assert.equal(storeComponentProblem('/var/lib', dir(0, 0o755), false), undefined);
    assert.match(storeComponentProblem('/var/lib', dir(0, 0o775), false) ?? '', /may be written by others/);
    assert.equal(storeComponentProblem('/var/tmp', dir(0, 0o1777), false), undefined);
    assert.match(storeComponentProblem('/home/u', dir(1000, 0o755), false) ?? '', /owned by uid 1000/);
  });
  test('a file is no directory', () => {
    assert.match(storeComponentProblem('/s', { uid: 0, mode: 0o100600, isSymbolicLink: () => false, isDirectory: () => false }, true) ?? '', /not a directory/);
  });
});
