// Running commands in real Debian 11/12/13 trees as an unprivileged user: selection, identity,
// host integration, exit statuses, environment. I/O (real namespaces, real trees).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  CHOS, RELEASES, SITE_DIR, USER, WORLD, asUser, cannotRun, chos, ensureWorld, treeFile, userEnv, userInfo,
} from './harness.js';

const skip = cannotRun();

describe('chos runs commands in the chosen tree', { skip }, () => {
  before(() => ensureWorld());

  for (const rel of RELEASES) {
    it(`prints ${rel.name}'s own Debian version with CHOS=${rel.name}`, () => {
      const r = chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: rel.name }) });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, treeFile(rel.suite, 'etc/debian_version'));
      assert.match(r.stdout, new RegExp(`^${rel.major}\\.|^${rel.suite}|^${rel.major}`));
    });
  }

  it('runs on the host with CHOS=root', () => {
    const r = chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'root' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync('/etc/debian_version', 'utf8'));
  });

  it('exports CHOS inside and passes the rest of the environment through', () => {
    const r = chos(['sh', '-c', 'echo "$CHOS $FOO"'], { env: userEnv({ CHOS: 'debian11', FOO: 'bar baz' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'debian11 bar baz\n');
  });

  it('lets children and grandchildren inherit the environment', () => {
    const r = chos(['bash', '-c', 'sh -c "sh -c \\"cat /etc/debian_version; echo \\$CHOS\\"" & wait'], {
      env: userEnv({ CHOS: 'debian13' }),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${treeFile('trixie', 'etc/debian_version')}debian13\n`);
  });
});

describe('selection follows the CHOS rules', { skip }, () => {
  before(() => ensureWorld());
  const home = (): string => userInfo().home;
  const writeChoice = (text: string): void => {
    const p = path.join(home(), '.chos');
    fs.writeFileSync(p, text);
    fs.chownSync(p, userInfo().uid, userInfo().gid);
  };
  const clearChoice = (): void => fs.rmSync(path.join(home(), '.chos'), { force: true });

  it('uses the first line of ~/.chos when CHOS is not set', () => {
    writeChoice('  debian11  \ndebian13\n');
    const r = chos(['cat', '/etc/debian_version']);
    clearChoice();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, treeFile('bullseye', 'etc/debian_version'));
  });

  it('lets $CHOS override ~/.chos', () => {
    writeChoice('debian11\n');
    const r = chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'debian13' }) });
    clearChoice();
    assert.equal(r.stdout, treeFile('trixie', 'etc/debian_version'));
  });

  it('uses "default" with neither $CHOS nor ~/.chos; "default:debian12" enters debian12 by that name', () => {
    clearChoice();
    const r = chos(['sh', '-c', 'cat /etc/debian_version; echo $CHOS; chos --which; chos true && echo nested-ok']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${treeFile('bookworm', 'etc/debian_version')}debian12\ndebian12\nnested-ok\n`);
  });

  it('treats an empty first line of ~/.chos as no choice', () => {
    writeChoice('\ndebian11\n');
    const r = chos(['sh', '-c', 'echo $CHOS']);
    clearChoice();
    assert.equal(r.stdout, 'debian12\n');
  });

  it('refuses an unknown name with one clear line, status 125, and runs nothing', () => {
    const marker = `/tmp/chos-e2e-ran-${process.pid}`;
    const r = chos(['touch', marker], { env: userEnv({ CHOS: 'debian99' }) });
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chos: error: unknown environment "debian99" \(from \$CHOS\)\nhint: .*chos --list/);
    assert.equal(fs.existsSync(marker), false);
  });

  it('names ~/.chos as the source of an unknown name', () => {
    writeChoice('nosuchenv\n');
    const r = chos(['true']);
    clearChoice();
    assert.equal(r.status, 125);
    assert.match(r.stderr, /unknown environment "nosuchenv" \(from ~\/\.chos\)/);
  });

  it('refuses names that could escape the run directory', () => {
    for (const bad of ['../../etc', '-rf', 'a b', '.hidden']) {
      const r = chos(['true'], { env: userEnv({ CHOS: bad }) });
      assert.equal(r.status, 125, bad);
      assert.match(r.stderr, /^chos: error: invalid environment name/, bad);
    }
  });

  it('reports a host that was never set up, with a hint for the admin', () => {
    const r = chos(['true'], { env: userEnv({ CHOS: 'debian11', CHOS_RUN_DIR: '/run/chos-e2e-none' }) });
    assert.equal(r.status, 125);
    assert.match(r.stderr, /chos is not set up on this host[^\n]*\nhint: .*chosctl setup/);
  });

  it('marks the chosen environment in chos --list, with each tree\'s PRETTY_NAME', () => {
    const r = chos(['--list'], { env: userEnv({ CHOS: 'debian13' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\* debian13 +\S+trixie +Debian GNU\/Linux 13 \(trixie\)$/m);
    assert.match(r.stdout, /^ {2}debian11 +\S+bullseye +Debian GNU\/Linux 11 \(bullseye\)$/m);
    assert.match(r.stdout, /^ {2}default +-> debian12/m);
  });
});

describe('identity and host integration inside', { skip }, () => {
  before(() => ensureWorld());
  const inside = (script: string, name = 'debian11'): string => {
    const r = chos(['sh', '-c', script], { env: userEnv({ CHOS: name }) });
    assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    return r.stdout;
  };

  it('keeps uid, gid and the name from the host password database', () => {
    const u = userInfo();
    assert.equal(inside('id -u; id -g; id -un'), `${u.uid}\n${u.gid}\n${USER}\n`);
  });

  it('keeps supplementary groups for access checks', () => {
    const u = userInfo();
    const f = `/tmp/chos-e2e-group-${process.pid}`;
    fs.writeFileSync(f, 'group secret\n', { mode: 0o640 });
    fs.chownSync(f, 0, u.extraGid);
    fs.chmodSync(f, 0o640);
    try {
      assert.equal(inside(`cat ${f}`), 'group secret\n');
    } finally {
      fs.rmSync(f);
    }
  });

  it('shows the host identity files where the tree has them', () => {
    // Minimal debootstrap trees have no /etc/hosts; what a tree lacks stays absent.
    for (const f of ['passwd', 'group', 'resolv.conf', 'nsswitch.conf']) {
      assert.equal(inside(`cat /etc/${f}`, 'debian13'), fs.readFileSync(`/etc/${f}`, 'utf8'), f);
    }
  });

  it('follows changes to the host identity files without a new setup', () => {
    // Written the way tools replace such files: a new file renamed over the old one.
    const marker = `# chos-e2e ${process.pid}\n`;
    const real = fs.realpathSync('/etc/resolv.conf');
    const before = fs.readFileSync(real, 'utf8');
    fs.writeFileSync(`${real}.chos-e2e`, before + marker, { mode: 0o644 });
    fs.renameSync(`${real}.chos-e2e`, real);
    try {
      assert.equal(inside('tail -n 1 /etc/resolv.conf'), marker);
    } finally {
      fs.writeFileSync(`${real}.chos-e2e`, before, { mode: 0o644 });
      fs.renameSync(`${real}.chos-e2e`, real);
    }
  });

  it('uses the host time zone through /local/etc/localtime', () => {
    assert.equal(inside('readlink /etc/localtime'), '/local/etc/localtime\n');
    assert.equal(inside('date +%Z'), `${execFileSync('date', ['+%Z'], { encoding: 'utf8' })}`);
  });

  it('shares /home and /tmp with the host', () => {
    const u = userInfo();
    const name = `chos-e2e-${process.pid}`;
    inside(`echo from-inside > "$HOME/${name}"; echo tmp > /tmp/${name}`);
    assert.equal(fs.readFileSync(path.join(u.home, name), 'utf8'), 'from-inside\n');
    assert.equal(fs.readFileSync(`/tmp/${name}`, 'utf8'), 'tmp\n');
    fs.rmSync(path.join(u.home, name));
    fs.rmSync(`/tmp/${name}`);
  });

  it('provides /proc, /sys and /dev with /dev/pts and a writable /dev/shm', () => {
    const out = inside('test -r /proc/self/status && test -d /sys/kernel && test -c /dev/null && test -d /dev/pts && ' +
      'echo x > /dev/shm/chos-e2e-$$ && rm /dev/shm/chos-e2e-$$ && echo ok');
    assert.equal(out, 'ok\n');
  });

  it('shows the host root at /local', () => {
    assert.equal(inside('cat /local/etc/debian_version'), fs.readFileSync('/etc/debian_version', 'utf8'));
  });

  it('shows BINDMOUNT directories at the same path', () => {
    assert.equal(inside(`cat ${SITE_DIR}/site.txt`, 'debian12'), 'site data\n');
  });

  it('keeps the tree read-only and setuid-free', () => {
    const out = inside('touch /usr/chos-e2e 2>/dev/null && echo writable; grep " /usr " /proc/self/mounts | grep -c nosuid');
    assert.equal(out, '1\n');
  });

  it('keeps the working directory when it exists inside', () => {
    const r = chos(['pwd'], { env: userEnv({ CHOS: 'debian11' }), cwd: '/tmp' });
    assert.equal(r.stdout, '/tmp\n');
  });

  it('goes to $HOME when the working directory does not exist inside', () => {
    fs.mkdirSync(path.join(WORLD, 'only-on-host'), { recursive: true, mode: 0o755 });
    const r = chos(['pwd'], { env: userEnv({ CHOS: 'debian11' }), cwd: path.join(WORLD, 'only-on-host') });
    assert.equal(r.stdout, `${userInfo().home}\n`);
  });
});

describe('exit statuses pass through', { skip }, () => {
  before(() => ensureWorld());
  const env = (): Record<string, string> => userEnv({ CHOS: 'debian12' });

  it('returns the command\'s own status', () => {
    assert.equal(chos(['sh', '-c', 'exit 42'], { env: env() }).status, 42);
    assert.equal(chos(['false'], { env: env() }).status, 1);
  });

  it('lets death by a signal reach the caller (128+N in a shell)', () => {
    const direct = chos(['sh', '-c', 'kill -TERM $$'], { env: env() });
    assert.equal(direct.signal, 'SIGTERM');
    const viaShell = asUser(['sh', '-c', `${CHOS} sh -c 'kill -KILL $$'; echo $?`], { env: env() });
    assert.equal(viaShell.stdout, '137\n');
  });

  it('returns 127 for a command that is not found and 126 for one that cannot run', () => {
    const nf = chos(['no-such-command-chos-e2e'], { env: env() });
    assert.equal(nf.status, 127);
    const nx = chos(['/etc/debian_version'], { env: env() });
    assert.equal(nx.status, 126);
  });
});

describe('inside an environment', { skip }, () => {
  before(() => ensureWorld());

  it('chos --which names the environment, and "root" on the host', () => {
    const r = chos(['sh', '-c', 'chos --which'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.stdout, 'debian11\n', r.stderr);
    assert.equal(chos(['--which']).stdout, 'root\n');
  });

  it('chos with the same environment is a pass-through', () => {
    const r = chos(['sh', '-c', 'chos cat /etc/debian_version'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, treeFile('bullseye', 'etc/debian_version'));
  });

  it('refuses to switch to another environment, saying how', () => {
    const r = chos(['sh', '-c', 'CHOS=debian13 chos true'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 125);
    assert.match(r.stderr, /cannot switch from environment "debian11" to "debian13"[^\n]*\nhint: exit this environment/);
  });
});

describe('file descriptors', { skip }, () => {
  before(() => ensureWorld());

  it('only 0-2 of the caller reach the command, whatever it left open', () => {
    const script = `exec 5</etc/hostname 7>/dev/null 12</etc/hostname 99>/dev/null; ${CHOS} ls /proc/self/fd`;
    const r = asUser(['bash', '-c', script], { env: userEnv({ CHOS: 'debian12' }) });
    assert.equal(r.status, 0, r.stderr);
    // 3 is the directory ls itself opened to list /proc/self/fd.
    assert.equal(r.stdout, '0\n1\n2\n3\n');
  });

  it('also for a login shell', () => {
    // The shell lists its own descriptors ($$ is the login shell, /proc/self would be ls).
    const script = `exec 6</etc/hostname 15</etc/hostname; echo 'ls /proc/$$/fd; echo end' | ${CHOS}`;
    const r = asUser(['bash', '-c', script], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), 'end', r.stdout);
    assert.deepEqual(lines.slice(0, -1), ['0', '1', '2'], r.stdout);
  });
});

