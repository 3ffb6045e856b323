// Tests of how setup and check read a hostile tree (src/host/facts.ts, src/inspect/tree.ts, src/prepare/tree-safety.ts): links at any
// component stay inside, only /local/etc/chos.conf reaches the host, nothing read is quoted,
// FIFOs are not opened, paths root mounts on may hold no link, who may write a tree.
// I/O on a temporary directory (no root needed).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prettyName, readTreeConf, readTreeText, treeFacts } from '../../../src/host/facts.js';
import { treePathsOf, verifyTreePaths } from '../../../src/prepare/tree-safety.js';
import { treeOwnershipProblems } from '../../../src/inspect/tree.js';
import { ChosError } from '../../../src/errors.js';

let base = '';
let tree = '';
let secretDir = '';
const CANARY = 'canary-9f3b1c';

before(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tree-reads-'));
  tree = path.join(base, 'tree');
  secretDir = path.join(base, 'secret');
  fs.mkdirSync(path.join(tree, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'usr/local/bin'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'site'), { recursive: true });
  fs.mkdirSync(secretDir);
  fs.writeFileSync(path.join(secretDir, 'chos.conf'), `${CANARY}\n%ENV\n${CANARY}-x\n`);
  fs.writeFileSync(path.join(secretDir, 'os-release'), `PRETTY_NAME="${CANARY}"\n`);
});
after(() => fs.rmSync(base, { recursive: true, force: true }));

function plant(rel: string, target: string): void {
  fs.rmSync(path.join(tree, rel), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(tree, rel));
}

describe('readTreeConf and prettyName on hostile links', () => {
  for (const [what, target] of [
    ['an absolute link through /local', `/local${secretDir}/chos.conf`],
    ['an absolute link', `${secretDir}/chos.conf`],
    ['a relative link climbing out', `${'../'.repeat(20)}${secretDir.slice(1)}/chos.conf`],
  ] as const) {
    it(`etc/chos.conf as ${what} reads nothing of the outside file`, () => {
      plant('etc/chos.conf', target);
      const c = readTreeConf(tree);
      assert.ok(!JSON.stringify(c).includes(CANARY));
      assert.equal(c.diagnostics.length, 0);
    });
  }
  it('a link in the middle (etc/x -> the outside directory) stays inside', () => {
    plant('etc/x', secretDir);
    plant('etc/chos.conf', 'x/chos.conf');
    assert.ok(!JSON.stringify(readTreeConf(tree)).includes(CANARY));
    plant('etc/os-release', 'x/os-release');
    assert.equal(prettyName(tree), undefined);
    fs.rmSync(path.join(tree, 'etc/x'));
  });
  it('a FIFO as chos.conf is a warning naming why, and is not opened', () => {
    fs.rmSync(path.join(tree, 'etc/chos.conf'), { force: true });
    execFileSync('mkfifo', [path.join(tree, 'etc/chos.conf')]);
    const c = readTreeConf(tree);
    assert.equal(c.diagnostics.length, 1);
    assert.match(c.diagnostics[0]?.message ?? '', /not a regular file.*defaults apply/);
    fs.rmSync(path.join(tree, 'etc/chos.conf'));
  });
  it('a file larger than the cap is refused, not read', () => {
    const p = path.join(tree, 'etc/chos.conf');
    fs.writeFileSync(p, '');
    fs.truncateSync(p, 3 * 1024 ** 3);
    assert.match(readTreeText(tree, 'etc/chos.conf').problem ?? '', /larger/);
    fs.rmSync(p);
  });
  it('PRETTY_NAME is cut to 200 characters', () => {
    fs.rmSync(path.join(tree, 'etc/os-release'), { force: true });
    fs.writeFileSync(path.join(tree, 'etc/os-release'), `PRETTY_NAME="${'x'.repeat(5000)}"\n`);
    assert.equal(prettyName(tree)?.length, 200);
  });
});

describe('treeFacts and mount paths', () => {
  it('a nested directory reached through a link is not a directory to mount on', () => {
    plant('site/sub', secretDir);
    assert.equal(treeFacts(tree, ['/site/sub']).nestedDirs['/site/sub'], false);
  });
  it('verifyTreePaths refuses a link at the last or a middle component, accepts real directories', () => {
    assert.doesNotThrow(() => verifyTreePaths('t', tree, ['usr/local/bin', 'etc']));
    assert.throws(() => verifyTreePaths('t', tree, ['site/sub']), ChosError);
    plant('usr/local', secretDir);
    assert.throws(() => verifyTreePaths('t', tree, ['usr/local/bin']), ChosError);
    fs.rmSync(path.join(tree, 'usr/local'));
    fs.mkdirSync(path.join(tree, 'usr/local/bin'), { recursive: true });
  });
  it('treePathsOf lists sources in the tree and targets inside directories bound from it', () => {
    const root = '/run/x/roots/t';
    const got = treePathsOf([
      { op: 'bind', src: `${tree}/usr`, dst: `${root}/usr`, recursive: false, readOnly: true },
      { op: 'overlay', lower: ['/layers/u', `${tree}/usr/local/bin`], dst: `${root}/usr/local/bin` },
      { op: 'bind', src: `${tree}/site`, dst: `${root}/site`, recursive: false, readOnly: true },
      { op: 'bind', src: '/site/sub', dst: `${root}/site/sub`, recursive: true, readOnly: false },
      { op: 'bind', src: '/proc', dst: `${root}/proc`, recursive: true, readOnly: false },
    ], tree, root);
    assert.deepEqual(got, ['site', 'site/sub', 'usr', 'usr/local/bin']);
  });
  it('treeOwnershipProblems names a top-level directory others can write', () => {
    fs.chmodSync(path.join(tree, 'usr'), 0o777);
    const uid = process.getuid?.() ?? 0;
    const got = treeOwnershipProblems(tree);
    assert.ok(got.some((p) => p === `${tree}/usr is writable by everyone (mode 0777)`), got.join('\n'));
    if (uid !== 0) assert.ok(got.some((p) => p.startsWith(`${tree} is owned by uid ${uid}`)));
    fs.chmodSync(path.join(tree, 'usr'), 0o755);
  });
});
