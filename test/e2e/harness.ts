// End-to-end test world: real Debian trees (debootstrap, cached), an unprivileged test user,
// this checkout installed where that user can run it, a test config (never the machine's real
// /etc/chos) and a test run directory. I/O; needs root to build the world.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
// Each may be moved by the environment, so that two test runs on one machine keep apart.
const E = process.env;
export const WORLD = E['CHOS_E2E_WORLD'] ?? '/var/tmp/chos-e2e';
export const PKG = path.join(WORLD, 'pkg');
export const CHOS = path.join(PKG, 'bin', 'chos');
export const CHOSCTL = path.join(PKG, 'bin', 'chosctl');
export const ETC = path.join(WORLD, 'etc');
export const CONFIG = path.join(ETC, 'chos');
export const SYSCONFIG = path.join(ETC, 'sysconfig-chos');
export const RUN_DIR = E['CHOS_E2E_RUN_DIR'] ?? '/run/chos-e2e';
/** The store of the environments the image tests create (chosctl create --store). */
export const STORE = path.join(WORLD, 'store');
export const TREES = process.env['CHOS_TEST_TREES'] ?? '/var/cache/chos-test/trees';
export const USER = E['CHOS_E2E_USER'] ?? 'chos-e2e';
export const GROUP = `${USER}-extra`;
export const SITE_DIR = E['CHOS_E2E_SITE'] ?? '/chos-e2e-site';

export const RELEASES = [
  { name: 'debian11', suite: 'bullseye', major: '11' },
  { name: 'debian12', suite: 'bookworm', major: '12' },
  { name: 'debian13', suite: 'trixie', major: '13' },
] as const;

/** Why the e2e suite cannot run here, or undefined when it can. */
export function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'the end-to-end tests build their world as root (they drop to an unprivileged user to test)';
  return undefined;
}

/** Each normal command's cap: none should come near it. Long set-up steps use longStep instead. */
export const COMMAND_TIMEOUT_MS = 120_000;

export function run(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, [...args], { encoding: 'utf8', input: opts.input ?? '', env: opts.env ?? process.env, timeout: COMMAND_TIMEOUT_MS });
}

/**
 * A long set-up step (building trees with debootstrap, mmdebstrap…): no time cap, its output
 * passed through, and its time printed, so that a slow first run is slow, not cancelled.
 */
