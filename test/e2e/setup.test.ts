// chosctl setup against real trees: bad configs are refused with file:line and change nothing,
// trees prepared the original way and per-tree chos.conf work, re-running setup does not
// disturb running sessions. Login shells: environment cleaning, argv[0], BASHLOGIN. I/O.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BASE_CONFIG, CHOS, CONFIG, RUN_DIR, TREES, USER, asUser, cannotRun, chos, chosctl, ensureWorld, treeFile,
  userEnv, userInfo, writeConfig,
} from './harness.js';

const skip = cannotRun();
const ORIG = path.join(path.dirname(TREES), 'orig-style');

function generation(): string {
  return fs.readlinkSync(path.join(RUN_DIR, 'current'));
}

/** A hard-linked copy of bullseye prepared the original CHOS way, with its own chos.conf. */
function ensureOrigTree(): void {
  if (fs.existsSync(path.join(ORIG, '.ready'))) return;
  fs.rmSync(ORIG, { recursive: true, force: true });
  // Each file changed below is unlinked first, so the cached tree is never modified.
  assert.equal(spawnSync('cp', ['-al', path.join(TREES, 'bullseye'), ORIG]).status, 0);
  for (const f of ['passwd', 'group', 'nsswitch.conf']) {
    fs.rmSync(path.join(ORIG, 'etc', f));
    fs.symlinkSync(`/local/etc/${f}`, path.join(ORIG, 'etc', f));
  }
  fs.writeFileSync(path.join(ORIG, 'etc', 'chos.conf'), '# kept by login shells\n%ENV\nCHOS USER HOME\nTERM SITE_VAR\n%BEH\nBASHLOGIN\n');
  fs.writeFileSync(path.join(ORIG, '.ready'), '');
}

describe('chosctl setup refuses bad configuration and changes nothing', { skip }, () => {
  before(() => ensureWorld());
  after(() => {
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
  });

  const refused = (config: string, pattern: RegExp): void => {
    const gen = generation();
    writeConfig(config);
    const r = chosctl(['setup']);
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(generation(), gen, 'the published generation must not change');
    assert.equal(fs.readdirSync(RUN_DIR).filter((n) => n.startsWith('gen-')).length <= 2, true);
  };

  it('names file and line of a line without ":"', () => {
    refused('%SHELLS\ndebian11 /srv/x\n', new RegExp(`^chosctl: error: ${CONFIG}:2: expected "name:path", found "debian11 /srv/x"`));
  });

  it('names a tree that does not exist', () => {
    refused('%SHELLS\n# c\nold:/srv/no-such-tree\n', new RegExp(`^chosctl: error: ${CONFIG}:3: tree of "old" does not exist: /srv/no-such-tree`));
  });

  it('reports every tree\'s problems at once: a missing tree, a bad chos.conf and a tree others may write', () => {
    const bad = path.join(path.dirname(TREES), 'bad-conf-tree');
    const open = path.join(path.dirname(TREES), 'open-tree');
    try {
      for (const d of [bad, open]) fs.mkdirSync(path.join(d, 'etc'), { recursive: true, mode: 0o755 });
      fs.writeFileSync(path.join(bad, 'etc', 'chos.conf'), '%ENV\nFINE 9bad\n');
      fs.chmodSync(open, 0o777);
      refused(`%SHELLS\nold:/srv/no-such-tree\nbadconf:${bad}\nopen:${open}\n`, /(?:)/);
      const r = chosctl(['setup']);
      assert.match(r.stderr, new RegExp(`^chosctl: error: ${CONFIG}:2: tree of "old" does not exist: /srv/no-such-tree$`, 'm'));
      assert.match(r.stderr, new RegExp(`^chosctl: error: ${bad}/etc/chos.conf:2: %ENV: word 2 is not a variable name$`, 'm'));
      assert.match(r.stderr, new RegExp(`^chosctl: error: ${CONFIG}:4: tree of "open": ${open} is writable by everyone \\(mode 0777\\)$`, 'm'));
      assert.match(r.stderr, /^hint: nothing was changed; fix the problems above/m);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
      fs.rmSync(open, { recursive: true, force: true });
    }
  });

  it('refuses a config file not owned by root', () => {
    writeConfig(BASE_CONFIG);
    fs.chownSync(CONFIG, userInfo().uid, userInfo().gid);
    const gen = generation();
    const r = chosctl(['setup']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, new RegExp(`^chosctl: error: ${CONFIG}: owned by uid ${userInfo().uid}, not by root`));
    assert.equal(generation(), gen);
  });

  it('refuses a config file others may write', () => {
    writeConfig(BASE_CONFIG);
    fs.chmodSync(CONFIG, 0o666);
    const r = chosctl(['setup']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chosctl: error: \S+: writable by everyone \(mode 0666\)\nhint: run: chmod go-w/);
  });

  it('refuses a missing config file with a hint', () => {
    const r = spawnSync(path.join(path.dirname(CHOS), 'chosctl'), ['setup', '--config', '/nonexistent/chos', '--run-dir', RUN_DIR], { encoding: 'utf8' });
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chosctl: error: \/nonexistent\/chos: does not exist\nhint: create it/);
  });

  it('is refused to a normal user', () => {
    const r = asUser([path.join(path.dirname(CHOS), 'chosctl'), 'setup', '--config', CONFIG, '--run-dir', RUN_DIR]);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chosctl: error: chosctl setup must run as root/);
  });
});

