// Logins through a real OpenSSH server on loopback (its own config, host key and port, using
// the snippet `chosctl sshd-config` prints), a real ssh/scp/sftp/rsync client, rsyslog for the
// login records, and the system cron for crontab entries. I/O.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BASE_CONFIG, CHOS, CHOSCTL, GROUP, PKG, RUN_DIR, USER, WORLD, asUser, cannotRun, chos, chosctl, ensureWorld, must, run, treeFile,
  userEnv, userInfo, writeConfig, requireTools,
} from './harness.js';

const skip = cannotRun();

const SSH = path.join(WORLD, 'ssh');
const PORT = 2222; // members of GROUP are moved
const ROOT_PORT = 2223; // every user: shows that root is never moved
const OTHER = 'chos-e2e-other'; // not in GROUP
const KEY = path.join(SSH, 'client_key');
const AUTH_LOG = path.join(WORLD, 'auth.log');
const LOG_SOCKET = path.join(WORLD, 'log.sock');
/** How /dev/log reaches the test's own rsyslogd: a private bind (a system logger runs) or a link made for the test. */
let logVia: 'bind' | 'link' | undefined;

/**
 * argv, started so that what it logs through /dev/log reaches the test's rsyslogd: when the
 * machine has a /dev/log of its own (journald, rsyslog), in a mount namespace where our socket
 * is bound over it (mounts made later still arrive there: it is a slave of the host's).
 */
function withOurLog(argv: readonly string[]): string[] {
  if (logVia !== 'bind') return [...argv];
  return ['unshare', '--mount', '--propagation', 'slave', 'sh', '-c', 'mount --bind "$0" /dev/log && exec "$@"', LOG_SOCKET, ...argv];
}

/** Waits until something accepts connections on 127.0.0.1:port. */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`nothing listens on 127.0.0.1:${port} after 10 s (see ${SSH}/sshd-${port}.log)`);
}

function sshdConfig(port: number, snippet: string): string {
  return [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${SSH}/host_key`, `PidFile ${SSH}/sshd-${port}.pid`,
    `AuthorizedKeysFile ${SSH}/keys/%u`, 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'PermitRootLogin prohibit-password', 'Subsystem sftp /usr/lib/openssh/sftp-server',
    `SetEnv CHOS_RUN_DIR=${RUN_DIR}`, snippet,
  ].join('\n');
}

async function startDaemons(): Promise<void> {
  fs.rmSync(SSH, { recursive: true, force: true });
  fs.mkdirSync(path.join(SSH, 'keys'), { recursive: true, mode: 0o755 });
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${SSH}/host_key`]);
  must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', KEY]);
  const pub = fs.readFileSync(`${KEY}.pub`);
  for (const u of [USER, OTHER, 'root']) fs.writeFileSync(path.join(SSH, 'keys', u), pub, { mode: 0o644 });
  fs.copyFileSync(KEY, `${SSH}/root_key`);
  fs.chmodSync(`${SSH}/root_key`, 0o600);
  fs.chmodSync(KEY, 0o644); // copied per user below: ssh insists on a private key only its user can read
  for (const u of [USER, OTHER]) {
    const home = must('getent', ['passwd', u]).split(':')[5] ?? '';
    fs.copyFileSync(KEY, path.join(home, '.e2e_key'));
    must('chown', [`${u}:`, path.join(home, '.e2e_key')]);
    fs.chmodSync(path.join(home, '.e2e_key'), 0o600);
  }
  const login = path.join(PKG, 'bin', 'chos-login');
  const grouped = must(CHOSCTL, ['sshd-config', '--group', GROUP, '--login', login]);
  const all = must(CHOSCTL, ['sshd-config', '--login', login]);
  // The test's own rsyslogd, on its own socket, writing the login records where the test reads them.
  fs.rmSync(LOG_SOCKET, { force: true });
  fs.rmSync(AUTH_LOG, { force: true });
  fs.writeFileSync(`${WORLD}/rsyslog.conf`,
    `module(load="imuxsock" SysSock.Use="off")\ninput(type="imuxsock" Socket="${LOG_SOCKET}")\nauthpriv.* ${AUTH_LOG}\n`);
  must('rsyslogd', ['-f', `${WORLD}/rsyslog.conf`, '-i', `${WORLD}/rsyslog.pid`]);
  for (let i = 0; i < 50 && !fs.existsSync(LOG_SOCKET); i++) spawnSync('sleep', ['0.1']);
  assert.ok(fs.existsSync(LOG_SOCKET), 'rsyslogd made its socket');
  if (fs.existsSync('/dev/log')) {
    logVia = 'bind';
  } else {
    fs.symlinkSync(LOG_SOCKET, '/dev/log');
    logVia = 'link';
  }
  for (const [port, snippet] of [[PORT, grouped], [ROOT_PORT, all]] as const) {
    fs.writeFileSync(`${SSH}/sshd_config-${port}`, sshdConfig(port, snippet));
    must('/usr/sbin/sshd', ['-t', '-f', `${SSH}/sshd_config-${port}`]);
  }
  await startSshd();
}

