// chosctl setup takes the one lock of chos (src/state/lock.ts) at RUNDIR/.locks/setup: it waits
// while a live run holds it, saying so, and takes it over once that run is gone. I/O (root,
// the test run directory).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { CHOSCTL, CONFIG, RUN_DIR, SYSCONFIG, cannotRun, ensureWorld } from './harness.js';
import { runTag } from '../../src/host/processes.js';

const skip = cannotRun();

describe('chosctl setup and the one lock', { skip }, () => {
  before(() => ensureWorld());

  it('waits for a live holder of RUNDIR/.locks/setup, then takes the lock over when it is gone', async () => {
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    const lock = path.join(RUN_DIR, '.locks', 'setup');
    try {
      const tag = runTag(holder.pid ?? 0);
      assert.ok(tag);
      fs.mkdirSync(path.dirname(lock), { recursive: true, mode: 0o700 });
      fs.writeFileSync(lock, `${tag}\n`);
      const setup = spawn(CHOSCTL, ['setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      setup.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      setup.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      const done = new Promise<number | null>((resolve) => setup.on('close', resolve));
      // It says it waits, and does not finish while the holder lives.
      for (let i = 0; i < 200 && !out.includes('waiting'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, new RegExp(`^chosctl: waiting for another chosctl \\(pid ${String(holder.pid)}\\) working on the run directory ${RUN_DIR}$`, 'm'));
      assert.equal(setup.exitCode, null, 'setup is still waiting');
      holder.kill('SIGKILL');
      const status = await done;
      assert.equal(status, 0, out);
      assert.match(out, /^chosctl: took over the lock of the run directory .* from a run that no longer runs$/m);
      assert.equal(fs.existsSync(lock), false, 'setup let the lock go');
    } finally {
      holder.kill('SIGKILL');
      fs.rmSync(lock, { force: true });
    }
  });
});
