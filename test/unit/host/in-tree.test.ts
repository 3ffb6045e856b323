// Tests of reading inside a tree: links at every component stay inside, hostile file types are
// refused without being opened, caps hold. I/O on a temporary directory (no root needed).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InTreeError, openInTree, readTextInTree, resolveInTree } from '../../../src/host/in-tree.js';

let base = '';
let tree = '';
let outside = '';

before(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'in-tree-'));
  tree = path.join(base, 'tree');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(tree, 'etc', 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'CANARY-OUTSIDE\n');
  fs.writeFileSync(path.join(tree, 'etc', 'real.conf'), 'inside\n');
  fs.writeFileSync(path.join(tree, 'secret'), 'tree-own-secret\n');
  const L = (target: string, at: string): void => fs.symlinkSync(target, path.join(tree, at));
  L(path.join(outside, 'secret'), 'etc/abs-out'); // last component, absolute host path
  L('../../../../../..' + outside + '/secret', 'etc/rel-out'); // last component, relative
  L(outside, 'etc/dir-out'); // middle component
  L(outside, 'first'); // first component
  L('real.conf', 'etc/chain1');
  L('chain1', 'etc/chain2');
  L('/etc/real.conf', 'etc/abs-in');
  L('loop2', 'etc/loop1');
  L('loop1', 'etc/loop2');
  L('/local' + path.join(outside, 'secret'), 'etc/via-local');
  execFileSync('mkfifo', [path.join(tree, 'etc', 'fifo')]);
  fs.writeFileSync(path.join(tree, 'etc', 'big'), Buffer.alloc(5000, 0x41));
});

after(() => fs.rmSync(base, { recursive: true, force: true }));

const read = (rel: string, extra: { hostFiles?: string[]; maxBytes?: number } = {}): string | undefined =>
  readTextInTree(tree, rel, { maxBytes: extra.maxBytes ?? 4096, hostFiles: extra.hostFiles });

describe('reading inside a tree', () => {
  it('reads a plain file and follows links that stay inside', () => {
    assert.equal(read('etc/real.conf'), 'inside\n');
    assert.equal(read('etc/chain2'), 'inside\n');
    assert.equal(read('/etc/abs-in'), 'inside\n');
  });

  it('resolves an absolute link at the last component inside the tree, never on the host', () => {
    // outside/secret does not exist inside the tree: missing, not the host's file.
    assert.equal(read('etc/abs-out'), undefined);
  });

  it('keeps ".." of a relative link at the tree\'s top', () => {
    assert.equal(read('etc/rel-out'), undefined);
  });

  it('resolves a link in the middle and at the first component inside the tree', () => {
    assert.equal(read('etc/dir-out/secret'), undefined);
    assert.equal(read('first/secret'), undefined);
  });

  it('treats /local/… as a path inside the tree unless that host file is allowed', () => {
    assert.equal(read('etc/via-local'), undefined);
    assert.equal(read('etc/via-local', { hostFiles: [path.join(outside, 'secret')] }), 'CANARY-OUTSIDE\n');
    assert.equal(read('etc/via-local', { hostFiles: ['/etc/other'] }), undefined);
  });

  it('gives up on a loop of links', () => {
    assert.throws(() => read('etc/loop1'), (e: unknown) => e instanceof InTreeError && e.reason === 'too-many-links');
  });

  it('refuses a FIFO without opening it (no hang)', () => {
    assert.throws(() => read('etc/fifo'), (e: unknown) => e instanceof InTreeError && e.reason === 'not-regular');
  });

  it('refuses a directory as a file', () => {
    assert.throws(() => openInTree(tree, 'etc/sub'), (e: unknown) => e instanceof InTreeError && e.reason === 'not-regular');
  });

  it('refuses a file over the cap, or reads its start when asked to truncate', () => {
    assert.throws(() => read('etc/big', { maxBytes: 100 }), (e: unknown) => e instanceof InTreeError && e.reason === 'too-large');
    assert.equal(readTextInTree(tree, 'etc/big', { maxBytes: 10, truncate: true }), 'AAAAAAAAAA');
  });

  it('refuses a path through a file', () => {
    assert.throws(() => read('etc/real.conf/x'), (e: unknown) => e instanceof InTreeError && e.reason === 'not-directory');
  });

  it('resolves without following the last link when asked (lstat)', () => {
    const r = resolveInTree(tree, 'etc/dir-out/x/../../abs-out', { followLast: false });
    // dir-out resolves inside the tree to a missing directory.
    assert.equal(r, undefined);
    const l = resolveInTree(tree, 'etc/abs-out', { followLast: false });
    assert.ok(l?.stat.isSymbolicLink());
    assert.equal(l?.path, path.join(tree, 'etc', 'abs-out'));
    assert.equal(resolveInTree(tree, 'etc/chain2')?.inside, '/etc/real.conf');
  });

  it('names the path, never the content, in its errors', () => {
    try {
      read('etc/big', { maxBytes: 1 });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof InTreeError);
      assert.match(e.message, /"etc\/big"/);
      assert.doesNotMatch(e.message, /AAAA/);
    }
  });
});
