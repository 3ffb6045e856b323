// Unit tests for src/state/lock.ts, the one lock of chos (setup and the image store): taken
// and let go, waited for while a live run holds it, taken over from a dead run, given up on
// after a timeout with a message naming the holder. I/O (temporary files, child processes).

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChosError } from '../../../src/errors.js';
import { ownTag, runTag } from '../../../src/host/processes.js';
import { lockName, lockPath } from '../../../src/images/lock.js';
import { takeLock } from '../../../src/state/lock.js';

describe('takeLock', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chos-lock-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('creates its directory, holds this run\'s tag while held and is gone when let go', () => {
    const file = path.join(dir, 'a', '.locks', 'setup');
    const release = takeLock(file, { what: 'setup' });
    assert.equal(fs.readFileSync(file, 'utf8'), `${ownTag()}\n`);
    assert.equal((fs.statSync(path.dirname(file)).mode & 0o777), 0o700);
    release();
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), [], 'no temporary file is left');
  });

  test('a lock held by a live run is waited for, said once, and given up after the timeout naming the holder', () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid ?? 0;
      const tag = runTag(pid);
      assert.ok(tag, 'the child has a tag');
      const file = path.join(dir, 'held');
      fs.writeFileSync(file, `${tag}\n`);
      const lines: string[] = [];
      assert.throws(
        () => takeLock(file, { what: 'the run directory /run/x', log: (l) => lines.push(l), timeoutMs: 400 }),
        (e: unknown) => {
          assert.ok(e instanceof ChosError);
          assert.equal(e.message, `another chosctl (pid ${pid}) still holds the lock of the run directory /run/x (${file})`);
          assert.equal(e.hint, `wait for it to finish, or stop it (kill ${pid})`);
          return true;
        },
      );
      assert.deepEqual(lines, [`waiting for another chosctl (pid ${pid}) working on the run directory /run/x`]);
      assert.equal(fs.readFileSync(file, 'utf8'), `${tag}\n`, 'the holder keeps it');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a lock left by a run that no longer runs is taken over', () => {
    const r = spawnSync('sh', ['-c', 'echo $$.$(cut -d" " -f22 /proc/$$/stat)'], { encoding: 'utf8' });
    const deadTag = r.stdout.trim();
    const file = path.join(dir, 'stale');
    fs.writeFileSync(file, `${deadTag}\n`);
    const lines: string[] = [];
    const release = takeLock(file, { what: '"debian12"', log: (l) => lines.push(l) });
    assert.equal(fs.readFileSync(file, 'utf8'), `${ownTag()}\n`);
    assert.deepEqual(lines, ['took over the lock of "debian12" from a run that no longer runs']);
    release();
  });

  test('the image store\'s lock of NAME is this lock, at STORE/.locks/NAME', () => {
    const release = lockName(dir, 'el9', () => {});
    assert.equal(lockPath(dir, 'el9'), path.join(dir, '.locks', 'el9'));
    assert.equal(fs.readFileSync(path.join(dir, '.locks', 'el9'), 'utf8'), `${ownTag()}\n`);
    // Held by this run: taking it again returns at once, and letting that go keeps it.
    takeLock(path.join(dir, '.locks', 'el9'), { what: 'x', timeoutMs: 0 })();
    assert.equal(fs.existsSync(path.join(dir, '.locks', 'el9')), true);
    release();
    assert.equal(fs.existsSync(path.join(dir, '.locks', 'el9')), false);
  });
});