export function longStep(what: string, cmd: string, args: readonly string[]): void {
  const t0 = Date.now();
  const r = spawnSync(cmd, [...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`# ${what}: ${s} s`);
  if (r.status !== 0) throw new Error(`${what} failed (${r.signal ?? `status ${String(r.status)}`}) after ${s} s: ${cmd} ${args.join(' ')}${r.error ? ` (${r.error.message})` : ''}`);
}

/**
 * The Debian package of every program an end-to-end test runs beyond a minimal Debian 12
 * (scripts/install.sh --test installs them all; .ci/run uses it).
 */
export const PACKAGE_OF: Readonly<Record<string, string>> = {
  bwrap: 'bubblewrap', zstd: 'zstd', xz: 'xz-utils', umoci: 'umoci', skopeo: 'skopeo', 'docker-registry': 'docker-registry',
  htpasswd: 'apache2-utils', openssl: 'openssl', tmux: 'tmux', debootstrap: 'debootstrap', mmdebstrap: 'mmdebstrap',
  sshd: 'openssh-server', ssh: 'openssh-client', scp: 'openssh-client', sftp: 'openssh-client', rsync: 'rsync',
  rsyslogd: 'rsyslog', cron: 'cron', crontab: 'cron', hyperfine: 'hyperfine', logger: 'bsdutils', man: 'man-db',
};

/**
 * Fails (throws, so the tests that need them fail rather than skip) when a program is
 * missing, naming the Debian packages that provide them.
 */
export function requireTools(...tools: string[]): void {
  const missing = tools.filter((c) => spawnSync('sh', ['-c', `command -v "$0" || test -x "/usr/sbin/$0"`, c], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((c) => PACKAGE_OF[c] ?? c))];
  throw new Error(`${missing.join(', ')} not installed: apt-get install ${pkgs.join(' ')} (scripts/install.sh --test installs everything the tests need)`);
}

export function must(cmd: string, args: readonly string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${String(r.status)}): ${r.stderr}${r.error?.message ?? ''}`);
  return r.stdout;
}

export interface UserInfo {
  uid: number;
  gid: number;
  home: string;
  extraGid: number;
}

export function userInfo(): UserInfo {
  const [, , uid, gid, , home] = must('getent', ['passwd', USER]).trim().split(':');
  const extraGid = Number(must('getent', ['group', GROUP]).trim().split(':')[2]);
  return { uid: Number(uid), gid: Number(gid), home: home ?? '', extraGid };
}

/** Where the Node that runs the tests is: the test user's chos --list etc. run on the same one. */
const NODE_DIR = path.dirname(process.execPath);

/** The environment a fresh login of the test user has (nothing inherited from the test runner). */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const u = userInfo();
  return {
    HOME: u.home,
    USER,
    LOGNAME: USER,
    SHELL: '/bin/bash',
    PATH: [`${PKG}/bin`, ...(NODE_DIR === '/usr/bin' || NODE_DIR === '/usr/local/bin' ? [] : [NODE_DIR]), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    TERM: 'xterm',
    CHOS_RUN_DIR: RUN_DIR,
    ...extra,
  };
}

/** Runs argv as the unprivileged test user, in `cwd`, with exactly `env`. */
export function asUser(
  argv: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): SpawnSyncReturns<string> {
  const env = opts.env ?? userEnv();
  const cwd = opts.cwd ?? userInfo().home;
  return spawnSync(
    'setpriv',
    ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv],
    { encoding: 'utf8', cwd, input: opts.input ?? '', timeout: 60_000 },
  );
}

/** chos as the test user, through sh so that cwd and $PWD agree as in a real shell. */
export function chos(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): SpawnSyncReturns<string> {
  return asUser([CHOS, ...args], opts);
}

function ensureUser(): void {
  if (run('getent', ['group', GROUP]).status !== 0) must('groupadd', [GROUP]);
  if (run('getent', ['passwd', USER]).status !== 0) must('useradd', ['-m', '-s', '/bin/bash', '-G', GROUP, USER]);
  // No password, but not locked ("!"): sshd refuses even key logins to locked accounts.
  must('usermod', ['-p', '*', USER]);
}

function ensureTrees(): void {
  // Cheap when the cache is current (it compares each tree's recorded package list); the
  // first build takes minutes, and has no cap.
  requireTools('debootstrap');
  longStep('test trees (test/setup/make-trees.sh)', 'sh', [path.join(REPO, 'test', 'setup', 'make-trees.sh'), TREES]);
  // The test user must be able to reach the trees (they are root-owned and read-only to users).
  for (let d = TREES; d !== '/'; d = path.dirname(d)) fs.chmodSync(d, fs.statSync(d).mode | 0o005);
}

/** Copies this checkout's launchers and bundles where the unprivileged user can run them. */
function ensurePackage(): void {
  if (!fs.existsSync(path.join(REPO, 'dist', 'chos.cjs'))) must('node', [path.join(REPO, 'scripts', 'build.mjs')]);
  fs.rmSync(PKG, { recursive: true, force: true });
  fs.mkdirSync(PKG, { recursive: true, mode: 0o755 });
  fs.chmodSync(WORLD, 0o755);
  for (const d of ['bin', 'dist']) fs.cpSync(path.join(REPO, d), path.join(PKG, d), { recursive: true });
  must('chmod', ['-R', 'go+rX', PKG]);
}

export const BASE_CONFIG = `# chos end-to-end test configuration, in the original CHOS format
%SHELLS
root:/

${RELEASES.map((r) => `${r.name}:${TREES}/${r.suite}`).join('\n')}
# a comment between entries
default:debian12
`;

export function writeConfig(text: string, sysconfig = `BINDMOUNT="${SITE_DIR}"\n`): void {
  fs.mkdirSync(ETC, { recursive: true, mode: 0o755 });
  fs.writeFileSync(CONFIG, text, { mode: 0o644 });
  fs.chownSync(CONFIG, 0, 0);
  fs.chmodSync(CONFIG, 0o644);
  fs.writeFileSync(SYSCONFIG, sysconfig, { mode: 0o644 });
}

export function chosctl(args: readonly string[], runDir = RUN_DIR): SpawnSyncReturns<string> {
  return run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', runDir]);
}

let built = false;
/** Builds the world once per test process and publishes BASE_CONFIG. */
export function ensureWorld(): void {
  if (built) return;
  ensureUser();
  ensureTrees();
  ensurePackage();
  fs.mkdirSync(SITE_DIR, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(SITE_DIR, 'site.txt'), 'site data\n', { mode: 0o644 });
  writeConfig(BASE_CONFIG);
  const r = chosctl(['setup']);
  if (r.status !== 0) throw new Error(`chosctl setup failed: ${r.stderr}`);
  built = true;
}

export function treeFile(suite: string, rel: string): string {
  return fs.readFileSync(path.join(TREES, suite, rel), 'utf8');
}

/** Every path with type, mode, owner, link target and content digest; device nodes left out. */
export function describeTree(root: string): string {
  return must('sh', ['-c', `cd ${root} && find . ! -type c ! -type b -printf '%p %y %m %U %G %l\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum`]);
}

/** What is left in the store's staging directory (nothing, after any run that ended). */
export function stagingLeft(): string[] {
  const d = path.join(STORE, '.staging');
  return fs.existsSync(d) ? fs.readdirSync(d) : [];
}

export function createdTree(name: string): string {
  return fs.readFileSync(path.join(`${CONFIG}.d`, `${name}.conf`), 'utf8').match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1] ?? '';
}
