// chosctl check / doctor and chos --doctor against real trees and deliberately broken copies of
// them, made here: a libc demanding a kernel newer than the running one (its ELF ABI note
// rewritten), no /bin/sh, a tree that is a symlink, a world-writable tree, etc/passwd pointing
// at /etc/shadow; a config owned by a user; user namespaces shown as disabled. I/O.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BASE_CONFIG, CHOS, CHOSCTL, CONFIG, RUN_DIR, SITE_DIR, SYSCONFIG, TREES, USER, cannotRun, chos, chosctl, ensureWorld, userEnv, userInfo,
  writeConfig,
} from './harness.js';

const skip = cannotRun();
/** setup refuses the world-writable tree unless the administrator accepts it (UNSAFE_TREES). */
const BROKEN_SYSCONFIG = `BINDMOUNT="${SITE_DIR}"\nUNSAFE_TREES="writable"\n`;
const BROKEN = path.join(path.dirname(TREES), 'broken');
const SOURCE = path.join(TREES, 'bookworm');

/** A cheap copy of bookworm: hard links, so every file changed here is replaced, never written. */
function copyTree(name: string): string {
  const dest = path.join(BROKEN, name);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(BROKEN, { recursive: true, mode: 0o755 });
  assert.equal(spawnSync('cp', ['-al', SOURCE, dest]).status, 0);
  return dest;
}

function replaceFile(p: string, data: Buffer | string): void {
  fs.writeFileSync(`${p}.chos-new`, data, { mode: fs.statSync(p).mode & 0o7777 });
  fs.renameSync(`${p}.chos-new`, p);
}

/** Rewrites the kernel version in the NT_GNU_ABI_TAG note of the copy's libc to 99.0.0. */
function demandNewKernel(tree: string): void {
  const libc = fs.realpathSync(path.join(tree, 'usr/lib/x86_64-linux-gnu/libc.so.6'));
  const buf = Buffer.from(fs.readFileSync(libc));
  // namesz=4, descsz=16, type=1 (NT_GNU_ABI_TAG), "GNU\0", then os, major, minor, subminor.
  const head = Buffer.from([4, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0x47, 0x4e, 0x55, 0]);
  const at = buf.indexOf(head);
  assert.ok(at > 0, 'the ABI note of libc was found');
  buf.writeUInt32LE(99, at + 20);
  buf.writeUInt32LE(0, at + 24);
  buf.writeUInt32LE(0, at + 28);
  replaceFile(libc, buf);
}

function buildBroken(): Record<string, string> {
  const trees: Record<string, string> = {};
  trees['newkernel'] = copyTree('newkernel');
  demandNewKernel(trees['newkernel']);
  trees['nosh'] = copyTree('nosh');
  fs.rmSync(path.join(trees['nosh'], 'usr/bin/sh'));
  trees['writable'] = copyTree('writable');
  fs.chmodSync(trees['writable'], 0o777);
  trees['shadow'] = copyTree('shadow');
  fs.rmSync(path.join(trees['shadow'], 'etc/passwd'));
  fs.symlinkSync('/etc/shadow', path.join(trees['shadow'], 'etc/passwd'));
  const link = path.join(BROKEN, 'symlinked');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(SOURCE, link);
  trees['symlinked'] = link;
  return trees;
}

function check(args: string[] = []): { status: number | null; stdout: string; json: { result: string; findings: Array<{ subject: string; level: string; code: string; message: string; file?: string; line?: number }> } } {
  const r = spawnSync(CHOSCTL, ['check', ...args, '--json', '--config', CONFIG, '--sysconfig', SYSCONFIG], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, json: JSON.parse(r.stdout || '{}') };
}

