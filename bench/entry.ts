// Entry benchmark: what entering an environment costs, against its peers in the same run.
// Needs root (it builds the test world, and chroot is a root-only peer) and hyperfine; every
// user-side measurement runs as the unprivileged test user. Prints medians and ratios.
// I/O. Run with `npm run bench`.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHOS, CHOSCTL, RUN_DIR, TREES, USER, cannotRun, ensureWorld, userEnv } from '../test/e2e/harness.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 40);
const TREE = path.join(TREES, 'bookworm');

/**
 * Runs argv with only descriptors 0-2 open. Whatever started the benchmark may have leaked
 * others (Node passes inherited descriptors on); chos would then spend a bash re-exec closing
 * them, which is the caller's cost, not the entry's.
 */
const CLEAN_FDS = ['bash', '-c', 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; exec "$@"', 'clean-fds'];

interface Candidate {
  readonly label: string;
  readonly command: string;
  readonly asRoot?: boolean;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

function envArgs(extra: Record<string, string> = {}): string[] {
  return Object.entries(userEnv(extra)).map(([k, v]) => `${k}=${v}`);
}

/** One hyperfine pass over one command (-N: no intermediate shell); returns the run times in ms. */
function hyperfine(c: Candidate, env: Record<string, string>): number[] {
  const out = path.join(os.tmpdir(), `chos-bench-${process.pid}.json`);
  const hf = ['hyperfine', '-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', out, '--', c.command];
  const argv = [...CLEAN_FDS, ...(c.asRoot
    ? ['env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...hf]
    : ['setpriv', '--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i', ...envArgs(env), ...hf])];
  const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', cwd: '/tmp' });
  if (r.status !== 0) throw new Error(`hyperfine failed for ${c.label}: ${r.stderr}`);
  fs.chmodSync(out, 0o644);
  const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: Array<{ times: number[] }> };
  fs.rmSync(out, { force: true });
  return (json.results[0]?.times ?? []).map((t) => t * 1000);
}

/** Interleaves the candidates round by round so drift in the machine hits all of them alike. */
function compare(title: string, candidates: readonly Candidate[], env: Record<string, string>): Map<string, number> {
  const times = new Map<string, number[]>(candidates.map((c) => [c.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? candidates : [...candidates].reverse();
    for (const c of order) times.get(c.label)?.push(...hyperfine(c, env));
  }
  const medians = new Map<string, number>();
  console.log(`\n## ${title}  (${ROUNDS} interleaved rounds x ${RUNS} runs)`);
  for (const c of candidates) {
    const m = median(times.get(c.label) ?? []);
    medians.set(c.label, m);
    console.log(`  ${c.label.padEnd(44)} median ${m.toFixed(2).padStart(7)} ms   p99 ${percentile(times.get(c.label) ?? [], 99).toFixed(2).padStart(7)} ms`);
  }
  return medians;
}

function ratio(ms: Map<string, number>, a: string, b: string): string {
  return `${a} / ${b} = ${((ms.get(a) ?? NaN) / (ms.get(b) ?? NaN)).toFixed(2)}`;
}

/** 200 entries started at once by one user; every one must succeed. */
async function burst(n: number): Promise<void> {
  const env = userEnv({ CHOS: 'debian12' });
  const starts: Array<Promise<{ ms: number; code: number | null }>> = [];
  for (let i = 0; i < n; i++) {
    starts.push(new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const p = spawn(CLEAN_FDS[0] ?? 'bash', [...CLEAN_FDS.slice(1), 'setpriv', '--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`), CHOS, '/bin/true'], { stdio: 'ignore', cwd: '/tmp' });
      p.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code }));
    }));
  }
  const results = await Promise.all(starts);
  const ok = results.filter((r) => r.code === 0).length;
  const ms = results.map((r) => r.ms);
  console.log(`\n## ${n} entries started at once (bash + setpriv + chos /bin/true each, on ${os.cpus().length} cores)`);
  console.log(`  succeeded ${ok}/${n}   p50 ${median(ms).toFixed(1)} ms   p99 ${percentile(ms, 99).toFixed(1)} ms`);
  if (ok !== n) process.exitCode = 1;
}

/** The process `pid` and all below it: their names and summed resident memory (KiB). */
function processTree(pid: number): { names: string[]; rssKiB: number } {
  const names: string[] = [];
  let rssKiB = 0;
  const visit = (p: number): void => {
    const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
    names.push(/^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?');
    rssKiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const kids = spawnSync('pgrep', ['-P', String(p)], { encoding: 'utf8' }).stdout.trim();
    for (const k of kids === '' ? [] : kids.split('\n')) visit(Number(k));
  };
  visit(pid);
  return { names, rssKiB };
}

/**
 * What a running session costs beyond its command: the process tree started as
 * `chos sleep 5` against the bare `sleep 5` (both as the test user), measured, median of 5.
 */
async function sessionShape(): Promise<void> {
  const sample = async (argv: string[]): Promise<{ names: string[]; rssKiB: number; root: string }> => {
    const p = spawn('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i', ...envArgs({ CHOS: 'debian12' }),
      ...argv], { stdio: 'ignore', cwd: '/tmp' });
    // Until the started process has become sleep (chos execs: sh, then unshare, then sleep).
    for (let i = 0; i < 200 && fs.readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim() !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 10));
    const t = processTree(p.pid ?? 0);
    const root = fs.readlinkSync(`/proc/${p.pid}/root`);
    p.kill();
    await new Promise((r) => p.on('close', r));
    return { ...t, root };
  };
  const chosRuns = [];
  const bareRuns = [];
  for (let i = 0; i < 5; i++) {
    chosRuns.push(await sample([CHOS, 'sleep', '5']));
    bareRuns.push(await sample(['sleep', '5']));
  }
  const c = chosRuns[0];
  const b = bareRuns[0];
  const rssC = median(chosRuns.map((r) => r.rssKiB));
  const rssB = median(bareRuns.map((r) => r.rssKiB));
  console.log('\n## a running session: chos sleep 5 against the bare sleep 5 (resident memory: median of 5)');
  console.log(`  chos sleep 5:  processes ${c?.names.length ?? '?'} (${c?.names.join(', ') ?? '?'}), root ${c?.root ?? '?'}, resident ${rssC} KiB`);
  console.log(`  bare sleep 5:  processes ${b?.names.length ?? '?'} (${b?.names.join(', ') ?? '?'}), root ${b?.root ?? '?'}, resident ${rssB} KiB`);
  console.log(`  extra: ${(c?.names.length ?? NaN) - (b?.names.length ?? NaN)} processes, ${rssC - rssB} KiB resident (user space; the namespaces' kernel memory is not counted)`);
}

