// Hostile trees against the commands root runs: copies of bookworm with links planted at the
// first, middle and last component of what root reads (through /local and through relative
// paths), chos.conf and os-release linked to root-only files and /proc, a FIFO, a device and a
// huge sparse file as the C library, terminal escapes, a user-writable tree, a mount target
// that is a link leading out. Each case runs chosctl check, setup and doctor as root (and chos
// --list as the test user) with a bound, and asserts no canary from a root-only file or from
// chosctl's own environment shows anywhere, and that nothing outside the tree changed. I/O.

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BASE_CONFIG, CHOSCTL, CONFIG, RUN_DIR, SITE_DIR, SYSCONFIG, TREES, WORLD, cannotRun, chos, chosctl, ensureWorld, writeConfig,
} from './harness.js';

const skip = cannotRun();
const HOSTILE = path.join(WORLD, 'hostile');
const BASE = path.join(HOSTILE, '.base');
const LIBC = 'usr/lib/x86_64-linux-gnu/libc.so.6';
/** What no output may hold: a line of a root-only file, and a variable of chosctl's environment. */
const FILE_CANARY = `chos-file-canary-${crypto.randomBytes(8).toString('hex')}`;
const ENV_CANARY = `chos-env-canary-${crypto.randomBytes(8).toString('hex')}`;
const SECRET_DIR = `/root/chos-hostile-${path.basename(WORLD)}`;
const SECRET = path.join(SECRET_DIR, 'secret');
/** Seconds any one command may take here; ending by the bound is a failure (a hang). */
const BOUND_MS = 90_000;
const SHADOW_LINE = (fs.existsSync('/etc/shadow') ? fs.readFileSync('/etc/shadow', 'utf8') : '').split('\n')[0] ?? '';

/** Runs a command as root with the canary in its environment, bounded. */
function bounded(cmd: string, args: readonly string[]): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, [...args], {
    encoding: 'utf8', timeout: BOUND_MS, killSignal: 'SIGKILL', env: { ...process.env, CHOS_E2E_SECRET: ENV_CANARY }, input: '',
  });
  assert.equal(r.error, undefined, `${cmd} ${args.join(' ')} ended by the bound or failed to start: ${String(r.error)}`);
  assert.equal(r.signal, null, `${cmd} ${args.join(' ')} was killed by ${String(r.signal)}`);
  return r;
}

function ctl(args: readonly string[]): SpawnSyncReturns<string> {
  return bounded(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR]);
}

/** A fresh copy of the base copy (hard links to our own copy, never to the shared cache). */
function variant(name: string): string {
  const dest = path.join(HOSTILE, name);
  if (fs.existsSync(dest)) {
    // A generation of an earlier run may still use it as an overlay layer: move it aside.
    try {
      fs.rmSync(dest, { recursive: true, force: true });
    } catch {
      fs.renameSync(dest, path.join(HOSTILE, `.old-${name}-${Date.now()}`));
    }
  }
  assert.equal(spawnSync('cp', ['-al', BASE, dest]).status, 0);
  return dest;
}

/** Replaces `rel` in a variant by a symbolic link (never writing through a hard link). */
function plantLink(tree: string, rel: string, target: string): void {
  const p = path.join(tree, rel);
  fs.rmSync(p, { recursive: true, force: true });
  fs.symlinkSync(target, p);
}

/** Replaces a file of a variant by new content (a new inode: the base copy is not touched). */
function plantFile(tree: string, rel: string, data: string): void {
  const p = path.join(tree, rel);
  fs.rmSync(p, { force: true });
  fs.writeFileSync(p, data, { mode: 0o644 });
}

