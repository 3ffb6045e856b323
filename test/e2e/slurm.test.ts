// End-to-end tests of the Slurm SPANK plugin against a real single-node cluster (slurm-cluster.ts),
// every job submitted by the unprivileged test user, in both modes. I/O; needs root, Slurm, munge, gcc.

import { spawn } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BASE_CONFIG, REPO, RUN_DIR, SITE_DIR, USER, asUser, cannotRun, chosctl, ensureWorld, must, run, userInfo, writeConfig } from './harness.js';
import { NODE, SLURM, SLURM_CONF, authLog, logs, poll, restartSlurmd, slurmEnv, startCluster, stopCluster, userProcesses } from './slurm-cluster.js';

// Where every environment sees it at the same path (the site directory is bound everywhere), so
// that srun inside a job loads it too.
const PLUGIN = path.join(SITE_DIR, 'slurm', 'lib', 'chos_spank.so');
const line = (mode: 'user' | 'root', so = PLUGIN): string => `required ${so} mode=${mode} run_dir=${RUN_DIR}\n`;

function missing(): string | undefined {
  const why = cannotRun();
  if (why !== undefined) return why;
  for (const p of ['slurmd', 'slurmctld', 'munged', 'gcc', 'make']) if (run('sh', ['-c', `command -v ${p}`]).status !== 0) return `${p} is not installed`;
  if (!fs.existsSync('/usr/include/slurm/spank.h')) return "Slurm's headers are not installed (libslurm-dev)";
  return undefined;
}
const skip = missing();

function buildPlugin(): void {
  must('make', ['-s', '-C', path.join(REPO, 'native', 'spank')]);
  fs.mkdirSync(path.dirname(PLUGIN), { recursive: true, mode: 0o755 });
  fs.copyFileSync(path.join(REPO, 'native', 'spank', 'chos_spank.so'), PLUGIN);
  fs.chmodSync(PLUGIN, 0o644);
}

interface Opts { env?: Record<string, string>; cwd?: string; input?: string }
/** A Slurm client command as the test user, with the test cluster's config. */
function as(argv: readonly string[], o: Opts = {}): ReturnType<typeof asUser> {
  return asUser(argv, { env: slurmEnv(o.env), cwd: o.cwd ?? userInfo().home, input: o.input ?? '' });
}
const srun = (args: readonly string[], o: Opts = {}): ReturnType<typeof asUser> => as(['srun', ...args], o);

/** A file in the test user's home, owned by them. */
function userFile(name: string, text: string, mode = 0o644): string {
  const u = userInfo();
  const p = path.join(u.home, name);
  fs.rmSync(p, { force: true, recursive: true });
  fs.writeFileSync(p, text, { mode });
  fs.chownSync(p, u.uid, u.gid);
  return p;
}
const chosFile = (): string => path.join(userInfo().home, '.chos');
function clearChosFile(): void {
  fs.rmSync(chosFile(), { force: true, recursive: true });
}


/** sbatch --wait as the test user; returns the status and the job's output file. */
function batch(args: readonly string[], script: string, o: Opts = {}): { status: number | null; out: string; stderr: string } {
  const out = path.join(userInfo().home, `job-${String(process.pid)}-${String(Date.now())}.out`);
  const r = as(['sbatch', '--wait', '-o', out, ...args], { ...o, input: script });
  const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  fs.rmSync(out, { force: true });
  return { status: r.status, out: text, stderr: r.stderr };
}

/**
 * The entry records (docs/slurm.md), read from the cluster's own rsyslogd: an srun step of two
 * tasks and a batch script write one record per task, naming the user, the environment (for
 * the alias default, the one it names, which the task's CHOS names too), the job (the one this
 * run's Slurm gave), step and task; an entry refused as unknown writes none.
 */
