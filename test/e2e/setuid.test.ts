// ENTRY="setuid": entry through the setuid helper (native/helper/chos-enter.c) as the
// unprivileged test user, and hostile callers of the helper. I/O (real trees, real setuid root).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BASE_CONFIG, CHOS, GROUP, PKG, REPO, RUN_DIR, SITE_DIR, SYSCONFIG, USER, WORLD, asUser, cannotRun, chos, chosctl, ensureWorld,
  must, run, treeFile, userEnv, userInfo, writeConfig,
} from './harness.js';

const skip = cannotRun();
const HELPER = path.join(PKG, 'libexec', 'chos-enter');
const SETUID_SYSCONFIG = `BINDMOUNT="${SITE_DIR}"\nENTRY="setuid"\n`;
/** A second helper, compiled for a run directory the hostile tests build by hand. */
const FAKE_RUN = `${RUN_DIR}-fake`;
const FAKE_HELPER = path.join(WORLD, 'fake-helper', 'libexec', 'chos-enter');
const D11 = /^11\.\d+\n$/;

/** Runs argv as root under a seccomp filter that refuses new user namespaces, then as the test user. */
const NO_USERNS = `
import errno, os, sys, seccomp
NEWUSER = 0x10000000
f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
f.set_attr(seccomp.Attr.CTL_NNP, 0)  # root loads it; the setuid bit must still work below
for call in ('unshare', 'clone'):
    f.add_rule(seccomp.ERRNO(errno.EPERM), call, seccomp.Arg(0, seccomp.MASKED_EQ, NEWUSER, NEWUSER))
f.add_rule(seccomp.ERRNO(errno.ENOSYS), 'clone3')  # its flags are out of reach: callers fall back to clone
f.load()
uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([int(g) for g in sys.argv[3].split(',')])
os.setgid(gid)
os.setuid(uid)
os.execv(sys.argv[4], sys.argv[4:])
`;