/** What outside the tree a hostile tree might try to change: the secret, the site dir, the cached and base trees, mounts. */
function outsideState(): string {
  const st = (p: string): string => {
    try {
      const s = fs.lstatSync(p);
      return `${p} ${s.mode} ${s.uid} ${s.size} ${s.mtimeMs} ${s.ino}`;
    } catch {
      return `${p} missing`;
    }
  };
  const listing = (d: string): string => fs.readdirSync(d).sort().join(',');
  return [
    // (Not /etc itself: other test runs on this machine add users while this one runs.)
    st(SECRET), fs.readFileSync(SECRET, 'utf8'), st(SECRET_DIR), listing(SECRET_DIR), st(SITE_DIR), listing(SITE_DIR),
    st(TREES), st(path.join(TREES, 'bookworm')), st(path.join(TREES, 'bookworm', LIBC)), st(path.join(BASE, LIBC)), st(path.join(BASE, 'etc')),
    watchedMounts(),
  ].join('\n');
}

/** Mount points where a redirected mount would land: host directories, the trees, the test world. */
function watchedMounts(): string {
  const watched = ['/etc', '/root', '/usr', '/bin', '/lib', '/var/cache', SITE_DIR, HOSTILE];
  return spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout.split('\n')
    .filter((m) => watched.some((w) => m === w || m.startsWith(w + '/'))).sort().join('\n');
}

/** Processes running inside a prepared root of this run directory (only probes run there here). */
function probesLeft(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n))) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/root`).startsWith(RUN_DIR + '/')) out.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch { /* gone */ }
  }
  return out;
}

function assertClean(what: string, text: string): void {
  assert.ok(!text.includes(FILE_CANARY), `${what} shows the root-only file's canary:\n${text}`);
  assert.ok(!text.includes(ENV_CANARY), `${what} shows chosctl's environment:\n${text}`);
  if (SHADOW_LINE !== '') assert.ok(!text.includes(SHADOW_LINE), `${what} shows /etc/shadow`);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\u001b\u0007\u009b]/, `${what} holds raw terminal control characters`);
}

/**
 * Configures the tree as NAME, runs check, setup, chos --list (as the user), the catalog and
 * doctor, and checks them all; returns their results for case-specific assertions.
 */
function runAll(name: string, tree: string): { check: SpawnSyncReturns<string>; setup: SpawnSyncReturns<string>; list: string; catalog: string; doctor: SpawnSyncReturns<string> } {
  writeConfig(`${BASE_CONFIG}${name}:${tree}\n`);
  const before = outsideState();
  const check = ctl(['check', name]);
  assertClean(`check of ${name}`, check.stdout + check.stderr);
  const setup = ctl(['setup']);
  assertClean(`setup with ${name}`, setup.stdout + setup.stderr);
  const listed = chos(['--list']);
  assert.equal(listed.error, undefined);
  const list = listed.stdout + listed.stderr;
  assertClean(`chos --list with ${name}`, list);
  const catalogFile = path.join(RUN_DIR, 'current', 'catalog.json');
  const catalog = fs.existsSync(catalogFile) ? fs.readFileSync(catalogFile, 'utf8') : '';
  assertClean(`the catalog with ${name}`, catalog);
  const doctor = bounded(CHOSCTL, ['doctor', '--run-dir', RUN_DIR]);
  assertClean(`doctor with ${name}`, doctor.stdout + doctor.stderr);
  assert.deepEqual(probesLeft(), [], `a process of doctor's probes outlived it with ${name}`);
  assert.equal(outsideState(), before, `something outside the tree changed with ${name}`);
  return { check, setup, list, catalog, doctor };
}