function checkRecords(): void {
  clearChosFile();
  const start = authLog().length;
  const records = (): string[] => authLog().slice(start).split('\n').filter((l) => l.includes(' chos['));
  const refused = `nope${String(process.pid)}`;
  const r = srun([`--chos=${refused}`, 'true']);
  assert.notEqual(r.status, 0);
  const s = srun(['-n2', '--chos=debian11', 'sh', '-c', 'echo "$SLURM_JOB_ID"']);
  assert.equal(s.status, 0, s.stderr);
  const job = s.stdout.split('\n')[0] ?? '';
  assert.match(job, /^\d+$/);
  const b = as(['sbatch', '--parsable', '--wait', '--chos=debian13', '-o', '/dev/null', '--wrap', 'true']);
  assert.equal(b.status, 0, b.stderr);
  const batchJob = b.stdout.trim().split(';')[0] ?? '';
  const d = srun(['sh', '-c', 'echo "$SLURM_JOB_ID $CHOS"']);
  assert.equal(d.status, 0, d.stderr);
  const [aliasJob, chosVar] = d.stdout.trim().split(' ');
  assert.equal(chosVar, 'debian12', 'default:debian12 gives CHOS=debian12');
  const head = `chos\\[\\d+\\]: user=${USER} uid=${String(userInfo().uid)}`;
  const want = [
    new RegExp(`${head} env=debian11 via=slurm job=${job} step=0 task=0$`),
    new RegExp(`${head} env=debian11 via=slurm job=${job} step=0 task=1$`),
    new RegExp(`${head} env=debian13 via=slurm job=${batchJob} step=batch task=0$`),
    new RegExp(`${head} env=debian12 via=slurm job=${aliasJob ?? ''} step=0 task=0$`),
  ];
  // The refused step ran first: a record of it would have come before these.
  assert.ok(poll(15_000, () => want.every((w) => records().some((l) => w.test(l)))), `records:\n${records().join('\n')}\n${logs()}`);
  assert.equal(records().length, 4, records().join('\n'));
  assert.doesNotMatch(authLog(), new RegExp(refused));
}

/** What a failed step printed, without Slurm's own follow-up lines. */
function chosLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes('chos: '));
}

