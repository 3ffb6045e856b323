// chosctl create / update / remove with real trees: from a zstd rootfs tarball of a cached
// Debian tree and with debootstrap; hostile archives the test writes itself; kill -9 at every
// step, the commit included; a store that runs out of space; updating under a running session. I/O.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTag } from '../../src/host/processes.js';
import {
  BASE_CONFIG, CHOS, CHOSCTL, CONFIG, RUN_DIR, STORE, SYSCONFIG, TREES, USER, WORLD, asUser, cannotRun, chos, ensureWorld, must,
  requireTools, run, stagingLeft, treeFile, userEnv, writeConfig,
} from './harness.js';

const skip = cannotRun();
const ARCHIVES = path.join(WORLD, 'archives');
const DROP_INS = `${CONFIG}.d`;
const SENTINEL = path.join(WORLD, 'sentinel');

function chosctl(args: string[], store = STORE): ReturnType<typeof run> {
  return run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', store]);
}

/** This process's run tag ("PID.STARTTIME"), as chosctl names a live run. */
function runTagOfThisProcess(): string {
  return runTag() ?? assert.fail('no start time in /proc/self/stat');
}

/** A ustar archive written byte by byte, so the test controls every hostile detail. */
function tarOf(entries: Array<{ name: string; type?: '0' | '1' | '2' | '3' | '5'; data?: string; link?: string; mode?: number; major?: number }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    const data = Buffer.from(e.data ?? '');
    const put = (s: string, off: number, len: number): void => { h.write(s.slice(0, len), off, 'utf8'); };
    const oct = (n: number, off: number, len: number): void => put(n.toString(8).padStart(len - 1, '0'), off, len);
    put(e.name, 0, 100);
    oct(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 100, 8);
    oct(0, 108, 8); oct(0, 116, 8);
    oct(e.type === undefined || e.type === '0' ? data.length : 0, 124, 12);
    oct(1_700_000_000, 136, 12);
    put('        ', 148, 8);
    put(e.type ?? '0', 156, 1);
    put(e.link ?? '', 157, 100);
    put('ustar', 257, 6); put('00', 263, 2);
    oct(e.major ?? 0, 329, 8); oct(e.major ? 3 : 0, 337, 8);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h);
    if (data.length) blocks.push(Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The processes below `pid` (children first), with their command names and argv. */
function descendants(pid: number): Array<{ pid: number; comm: string; argv: string[] }> {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').slice(0, -1);
      return [{ pid: Number(d), ppid, comm, argv }];
    } catch {
      return [];
    }
  });
  const out: Array<{ pid: number; comm: string; argv: string[] }> = [];
  const walk = (p: number): void => {
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

function registered(name: string): boolean {
  return fs.existsSync(path.join(DROP_INS, `${name}.conf`));
}

describe('chosctl create', { skip }, () => {
  let rootfs = '';
  before(() => {
    requireTools('bwrap', 'zstd', 'xz', 'debootstrap', 'mmdebstrap');
    ensureWorld();
    writeConfig(BASE_CONFIG);
    fs.mkdirSync(ARCHIVES, { recursive: true, mode: 0o755 });
    fs.writeFileSync(SENTINEL, 'untouched\n');
    rootfs = path.join(ARCHIVES, 'bookworm.tar.zst');
    if (!fs.existsSync(rootfs)) {
      // A device node and a setuid file travel in the archive: both must not arrive.
      const extra = path.join(ARCHIVES, 'extra');
      fs.rmSync(extra, { recursive: true, force: true });
      fs.mkdirSync(path.join(extra, 'opt'), { recursive: true });
      must('mknod', [path.join(extra, 'opt', 'devnode'), 'c', '1', '3']);
      must('sh', ['-c', `(tar -C ${TREES}/bookworm -cf - . ; ) > ${ARCHIVES}/base.tar && tar -C ${extra} -rf ${ARCHIVES}/base.tar ./opt/devnode && zstd -q -T0 --rm -f ${ARCHIVES}/base.tar -o ${rootfs}`]);
    }
  });
  after(() => {
    for (const n of ['fromtar', 'keepsuid', 'killme', 'deb11', 'updated', 'confined']) if (registered(n)) chosctl(['remove', n]);
    writeConfig(BASE_CONFIG);
    run(CHOSCTL, ['setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE]);
  });

  it('makes an environment from a zstd rootfs tarball that users can enter at once', () => {
    const r = chosctl(['create', 'fromtar', '--from-tar', rootfs]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.ok(registered('fromtar'));
    const inside = chos(['sh', '-c', 'cat /etc/debian_version; id -un'], { env: userEnv({ CHOS: 'fromtar' }) });
    assert.equal(inside.status, 0, inside.stderr);
    assert.equal(inside.stdout, `${treeFile('bookworm', 'etc/debian_version')}${USER}\n`);
    const tree = fs.readFileSync(path.join(DROP_INS, 'fromtar.conf'), 'utf8').match(/^fromtar:(.*)$/m)?.[1] ?? '';
    assert.equal(fs.existsSync(path.join(tree, 'opt', 'devnode')), false, 'device nodes are dropped');
    assert.equal(must('find', [tree, '-xdev', '-type', 'f', '-perm', '/6000']).trim(), '', 'setuid/setgid bits are dropped');
    assert.ok(fs.lstatSync(path.join(tree, 'bin')).isSymbolicLink(), 'symlinks stay symlinks');
    assert.equal(fs.statSync(path.join(tree, 'etc', 'shadow')).gid, fs.statSync(path.join(TREES, 'bookworm', 'etc', 'shadow')).gid, 'ownership is kept');
    assert.deepEqual(stagingLeft(), []);
    assert.equal(fs.statSync(STORE).mode & 0o777, 0o700, 'users reach trees only through the prepared roots');
  });

  it('refuses an option that the command or the source would ignore, changing nothing', () => {
    const before = fs.readdirSync(DROP_INS);
    const setupPull = chosctl(['setup', '--pull', 'localhost:5011/chos/test:v1']);
    assert.equal(setupPull.status, 2);
    assert.equal(setupPull.stderr, 'chosctl: error: --pull does not apply to "chosctl setup" (it is an option of create)\nhint: run \'chosctl help\'\n');
    const ref = chosctl(['create', 'wrongref', '--from-tar', rootfs, '--ref', 'v1']);
    assert.equal(ref.status, 2);
    assert.match(ref.stderr, /^chosctl: error: --ref applies only with --from-oci\n/);
    const update = chosctl(['update', 'fromtar', '--auth-file', '/nonexistent']);
    assert.equal(update.status, 2);
    assert.equal(update.stderr, 'chosctl: error: --auth-file does not apply to "chosctl update" (it is an option of create)\n'
      + 'hint: update rebuilds from the recorded source and options; to change them, remove and create again\n');
    const source = chosctl(['update', 'fromtar', '--from-tar', rootfs]);
    assert.equal(source.status, 2);
    assert.match(source.stderr, /^chosctl: error: --from-tar does not apply to "chosctl update" \(it is an option of create\)\nhint: update rebuilds/);
    assert.deepEqual(fs.readdirSync(DROP_INS), before);
    assert.deepEqual(stagingLeft(), []);
  });

  it('says which program is missing before it writes anything', () => {
    // A PATH with what bin/chosctl and Node need, and tar, but no bwrap.
    const bin = path.join(WORLD, 'no-bwrap-bin');
    const store = path.join(WORLD, 'no-bwrap-store');
    fs.rmSync(bin, { recursive: true, force: true });
    fs.rmSync(store, { recursive: true, force: true });
    fs.mkdirSync(bin);
    for (const t of ['sh', 'node', 'readlink', 'tar']) fs.symlinkSync(must('sh', ['-c', `command -v ${t}`]).trim(), path.join(bin, t));
    const args = ['create', 'nobwrap', '--from-tar', rootfs, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', store];
    const r = run(CHOSCTL, args, { env: { ...process.env, PATH: bin } });
    assert.equal(r.status, 125, r.stdout);
    assert.equal(r.stderr, 'chosctl: error: bwrap is not installed (or not on the PATH); nothing was changed\nhint: apt-get install bubblewrap\n');
    // With bwrap, the zstd archive still wants zstd.
    fs.symlinkSync(must('sh', ['-c', 'command -v bwrap']).trim(), path.join(bin, 'bwrap'));
    const z = run(CHOSCTL, args, { env: { ...process.env, PATH: bin } });
    fs.rmSync(bin, { recursive: true, force: true });
    assert.equal(z.status, 125, z.stdout);
    assert.equal(z.stderr, 'chosctl: error: zstd is not installed (or not on the PATH); nothing was changed\nhint: apt-get install zstd\n');
    assert.equal(fs.existsSync(store), false, 'not even the store was made');
    assert.equal(registered('nobwrap'), false);
  });

  it('refuses a name the configuration already has before it writes anything', () => {
    const store = path.join(WORLD, 'untouched-store');
    fs.rmSync(store, { recursive: true, force: true });
    const r = chosctl(['create', 'debian11', '--from-tar', rootfs], store);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^chosctl: error: environment "debian11" already exists \(\S+\/chos:\d+\)\nhint: pick another name\n$/);
    assert.equal(fs.existsSync(store), false, 'not even the store was made');
  });

  it('undoes a removal that setup refuses (default still names it), changing nothing', () => {
    writeConfig(BASE_CONFIG.replace('default:debian12', 'default:fromtar'));
    assert.equal(run(CHOSCTL, ['setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE]).status, 0);
    const r = chosctl(['remove', 'fromtar']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /"default" names "fromtar"/);
    assert.ok(registered('fromtar'));
    assert.equal(chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'fromtar' }) }).stdout, treeFile('bookworm', 'etc/debian_version'));
    writeConfig(BASE_CONFIG);
  });

  it('shows a progress line on a terminal, replaced by the next step, and none without one', () => {
    const args = ['create', 'progress', '--from-tar', rootfs, '--no-setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE];
    // script(1) gives chosctl a pseudo-terminal; its output is the terminal's.
    const r = run('script', ['-qec', [CHOSCTL, ...args].map((a) => `'${a}'`).join(' '), '/dev/null']);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\r\x1b\[Kextracting bookworm\.tar\.zst: \d+ entries, [\d.]+ MB {2}\d+ MB\/s/);
    assert.match(r.stdout, /\r\x1b\[Kchosctl: registered "progress"/);
    assert.equal(chosctl(['remove', 'progress']).status, 0);
    const plain = chosctl(['create', 'progress', '--from-tar', rootfs, '--no-setup']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout + plain.stderr, /\x1b|MB\/s/);
    assert.equal(chosctl(['remove', 'progress']).status, 0);
  });

  it('keeps setuid bits with --keep-setuid', () => {
    const r = chosctl(['create', 'keepsuid', '--from-tar', rootfs, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    const again = chosctl(['update', 'keepsuid', '--keep-setuid', '--json']);
    assert.equal(again.status, 0, again.stderr);
    const made = JSON.parse(again.stdout) as { tree: string };
    assert.notEqual(must('find', [made.tree, '-xdev', '-type', 'f', '-perm', '/4000']).trim(), '');
    assert.equal(chosctl(['remove', 'keepsuid']).status, 0);
  });

  it('refuses names that exist, reserved names and bad sources before doing anything', () => {
    assert.match(chosctl(['create', 'debian11', '--from-tar', rootfs]).stderr, /environment "debian11" already exists \(.*chos:\d+\)/);
    assert.match(chosctl(['create', 'root', '--from-tar', rootfs]).stderr, /"root" is reserved/);
    assert.match(chosctl(['create', 'x', '--debootstrap', "bullseye'; rm -rf /"]).stderr, /invalid suite/);
    assert.match(chosctl(['create', 'x', '--from-tar', '/nonexistent.tar']).stderr, /archive not found/);
    assert.match(chosctl(['create', 'x']).stderr, /give exactly one of --debootstrap SUITE, --mmdebstrap SUITE, --from-tar FILE, --from-oci PATH and --pull REF/);
    assert.deepEqual(stagingLeft(), []);
  });

  const hostile: Array<[string, Parameters<typeof tarOf>[0], RegExp]> = [
    ['a name with ".."', [{ name: 'ok', type: '5' }, { name: `../../../../../../..${WORLD}/sentinel`, data: 'pwned\n' }], /outside the tree/],
    ['an absolute name', [{ name: `${WORLD}/sentinel`, data: 'pwned\n' }], /outside the tree/],
    ['a file written through a symlink of the same archive', [{ name: 'esc', type: '2', link: WORLD }, { name: 'esc/sentinel', data: 'pwned\n' }], /goes through the symlink "esc"/],
    // GNU tar's listing already strips the leading "../" of link targets; either way it is refused.
    ['a hard link out of the tree', [{ name: 'h', type: '1', link: '../../../../../../etc/passwd' }], /hard link "h" points (outside|to "etc\/passwd", which is not an earlier member)/],
    ['a hard link to a later member', [{ name: 'h', type: '1', link: 'later' }, { name: 'later', data: 'x' }], /not an earlier member/],
    ['a link replacing a directory', [{ name: 'd', type: '5' }, { name: 'd', type: '2', link: WORLD }], /replaces a directory/],
  ];
  for (const [what, entries, message] of hostile) {
    it(`refuses an archive with ${what}, touching nothing outside staging`, () => {
      const file = path.join(ARCHIVES, 'hostile.tar');
      fs.writeFileSync(file, tarOf(entries));
      const r = chosctl(['create', 'hostile', '--from-tar', file]);
      assert.equal(r.status, 125, r.stdout);
      assert.match(r.stderr, message);
      assert.equal(fs.readFileSync(SENTINEL, 'utf8'), 'untouched\n');
      assert.equal(registered('hostile'), false);
      assert.deepEqual(stagingLeft(), []);
    });
  }

  it('refuses a truncated archive', () => {
    const file = path.join(ARCHIVES, 'truncated.tar');
    const whole = tarOf([{ name: 'a', data: 'x'.repeat(5000) }]);
    fs.writeFileSync(file, whole.subarray(0, 1500));
    const r = chosctl(['create', 'hostile', '--from-tar', file]);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /refusing \S+truncated\.tar: cannot read it as a tar archive .*Unexpected EOF/);
    assert.equal(registered('hostile'), false);
  });

  it('refuses an archive with data after its end', () => {
    const file = path.join(ARCHIVES, 'trailing.tar');
    fs.writeFileSync(file, Buffer.concat([tarOf([{ name: 'a', data: 'x' }]), Buffer.alloc(10240), Buffer.from('garbage after the end')]));
    const r = chosctl(['create', 'hostile', '--from-tar', file]);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /refusing \S+trailing\.tar: \d+ bytes of data follow the end of the archive/);
    assert.equal(registered('hostile'), false);
    fs.writeFileSync(file, Buffer.concat([tarOf([{ name: 'a', data: 'x' }]), Buffer.alloc(10240)]));
    assert.equal(chosctl(['create', 'hostile', '--from-tar', file, '--quiet', '--no-setup']).status, 0, 'zero padding is fine');
    assert.equal(chosctl(['remove', 'hostile']).status, 0);
  });

  for (const [tool, ext] of [['gzip', 'gz'], ['zstd', 'zst'], ['xz', 'xz']] as const) {
    it(`refuses a ${tool} archive with data after its end, once decompressed`, () => {
      const file = path.join(ARCHIVES, `trailing.tar.${ext}`);
      const plain = Buffer.concat([tarOf([{ name: 'a', data: 'x' }]), Buffer.alloc(10240), Buffer.from('garbage after the end')]);
      const z = spawnSync(tool, ['-c'], { input: plain });
      assert.equal(z.status, 0);
      fs.writeFileSync(file, z.stdout);
      const r = chosctl(['create', 'hostile', '--from-tar', file]);
      assert.equal(r.status, 125, r.stdout);
      assert.match(r.stderr, new RegExp(`refusing \\S+trailing\\.tar\\.${ext}: 21 bytes of data follow the end of the archive`));
      assert.equal(registered('hostile'), false);
      assert.deepEqual(stagingLeft(), []);
    });
  }

  it('refuses an archive over --max-entries, and one over --max-size by its content', () => {
    const file = path.join(ARCHIVES, 'many.tar');
    fs.writeFileSync(file, tarOf(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: 'y'.repeat(1000) }))));
    let r = chosctl(['create', 'hostile', '--from-tar', file, '--max-entries', '20']);
    assert.equal(r.status, 125, r.stdout);
    assert.match(r.stderr, /refusing \S+many\.tar: more than 20 entries/);
    r = chosctl(['create', 'hostile', '--from-tar', file, '--max-size', '10K']);
    assert.equal(r.status, 125, r.stdout);
    assert.match(r.stderr, /refusing \S+many\.tar: more than 10240 bytes of content/);
    assert.equal(registered('hostile'), false);
    assert.deepEqual(stagingLeft(), []);
    r = chosctl(['create', 'hostile', '--from-tar', file, '--max-size', '1x']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-size: invalid size "1x"/);
  });

  it('stops decompressing a bomb at the cap: 256 MiB of zeros after a tiny archive, gzip-compressed', () => {
    const file = path.join(ARCHIVES, 'bomb.tar.gz');
    const z = spawnSync('sh', ['-c', `{ cat; head -c 256M /dev/zero; } | gzip -9 > ${file}`], { input: tarOf([{ name: 'a', data: 'x' }]) });
    assert.equal(z.status, 0);
    assert.ok(fs.statSync(file).size < 2 ** 20, 'the bomb is small');
    const r = chosctl(['create', 'hostile', '--from-tar', file, '--max-size', '1M', '--max-entries', '10']);
    assert.equal(r.status, 125, r.stdout);
    assert.match(r.stderr, /refusing \S+bomb\.tar\.gz: more than \d+ bytes once decompressed/);
    assert.equal(registered('hostile'), false);
    assert.deepEqual(stagingLeft(), []);
  });

  it('confines the extractor: the tar that chosctl create runs can write only the staging directory', async () => {
    const p = spawn(CHOSCTL, ['create', 'confined', '--from-tar', rootfs, '--no-setup', '--config', CONFIG, '--sysconfig', SYSCONFIG,
      '--run-dir', RUN_DIR, '--store', STORE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const done = new Promise<number | null>((r) => p.on('close', r));
    // The extracting tar among chosctl's descendants, and the bubblewrap that started it.
    let tar: number | undefined;
    let bwrapArgs: string[] = [];
    for (let i = 0; i < 2000 && tar === undefined && p.exitCode === null; i++) {
      const found = descendants(p.pid ?? 0);
      const b = found.find((d) => d.comm === 'bwrap');
      tar = found.find((d) => d.comm === 'tar')?.pid;
      if (b) bwrapArgs = b.argv;
      if (tar === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(tar !== undefined, 'chosctl create ran tar');
    assert.ok(bwrapArgs.length > 0, 'tar runs under bubblewrap');
    const staging = bwrapArgs[bwrapArgs.indexOf('--bind') + 1] ?? '';
    assert.match(staging, new RegExp(`^${STORE}/\\.staging/confined-`));
    // In the running extractor's own mount namespace and root: everything but staging is
    // read-only or absent (the host's paths are not there at all).
    const probe = [
      `for f in /probe /usr/probe /etc/probe ${SENTINEL} ${STORE}/probe; do echo pwned 2>/dev/null >"$f" && echo "wrote $f"; done`,
      `echo ok >${staging}/probe && echo "wrote staging"`,
      `readlink /proc/self/ns/net`,
    ].join('; ');
    const r = spawnSync('nsenter', ['-t', String(tar), '-m', '-r', '-w', 'sh', '-c', probe], { encoding: 'utf8' });
    const ourNet = fs.readlinkSync('/proc/self/ns/net');
    assert.equal(fs.readFileSync(SENTINEL, 'utf8'), 'untouched\n');
    assert.notEqual(fs.readlinkSync(`/proc/${tar}/ns/mnt`), fs.readlinkSync('/proc/self/ns/mnt'), 'its own mount namespace');
    assert.equal(await done, 0, err);
    const [wrote, net] = r.stdout.trim().split('\n').reduce<[string[], string]>(([w, n], l) => (l.startsWith('wrote') ? [[...w, l], n] : [w, l]), [[], '']);
    assert.deepEqual(wrote, ['wrote staging'], r.stderr);
    assert.notEqual(net, ourNet, 'no network: its own network namespace');
    assert.equal(chosctl(['remove', 'confined']).status, 0);
  });

  it('leaves either nothing or a complete environment when killed with SIGKILL at any step, the commit included', async () => {
    const TREES_OF = path.join(STORE, 'killme', 'trees');
    const LOCK = path.join(STORE, '.locks', 'killme');
    // Each step, and what a kill there must leave registered: extraction and the commit's
    // first two renames leave nothing; once the drop-in is in place, a complete tree.
    const steps: Array<{ at: string; wait: RegExp; env?: Record<string, string>; registers: boolean }> = [
      { at: 'extraction', wait: /extracting /, registers: false },
      { at: 'the rename of the tree', wait: /test pause at rename/, env: { CHOS_TEST_PAUSE: 'rename' }, registers: false },
      { at: 'the rename of the drop-in', wait: /test pause at drop-in/, env: { CHOS_TEST_PAUSE: 'drop-in' }, registers: false },
      { at: 'setup', wait: /test pause at setup/, env: { CHOS_TEST_PAUSE: 'setup' }, registers: true },
      { at: 'pruning', wait: /test pause at prune/, env: { CHOS_TEST_PAUSE: 'prune' }, registers: true },
    ];
    for (const step of steps) {
      const p = spawn(CHOSCTL, ['create', 'killme', '--from-tar', rootfs, '--config', CONFIG, '--sysconfig', SYSCONFIG,
        '--run-dir', RUN_DIR, '--store', STORE], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...step.env } });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const done = new Promise((r) => p.on('close', r));
      for (let j = 0; j < 1200 && !step.wait.test(out); j++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, step.wait, `the run reached ${step.at}`);
      p.kill('SIGKILL');
      await done;
      assert.equal(registered('killme'), step.registers, `killed at ${step.at}: ${out}`);
      if (step.registers) {
        const tree = fs.readFileSync(path.join(DROP_INS, 'killme.conf'), 'utf8').match(/^killme:(.*)$/m)?.[1] ?? '';
        assert.equal(fs.readFileSync(path.join(tree, 'etc', 'debian_version'), 'utf8'), treeFile('bookworm', 'etc/debian_version'));
        const rm = chosctl(['remove', 'killme']);
        assert.equal(rm.status, 0, rm.stderr);
      }
      // The next run takes over the lock, removes what the killed one left (staging, a
      // half-written drop-in, a tree never registered) and ends with one complete tree.
      const r = chosctl(['create', 'killme', '--from-tar', rootfs]);
      assert.equal(r.status, 0, r.stderr);
      const tree = fs.readFileSync(path.join(DROP_INS, 'killme.conf'), 'utf8').match(/^killme:(.*)$/m)?.[1] ?? '';
      assert.deepEqual(fs.readdirSync(TREES_OF), [path.basename(tree)], `killed at ${step.at}: only the registered tree is left`);
      assert.deepEqual(stagingLeft(), [], r.stdout);
      assert.deepEqual(fs.readdirSync(DROP_INS).filter((f) => f.startsWith('killme')), ['killme.conf']);
      assert.equal(fs.existsSync(LOCK), false, 'the lock is let go');
      assert.deepEqual(fs.readdirSync(path.dirname(LOCK)).filter((f) => f.startsWith('killme')), []);
      assert.equal(chosctl(['remove', 'killme']).status, 0);
      assert.equal(registered('killme'), false);
    }
  });

  it('cleans up on Ctrl-C (SIGINT): status 130, staging removed, nothing registered', async () => {
    const p = spawn(CHOSCTL, ['create', 'interrupted', '--from-tar', rootfs, '--config', CONFIG, '--sysconfig', SYSCONFIG,
      '--run-dir', RUN_DIR, '--store', STORE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const done = new Promise<number | null>((r) => p.on('close', r));
    for (let i = 0; i < 100 && !/extracting/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    p.kill('SIGINT');
    assert.equal(await done, 130);
    assert.match(out, /interrupted \(SIGINT\): removed /, out);
    assert.equal(registered('interrupted'), false);
    assert.equal(fs.existsSync(path.join(STORE, '.locks', 'interrupted')), false, 'the lock is let go');
    assert.deepEqual(stagingLeft(), []);
  });

  it('runs one create, update or remove of a name at a time: a second waits for the lock, and takes over a dead run\'s', async () => {
    // The lock held by a live run: this test process, whose tag chosctl finds alive.
    const lock = path.join(STORE, '.locks', 'locked');
    fs.mkdirSync(path.dirname(lock), { recursive: true, mode: 0o700 });
    fs.writeFileSync(lock, `${runTagOfThisProcess()}\n`);
    const p = spawn(CHOSCTL, ['create', 'locked', '--from-tar', rootfs, '--no-setup', '--config', CONFIG, '--sysconfig', SYSCONFIG,
      '--run-dir', RUN_DIR, '--store', STORE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const done = new Promise<number | null>((r) => p.on('close', r));
    try {
      for (let i = 0; i < 200 && !/waiting/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(out, `chosctl: waiting for another chosctl (pid ${process.pid}) working on "locked"\n`);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(out.split('\n').length, 2, 'it still waits, having done nothing');
      assert.deepEqual(stagingLeft(), []);
    } finally {
      fs.rmSync(lock, { force: true });
    }
    assert.equal(await done, 0, err);
    assert.ok(registered('locked'));
    assert.equal(fs.existsSync(lock), false, 'the lock is let go');
    // A lock a killed run left is taken over.
    fs.writeFileSync(lock, '4194300.1\n');
    const r = chosctl(['remove', 'locked']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /took over the lock of "locked" from a run that no longer runs/);
    assert.deepEqual(fs.readdirSync(path.dirname(lock)).filter((f) => f.startsWith('locked')), []);
  });

  it('removes the scratch directories that killed imports left in /dev/shm, and nothing else there', () => {
    // A tag no live process has (a pid's start time is never 1 tick after boot this late).
    const dead = '4194300.1';
    const left = fs.mkdtempSync(`/dev/shm/chos-import-${dead}-`);
    fs.writeFileSync(path.join(left, 'layer.tar'), 'x');
    const others = fs.mkdtempSync(`/dev/shm/chos-import-${dead}-`);
    must('chown', [`${USER}:`, others]);
    const mine = fs.mkdtempSync(`/dev/shm/chos-import-${runTagOfThisProcess()}-`);
    const untagged = fs.mkdtempSync('/dev/shm/chos-import-');
    try {
      const tiny = path.join(ARCHIVES, 'scratch.tar');
      fs.writeFileSync(tiny, tarOf([{ name: 'a', data: 'x' }]));
      const c = chosctl(['create', 'scratch', '--from-tar', tiny, '--no-setup']);
      assert.match(c.stdout, new RegExp(`removed leftover ${left}`));
      assert.equal(fs.existsSync(left), false, 'a dead run\'s scratch directory is removed');
      assert.equal(fs.existsSync(others), true, 'one another user made is kept');
      assert.equal(fs.existsSync(mine), true, 'one of a live run is kept');
      assert.equal(fs.existsSync(untagged), true, 'one without a tag is kept');
      if (registered('scratch')) assert.equal(chosctl(['remove', 'scratch']).status, 0);
    } finally {
      for (const d of [left, others, mine, untagged]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('fails cleanly when the store runs out of space', () => {
    const small = path.join(WORLD, 'small-store');
    fs.mkdirSync(small, { recursive: true });
    must('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0700', 'chos-e2e-small', small]);
    try {
      const r = chosctl(['create', 'nospace', '--from-tar', rootfs], small);
      assert.equal(r.status, 125, r.stdout);
      assert.match(r.stderr, /No space left on device/);
      assert.equal(registered('nospace'), false);
      assert.deepEqual(fs.readdirSync(path.join(small, '.staging')), []);
    } finally {
      run('umount', [small]);
    }
  });

  it('records --max-entries for update, which applies it again unless given a new one', () => {
    const file = path.join(ARCHIVES, 'limited.tar');
    const files = (n: number): Parameters<typeof tarOf>[0] => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, data: 'x' }));
    const limits = (): unknown => (JSON.parse(fs.readFileSync(path.join(STORE, 'limited', 'source.json'), 'utf8')) as { limits?: unknown }).limits;
    fs.writeFileSync(file, tarOf(files(3)));
    const made = chosctl(['create', 'limited', '--from-tar', file, '--max-entries', '5', '--no-setup', '--quiet']);
    assert.equal(made.status, 0, made.stderr);
    assert.deepEqual(limits(), { maxEntries: 5 });
    try {
      fs.writeFileSync(file, tarOf(files(8)));
      const refused = chosctl(['update', 'limited', '--no-setup', '--quiet']);
      assert.equal(refused.status, 125);
      assert.match(refused.stderr, /refusing \S*limited\.tar: more than 5 entries/);
      assert.deepEqual(limits(), { maxEntries: 5 });
      const raised = chosctl(['update', 'limited', '--max-entries', '20', '--no-setup', '--quiet']);
      assert.equal(raised.status, 0, raised.stderr);
      assert.deepEqual(limits(), { maxEntries: 20 });
      assert.deepEqual(stagingLeft(), []);
    } finally {
      chosctl(['remove', 'limited']);
    }
  });

  it('updates under a running session without disturbing it, and deletes the old tree when it ends', async () => {
    assert.equal(chosctl(['create', 'updated', '--from-tar', rootfs, '--quiet']).status, 0);
    const oldTree = fs.readFileSync(path.join(DROP_INS, 'updated.conf'), 'utf8').match(/^updated:(.*)$/m)?.[1] ?? '';
    const session = spawn('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
      ...Object.entries(userEnv({ CHOS: 'updated' })).map(([k, v]) => `${k}=${v}`), CHOS, 'sh', '-c', 'echo ready; read go; cat /etc/debian_version'], { cwd: '/tmp' });
    let out = '';
    session.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const done = new Promise<number | null>((r) => session.on('close', r));
    try {
      // The session holds the tree until the test lets it go, however long the update takes.
      for (let i = 0; i < 600 && out !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(out, 'ready\n', 'the session started');
      const u = chosctl(['update', 'updated', '--quiet']);
      assert.equal(u.status, 0, u.stderr);
      const newTree = fs.readFileSync(path.join(DROP_INS, 'updated.conf'), 'utf8').match(/^updated:(.*)$/m)?.[1] ?? '';
      assert.notEqual(newTree, oldTree);
      assert.ok(fs.existsSync(oldTree), 'the old tree stays while the session runs');
      session.stdin.end('go\n');
      assert.equal(await done, 0);
      assert.equal(out, `ready\n${treeFile('bookworm', 'etc/debian_version')}`);
    } finally {
      if (!session.stdin.writableEnded) session.stdin.end();
    }
    // Two setups: the session's generation is then neither current nor previous nor in use.
    for (let i = 0; i < 2; i++) assert.equal(run(CHOSCTL, ['setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE]).status, 0);
    assert.equal(fs.existsSync(oldTree), false, 'the old tree is deleted once nothing uses it');
    assert.equal(chosctl(['remove', 'updated']).status, 0);
  });

  it('builds a Debian 12 tree with mmdebstrap', { timeout: 600_000 }, () => {
    const r = chosctl(['create', 'mm12', '--mmdebstrap', 'bookworm', '--variant', 'minbase']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /mmdebstrap bookworm into /);
    const inside = chos(['sh', '-c', '. /etc/os-release; echo $VERSION_CODENAME; id -un'], { env: userEnv({ CHOS: 'mm12' }) });
    assert.equal(inside.stdout, `bookworm\n${USER}\n`, inside.stderr);
    assert.match(fs.readFileSync(path.join(DROP_INS, 'mm12.conf'), 'utf8'), /^# Written by chosctl create \(--mmdebstrap bookworm\)/);
    assert.equal(chosctl(['remove', 'mm12']).status, 0);
    assert.equal(registered('mm12'), false);
  });

  it('builds a Debian 11 tree with debootstrap', { timeout: 600_000 }, () => {
    const r = chosctl(['create', 'deb11', '--debootstrap', 'bullseye', '--variant', 'minbase']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const inside = chos(['sh', '-c', '. /etc/os-release; echo $VERSION_CODENAME'], { env: userEnv({ CHOS: 'deb11' }) });
    assert.equal(inside.stdout, 'bullseye\n', inside.stderr);
    const list = run(CHOSCTL, ['list', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--store', STORE]);
    assert.match(list.stdout, new RegExp(`^deb11 +${STORE}/deb11/trees/\\S+ +${DROP_INS}/deb11\\.conf +debootstrap bullseye \\(minbase\\)$`, 'm'));
    assert.match(list.stdout, /^debian11 +\S+ +\S+\/chos$/m, 'an environment of the admin\'s file has no source');
    const json = JSON.parse(run(CHOSCTL, ['list', '--json', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--store', STORE]).stdout) as Array<{ name: string; source?: string }>;
    assert.equal(json.find((e) => e.name === 'deb11')?.source, 'debootstrap bullseye (minbase)');
    // The store is root's: a user sees the list, without sources.
    const asUserList = asUser([CHOSCTL, 'list', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--store', STORE]);
    assert.equal(asUserList.status, 0, asUserList.stderr);
    assert.match(asUserList.stdout, new RegExp(`^deb11 +${STORE}/deb11/trees/\\S+ +${DROP_INS}/deb11\\.conf$`, 'm'));
    assert.equal(chosctl(['remove', 'deb11']).status, 0);
    assert.equal(registered('deb11'), false);
  });
});