describe('hostile trees', { skip }, () => {
  before(() => {
    ensureWorld();
    fs.mkdirSync(HOSTILE, { recursive: true, mode: 0o755 });
    if (!fs.existsSync(path.join(BASE, 'etc', 'debian_version'))) {
      fs.rmSync(BASE, { recursive: true, force: true });
      assert.equal(spawnSync('cp', ['-a', path.join(TREES, 'bookworm'), BASE]).status, 0);
    }
    fs.mkdirSync(SECRET_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(SECRET, `PRETTY_NAME="${FILE_CANARY}"\n${FILE_CANARY}\n%ENV\n${FILE_CANARY}-not-a-name\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(SECRET_DIR, 'chos.conf'), `${FILE_CANARY}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(SECRET_DIR, 'os-release'), `PRETTY_NAME="${FILE_CANARY}"\n`, { mode: 0o600 });
  });
  after(() => {
    writeConfig(BASE_CONFIG);
    chosctl(['setup']);
    for (const n of fs.existsSync(HOSTILE) ? fs.readdirSync(HOSTILE) : []) {
      try {
        if (n !== '.base') fs.rmSync(path.join(HOSTILE, n), { recursive: true, force: true });
      } catch { /* still a layer of the previous generation: the next run moves it aside */ }
    }
    fs.rmSync(SECRET_DIR, { recursive: true, force: true });
  });

  describe('etc/chos.conf leading to root-only files', () => {
    it('last component: -> /local/root/…/secret', () => {
      const t = variant('conf-last');
      plantLink(t, 'etc/chos.conf', `/local${SECRET}`);
      const r = runAll('conflast', t);
      assert.equal(r.setup.status, 0, r.setup.stderr);
    });
    it('last component: -> /local/etc/shadow', () => {
      const t = variant('conf-shadow');
      plantLink(t, 'etc/chos.conf', '/local/etc/shadow');
      assert.equal(runAll('confshadow', t).setup.status, 0);
    });
    it('last component: -> /local/proc/self/environ (chosctl has a canary in its environment)', () => {
      const t = variant('conf-environ');
      plantLink(t, 'etc/chos.conf', '/local/proc/self/environ');
      assert.equal(runAll('confenviron', t).setup.status, 0);
    });
    it('last component: -> /proc/self/environ (the tree\'s own /proc, empty)', () => {
      const t = variant('conf-proc');
      plantLink(t, 'etc/chos.conf', '/proc/self/environ');
      assert.equal(runAll('confproc', t).setup.status, 0);
    });
    it('last component, relative: -> ../../../../../../../..' + '/root/…/secret', () => {
      const t = variant('conf-relative');
      plantLink(t, 'etc/chos.conf', `${'../'.repeat(12)}${SECRET.slice(1)}`);
      assert.equal(runAll('confrelative', t).setup.status, 0);
    });
    it('middle component: etc/chos.conf -> x/chos.conf, etc/x -> /local/root/…', () => {
      const t = variant('conf-middle');
      plantLink(t, 'etc/x', `/local${SECRET_DIR}`);
      plantLink(t, 'etc/chos.conf', 'x/chos.conf');
      assert.equal(runAll('confmiddle', t).setup.status, 0);
    });
    it('middle component, relative: etc/x -> ../../../../root/…', () => {
      const t = variant('conf-middle-rel');
      plantLink(t, 'etc/x', `${'../'.repeat(12)}${SECRET_DIR.slice(1)}`);
      plantLink(t, 'etc/chos.conf', 'x/chos.conf');
      assert.equal(runAll('confmiddlerel', t).setup.status, 0);
    });
    it('first component: etc -> /local/root/… (the tree has no etc of its own)', () => {
      const t = variant('conf-first');
      plantLink(t, 'etc', `/local${SECRET_DIR}`);
      runAll('conffirst', t);
    });
  });

  describe('etc/os-release leading to a root-only file', () => {
    it('-> /local/root/…/os-release: neither chos --list nor the catalog shows it', () => {
      const t = variant('osr-local');
      plantLink(t, 'etc/os-release', `/local${SECRET_DIR}/os-release`);
      plantLink(t, 'usr/lib/os-release', `/local${SECRET_DIR}/os-release`);
      const r = runAll('osrlocal', t);
      assert.equal(r.setup.status, 0);
      assert.match(r.list, /^ {2}osrlocal /m);
    });
    it('relative: -> ../../../../root/…/os-release', () => {
      const t = variant('osr-relative');
      plantLink(t, 'etc/os-release', `${'../'.repeat(12)}${SECRET_DIR.slice(1)}/os-release`);
      assert.equal(runAll('osrrelative', t).setup.status, 0);
    });
    it('middle: usr/lib/os-release through usr/lib/x -> /local/root/…', () => {
      const t = variant('osr-middle');
      plantLink(t, 'usr/lib/x', `/local${SECRET_DIR}`);
      plantLink(t, 'usr/lib/os-release', 'x/os-release');
      plantLink(t, 'etc/os-release', '../usr/lib/os-release');
      assert.equal(runAll('osrmiddle', t).setup.status, 0);
    });
  });

  describe('the C library', () => {
    it('a FIFO: check, setup and doctor end', () => {
      const t = variant('libc-fifo');
      fs.rmSync(path.join(t, LIBC));
      assert.equal(spawnSync('mkfifo', ['-m', '0644', path.join(t, LIBC)]).status, 0);
      runAll('libcfifo', t);
    });
    it('a link to /local/dev/zero', () => {
      const t = variant('libc-zero');
      plantLink(t, LIBC, '/local/dev/zero');
      runAll('libczero', t);
    });
    it('a character device (/dev/zero\'s numbers) in the tree', () => {
      const t = variant('libc-device');
      fs.rmSync(path.join(t, LIBC));
      assert.equal(spawnSync('mknod', ['-m', '0644', path.join(t, LIBC), 'c', '1', '5']).status, 0);
      runAll('libcdevice', t);
    });
    it('a link to a /proc file of the host (/local/proc/self/environ, /local/proc/kcore)', () => {
      const t = variant('libc-proc');
      plantLink(t, LIBC, '/local/proc/kcore');
      plantLink(t, 'usr/bin/sh', '/local/proc/self/environ');
      runAll('libcproc', t);
    });
    it('a huge sparse file (4 GiB, the real library at its start): read only as far as needed', () => {
      const t = variant('libc-sparse');
      const real = fs.realpathSync(path.join(BASE, LIBC));
      const p = path.join(t, LIBC);
      fs.rmSync(p);
      fs.copyFileSync(real, p);
      fs.truncateSync(p, 4 * 1024 ** 3);
      const r = runAll('libcsparse', t);
      // The ELF notes were still found: the kernel requirement is checked, not "unreadable".
      assert.doesNotMatch(r.check.stdout, /libcsparse: .*C library.*(cannot|not an ELF)/);
    });
  });

  describe('terminal escapes', () => {
    it('in PRETTY_NAME: chos --list and check print them escaped', () => {
      const t = variant('esc-pretty');
      plantFile(t, 'etc/os-release', 'PRETTY_NAME="Evil\x1b]0;owned\x07\x1b[2J\u009b31m\u202eOS"\n');
      const r = runAll('escpretty', t);
      assert.match(r.list, /Evil\\x1b\]0;owned\\x07\\x1b\[2J\\x9b31m\\u\{202e\}OS/);
    });
    it('in chos.conf lines: diagnostics name the line, never its content', () => {
      const t = variant('esc-conf');
      plantFile(t, 'etc/chos.conf', `\x1b[2J${FILE_CANARY}\n%\x1b]0;x\x07\n%BEH\n\x1b[31mFLAG\n`);
      const r = runAll('escconf', t);
      assert.match(r.check.stdout, /chos\.conf:1: line outside any section is ignored/);
      assert.match(r.check.stdout, /chos\.conf:2: unknown section/);
    });
  });

  describe('who may change a tree', () => {
    it('a tree writable by a user is refused by setup, and reported by check', () => {
      const t = variant('writable');
      fs.chmodSync(path.join(t, 'usr'), 0o777);
      writeConfig(`${BASE_CONFIG}writable:${t}\n`);
      const published = fs.readlinkSync(path.join(RUN_DIR, 'current'));
      const setup = ctl(['setup']);
      assert.notEqual(setup.status, 0, setup.stdout + setup.stderr);
      assert.equal(fs.readlinkSync(path.join(RUN_DIR, 'current')), published, 'nothing was published');
      assert.match(setup.stderr, /writable.*usr.*writable by everyone/);
      assert.match(setup.stderr, /hint: .*UNSAFE_TREES/);
      const check = ctl(['check', 'writable']);
      assert.match(check.stdout, /FAIL writable: .*usr is writable by everyone/);
    });
    it('the same tree is set up when the administrator names it in UNSAFE_TREES', () => {
      const t = path.join(HOSTILE, 'writable');
      writeConfig(`${BASE_CONFIG}writable:${t}\n`, `BINDMOUNT="${SITE_DIR}"\nUNSAFE_TREES="writable"\n`);
      const setup = ctl(['setup']);
      assert.equal(setup.status, 0, setup.stderr);
      writeConfig(BASE_CONFIG);
    });
    it('a tree owned by a user is refused by setup', () => {
      const t = variant('userowned');
      fs.chownSync(path.join(t, 'etc'), 65534, 65534);
      writeConfig(`${BASE_CONFIG}userowned:${t}\n`);
      const setup = ctl(['setup']);
      assert.notEqual(setup.status, 0);
      assert.match(setup.stderr, /etc is owned by uid 65534/);
    });
  });

  describe('doctor probes', () => {
    it("run the tree's code without chosctl's environment, as nobody, and kill what it leaves behind", () => {
      const t = variant('probe');
      const marker = `/tmp/chos-hostile-probe-${process.pid}`;
      fs.rmSync(`${marker}.env`, { force: true });
      fs.rmSync(`${marker}.pid`, { force: true });
      // The tree's /bin/sh records its environment and starts a process meant to outlive doctor.
      plantFile(t, 'usr/bin/sh', `#!/usr/bin/dash\nenv > ${marker}.env 2>/dev/null\nid -u >> ${marker}.env\n/usr/bin/sleep 1000 &\necho $! > ${marker}.pid\nexec /usr/bin/dash "$@"\n`);
      fs.chmodSync(path.join(t, 'usr/bin/sh'), 0o755);
      writeConfig(`${BASE_CONFIG}probe:${t}\n`);
      assert.equal(ctl(['setup']).status, 0);
      const r = bounded(CHOSCTL, ['doctor', '--run-dir', RUN_DIR]);
      assertClean('doctor', r.stdout + r.stderr);
      assert.match(r.stdout, /^(ok {3}|warn )probe: entered and ran \/bin\/sh/m);
      const env = fs.readFileSync(`${marker}.env`, 'utf8');
      assert.ok(!env.includes(ENV_CANARY), 'the probe saw chosctl\'s environment');
      assert.match(env, /^65534$/m, 'the probe ran as nobody');
      // The pid recorded is the sleep's pid in the probe's own PID namespace; none of its kind is left.
      const left = spawnSync('pgrep', ['-u', '65534', '-f', '^/usr/bin/sleep 1000$'], { encoding: 'utf8' });
      assert.equal(left.stdout.trim(), '', 'a process the probe started outlived doctor');
      fs.rmSync(`${marker}.env`, { force: true });
      fs.rmSync(`${marker}.pid`, { force: true });
    });
  });

  describe('mount targets', () => {
    it('a nested BINDMOUNT target that is a link leading out is not mounted on', () => {
      const site = path.join(SITE_DIR, 'sub');
      fs.mkdirSync(site, { recursive: true, mode: 0o755 });
      const t = variant('target-link');
      const outside = path.join(HOSTILE, 'target-outside');
      fs.mkdirSync(outside, { recursive: true, mode: 0o755 });
      fs.mkdirSync(path.join(t, SITE_DIR.slice(1)), { recursive: true, mode: 0o755 });
      plantLink(t, `${SITE_DIR.slice(1)}/sub`, `/local${outside}`);
      writeConfig(`${BASE_CONFIG}targetlink:${t}\n`, `BINDMOUNT="${site}"\n`);
      const before = outsideState();
      const setup = ctl(['setup']);
      assertClean('setup', setup.stdout + setup.stderr);
      const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout;
      assert.ok(!mounts.split('\n').includes(outside), 'a bind landed outside the tree');
      assert.equal(outsideState(), before);
      writeConfig(BASE_CONFIG);
      fs.rmSync(site, { recursive: true, force: true });
    });
  });
});