describe('chosctl check', { skip }, () => {
  let trees: Record<string, string> = {};
  before(() => {
    ensureWorld();
    trees = buildBroken();
    writeConfig(`${BASE_CONFIG}${Object.entries(trees).map(([n, p]) => `${n}:${p}`).join('\n')}\n`, BROKEN_SYSCONFIG);
  });
  after(() => {
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
  });

  it('passes the real Debian trees, status 0: their setuid files are a note, not a warning', () => {
    const r = check(['debian11', 'debian12', 'debian13']);
    assert.equal(r.status, 0, r.stdout);
    const trees = r.json.findings.filter((f) => f.subject.startsWith('debian'));
    assert.deepEqual(trees.filter((f) => f.level !== 'ok').map((f) => `${f.subject} ${f.level} ${f.code}`),
      ['debian11 note setuid-files', 'debian12 note setuid-files', 'debian13 note setuid-files']);
    assert.deepEqual(trees.filter((f) => f.code === 'tree-ok').map((f) => f.subject), ['debian11', 'debian12', 'debian13']);
  });

  const expectFinding = (name: string, code: string, message: RegExp): void => {
    const r = check([name]);
    assert.equal(r.status, 3, r.stdout);
    const f = r.json.findings.find((x) => x.subject === name && x.code === code);
    assert.ok(f, `${code} for ${name} in ${r.stdout}`);
    assert.equal(f.level, 'error');
    assert.match(f.message, message);
    assert.equal(f.file, CONFIG);
    assert.equal(typeof f.line, 'number');
  };

  it('finds a C library that needs a newer kernel than the running one', () => {
    expectFinding('newkernel', 'kernel-too-old', /C library \(\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6\) needs Linux 99\.0\.0 or newer; this host runs \d+\.\d+\.\d+/);
  });

  it('finds a tree without /bin/sh', () => {
    expectFinding('nosh', 'no-sh', /the tree has no \/bin\/sh/);
  });

  it('finds a world-writable tree', () => {
    expectFinding('writable', 'tree-writable', /writable by everyone \(mode 0777\)/);
  });

  it('finds a tree path that is a symlink', () => {
    expectFinding('symlinked', 'tree-symlink', /tree path is a symlink \(to [^)]*bookworm\)/);
  });

  it('reports etc/passwd -> /etc/shadow, and entering shows the host passwd, never the shadow file', () => {
    const r = check(['shadow']);
    const f = r.json.findings.find((x) => x.subject === 'shadow' && x.code === 'identity-symlink');
    assert.ok(f, r.stdout);
    assert.match(f.message, /\/etc\/passwd is a symlink to \/etc\/shadow, outside \/local/);
    assert.equal(chosctl(['setup']).status, 0);
    const inside = chos(['cat', '/etc/passwd'], { env: userEnv({ CHOS: 'shadow' }) });
    assert.equal(inside.status, 0, inside.stderr);
    assert.equal(inside.stdout, fs.readFileSync('/etc/passwd', 'utf8'));
  });

  it('marks environments failing their checks in chos --list', () => {
    assert.equal(chosctl(['setup']).status, 0);
    const r = chos(['--list']);
    assert.match(r.stdout, /^ {2}newkernel .*\[FAILS CHECKS: the tree's C library .* needs Linux 99\.0\.0/m);
    assert.doesNotMatch(r.stdout, /^ {2}debian12 .*FAILS/m);
  });

  it('reports every config problem at once with file:line', () => {
    writeConfig('%SHELLS\nbad line\n%BOGUS\nx y\n%SHELLS\n-x:/srv\nrel:srv/x\n');
    const r = check();
    assert.equal(r.status, 3);
    const lines = r.json.findings.filter((f) => f.subject === 'config').map((f) => `${f.line ?? 0}:${f.level}`);
    assert.deepEqual(lines, ['2:error', '3:warning', '6:error', '7:error']);
    writeConfig(`${BASE_CONFIG}${Object.entries(trees).map(([n, p]) => `${n}:${p}`).join('\n')}\n`, BROKEN_SYSCONFIG);
  });

  it('reports a config file owned by a user', () => {
    fs.chownSync(CONFIG, userInfo().uid, userInfo().gid);
    const r = spawnSync(CHOSCTL, ['check', '--config', CONFIG, '--sysconfig', SYSCONFIG], { encoding: 'utf8' });
    fs.chownSync(CONFIG, 0, 0);
    assert.equal(r.status, 3);
    assert.match(r.stdout, new RegExp(`^FAIL config: ${CONFIG}: owned by uid ${userInfo().uid}, not by root: refusing to use it\\n\\s+hint: run: chown root:root`, 'm'));
  });
});

describe('doctor', { skip }, () => {
  before(() => {
    ensureWorld();
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
  });

  it('chos --doctor enters every environment for real as the user and checks ~/.chos', () => {
    const home = userInfo().home;
    fs.writeFileSync(path.join(home, '.chos'), 'nosuchenv\n');
    const r = chos(['--doctor']);
    fs.rmSync(path.join(home, '.chos'));
    assert.equal(r.status, 3, r.stdout + r.stderr);
    for (const n of ['debian11', 'debian12', 'debian13', 'root']) assert.match(r.stdout, new RegExp(`^ok {3}${n}: entered and ran /bin/sh`, 'm'));
    assert.match(r.stdout, /^FAIL ~\/\.chos: unknown environment "nosuchenv" \(from ~\/\.chos\): chos refuses it/m);
    assert.match(r.stdout, /^ok {3}setup: current with /m);
  });

  it('says when user namespaces are disabled (0 shown through a bind mount) and the probes fail', () => {
    const zero = `/tmp/chos-e2e-zero-doctor-${process.pid}`;
    fs.writeFileSync(zero, '0\n', { mode: 0o644 });
    const env = Object.entries(userEnv()).map(([k, v]) => `${k}=${v}`);
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
      `mount --bind ${zero} /proc/sys/user/max_user_namespaces && exec setpriv --reuid ${USER} --regid ${USER} --init-groups -- env -i "$@"`,
      'sh', ...env, CHOS, '--doctor'], { encoding: 'utf8', cwd: '/tmp' });
    fs.rmSync(zero);
    assert.equal(r.status, 3);
    assert.match(r.stdout, /^FAIL userns: user\.max_user_namespaces is 0: nobody can enter an environment\n\s+hint: sysctl/m);
    assert.match(r.stdout, /^FAIL debian11: cannot be entered: chos: error: user namespaces are disabled/m);
  });

  it('chosctl doctor says when setup is stale', () => {
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(CONFIG, t, t);
    const r = spawnSync(CHOSCTL, ['doctor', '--run-dir', RUN_DIR], { encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent' } });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^warn setup: \S+ changed since setup ran/m);
    assert.equal(chosctl(['setup']).status, 0);
  });
});