function noUserns(argv: readonly string[], env: Record<string, string>): ReturnType<typeof run> {
  const u = userInfo();
  return run('/usr/bin/python3', ['-c', NO_USERNS, String(u.uid), String(u.gid), `${u.gid},${u.extraGid}`, '/usr/bin/env', '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv]);
}

function setupMode(sysconfig: string): void {
  writeConfig(BASE_CONFIG, sysconfig);
  const r = chosctl(['setup']);
  assert.equal(r.status, 0, r.stderr);
}

describe('ENTRY="setuid"', { skip }, () => {
  before(() => {
    ensureWorld();
    must('sh', [path.join(REPO, 'scripts', 'install-helper.sh'), PKG, RUN_DIR]);
    setupMode(SETUID_SYSCONFIG);
  });
  after(() => setupMode(`BINDMOUNT="${SITE_DIR}"\n`));

describe('entry through the setuid helper', () => {
  it('setup made the installed helper setuid root', () => {
    const st = fs.statSync(HELPER);
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o7777, 0o4755);
  });

  it('shows real owners and groups inside (root, every group by name)', () => {
    const r = chos(['sh', '-c', 'cat /etc/debian_version; stat -c %U /usr/bin/env; id'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 0, r.stderr);
    const [version, owner, id] = r.stdout.split('\n');
    assert.match(`${version}\n`, D11);
    assert.equal(version, treeFile('bullseye', 'etc/debian_version').trim());
    assert.equal(owner, 'root');
    assert.match(id ?? '', new RegExp(`groups=.*\\(${USER}\\).*\\(${GROUP}\\)`));
    assert.doesNotMatch(id ?? '', /nogroup|65534/);
  });

  it('lets chgrp give a file to a supplementary group, and shows another user\'s file by name', () => {
    const f = path.join(SITE_DIR, 'daemons-file');
    fs.writeFileSync(f, 'x\n');
    fs.chownSync(f, 1, 1); // daemon on Debian
    const r = chos(['sh', '-c', `cat /etc/debian_version; f=$HOME/chgrp-test; rm -f $f; : >$f; chgrp ${GROUP} $f; stat -c %G $f; stat -c %U ${f}`],
      { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(1), [GROUP, 'daemon', '']);
  });

  it('gives setuid programs nothing inside (no_new_privs), though the same file works on the host', () => {
    const id = path.join(SITE_DIR, 'setuid-id');
    // bullseye's own id: it runs on the host's newer C library, and inside the tree.
    fs.copyFileSync('/var/cache/chos-test/trees/bullseye/usr/bin/id', id);
    fs.chownSync(id, 0, 0);
    fs.chmodSync(id, 0o4755);
    const u = userInfo();
    const host = asUser([id, '-u']);
    assert.equal(host.stdout, '0\n', 'the test file must really be setuid root on the host');
    const r = chos(['sh', '-c', `cat /etc/debian_version; ${id} -u`], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[1], String(u.uid));
  });

  it('keeps the tree read-only and every capability set empty', () => {
    const r = chos(['sh', '-c', 'cat /etc/debian_version; touch /usr/chos-x 2>&1; grep ^Cap /proc/self/status'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.match(r.stdout, /^11\./);
    assert.match(r.stdout, /Read-only file system/);
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.match(r.stdout, new RegExp(`${set}:\\s+0{16}\\n`));
    assert.ok(!fs.existsSync(path.join('/var/cache/chos-test/trees/bullseye/usr/chos-x')));
  });

  it('enters where user namespaces are refused, sharing the host\'s user namespace', () => {
    const hostNs = fs.readlinkSync('/proc/self/ns/user');
    const probe = noUserns(['unshare', '--user', 'true'], userEnv());
    assert.notEqual(probe.status, 0, 'the seccomp wrapper must refuse user namespaces');
    const r = noUserns([path.join(PKG, 'bin', 'chos'), 'sh', '-c', 'cat /etc/debian_version; readlink /proc/self/ns/user; id -u'], userEnv({ CHOS: 'debian11' }));
    assert.equal(r.status, 0, r.stderr);
    const [v, ns, uid] = r.stdout.split('\n');
    assert.match(`${v}\n`, D11);
    assert.equal(ns, hostNs);
    assert.equal(uid, String(userInfo().uid));
  });

  it('starts a login shell inside', () => {
    const r = chos([], { env: userEnv({ CHOS: 'debian11' }), input: 'cat /etc/debian_version; echo "$CHOS $0"\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^11\.\d+\ndebian11 -bash\n$/);
  });

  it('runs a crontab command through chos-login where user namespaces are refused', () => {
    const r = noUserns([path.join(PKG, 'bin', 'chos-login'), '-c', 'cat /etc/debian_version; id -nG'], userEnv({ CHOS: 'debian11' }));
    assert.equal(r.status, 0, r.stderr);
    const [v, groups] = r.stdout.split('\n');
    assert.match(`${v}\n`, D11);
    assert.deepEqual((groups ?? '').split(' ').sort(), [GROUP, USER].sort());
  });

  it('enters as root with uid 0 and no capability at all', () => {
    const r = run(CHOS, ['sh', '-c', 'cat /etc/debian_version; id -u; grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status'], { env: { PATH: '/usr/bin:/bin', CHOS: 'debian11', CHOS_RUN_DIR: RUN_DIR, HOME: '/root' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^11\.\d+\n0\nCapPrm:\s+0{16}\nCapEff:\s+0{16}\nCapBnd:\s+0{16}\n$/);
  });

  it('enters a consistent root while chosctl setup swaps generations', async () => {
    const { spawn } = await import('node:child_process');
    const u = userInfo();
    // Entries in a row as the user until the setups are over, each printing bullseye's version
    // and whether /usr/share/doc is there (it is not on a half-built or removed root).
    const stop = path.join(WORLD, 'swap-stop');
    fs.rmSync(stop, { force: true });
    const loop = spawn('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
      ...Object.entries(userEnv()).map(([k, v]) => `${k}=${v}`), 'sh', '-c',
      `until [ -e ${stop} ]; do ${HELPER} debian11 sh -c 'cat /etc/debian_version; test -d /usr/share/doc && echo whole' || echo FAILED; done`],
      { cwd: u.home, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    loop.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    loop.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const done = new Promise<number | null>((resolve) => loop.on('close', resolve));
    try {
      for (let i = 0; i < 3; i++) {
        const r = chosctl(['setup']);
        assert.equal(r.status, 0, r.stderr);
      }
    } finally {
      fs.writeFileSync(stop, '');
    }
    assert.equal(await done, 0, err);
    const lines = out.trim().split('\n');
    assert.ok(lines.length >= 20 && lines.length % 2 === 0, out + err);
    for (let i = 0; i < lines.length; i += 2) {
      assert.match(`${lines[i] ?? ''}\n`, D11);
      assert.equal(lines[i + 1], 'whole');
    }
  });

  it('chos --doctor and chosctl doctor name the mode, and the probes enter through the helper', () => {
    const r = chos(['--doctor']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ENTRY="setuid": entry through \S+chos-enter \(setuid root\)/);
    assert.match(r.stdout, /debian11[^\n]*entered and ran \/bin\/sh/);
    const c = chosctl(['doctor']);
    assert.match(c.stdout, /ENTRY="setuid"/);
  });

  it('refuses switching from inside, and the helper reached through /local gains nothing there', () => {
    const r = chos(['sh', '-c', 'cat /etc/debian_version; CHOS=debian13 chos true'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 125);
    assert.match(r.stdout, D11);
    assert.match(r.stderr, /^chos: error: cannot switch from environment "debian11" to "debian13" from inside it\n/);
    const h = chos(['sh', '-c', `cat /etc/debian_version; /local${HELPER} debian13 id -u`], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(h.status, 125);
    assert.match(h.stdout, D11);
    assert.match(h.stderr, /^chos: error: the entry helper is not running as root/);
  });

  it('refuses a caller in a chroot of someone else\'s making (a jail)', () => {
    const u = userInfo();
    const jail = path.join(WORLD, 'jail');
    fs.mkdirSync(jail, { recursive: true, mode: 0o755 });
    // In a private mount namespace of its own, gone when the command ends.
    const r = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
      `mount --rbind / ${jail} && exec chroot --userspec=${u.uid}:${u.gid} ${jail} ${HELPER} debian11 id -u`]);
    assert.equal(r.status, 125, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^chos: error: chos cannot enter an environment from inside a chroot\n/);
  });
});

describe('the helper against hostile callers (as the test user)', () => {
  const EVIL = path.join(WORLD, 'evil');
  before(() => {
    fs.rmSync(EVIL, { recursive: true, force: true });
    fs.mkdirSync(EVIL, { mode: 0o1777 });
    fs.chmodSync(EVIL, 0o1777);
    fs.writeFileSync(path.join(EVIL, 'evil.c'), `#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void) {
  char p[256]; snprintf(p, sizeof p, "${EVIL}/ran-euid-%d", (int)geteuid());
  int fd = open(p, O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd);
}
`);
    must('gcc', ['-shared', '-fPIC', '-o', path.join(EVIL, 'evil.so'), path.join(EVIL, 'evil.c')]);
    fs.chmodSync(path.join(EVIL, 'evil.so'), 0o755);
    // The second helper, for a run directory built by hand below; root's, setuid like the real one.
    fs.mkdirSync(path.join(WORLD, 'fake-helper', 'bin'), { recursive: true, mode: 0o755 });
    fs.copyFileSync(path.join(PKG, 'bin', 'chos'), path.join(WORLD, 'fake-helper', 'bin', 'chos'));
    must('sh', [path.join(REPO, 'scripts', 'install-helper.sh'), path.join(WORLD, 'fake-helper'), FAKE_RUN]);
    fs.chmodSync(FAKE_HELPER, 0o4755);
  });
  after(() => {
    fs.rmSync(FAKE_RUN, { recursive: true, force: true });
    fs.rmSync(`${FAKE_RUN}-real`, { recursive: true, force: true });
    fs.rmSync(path.join(WORLD, 'fake-helper'), { recursive: true, force: true });
  });

  const helper = (argv: readonly string[], env: Record<string, string> = userEnv()) => asUser([HELPER, ...argv], { env });

  it('ignores LD_PRELOAD, LD_LIBRARY_PATH, GCONV_PATH and locale variables while privileged', () => {
    const env = userEnv({
      LD_PRELOAD: path.join(EVIL, 'evil.so'), LD_LIBRARY_PATH: EVIL, GCONV_PATH: EVIL, LOCPATH: EVIL, NLSPATH: `${EVIL}/%N`,
      LC_ALL: 'xx_XX.UTF-8', LANG: 'xx_XX', LANGUAGE: 'xx', MALLOC_CHECK_: '3', TZ: `${EVIL}/tz`,
    });
    const r = helper(['root', '/bin/sh', '-c', 'echo "$LD_LIBRARY_PATH $GCONV_PATH $LC_ALL"'], env);
    assert.equal(r.status, 0, r.stderr);
    const ran = fs.readdirSync(EVIL).filter((f) => f.startsWith('ran-euid-'));
    assert.deepEqual(ran, [`ran-euid-${userInfo().uid}`], 'the preload runs in the command, as the user, never as root');
    // glibc strips them from the setuid helper; the command, running as the user, gets them back.
    assert.equal(r.stdout, `${EVIL} ${EVIL} xx_XX.UTF-8\n`);
  });

  for (const bad of ['../debian11', '/', 'debian11/../root', '.', '..', '-x', 'a'.repeat(65), '', 'deb\nian', 'debian11/', '.hidden']) {
    it(`refuses ${JSON.stringify(bad)} as a name without echoing it`, () => {
      const r = helper([bad, '/bin/true']);
      assert.equal(r.status, 125);
      assert.equal(r.stderr, "chos: error: invalid environment name\nhint: names hold only letters, digits, '.', '_', '+' and '-'; run 'chos --list' to see them\n");
    });
  }

  it('refuses a name the current generation does not have', () => {
    const r = helper(['nosuch', '/bin/true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chos: error: unknown environment "nosuch"\n/);
  });

  /** A run directory of one generation with one root "x", everything root's; then one change. */
  function fakeRun(change: (gen: string) => void): ReturnType<typeof run> {
    for (const d of [FAKE_RUN, `${FAKE_RUN}-real`]) fs.rmSync(d, { recursive: true, force: true });
    const gen = path.join(FAKE_RUN, 'gen-1-1');
    for (const d of [path.join(gen, 'entry'), path.join(gen, 'roots', 'x')]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(gen, 'entry', 'x'), 'x\n', { mode: 0o644 });
    fs.symlinkSync('gen-1-1', path.join(FAKE_RUN, 'current'));
    change(gen);
    return asUser([FAKE_HELPER, 'x', '/nonexistent-command']);
  }
  const uid = (): number => userInfo().uid;

  it('enters a well-formed hand-made run directory (the control for the refusals below)', () => {
    const r = fakeRun(() => {});
    assert.equal(r.status, 127, r.stderr);
    assert.match(r.stderr, /^chos: error: cannot run "\/nonexistent-command": No such file or directory\n$/);
  });

  const refusals: Array<[string, (gen: string) => void, RegExp]> = [
    ['the run directory is a symbolic link', () => { fs.renameSync(FAKE_RUN, `${FAKE_RUN}-real`); fs.symlinkSync(`${FAKE_RUN}-real`, FAKE_RUN); }, /run directory .* refusing it/],
    ['the run directory is the user\'s', () => fs.chownSync(FAKE_RUN, uid(), 0), /run directory .* refusing it/],
    ['the run directory is group-writable', () => fs.chmodSync(FAKE_RUN, 0o775), /run directory .* refusing it/],
    ['the generation is a symbolic link', (g) => { fs.renameSync(g, path.join(FAKE_RUN, 'gen-2-2')); fs.symlinkSync('gen-2-2', g); }, /current generation is a symbolic link/],
    ['the generation is the user\'s', (g) => fs.chownSync(g, uid(), 0), /current generation is not owned by root/],
    ['current names no generation', () => { fs.rmSync(path.join(FAKE_RUN, 'current')); fs.symlinkSync('../etc', path.join(FAKE_RUN, 'current')); }, /unexpected name/],
    ['there is no current generation', () => fs.rmSync(path.join(FAKE_RUN, 'current')), /not set up/],
    ['the generation has no entry data (an older chos)', (g) => fs.rmSync(path.join(g, 'entry'), { recursive: true }), /has no entry data/],
    ['the root is a symbolic link to /', (g) => { fs.rmdirSync(path.join(g, 'roots', 'x')); fs.symlinkSync('/', path.join(g, 'roots', 'x')); }, /prepared root is a symbolic link/],
    ['the root is the user\'s', (g) => fs.chownSync(path.join(g, 'roots', 'x'), uid(), 0), /prepared root is not owned by root/],
    ['the roots directory is the user\'s', (g) => fs.chownSync(path.join(g, 'roots'), uid(), 0), /roots directory is not owned by root/],
    ['the entry file is the user\'s', (g) => fs.chownSync(path.join(g, 'entry', 'x'), uid(), 0), /not a root-owned regular file/],
    ['the entry file leads upward', (g) => fs.writeFileSync(path.join(g, 'entry', 'x'), '../..\n'), /malformed/],
    ['the entry file is a FIFO', (g) => { fs.rmSync(path.join(g, 'entry', 'x')); must('mkfifo', [path.join(g, 'entry', 'x')]); }, /not a root-owned regular file/],
  ];
  for (const [what, change, message] of refusals) {
    it(`refuses to enter when ${what}`, () => {
      const r = fakeRun(change);
      assert.equal(r.status, 125, r.stderr);
      assert.match(r.stderr, /^chos: error: /);
      assert.match(r.stderr, message);
    });
  }

  it('closes every inherited descriptor, a directory descriptor to / included', () => {
    const r = asUser(['sh', '-c', `exec 3</ 4</ 5<>/dev/null 9</; exec ${HELPER} debian11 sh -c 'ls /proc/$$/fd; :'`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '0\n1\n2\n');
  });

  it('puts /dev/null (or glibc /dev/full) on a closed stdin or stdout', () => {
    const i = asUser(['sh', '-c', `exec 0<&-; exec ${HELPER} debian11 readlink /proc/self/fd/0`]);
    assert.equal(i.status, 0, i.stderr);
    assert.match(i.stdout, /^\/dev\/(null|full)\n$/);
    // glibc itself opens /dev/full on a setuid program's closed stdout; either way nothing else.
    const o = asUser(['sh', '-c', `exec 1>&-; exec ${HELPER} debian11 sh -c 'x=$(readlink /proc/$$/fd/1); echo "$x" >&2'`]);
    assert.equal(o.status, 0, o.stderr);
    assert.match(o.stderr, /^\/dev\/(null|full)\n$/);
  });

  it('runs with no privilege under ptrace (strace as the user) and says so', () => {
    const r = asUser(['strace', '-f', '-o', '/dev/null', HELPER, 'debian11', 'id', '-u']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chos: error: the entry helper is not running as root/);
    assert.equal(r.stdout, '');
  });

  for (const limit of ['--nofile=0', '--nofile=1', '--nproc=0', '--nproc=1']) {
    it(`fails cleanly or works with prlimit ${limit}`, () => {
      const r = asUser(['prlimit', limit, HELPER, 'debian11', 'cat', '/etc/debian_version']);
      if (r.status === 0) assert.match(r.stdout, D11);
      else {
        assert.ok(r.status === 125 || r.status === 126, `status ${String(r.status)}: ${r.stderr}`);
        assert.match(r.stderr, /^chos: error: [^\n]+\n/);
        assert.equal(r.stdout, '');
      }
    });
  }

  it('works with an empty argv[0], and refuses a missing command', () => {
    const r = asUser(['perl', '-e', 'exec { $ARGV[0] } "", "debian11", "cat", "/etc/debian_version" or exit 99', HELPER]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, D11);
    const n = helper(['debian11']);
    assert.equal(n.status, 125);
    assert.match(n.stderr, /^chos: error: usage: chos-enter NAME COMMAND/);
  });

  it('compiles without findings under gcc -fanalyzer', () => {
    const r = run('make', ['-s', '-C', path.join(REPO, 'native'), 'analyze']);
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('setup and ENTRY', () => {
  after(() => setupMode(SETUID_SYSCONFIG));
  const current = (): string => fs.readlinkSync(path.join(RUN_DIR, 'current'));

  it('refuses a bad ENTRY value with its file and line, changing nothing', () => {
    const before = current();
    writeConfig(BASE_CONFIG, `BINDMOUNT="${SITE_DIR}"\n# mode\nENTRY="suid"\n`);
    const r = chosctl(['setup']);
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.includes(`${SYSCONFIG}:3: ENTRY: "suid" is not an entry mode`), r.stderr);
    assert.equal(current(), before);
    assert.equal(fs.statSync(HELPER).mode & 0o7777, 0o4755);
  });

  it('refuses setuid mode when the helper is missing or replaceable by a user, changing nothing', () => {
    const before = current();
    writeConfig(BASE_CONFIG, SETUID_SYSCONFIG);
    const libexec = path.dirname(HELPER);
    fs.renameSync(HELPER, `${HELPER}.away`);
    try {
      const r = chosctl(['setup']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /ENTRY="setuid" but the entry helper is not installed at \S+chos-enter/);
      assert.match(r.stderr, /hint: build and install it with scripts\/install-helper.sh/);
    } finally {
      fs.renameSync(`${HELPER}.away`, HELPER);
    }
    fs.chmodSync(libexec, 0o777);
    try {
      const r = chosctl(['setup']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /libexec, above the entry helper, is not a root-owned directory writable only by root/);
    } finally {
      fs.chmodSync(libexec, 0o755);
    }
    assert.equal(current(), before);
  });
});

describe('back in ENTRY="userns" mode', () => {
  before(() => setupMode(`BINDMOUNT="${SITE_DIR}"\n`));
  after(() => setupMode(SETUID_SYSCONFIG));

  it('setup cleared the setuid bit, and the helper refuses to work without it', () => {
    assert.equal(fs.statSync(HELPER).mode & 0o7777, 0o755);
    const r = asUser([HELPER, 'debian11', 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /not running as root/);
  });

  it('refuses switching from inside, as before', () => {
    const r = chos(['sh', '-c', 'CHOS=debian13 chos true'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 125);
    assert.match(r.stderr, /cannot switch from environment "debian11" to "debian13"/);
  });
});
});
