// An interactive session on a real terminal: a login shell started by `chos` inside tmux, driven
// by send-keys: TTY, job control (Ctrl-Z, fg), Ctrl-C reaching the command, window resizes. I/O.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHOS, asUser, cannotRun, ensureWorld, run, treeFile, userEnv, requireTools } from './harness.js';

const skip = cannotRun();
const SOCKET = `/tmp/chos-e2e-tmux-${process.pid}.sock`;

function tmux(...args: string[]): string {
  const r = asUser(['tmux', '-S', SOCKET, ...args], { env: userEnv() });
  assert.equal(r.status, 0, `tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'chos');
}

/** Waits until the screen matches, or fails showing what the screen held. */
async function waitFor(pattern: RegExp, what: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    last = screen();
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}; the screen shows:\n${last}`);
}

/**
 * Presses a key until the screen matches: a key pressed before the program it is meant for
 * runs would reach the shell, which ignores it (a slow machine may start `sleep` late).
 */
async function pressUntil(key: string, pattern: RegExp, what: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    tmux('send-keys', '-t', 'chos', key);
    for (let j = 0; j < 5; j++) {
      await new Promise((r) => setTimeout(r, 100));
      last = screen();
      if (pattern.test(last)) return last;
    }
  }
  assert.fail(`timed out waiting for ${what}; the screen shows:\n${last}`);
}

async function type(line: string): Promise<void> {
  tmux('send-keys', '-t', 'chos', '-l', line);
  tmux('send-keys', '-t', 'chos', 'Enter');
}

describe('an interactive login shell on a terminal', { skip }, () => {
  before(() => {
    requireTools('tmux');
    ensureWorld();
    const env = userEnv({ CHOS: 'debian11' });
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    // The session's command line: a clean environment, then chos with no command.
    tmux('new-session', '-d', '-s', 'chos', '-x', '100', '-y', '30', 'env', '-i', ...envArgs, CHOS);
  });
  after(() => {
    asUser(['tmux', '-S', SOCKET, 'kill-server'], { env: userEnv() });
    run('rm', ['-f', SOCKET]);
  });

  it('runs the shell inside the tree, on a pty', async () => {
    await type('echo "[$(cat /etc/debian_version)] [$CHOS]"; tty');
    await waitFor(new RegExp(`\\[${treeFile('bullseye', 'etc/debian_version').trim()}\\] \\[debian11\\]\\n/dev/pts/\\d+`), 'the version and the tty');
  });

  it('suspends a job with Ctrl-Z and resumes it with fg', async () => {
    await type('sleep 300');
    await pressUntil('C-z', /Stopped\s+sleep 300/, 'the job to stop');
    await type('jobs -l | sed "s/^/JOBS: /"');
    await waitFor(/JOBS: \[1\]\+\s+\d+ Stopped\s+sleep 300/, 'jobs to list it');
    await type('fg');
    // fg prints the job's command line alone when it resumes it.
    await waitFor(/^sleep 300\s*$/m, 'fg to resume the job');
    await new Promise((r) => setTimeout(r, 200));
    tmux('send-keys', '-t', 'chos', 'C-c');
    await type('echo "status=$?"; jobs | sed "s/^/LEFT: /"; echo DONE');
    const shown = await waitFor(/^DONE\s*$/m, 'the shell to take commands again');
    assert.match(shown, /^status=130\s*$/m, 'the interrupted job reports 130');
    assert.doesNotMatch(shown, /^LEFT: /m, 'no job is left: Ctrl-C ended the resumed one');
  });

  it('delivers window resizes to the program inside', async () => {
    tmux('resize-window', '-t', 'chos', '-x', '120', '-y', '40');
    await type('echo "size=$(stty size)"');
    await waitFor(/size=40 120/, 'the new size');
  });

  it('ends with the shell\'s exit', async () => {
    await type('exit');
    for (let i = 0; i < 50; i++) {
      if (asUser(['tmux', '-S', SOCKET, 'has-session', '-t', 'chos'], { env: userEnv() }).status !== 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the session did not end after exit');
  });
});