describe('trees and login shells', { skip }, () => {
  before(() => {
    ensureWorld();
    ensureOrigTree();
    writeConfig(`${BASE_CONFIG}\n%SHELLS\norig:${ORIG}\n`);
    const r = chosctl(['setup']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => {
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
  });

  it('runs a tree whose identity files are symlinks into /local, as the original required', () => {
    const r = chos(['sh', '-c', 'readlink /etc/passwd; id -un; cat /etc/debian_version'], { env: userEnv({ CHOS: 'orig' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `/local/etc/passwd\n${USER}\n${treeFile('bullseye', 'etc/debian_version')}`);
  });

  it('starts the login shell with the environment cleaned to the default %ENV list and PATH reset', () => {
    const r = chos([], {
      env: userEnv({ CHOS: 'debian12', FOO: 'must-go', DISPLAY: ':7', PATH: '/evil/bin:/usr/bin:/bin' }),
      input: 'echo "0=$0 CHOS=$CHOS FOO=${FOO-unset} DISPLAY=$DISPLAY HOME=$HOME"; echo "PATH=$PATH"; shopt -q login_shell && echo login\n',
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], `0=-bash CHOS=debian12 FOO=unset DISPLAY=:7 HOME=${userInfo().home}`);
    assert.doesNotMatch(lines[1] ?? '', /evil/);
    assert.match(lines[1] ?? '', /^PATH=.*\/usr\/bin/);
    assert.equal(lines[2], 'login');
  });

  it('honours a tree\'s own %ENV list and BASHLOGIN', () => {
    const r = chos([], {
      env: userEnv({ CHOS: 'orig', SITE_VAR: 'kept', DISPLAY: ':7' }),
      input: 'echo "0=$0 SITE_VAR=$SITE_VAR DISPLAY=${DISPLAY-unset}"; shopt -q login_shell && echo login\n',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '0=/bin/bash SITE_VAR=kept DISPLAY=unset\nlogin\n');
  });

  it('returns the login shell\'s exit status', () => {
    assert.equal(chos([], { env: userEnv({ CHOS: 'debian11' }), input: 'exit 7\n' }).status, 7);
  });

  it('starts a login shell on the host with CHOS=root', () => {
    const r = chos([], { env: userEnv({ CHOS: 'root', FOO: 'x' }), input: 'echo "$0 $CHOS ${FOO-unset} $HOME $TERM"; cat /etc/debian_version\n' });
    assert.equal(r.stdout, `-bash root unset ${userInfo().home} xterm\n${fs.readFileSync('/etc/debian_version', 'utf8')}`);
  });
});

describe('re-running setup', { skip }, () => {
  before(() => ensureWorld());

  it('leaves a running session working and shows new entries the new config', async () => {
    const session = spawn('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
      ...Object.entries(userEnv({ CHOS: 'debian11' })).map(([k, v]) => `${k}=${v}`),
      CHOS, 'sh', '-c', 'echo ready; read go; cat /etc/debian_version; ls /usr/bin | wc -l'], { cwd: '/tmp' });
    let out = '';
    session.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const done = new Promise<number | null>((resolve) => session.on('close', resolve));
    const before = generation();
    try {
      for (let i = 0; i < 600 && out !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(out, 'ready\n', 'the session started');
      // Twice: the session's generation is then neither current nor previous, only in use.
      // (The session waits for the test's word, so it outlasts both setups on any machine.)
      writeConfig(BASE_CONFIG.replace('default:debian12', 'default:debian13'));
      assert.equal(chosctl(['setup']).status, 0);
      writeConfig(BASE_CONFIG.replace('default:debian12', 'default:debian11'));
      assert.equal(chosctl(['setup']).status, 0);
      assert.notEqual(generation(), before);
      assert.equal(fs.existsSync(path.join(RUN_DIR, before)), true, 'a generation in use is kept');
      const fresh = chos(['cat', '/etc/debian_version']);
      assert.equal(fresh.stdout, treeFile('bullseye', 'etc/debian_version'));
      session.stdin.end('go\n');
      assert.equal(await done, 0);
      assert.match(out, new RegExp(`^ready\\n${treeFile('bullseye', 'etc/debian_version').trim()}\\n[1-9][0-9]+\\n$`));
    } finally {
      if (!session.stdin.writableEnded) session.stdin.end();
    }
    // Now that the session has ended, two more setups remove its generation.
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
    assert.equal(chosctl(['setup']).status, 0);
    assert.equal(fs.existsSync(path.join(RUN_DIR, before)), false, 'an unused old generation is removed');
  });
});

describe('publishing is atomic', { skip }, () => {
  before(() => ensureWorld());

  it('never fails or shows a mix to entries running while setup runs again and again', async () => {
    const expected = `${treeFile('bullseye', 'etc/debian_version').trim()} ${USER} /usr/local/bin/chos`;
    const loop = `for i in $(seq 150); do ${CHOS} sh -c 'echo "$(cat /etc/debian_version) $(id -un) $(ls /usr/local/bin/chos)"' || echo "FAILED $?"; done`;
    const entries = spawn('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
      ...Object.entries(userEnv({ CHOS: 'debian11' })).map(([k, v]) => `${k}=${v}`), 'sh', '-c', loop], { cwd: '/tmp' });
    let out = '';
    let err = '';
    entries.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    entries.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const done = new Promise<number | null>((resolve) => entries.on('close', resolve));
    let setups = 0;
    while (entries.exitCode === null && setups < 40) {
      const variant = setups % 2 === 0 ? 'default:debian13' : 'default:debian12';
      writeConfig(BASE_CONFIG.replace('default:debian12', variant));
      const r = chosctl(['setup']);
      assert.equal(r.status, 0, r.stderr);
      setups++;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await done, 0);
    const lines = out.trim().split('\n');
    assert.equal(err, '');
    assert.equal(lines.length, 150);
    assert.deepEqual(lines.filter((l) => l !== expected), []);
    assert.ok(setups >= 3, `setup ran ${setups} times during the entries`);
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
  });
});

describe('hosts where the kernel refuses user namespaces', { skip }, () => {
  before(() => ensureWorld());

  it('fail with status 125 and say which setting to change (user.max_user_namespaces = 0)', (t) => {
    const knob = '/proc/sys/user/max_user_namespaces';
    const saved = fs.readFileSync(knob, 'utf8');
    try {
      fs.writeFileSync(knob, '0');
    } catch (e) {
      t.skip(`this machine does not let root change ${knob} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return;
    }
    let r;
    try {
      r = chos(['true'], { env: userEnv({ CHOS: 'debian11' }) });
    } finally {
      fs.writeFileSync(knob, saved);
    }
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chos: error: user namespaces are disabled on this host \(user\.max_user_namespaces = 0\)\nhint: /);
    assert.equal(chos(['true'], { env: userEnv({ CHOS: 'debian11' }) }).status, 0);
  });

  it('check the setting before entering (0 shown through a bind mount in a private mount namespace)', () => {
    const zero = `/tmp/chos-e2e-zero-${process.pid}`;
    fs.writeFileSync(zero, '0\n', { mode: 0o644 });
    const env = Object.entries(userEnv({ CHOS: 'debian11' })).map(([k, v]) => `${k}=${v}`);
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
      `mount --bind ${zero} /proc/sys/user/max_user_namespaces && exec setpriv --reuid ${USER} --regid ${USER} --init-groups -- env -i "$@"`,
      'sh', ...env, CHOS, 'true'], { encoding: 'utf8', cwd: '/tmp' });
    fs.rmSync(zero);
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, /^chos: error: user namespaces are disabled on this host \(user\.max_user_namespaces = 0\)\nhint: .*sysctl/);
  });
});