async function main(): Promise<void> {
  const why = cannotRun();
  if (why) {
    console.error(`bench: cannot run: ${why}`);
    process.exit(2);
  }
  if (spawnSync('sh', ['-c', 'command -v hyperfine && command -v bwrap'], { stdio: 'ignore' }).status !== 0) {
    console.error('bench: needs hyperfine and bubblewrap (apt-get install hyperfine bubblewrap)');
    process.exit(2);
  }
  ensureWorld();
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '?';
  console.log(`# chos entry benchmark — ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, node ${process.version}`);
  console.log(`# tree: ${TREE}; config: Debian 11/12/13 + BINDMOUNT; run dir ${RUN_DIR}; user ${USER}`);

  // The root chos enters, as setup prepared it: the like-for-like peer runs the same
  // unshare(1) on it directly, so the difference is the launcher's own cost (sh, selection).
  const prepared = /^root='([^']*)'$/m.exec(fs.readFileSync(path.join(RUN_DIR, 'current', 'env', 'debian12'), 'utf8'))?.[1];
  if (!prepared) throw new Error(`no root in ${RUN_DIR}/current/env/debian12`);
  const UNSHARE = 'unshare --user --map-current-user --root=PREPARED_ROOT /bin/true';
  const entry = compare('chos /bin/true vs the same unshare, bubblewrap and chroot', [
    { label: 'chos /bin/true (debian12, full integration)', command: `${CHOS} /bin/true` },
    { label: UNSHARE, command: `unshare --user --map-current-user --root=${prepared} /bin/true` },
    { label: 'bwrap --bind TREE / /bin/true', command: `bwrap --bind ${TREE} / /bin/true` },
    { label: 'chroot TREE /bin/true (as root)', command: `chroot ${TREE} /bin/true`, asRoot: true },
    { label: '/bin/true on the host', command: '/bin/true' },
  ], { CHOS: 'debian12' });
  console.log(`  ratio ${ratio(entry, 'chos /bin/true (debian12, full integration)', UNSHARE)}   (the launcher's own cost)`);
  console.log(`  ratio ${ratio(entry, 'chos /bin/true (debian12, full integration)', 'bwrap --bind TREE / /bin/true')}   (target <= 1.0)`);
  console.log(`  ratio ${ratio(entry, 'chos /bin/true (debian12, full integration)', 'chroot TREE /bin/true (as root)')}`);

  const login = compare('login shell that exits at once (stdin at EOF)', [
    { label: 'chos (login bash in debian12)', command: CHOS },
    { label: 'bash -l on the host', command: '/bin/bash -l' },
    { label: 'bwrap --bind TREE / /bin/bash -l', command: `bwrap --bind ${TREE} / /bin/bash -l` },
  ], { CHOS: 'debian12' });
  console.log(`  ratio ${ratio(login, 'chos (login bash in debian12)', 'bash -l on the host')}`);
  console.log(`  ratio ${ratio(login, 'chos (login bash in debian12)', 'bwrap --bind TREE / /bin/bash -l')}`);

  const node = compare('Node-based commands', [
    { label: 'chos --list', command: `${CHOS} --list` },
    { label: 'chosctl status', command: `${CHOSCTL} status --run-dir ${RUN_DIR}` },
    { label: 'node -e 0 (NODE_EXTRA_CA_CERTS unset)', command: 'node -e 0' },
  ], {});
  console.log(`  ratio ${ratio(node, 'chos --list', 'node -e 0 (NODE_EXTRA_CA_CERTS unset)')}`);

  await sessionShape();
  await burst(200);
}

void main();
