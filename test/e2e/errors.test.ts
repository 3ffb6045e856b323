// The one error boundary of chos and chosctl, for real: a closed standard output ends the
// command quietly (status 141); a full, read-only or immutable run directory is one
// `chosctl: error:` line naming the path, a hint, status 125, no stack, nothing left half-done.
// I/O (root mounts small tmpfs file systems; chos runs as the unprivileged test user).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHOS, CHOSCTL, CONFIG, RUN_DIR, SYSCONFIG, WORLD, asUser, cannotRun, ensureWorld, must, userEnv } from './harness.js';

const skip = cannotRun();
// Runs argv with standard output a pipe whose reading end is already closed (no race). Perl
// is part of every Debian system (perl-base is essential).
const CLOSED_STDOUT = ['perl', '-e', 'pipe(my $r, my $w) or die; close($r); open(STDOUT, ">&", $w) or die; close($w); exec(@ARGV) or die', '--'];

describe('closed pipes end quietly', { skip }, () => {
  before(() => ensureWorld());

  it('chos --list into a closed pipe: status 141 and nothing on stderr', () => {
    const r = asUser([...CLOSED_STDOUT, CHOS, '--list']);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 141);
  });

  const withConfig = (...a: string[]): string[] => [...a, '--config', CONFIG, '--sysconfig', SYSCONFIG, ...(a[0] === 'status' ? ['--run-dir', RUN_DIR] : [])];
  for (const args of [withConfig('status'), ['--help'], withConfig('check'), withConfig('list')]) {
    it(`chosctl ${args[0] ?? ''} into a closed pipe: status 141 and nothing on stderr`, () => {
      const r = spawnSync(CLOSED_STDOUT[0] ?? '', [...CLOSED_STDOUT.slice(1), CHOSCTL, ...args], { encoding: 'utf8' });
      assert.equal(r.stderr, '');
      assert.equal(r.status, 141);
    });
  }

  it('chosctl status | head -1, as a shell runs it: the first line, nothing on stderr, 0 or 141', () => {
    const r = spawnSync('bash', ['-c', `${CHOSCTL} status --config ${CONFIG} --sysconfig ${SYSCONFIG} --run-dir ${RUN_DIR} | head -1; echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^set up .*\nstatus (0|141)\n$/);
  });
});

describe('system errors name the path', { skip }, () => {
  const RUN = path.join('/run', `chos-e2e-errors-${path.basename(WORLD)}`);
  before(() => {
    ensureWorld();
    fs.mkdirSync(RUN, { recursive: true });
  });
  const unmount = (): void => {
    spawnSync('chattr', ['-i', RUN]);
    while (spawnSync('mountpoint', ['-q', RUN]).status === 0) must('umount', [RUN]);
  };
  after(() => {
    unmount();
    // A mount namespace made meanwhile (any chos entry copies the mount table) can keep the
    // directory busy for a moment: detach lazily and try again rather than fail on cleanup.
    try {
      fs.rmSync(RUN, { recursive: true, force: true });
    } catch {
      spawnSync('umount', ['-l', RUN]);
      fs.rmSync(RUN, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }
  });

  const setup = (): { status: number | null; stderr: string; stdout: string } =>
    spawnSync(CHOSCTL, ['setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN], { encoding: 'utf8' });
  const nothingHalfDone = (): void => {
    const left = fs.readdirSync(RUN).filter((n) => n.startsWith('gen-') || n === 'current' || n.startsWith('.current'));
    assert.deepEqual(left, [], 'no generation and no current link left');
    assert.equal(fs.existsSync(path.join(RUN, '.locks', 'setup')), false, 'the lock is let go');
  };

  it('a full run directory (ENOSPC): the file that did not fit, a hint, status 125, nothing half-done', () => {
    unmount();
    must('mount', ['-t', 'tmpfs', '-o', 'size=8k,mode=0755', 'chos-e2e-full', RUN]);
    const r = setup();
    assert.equal(r.status, 125, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`^chosctl: error: cannot write ${RUN}/gen-[^/]+/\\S+: no space left on device \\(ENOSPC\\)\\nhint: the file system is full: free some space where ${RUN}/\\S+ is \\(df -h\\)\\n$`));
    nothingHalfDone();
  });

  it('a read-only run directory (EROFS): the directory it could not create, status 125', () => {
    unmount();
    must('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'chos-e2e-ro', RUN]);
    const r = setup();
    assert.equal(r.status, 125);
    assert.equal(r.stderr, `chosctl: error: cannot create ${RUN}/.locks: read-only file system (EROFS)\nhint: that file system is mounted read-only\n`);
  });

  it('an immutable run directory (EPERM, even for root): the path and a hint, status 125', () => {
    unmount();
    must('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'chos-e2e-immutable', RUN]);
    must('chattr', ['+i', RUN]);
    const r = setup();
    assert.equal(r.status, 125);
    assert.equal(r.stderr, `chosctl: error: cannot create ${RUN}/.locks: operation not permitted (EPERM)\nhint: run it as root, or check the owner, mode and attributes (lsattr) of that path and the directories above it\n`);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  });

  it('standard output on a full file system (ENOSPC): named as standard output, status 125', () => {
    unmount();
    must('mount', ['-t', 'tmpfs', '-o', 'size=4k,mode=0777', 'chos-e2e-out', RUN]);
    // Fill it, then write the list into it, as the test user.
    fs.writeFileSync(path.join(RUN, 'filler'), Buffer.alloc(4096));
    const r = asUser(['sh', '-c', `"$1" --list > "$2/list"`, 'sh', CHOS, RUN], { env: userEnv() });
    assert.equal(r.status, 125, r.stderr);
    assert.equal(r.stderr, 'chos: error: cannot write standard output: no space left on device (ENOSPC)\nhint: the file system is full: free some space where standard output is (df -h)\n');
  });
});
