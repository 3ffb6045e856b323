// One source of truth, checked on the sources: the helpers that existed twice (the lock, the
// synchronous sleep, the kernel-version comparison, the `fail` of create/update, the
// /proc/self/fd path of the in-tree reads and the store, the reads of a catalog and of
// source.json) now exist once, and nothing copies them back. I/O (reads src/).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');

function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The files (relative to src/) whose text matches `re`. */
function where(re: RegExp): string[] {
  return sources().filter((f) => re.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(SRC, f)).sort();
}

const cases: ReadonlyArray<readonly [string, RegExp, readonly string[]]> = [
  ['the lock algorithm (a lock file linked into place)', /linkSync\(tmp, /, ['state/lock.ts']],
  ['a lock made with mkdir', /\.setup\.lock|function lock\(runDir[^)]*\)[^{]*\{\n\s*const lockDir/, []],
  ['the synchronous sleep', /Atomics\.wait\(/, ['host/processes.ts']],
  ['the kernel-version comparison', /function (compareKernel|newer)\(/, ['inspect/elf.ts']],
  ['the gathering of a tree\'s facts for checkTree', /\bgatherTree\(/, ['inspect/gather.ts', 'inspect/tree.ts']],
  ['the gathering of a tree\'s facts for planning', /\btreeFacts\(/, ['host/facts.ts', 'inspect/tree.ts']],
  ['the error of a failed step', /new ChosError\('setup-failed', (msg|message), hint/, ['errors.ts']],
  ['the path through an open directory (/proc/self/fd/N/NAME)', /['"`]\/proc\/self\/fd\b/, ['host/fd-path.ts']],
  ['the open of a directory that refuses links', /O_DIRECTORY \| fs\.constants\.O_NOFOLLOW/, ['host/fd-path.ts']],
  ['the read of a generation\'s catalog', /readFileSync\([^;]*'catalog\.json'/, ['state/catalog.ts']],
  ['the place of a created environment\'s record (source.json)', /'source\.json'/, ['images/record.ts']],
];

for (const [what, re, expected] of cases) {
  test(`${what} is written ${expected.length === 0 ? 'nowhere' : expected.length === 1 ? `once, in ${expected[0] ?? ''}` : `only in ${expected.join(' (defined) and ')} (used)`}`, () => {
    assert.deepEqual(where(re), expected);
  });
}
