// The one set of selection rules, end to end: chos, chos --list, chos --doctor and chos-login
// give the same answer for the same ~/.chos; the launcher finds its rules file installed
// through links and inside an environment. As the unprivileged test user, real trees. I/O.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PKG, RUN_DIR, WORLD, asUser, cannotRun, chos, ensureWorld, must, treeFile, userEnv, userInfo } from './harness.js';

const skip = cannotRun();
const LOGIN = path.join(PKG, 'bin', 'chos-login');

describe('one set of selection rules for chos, --list, --doctor and chos-login', { skip }, () => {
  before(() => ensureWorld());
  const choice = (): string => path.join(userInfo().home, '.chos');
  const writeChoice = (bytes: string | Buffer): void => {
    fs.rmSync(choice(), { recursive: true, force: true });
    fs.writeFileSync(choice(), bytes);
    fs.chownSync(choice(), userInfo().uid, userInfo().gid);
  };
  after(() => fs.rmSync(choice(), { recursive: true, force: true }));

  const hostile: ReadonlyArray<readonly [string, string | Buffer, RegExp]> = [
    ['a UTF-8 byte order mark', '\ufeffdebian11\n', /^invalid environment name from ~\/\.chos: a name may hold only/],
    ['a non-breaking space', 'debian11\u00a0\n', /^invalid environment name from ~\/\.chos: a name may hold only/],
    ['a NUL byte', Buffer.from('debian\u00001\n'), /^invalid environment name from ~\/\.chos: a name may hold only/],
    ['a name cut at 256 bytes', `${' '.repeat(250)}debian11\n`, /^unknown environment "debian" \(from ~\/\.chos\)$/],
  ];
  for (const [what, bytes, message] of hostile) {
    it(`~/.chos with ${what}: chos refuses it, --list and --doctor say the same, chos-login falls back to "default"`, () => {
      writeChoice(bytes);
      const marker = `/tmp/chos-e2e-rules-ran-${process.pid}`;
      const r = chos(['touch', marker]);
      assert.equal(r.status, 125, r.stderr);
      assert.equal(fs.existsSync(marker), false, 'nothing ran');
      const [first, hint] = r.stderr.split('\n');
      const why = (first ?? '').replace(/^chos: error: /, '');
      assert.match(why, message);
      assert.match(hint ?? '', /^hint: /);

      const list = chos(['--list']);
      assert.equal(list.status, 0, list.stderr);
      assert.equal(list.stderr, `chos: warning: ${why}\n${hint ?? ''}\n`, '--list gives the same refusal, as a warning');
      assert.doesNotMatch(list.stdout, /^\*/m, 'no environment is marked');

      const doctor = chos(['--doctor', '--json']);
      const { findings } = JSON.parse(doctor.stdout) as { findings: Array<{ subject: string; level: string; message: string }> };
      const mine = findings.filter((f) => f.subject === '~/.chos');
      assert.equal(mine.length, 1, doctor.stdout);
      assert.equal(mine[0]?.level, 'error');
      assert.ok(mine[0]?.message.startsWith(why.replace(/ \(from ~\/\.chos\)$/, '')), `${mine[0]?.message} vs ${why}`);

      // A login is never locked out: "default" (debian12), with that same reason once.
      const login = asUser([LOGIN, '-c', 'chos --which; echo "$CHOS"'], { env: userEnv({ SHELL: '/bin/sh' }) });
      assert.equal(login.status, 0, login.stderr);
      // chos --which reads the marker only a prepared root has ("root" on the host).
      assert.equal(login.stdout, 'debian12\ndebian12\n', 'inside "default" (debian12), not on the host');
      assert.equal(login.stderr, `chos: warning: ${why}; you are in "default" (see chos --doctor)\n`);
    });
  }

  it('a valid ~/.chos is the same choice everywhere: chos enters it, --list marks it, chos-login logs in there', () => {
    writeChoice(' debian11\r\n');
    const r = chos(['cat', '/etc/debian_version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, treeFile('bullseye', 'etc/debian_version'));
    assert.match(chos(['--list']).stdout, /^\* debian11 /m);
    const login = asUser([LOGIN, '-c', 'cat /etc/debian_version'], { env: userEnv({ SHELL: '/bin/sh' }) });
    assert.equal(login.stdout, treeFile('bullseye', 'etc/debian_version'), login.stderr);
    assert.equal(login.stderr, '');
  });

  it('a directory as ~/.chos: chos refuses it, chos-login warns and uses "default"', () => {
    fs.rmSync(choice(), { recursive: true, force: true });
    fs.mkdirSync(choice());
    const r = chos(['true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chos: error: ~\/\.chos is not a regular file\nhint: /);
    const login = asUser([LOGIN, '-c', 'chos --which'], { env: userEnv({ SHELL: '/bin/sh' }) });
    assert.equal(login.stdout, 'debian12\n', login.stderr);
    assert.equal(login.stderr, 'chos: warning: ~/.chos is not a regular file; you are in "default" (see chos --doctor)\n');
    fs.rmSync(choice(), { recursive: true, force: true });
  });

  it('on a host not set up, no choice is refused by chos and gives the host to chos-login, with a warning', () => {
    fs.rmSync(choice(), { recursive: true, force: true });
    const env = userEnv({ CHOS_RUN_DIR: `${RUN_DIR}-none`, SHELL: '/bin/sh' });
    const r = chos(['true'], { env });
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chos: error: chos is not set up on this host \(.*-none\/current is missing\)\nhint: /);
    const root = chos(['cat', '/etc/debian_version'], { env: { ...env, CHOS: 'root' } });
    assert.equal(root.stdout, fs.readFileSync('/etc/debian_version', 'utf8'), root.stderr);
    const login = asUser([LOGIN, '-c', 'echo "$CHOS"'], { env });
    assert.equal(login.stdout, 'root\n');
    assert.equal(login.stderr, 'chos: warning: chos is not set up on this host: you are on the host\n');
  });

  it('inside an environment, chos reads the same rules (copied next to it) and refuses the same input', () => {
    writeChoice('\ufeffdebian11\n');
    const r = chos(['sh', '-c', 'ls /usr/local/bin/chos-rules.sh; chos --which; chos cat /etc/debian_version; env -u CHOS chos true; echo "status $?"'], {
      env: userEnv({ CHOS: 'debian11' }),
    });
    assert.equal(r.stdout, `/usr/local/bin/chos-rules.sh\ndebian11\n${treeFile('bullseye', 'etc/debian_version')}status 125\n`, r.stderr);
    assert.match(r.stderr, /^chos: error: invalid environment name from ~\/\.chos: /);
  });
});

describe('bin/chos finds chos-rules.sh wherever it is installed', { skip }, () => {
  const PREFIX = path.join(WORLD, 'prefix');
  before(() => {
    ensureWorld();
    // npm's global layout: PREFIX/bin/chos -> ../lib/node_modules/chos/bin/chos.
    fs.rmSync(PREFIX, { recursive: true, force: true });
    const pkg = path.join(PREFIX, 'lib', 'node_modules', 'chos');
    fs.mkdirSync(pkg, { recursive: true });
    fs.cpSync(path.join(PKG, 'bin'), path.join(pkg, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(PREFIX, 'bin'));
    fs.symlinkSync('../lib/node_modules/chos/bin/chos', path.join(PREFIX, 'bin', 'chos'));
    // Another layout: a link from anywhere else (found with readlink).
    fs.mkdirSync(path.join(PREFIX, 'other'));
    fs.symlinkSync(path.join(PKG, 'bin', 'chos'), path.join(PREFIX, 'other', 'chos'));
    // The launcher alone, without its rules (and nothing at ../lib/node_modules/chos either).
    fs.mkdirSync(path.join(PREFIX, 'alone', 'bin'), { recursive: true });
    fs.copyFileSync(path.join(PKG, 'bin', 'chos'), path.join(PREFIX, 'alone', 'bin', 'chos'));
    must('chmod', ['-R', 'go+rX', PREFIX]);
  });
  after(() => fs.rmSync(PREFIX, { recursive: true, force: true }));

  for (const where of ['bin', 'other']) {
    it(`through a link in ${where === 'bin' ? "npm's PREFIX/bin" : 'another directory'}`, () => {
      const r = asUser([path.join(PREFIX, where, 'chos'), 'cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'debian11' }) });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, treeFile('bullseye', 'etc/debian_version'));
    });
  }

  it('without its rules file it refuses, with one line and status 125', () => {
    const r = asUser([path.join(PREFIX, 'alone', 'bin', 'chos'), 'true'], { env: userEnv({ CHOS: 'debian11' }) });
    assert.equal(r.status, 125);
    assert.equal(r.stderr, 'chos: error: cannot find chos-rules.sh of this installation\nhint: reinstall chos\n');
  });
});
