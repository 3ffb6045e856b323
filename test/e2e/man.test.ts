// The man pages: every page in man/ is installed by npm (package.json "man"), and each renders
// with man-db without a warning. I/O (reads the checkout, runs man).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO, requireTools } from './harness.js';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { man?: string[]; files?: string[] };

describe('man pages', () => {
  before(() => requireTools('man'));

  it('package.json installs every page in man/, including chos(1), chosctl(8) and chos(5)', () => {
    const pages = fs.readdirSync(path.join(REPO, 'man')).filter((f) => /\.[1-8]$/.test(f)).map((f) => `man/${f}`).sort();
    assert.deepEqual([...(pkg.man ?? [])].sort(), pages);
    for (const p of ['man/chos.1', 'man/chosctl.8', 'man/chos.5']) assert.ok(pages.includes(p), p);
    assert.ok(pkg.files?.includes('man'), 'the pages are in the package');
  });

  for (const page of pkg.man ?? []) {
    it(`${page} renders without warnings`, () => {
      const r = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', path.join(REPO, page)], {
        encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /NAME/);
    });
  }
});