describe('Slurm: user mode', { skip }, () => {
  before(() => {
    ensureWorld();
    buildPlugin();
    clearChosFile();
    try {
      startCluster(line('user'));
    } catch (e) {
      stopCluster();
      throw e;
    }
  });
  after(() => {
    clearChosFile();
    stopCluster();
  });

  test('CHOS=debian11 srun cat /etc/debian_version prints 11.x; --chos overrides it', () => {
    const r = srun(['cat', '/etc/debian_version'], { env: { CHOS: 'debian11' } });
    assert.equal(r.status, 0, r.stderr + logs());
    assert.match(r.stdout, /^11\.\d+\n$/);
    const o = srun(['--chos=debian13', 'cat', '/etc/debian_version'], { env: { CHOS: 'debian11' } });
    assert.equal(o.status, 0, o.stderr);
    assert.match(o.stdout, /^13\.\d+\n$/);
  });

  test('sbatch --wait --chos runs the script itself inside; its exit status 3 is sbatch\'s', () => {
    const b = batch(['--chos=debian11'], '#!/bin/sh\ncat /etc/debian_version\necho "CHOS=$CHOS"\nexit 3\n');
    assert.equal(b.status, 3, b.stderr);
    assert.match(b.out, /^11\.\d+\nCHOS=debian11\n$/);
  });

  test('salloc --chos: its steps enter', () => {
    const r = as(['salloc', '--chos=debian13', 'srun', 'cat', '/etc/debian_version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^13\.\d+\n$/);
  });

  test('without --chos or CHOS: ~/.chos, then default, then the host; root is the host', () => {
    userFile('.chos', '  debian13 \nignored\n');
    assert.match(srun(['cat', '/etc/debian_version']).stdout, /^13\.\d+\n$/);
    clearChosFile();
    // default:debian12 — the tree's marker names it (the host has no /.chos).
    const d = srun(['sh', '-c', 'cat /.chos/env; echo "CHOS=$CHOS"']);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /^here='debian12'$/m);
    assert.match(d.stdout, /^CHOS=debian12$/m);
    const h = srun(['sh', '-c', 'test ! -e /.chos && echo host'], { env: { CHOS: 'root' } });
    assert.equal(h.stdout, 'host\n', h.stderr);
    writeConfig(BASE_CONFIG.replace(/^default:.*$/m, ''));
    try {
      assert.equal(chosctl(['setup']).status, 0);
      const n = srun(['sh', '-c', 'test ! -e /.chos && echo "host $CHOS"']);
      assert.equal(n.stdout, 'host root\n', n.stderr);
    } finally {
      writeConfig(BASE_CONFIG);
      assert.equal(chosctl(['setup']).status, 0);
      // slurmd's mount namespace (slurm-cluster.ts) does not see the new generation's mounts.
      restartSlurmd(line('user'));
    }
  });

  test('--export=NONE with --chos still enters (the command is looked up inside)', () => {
    const r = srun(['--export=NONE', '--chos=debian11', 'cat', '/etc/debian_version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^11\.\d+\n$/);
  });

  test('srun inside a batch job: works in a tree with a Slurm client, a clear message without', () => {
    const script = '#!/bin/sh\nsrun -n2 sh -c \'cat /.chos/env | head -1\'\necho "status $?"\n';
    const ok = batch(['--chos=debian12', '-n2'], script);
    assert.equal(ok.status, 0, ok.out + ok.stderr);
    assert.equal(ok.out, "here='debian12'\nhere='debian12'\nstatus 0\n");
    const no = batch(['--chos=debian11'], script);
    assert.match(no.out, /^chos: error: srun: this environment \(debian11\) has no Slurm client\nhint: .*\nstatus 127\n$/);
  });

  test('srun -n4: every task enters; stdin, stdout and stderr are forwarded', () => {
    const r = srun(['-n4', '-O', '--chos=debian11', 'sh', '-c', 'echo "$SLURM_PROCID $(cat /etc/debian_version)"']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 4);
    lines.forEach((l, i) => assert.match(l, new RegExp(`^${String(i)} 11\\.\\d+$`)));
    const io = srun(['--chos=debian13', 'sh', '-c', 'cat; cat /etc/debian_version >&2'], { input: 'from stdin\n' });
    assert.equal(io.status, 0, io.stderr);
    assert.equal(io.stdout, 'from stdin\n');
    assert.match(io.stderr, /^13\.\d+$/m);
  });

  test('srun --pty bash gives a terminal inside', () => {
    const r = as(['script', '-qec', "srun --chos=debian11 --pty bash -c 'test -t 0 && test -t 1 && echo tty-ok; cat /etc/debian_version'", '/dev/null']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /tty-ok\r?\n11\.\d+/);
  });

  test('the environment, working directory and TMPDIR are kept', () => {
    const u = userInfo();
    const wd = path.join(u.home, 'work dir');
    fs.mkdirSync(wd, { recursive: true });
    fs.chownSync(wd, u.uid, u.gid);
    const r = srun(['--chos=debian11', 'sh', '-c', 'echo "$MARK|$(pwd)|$TMPDIR"; cat /etc/debian_version'], {
      cwd: wd, env: { MARK: 'kept value', TMPDIR: '/tmp' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^kept value\\|${wd}\\|/tmp\\n11\\.`));
  });

  test('the exit status of srun sh -c "exit 3" is 3', () => {
    assert.equal(srun(['--chos=debian11', 'sh', '-c', 'exit 3']).status, 3);
  });

  test('scancel ends every task and leaves nothing behind', () => {
    const s = as(['sbatch', '--parsable', '--chos=debian11', '-o', '/dev/null', '--wrap', 'sleep 301 & sleep 302 & wait']);
    assert.equal(s.status, 0, s.stderr);
    const id = s.stdout.trim().split(';')[0] ?? '';
    assert.ok(poll(30_000, () => userProcesses().some((p) => p.includes('sleep 302'))), `job ${id} did not start\n${logs()}`);
    // Its tasks really are inside: their root is the prepared tree.
    const pid = userProcesses().find((p) => p.includes('sleep 302'))?.split(' ')[0] ?? '';
    assert.match(fs.readlinkSync(`/proc/${pid}/root`), /roots\/debian11$/);
    assert.equal(as(['scancel', id]).status, 0);
    assert.ok(poll(30_000, () => userProcesses().length === 0), `left behind: ${userProcesses().join('; ')}`);
  });

  test('an srun step ended by a signal (Ctrl-C) leaves nothing behind', async () => {
    const env = slurmEnv();
    const child = spawn('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'srun', '-n2', '--chos=debian11', 'sleep', '303'], { cwd: userInfo().home, stdio: 'ignore' });
    // The two tasks themselves (srun's own command lines hold "sleep 303" too).
    const tasks = (): string[] => userProcesses().filter((p) => /^\d+ (\S*\/)?sleep 303$/.test(p));
    try {
      assert.ok(poll(30_000, () => tasks().length === 2), `${userProcesses().join('; ')}\n${logs()}`);
      for (const t of tasks()) assert.match(fs.readlinkSync(`/proc/${t.split(' ')[0] ?? ''}/root`), /roots\/debian11$/);
      // srun takes one SIGINT as a status request and two within a second as Ctrl-C twice; a
      // second signal that arrives before srun handled the first is merged with it, so press
      // again until srun is gone.
      const exited = new Promise((resolve) => child.on('exit', resolve));
      let gone = false;
      void exited.then(() => { gone = true; });
      for (let i = 0; i < 20 && !gone; i++) {
        child.kill('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(gone, 'srun did not end after 20 presses of Ctrl-C');
      await exited;
      assert.ok(poll(30_000, () => userProcesses().length === 0), `left behind: ${userProcesses().join('; ')}`);
    } finally {
      // Whatever happened, the next tests get a free node.
      as(['scancel', '-u', USER]);
      child.kill('SIGKILL');
    }
  });

  test('job arrays: every element enters', () => {
    const dir = path.join(userInfo().home, `arr-${String(process.pid)}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    fs.chownSync(dir, userInfo().uid, userInfo().gid);
    const r = as(['sbatch', '--wait', '--array=1-3', '--chos=debian13', '-o', `${dir}/%a.out`, '--wrap', 'cat /etc/debian_version']);
    assert.equal(r.status, 0, r.stderr);
    for (const a of ['1', '2', '3']) assert.match(fs.readFileSync(`${dir}/${a}.out`, 'utf8'), /^13\.\d+\n$/);
  });

  test('never fails open: unknown and invalid names, ~/.chos as a FIFO, a root that cannot be entered', () => {
    const unknown = srun(['--chos=nope', 'touch', '/tmp/chos-slurm-fail-open']);
    assert.notEqual(unknown.status, 0);
    assert.deepEqual(chosLines(unknown.stderr), ['slurmstepd-' + NODE + ': error: chos: error: unknown environment "nope" (from --chos); hint: run \'chos --list\' to see the environments']);
    assert.ok(!fs.existsSync('/tmp/chos-slurm-fail-open'));
    const bad = srun(['true'], { env: { CHOS: '../../etc' } });
    assert.notEqual(bad.status, 0);
    assert.equal(chosLines(bad.stderr).length, 1);
    assert.match(bad.stderr, /invalid environment name from \$CHOS/);
    // srun itself refuses an invalid --chos before submitting anything.
    const opt = srun(['--chos=a/b', 'true']);
    assert.notEqual(opt.status, 0);
    assert.match(opt.stderr, /invalid environment name from --chos/);
    const fifo = chosFile();
    clearChosFile();
    must('mkfifo', [fifo]);
    fs.chownSync(fifo, userInfo().uid, userInfo().gid);
    const f = srun(['true']);
    clearChosFile();
    assert.notEqual(f.status, 0);
    assert.match(f.stderr, /chos: error: ~\/\.chos is not a regular file/);
    // An environment whose prepared root is gone (written by root into the generation).
    const envFile = path.join(RUN_DIR, 'current', 'env', 'broken');
    fs.writeFileSync(envFile, `root='${RUN_DIR}/nonexistent'\nkeep=''\nbashlogin=0\n`);
    try {
      const b = srun(['--chos=broken', 'true']);
      assert.notEqual(b.status, 0);
      assert.match(b.stderr, /chos: error: cannot open the prepared root/);
    } finally {
      fs.rmSync(envFile);
    }
    const b2 = batch(['--chos=nope'], '#!/bin/sh\necho ran\n');
    assert.notEqual(b2.status, 0);
    assert.doesNotMatch(b2.out, /ran/);
    assert.match(b2.out, /chos: error: unknown environment "nope"/);
  });

  test('each srun task and sbatch script entry is recorded in the system log; a refused one is not', () => {
    checkRecords();
  });

  test('a node where the plugin is missing runs nothing (required: slurmd refuses to start)', () => {
    // The client reads a good plugin stack; the node's names a plugin that is not there.
    const clientDir = path.join(SLURM, 'client');
    fs.mkdirSync(clientDir, { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(clientDir, 'plugstack.conf'), line('user'));
    fs.writeFileSync(path.join(clientDir, 'slurm.conf'), fs.readFileSync(SLURM_CONF, 'utf8').replace(/^PlugStackConfig=.*$/m, `PlugStackConfig=${clientDir}/plugstack.conf`));
    try {
      assert.throws(() => restartSlurmd(line('user', path.join(SITE_DIR, 'slurm', 'lib', 'absent.so'))), /absent\.so/);
      const r = srun(['--immediate=5', '--chos=debian11', 'touch', '/tmp/chos-slurm-no-plugin'], { env: { SLURM_CONF: path.join(clientDir, 'slurm.conf') } });
      assert.notEqual(r.status, 0);
      assert.ok(!fs.existsSync('/tmp/chos-slurm-no-plugin'));
    } finally {
      restartSlurmd(line('user'));
    }
  });
});

describe('Slurm: root mode', { skip }, () => {
  before(() => {
    ensureWorld();
    buildPlugin();
    clearChosFile();
    assertEntryData();
    startCluster(line('root'));
  });
  after(() => {
    clearChosFile();
    stopCluster();
  });

  test('CHOS=debian11 srun enters as root before Slurm drops to the user: real owners, supplementary groups', () => {
    const r = srun(['sh', '-c', 'cat /etc/debian_version; stat -c %U /etc/debian_version; id -G'], { env: { CHOS: 'debian11' } });
    assert.equal(r.status, 0, r.stderr + logs());
    const [ver, owner, groups] = r.stdout.trim().split('\n');
    assert.match(ver ?? '', /^11\.\d+$/);
    assert.equal(owner, 'root');
    assert.ok((groups ?? '').split(' ').includes(String(userInfo().extraGid)), groups);
    const b = batch(['--chos=debian13'], '#!/bin/sh\ncat /etc/debian_version\nexit 3\n');
    assert.equal(b.status, 3, b.stderr);
    assert.match(b.out, /^13\.\d+\n$/);
    clearChosFile();
    userFile('.chos', 'debian13\n');
    assert.match(srun(['cat', '/etc/debian_version']).stdout, /^13\.\d+\n$/);
    clearChosFile();
    const u = userInfo();
    const wd = path.join(u.home, 'root-mode dir');
    fs.mkdirSync(wd, { recursive: true });
    fs.chownSync(wd, u.uid, u.gid);
    const w = srun(['sh', '-c', 'pwd; cat /etc/debian_version'], { cwd: wd, env: { CHOS: 'debian11' } });
    assert.match(w.stdout, new RegExp(`^${wd}\n11\\.`), w.stderr);
  });

  test('each srun task and sbatch script entry is recorded in the system log; a refused one is not', () => {
    checkRecords();
  });

  test('hostile ~/.chos and CHOS: no link followed as root, no content disclosed, no hang', () => {
    // A root-only canary whose content is a valid name: following the link as root would enter it.
    const canary = path.join(SLURM, 'canary');
    fs.writeFileSync(canary, 'debian13\n', { mode: 0o600 });
    clearChosFile();
    fs.symlinkSync(canary, chosFile());
    fs.lchownSync(chosFile(), userInfo().uid, userInfo().gid);
    const l = srun(['cat', '/etc/debian_version']);
    assert.notEqual(l.status, 0);
    assert.doesNotMatch(l.stdout + l.stderr, /debian13|^13\./m);
    assert.match(l.stderr, /chos: error: ~\/\.chos is not a regular file/);
    clearChosFile();
    must('mkfifo', [chosFile()]);
    fs.chownSync(chosFile(), userInfo().uid, userInfo().gid);
    const f = srun(['true']);
    assert.notEqual(f.status, 0);
    assert.notEqual(f.status, null, 'srun hung on a FIFO');
    assert.match(f.stderr, /~\/\.chos is not a regular file/);
    // A huge file: only its first 256 bytes are read (one long invalid line).
    userFile('.chos', 'x\u0007'.repeat(4 * 1024 * 1024));
    const h = srun(['true']);
    assert.notEqual(h.status, 0);
    assert.equal(chosLines(h.stderr).length, 1);
    assert.doesNotMatch(h.stderr, /\u0007/);
    // A file that is not the user's (root's, in their home) is refused.
    userFile('.chos', 'debian13\n');
    fs.chownSync(chosFile(), 0, 0);
    const o = srun(['true']);
    assert.notEqual(o.status, 0);
    assert.match(o.stderr, /~\/\.chos is not a regular file of yours/);
    clearChosFile();
    const e = srun(['true'], { env: { CHOS: '../../etc' } });
    assert.notEqual(e.status, 0);
    assert.match(e.stderr, /invalid environment name from \$CHOS/);
    fs.rmSync(canary);
  });
});

/**
 * Root mode resolves names through the generation's entry data (gen/entry/NAME: the target's
 * root name, or "/" for the host), which `chosctl setup` writes in every mode.
 */
function assertEntryData(): void {
  const gen = fs.realpathSync(path.join(RUN_DIR, 'current'));
  for (const name of fs.readdirSync(path.join(gen, 'env'))) {
    assert.ok(fs.statSync(path.join(gen, 'entry', name)).isFile(), `setup wrote entry/${name}`);
  }
}