/**
 * Starts both sshd (again), and waits for their ports. In a mount namespace of their own
 * (withOurLog) they do not see the generations a later chosctl setup mounts (setup makes its
 * mounts private): a test that runs setup starts them again.
 */
async function startSshd(): Promise<void> {
  for (const port of [PORT, ROOT_PORT]) {
    const pidFile = `${SSH}/sshd-${port}.pid`;
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid);
      } catch { /* not running */ }
      for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) spawnSync('sleep', ['0.05']);
    }
    const [cmd, ...args] = withOurLog(['/usr/sbin/sshd', '-f', `${SSH}/sshd_config-${port}`, '-E', `${SSH}/sshd-${port}.log`]);
    must(cmd ?? '', args);
    await waitForPort(port);
  }
}

function stopDaemons(): void {
  for (const pidFile of [`${SSH}/sshd-${PORT}.pid`, `${SSH}/sshd-${ROOT_PORT}.pid`, `${WORLD}/rsyslog.pid`]) {
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()));
    } catch { /* not running */ }
  }
  if (logVia === 'link' && fs.readlinkSync('/dev/log') === LOG_SOCKET) fs.rmSync('/dev/log', { force: true });
}

function sshArgs(port: number, home: string): string[] {
  const key = home === '/root' ? `${SSH}/root_key` : path.join(home, '.e2e_key');
  return ['-p', String(port), '-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
}

/** ssh as the test user (or `user`) to 127.0.0.1, with `args` after the host. */
function ssh(args: readonly string[], opts: { user?: string; port?: number; env?: Record<string, string>; extra?: string[]; input?: string } = {}): ReturnType<typeof asUser> {
  const user = opts.user ?? USER;
  const home = must('getent', ['passwd', user]).split(':')[5] ?? '';
  const argv = ['ssh', ...sshArgs(opts.port ?? PORT, home), ...(opts.extra ?? []), `${user}@127.0.0.1`, ...args];
  if (user === 'root') return run('env', ['-i', 'PATH=/usr/bin:/bin', ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`), 'timeout', '30', ...argv], { input: opts.input ?? '' });
  const env = { ...userEnv(), HOME: home, USER: user, LOGNAME: user, ...opts.env };
  if (user === USER) return asUser(['timeout', '30', ...argv], { env, input: opts.input ?? '' });
  return spawnSync('setpriv', ['--reuid', user, '--regid', user, '--init-groups', '--', 'env', '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'timeout', '30', ...argv], { encoding: 'utf8', cwd: '/tmp', input: opts.input ?? '' });
}

function choose(text: string | undefined): void {
  const p = path.join(userInfo().home, '.chos');
  fs.rmSync(p, { force: true });
  if (text !== undefined) {
    fs.writeFileSync(p, text);
    fs.chownSync(p, userInfo().uid, userInfo().gid);
  }
}

const version = (suite: string): string => treeFile(suite, 'etc/debian_version');

describe('ssh logins land in the chosen environment', { skip }, () => {
  before(async () => {
    requireTools('sshd', 'ssh', 'scp', 'sftp', 'rsync', 'rsyslogd', 'cron', 'crontab', 'logger');
    ensureWorld();
    writeConfig(BASE_CONFIG);
    assert.equal(chosctl(['setup']).status, 0);
    if (run('getent', ['passwd', OTHER]).status !== 0) must('useradd', ['-m', '-s', '/bin/bash', OTHER]);
    must('usermod', ['-p', '*', OTHER]);
    await startDaemons();
  });
  after(() => {
    stopDaemons();
    choose(undefined);
  });

  it('runs a command in the environment ~/.chos names', () => {
    choose('debian11\n');
    const r = ssh(['cat', '/etc/debian_version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, version('bullseye'));
  });

  it('gives an interactive login shell with a pty inside', () => {
    choose('debian11\n');
    const r = ssh([], { extra: ['-tt'], input: 'echo "V=$(cat /etc/debian_version) C=$CHOS Z=$0"; tty; exit\n' });
    assert.match(r.stdout, new RegExp(`V=${version('bullseye').trim()} C=debian11 Z=-bash`));
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
  });

  it('lets CHOS sent by the client override ~/.chos for that session', () => {
    choose('debian11\n');
    const r = ssh(['cat', '/etc/debian_version'], { env: { CHOS: 'debian13' }, extra: ['-o', 'SendEnv=CHOS'] });
    assert.equal(r.stdout, version('trixie'), r.stderr);
  });

  // "default" names debian11 here: its debian_version (11.x) is one the Debian 12 host
  // does not have, so that a fall-back to the host cannot pass for "default".
  describe('with "default" naming debian11', () => {
    before(async () => {
      writeConfig(BASE_CONFIG.replace('default:debian12', 'default:debian11'));
      assert.equal(chosctl(['setup']).status, 0);
      await startSshd();
    });
    after(async () => {
      writeConfig(BASE_CONFIG);
      assert.equal(chosctl(['setup']).status, 0);
      await startSshd();
    });

    it('uses "default" without ~/.chos', () => {
      choose(undefined);
      const r = ssh(['sh', '-c', '"cat /etc/debian_version; echo $CHOS"']);
      assert.notEqual(version('bullseye'), fs.readFileSync('/etc/debian_version', 'utf8'));
      assert.equal(r.stdout, `${version('bullseye')}debian11\n`, r.stderr);
    });

    const bad: Array<[string, () => void, RegExp]> = [
      ['an unknown name', () => choose('debian99\n'), /unknown environment "debian99" \(from ~\/\.chos\); you are in "default"/],
      ['garbage', () => choose('\u0001../../etc;rm -rf /\n'), /invalid environment name from ~\/\.chos: .*; you are in "default"/],
      ['a symlink to a file the user cannot read', () => {
        choose(undefined);
        fs.writeFileSync(path.join(WORLD, 'secret'), 'debian11\n', { mode: 0o600 });
        fs.symlinkSync(path.join(WORLD, 'secret'), path.join(userInfo().home, '.chos'));
      }, /~\/\.chos cannot be read; you are in "default"/],
      ['a FIFO', () => {
        choose(undefined);
        must('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'mkfifo', path.join(userInfo().home, '.chos')]);
      }, /~\/\.chos is not a regular file; you are in "default"/],
      ['a symlink to /dev/zero', () => {
        choose(undefined);
        fs.symlinkSync('/dev/zero', path.join(userInfo().home, '.chos'));
      }, /~\/\.chos is not a regular file; you are in "default"/],
      ['a huge file without newlines', () => {
        choose('x'.repeat(20 * 1024 * 1024));
      }, /invalid environment name from ~\/\.chos: .*; you are in "default"/],
    ];
    for (const [what, make, warning] of bad) {
      it(`never locks the user out: ~/.chos as ${what} gives "default" and one warning`, () => {
        make();
        const t0 = Date.now();
        const r = ssh(['cat', '/etc/debian_version']);
        const ms = Date.now() - t0;
        choose(undefined);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, version('bullseye'));
        assert.match(r.stderr, warning);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        console.log(`# login with ~/.chos as ${what}: ${ms} ms`);
      });
    }
  });

  it('never moves root, even when the client asks for an environment', () => {
    const r = ssh(['cat', '/etc/debian_version'], { user: 'root', port: ROOT_PORT, env: { CHOS: 'debian11' }, extra: ['-o', 'SendEnv=CHOS'] });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync('/etc/debian_version', 'utf8'));
  });

  it('leaves users outside the configured group untouched', () => {
    const home = must('getent', ['passwd', OTHER]).split(':')[5] ?? '';
    fs.writeFileSync(path.join(home, '.chos'), 'debian11\n');
    const r = ssh(['cat', '/etc/debian_version'], { user: OTHER });
    fs.rmSync(path.join(home, '.chos'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync('/etc/debian_version', 'utf8'));
  });

  it('returns the command\'s own exit status', () => {
    choose('debian11\n');
    assert.equal(ssh(['exit 42']).status, 42);
  });

  it('runs the original command exactly once, by the user\'s shell inside', () => {
    choose('debian13\n');
    const cases = [
      `printf '%s|' "a;b" '$(echo never)' "$(echo once)"; echo`,
      `echo 'single "double"' "it's"`,
      'echo one\necho two',
      'X=1; echo "$X$X"; echo $((6*7))',
    ];
    for (const cmd of cases) {
      const expected = asUser(['bash', '-c', cmd]).stdout;
      const r = ssh([cmd]);
      assert.equal(r.stdout, expected, `${JSON.stringify(cmd)}: ${r.stderr}`);
    }
    const dash = ssh(['--', '-chos-e2e-not-an-option']);
    assert.equal(dash.status, 127);
    assert.match(dash.stderr, /-chos-e2e-not-an-option: command not found/);
  });

  it('copies files both ways with scp (sftp mode and legacy mode), sftp and rsync, into the shared home, their servers running inside', () => {
    choose('debian11\n');
    const home = userInfo().home;
    const local = path.join(home, 'e2e-local.txt');
    fs.writeFileSync(local, 'payload\n');
    fs.chownSync(local, userInfo().uid, userInfo().gid);
    const key = path.join(home, '.e2e_key');
    const o = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-i', key];
    const target = `${USER}@127.0.0.1`;
    const steps: string[][] = [
      ['scp', '-P', String(PORT), ...o, local, `${target}:e2e-scp.txt`],
      ['scp', '-O', '-P', String(PORT), ...o, local, `${target}:e2e-scp-legacy.txt`],
      ['scp', '-O', '-P', String(PORT), ...o, `${target}:e2e-scp-legacy.txt`, path.join(home, 'e2e-back-legacy.txt')],
      ['scp', '-P', String(PORT), ...o, `${target}:e2e-scp.txt`, path.join(home, 'e2e-back.txt')],
      ['rsync', '-e', `ssh -p ${PORT} ${o.join(' ')}`, local, `${target}:e2e-rsync.txt`],
      // The server side reads debian11's /etc/debian_version (11.x, not the Debian 12 host's):
      // sftp-server, scp -f and rsync --server ran inside the tree.
      ['scp', '-P', String(PORT), ...o, `${target}:/etc/debian_version`, path.join(home, 'e2e-v-scp.txt')],
      ['scp', '-O', '-P', String(PORT), ...o, `${target}:/etc/debian_version`, path.join(home, 'e2e-v-scp-legacy.txt')],
      ['rsync', '-e', `ssh -p ${PORT} ${o.join(' ')}`, `${target}:/etc/debian_version`, path.join(home, 'e2e-v-rsync.txt')],
    ];
    for (const s of steps) {
      const r = asUser(['timeout', '30', ...s]);
      assert.equal(r.status, 0, `${s.join(' ')}: ${r.stderr}`);
    }
    const batch = path.join(home, 'e2e-sftp.batch');
    fs.writeFileSync(batch, `put ${local} e2e-sftp.txt\nget e2e-sftp.txt ${home}/e2e-sftp-back.txt\nget /etc/debian_version ${home}/e2e-v-sftp.txt\n`);
    const sftp = asUser(['timeout', '30', 'sftp', '-P', String(PORT), ...o, '-b', batch, target]);
    assert.equal(sftp.status, 0, sftp.stderr);
    for (const f of ['e2e-scp.txt', 'e2e-scp-legacy.txt', 'e2e-back-legacy.txt', 'e2e-back.txt', 'e2e-rsync.txt', 'e2e-sftp.txt', 'e2e-sftp-back.txt']) {
      assert.equal(fs.readFileSync(path.join(home, f), 'utf8'), 'payload\n', f);
      fs.rmSync(path.join(home, f));
    }
    assert.notEqual(version('bullseye'), fs.readFileSync('/etc/debian_version', 'utf8'));
    for (const f of ['e2e-v-scp.txt', 'e2e-v-scp-legacy.txt', 'e2e-v-rsync.txt', 'e2e-v-sftp.txt']) {
      assert.equal(fs.readFileSync(path.join(home, f), 'utf8'), version('bullseye'), f);
      fs.rmSync(path.join(home, f));
    }
    // rsync ran its server side inside debian11: that tree's rsync, not the host's.
    const rv = ssh(['rsync --version | head -n 1']);
    assert.equal(rv.stdout.split(' ')[2], chos(['sh', '-c', 'rsync --version | head -n 1'], { env: userEnv({ CHOS: 'debian11' }) }).stdout.split(' ')[2]);
    fs.rmSync(local);
    fs.rmSync(batch);
  });

  it('records each login in the system log (user, environment, entry point)', () => {
    choose('debian13\n');
    assert.equal(ssh(['true']).status, 0);
    let log = '';
    for (let i = 0; i < 50 && !/via=ssh/.test(log); i++) {
      spawnSync('sleep', ['0.1']);
      log = fs.existsSync(AUTH_LOG) ? fs.readFileSync(AUTH_LOG, 'utf8') : '';
    }
    assert.match(log, new RegExp(`chos(\\[\\d+\\])?: user=${USER} uid=${userInfo().uid} env=debian13 via=ssh`));
    // An interactive ssh login is recorded once; a login shell started by chos as via=cli.
    const before = log.split('\n').length;
    assert.equal(ssh([], { extra: ['-tt'], input: 'exit\n' }).status, 0);
    const env = userEnv({ CHOS: 'debian11' });
    const [cmd, ...args] = withOurLog(['setpriv', '--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`), CHOS]);
    const cli = spawnSync(cmd ?? '', args, { encoding: 'utf8', cwd: userInfo().home, input: 'exit\n' });
    assert.equal(cli.status, 0, cli.stderr);
    for (let i = 0; i < 50 && !/via=cli/.test(log); i++) {
      spawnSync('sleep', ['0.1']);
      log = fs.readFileSync(AUTH_LOG, 'utf8');
    }
    const added = log.split('\n').slice(before - 1).filter((l) => l.includes('chos'));
    assert.equal(added.length, 2, added.join('\n'));
    assert.match(added[0] ?? '', /env=debian13 via=ssh/);
    assert.match(added[1] ?? '', new RegExp(`user=${USER} uid=\\d+ env=debian11 via=cli`));
  });

  it('chos --use validates the name and writes ~/.chos, which the next login follows', () => {
    choose(undefined);
    const bad = chos(['--use', 'debian99']);
    assert.equal(bad.status, 125);
    assert.equal(fs.existsSync(path.join(userInfo().home, '.chos')), false);
    const ok = chos(['--use', 'debian13']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(fs.readFileSync(path.join(userInfo().home, '.chos'), 'utf8'), 'debian13\n');
    assert.equal(ssh(['cat', '/etc/debian_version']).stdout, version('trixie'));
  });

  it('chosctl sshd-config --install writes the drop-in the system sshd reads, and keeps the old one when sshd -t refuses', () => {
    // In a mount namespace of its own, over a copy of /etc/ssh with an empty sshd_config.d
    // (and host keys, which sshd -t wants, made there if the host has none): the host's sshd
    // configuration is untouched.
    const dir = '/etc/ssh/sshd_config.d';
    const copy = path.join(WORLD, 'etc-ssh');
    fs.rmSync(copy, { recursive: true, force: true });
    const login = path.join(PKG, 'bin', 'chos-login');
    const effective = (user: string): string => `/usr/sbin/sshd -T -C user=${user},host=localhost,addr=127.0.0.1 | grep -E '^(forcecommand|acceptenv) '`;
    const script = [
      `cp -a /etc/ssh ${copy} && mount --bind ${copy} /etc/ssh || exit 90`,
      `rm -f ${dir}/* && { ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || ssh-keygen -q -A; } || exit 90`,
      `"$0" sshd-config --group ${GROUP} --login ${login} --install || exit 91`,
      `cat ${dir}/chos.conf; echo ---`,
      `${effective(USER)}; echo ---`,
      `${effective(OTHER)}; echo ---`,
      `echo '# the old one' > ${dir}/chos.conf`,
      `echo 'NoSuchKeyword yes' > ${dir}/zz-broken.conf`,
      `"$0" sshd-config --login ${login} --install; echo "status $?"`,
      `cat ${dir}/chos.conf; ls ${dir}`,
    ].join('\n');
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, CHOSCTL], { encoding: 'utf8' });
    fs.rmSync(copy, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const [installed, moved, untouched, refused] = r.stdout.split('---\n');
    assert.equal(installed, `chosctl: wrote ${dir}/chos.conf; sshd -t accepts it. Reload sshd to apply it.\n${must(CHOSCTL, ['sshd-config', '--group', GROUP, '--login', login])}`);
    assert.match(moved ?? '', new RegExp(`^forcecommand ${login} ssh$`, 'm'));
    assert.match(moved ?? '', /^acceptenv CHOS$/m);
    assert.match(untouched ?? '', /^forcecommand none$/m);
    assert.equal(refused, 'status 125\n# the old one\nchos.conf\nzz-broken.conf\n');
    const complaint = r.stderr.split('\n').filter((l) => l.startsWith('chosctl: error:'));
    assert.equal(complaint.length, 1, r.stderr);
    assert.match(complaint[0] ?? '', /sshd -t rejected the configuration: .*zz-broken\.conf: line 1: Bad configuration option: NoSuchKeyword/);
  });

  it('runs crontab entries in the chosen environment when the crontab names chos-login as SHELL', { timeout: 150_000 }, async () => {
    choose('debian11\n');
    const out = `/tmp/chos-e2e-cron-${process.pid}`;
    const crontab = `SHELL=${PKG}/bin/chos-login\nCHOS_RUN_DIR=${RUN_DIR}\n* * * * * cat /etc/debian_version > ${out}; echo "$CHOS" >> ${out}\n`;
    const tab = path.join(WORLD, 'crontab');
    fs.writeFileSync(tab, crontab, { mode: 0o644 });
    must('crontab', ['-u', USER, tab]);
    const cron = spawnSync('cron', [], { encoding: 'utf8' });
    const started = cron.status === 0;
    try {
      for (let i = 0; i < 130 && !(fs.existsSync(out) && fs.readFileSync(out, 'utf8').split('\n').length > 2); i++) {
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(fs.readFileSync(out, 'utf8'), `${version('bullseye')}debian11\n`);
    } finally {
      run('crontab', ['-u', USER, '-r']);
      if (started) run('pkill', ['-x', 'cron']);
      fs.rmSync(out, { force: true });
    }
  });
});
