// Setuid-entry benchmark: ENTRY="setuid" (the helper, and chos through it) against
// `chroot TREE /bin/true` run as root and against the user-namespace mode, interleaved in one
// run with hyperfine; prints medians and ratios (target: helper / chroot <= 1.10). Needs root,
// gcc, make and hyperfine; user-side runs are as the unprivileged test user. I/O.
// Run with `npm run bench:setuid`.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BASE_CONFIG, CHOS, PKG, REPO, RUN_DIR, SITE_DIR, TREES, USER, cannotRun, chosctl, ensureWorld, must, userEnv, writeConfig,
} from '../test/e2e/harness.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 40);
const TREE = path.join(TREES, 'bookworm');
const HELPER = path.join(PKG, 'libexec', 'chos-enter');
const USERNS_RUN = `${RUN_DIR}-userns`;
/** Only descriptors 0-2 open, so that no candidate pays for closing leaked ones. */
const CLEAN_FDS = ['bash', '-c', 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; exec "$@"', 'clean-fds'];

interface Candidate {
  readonly label: string;
  readonly command: string;
  readonly asRoot?: boolean;
  readonly env?: Record<string, string>;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function hyperfine(c: Candidate): number[] {
  const out = path.join(os.tmpdir(), `chos-bench-setuid-${process.pid}.json`);
  const hf = ['hyperfine', '-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', out, '--', c.command];
  const env = Object.entries(userEnv(c.env ?? {})).map(([k, v]) => `${k}=${v}`);
  const argv = [...CLEAN_FDS, ...(c.asRoot
    ? ['env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...hf]
    : ['setpriv', '--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i', ...env, ...hf])];
  const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', cwd: '/tmp' });
  if (r.status !== 0) throw new Error(`hyperfine failed for ${c.label}: ${r.stderr}`);
  const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: Array<{ times: number[] }> };
  fs.rmSync(out, { force: true });
  return (json.results[0]?.times ?? []).map((t) => t * 1000);
}

function main(): void {
  const why = cannotRun();
  if (why) throw new Error(why);
  ensureWorld();
  must('sh', [path.join(REPO, 'scripts', 'install-helper.sh'), PKG, RUN_DIR]);
  // A second run directory in userns mode, so both modes are measured in the same run. Set up
  // first: a userns setup clears the (one) helper's setuid bit, which the setuid setup then sets.
  writeConfig(BASE_CONFIG);
  let r = chosctl(['setup'], USERNS_RUN);
  if (r.status !== 0) throw new Error(`setup (userns) failed: ${r.stderr}`);
  writeConfig(BASE_CONFIG, `BINDMOUNT="${SITE_DIR}"\nENTRY="setuid"\n`);
  r = chosctl(['setup']);
  if (r.status !== 0) throw new Error(`setup (setuid) failed: ${r.stderr}`);
  const root = fs.realpathSync(path.join(USERNS_RUN, 'current', 'roots', 'debian12'));
  try {
    const candidates: Candidate[] = [
      { label: 'chroot TREE /bin/true (root)', command: `chroot ${TREE} /bin/true`, asRoot: true },
      { label: 'chos-enter debian12 /bin/true (setuid helper)', command: `${HELPER} debian12 /bin/true` },
      { label: 'chos /bin/true, ENTRY=setuid', command: `${CHOS} /bin/true`, env: { CHOS: 'debian12' } },
      { label: 'chos /bin/true, ENTRY=userns', command: `${CHOS} /bin/true`, env: { CHOS: 'debian12', CHOS_RUN_DIR: USERNS_RUN } },
      { label: 'unshare --user --root=ROOT /bin/true', command: `unshare --user --map-current-user --root=${root} /bin/true` },
    ];
    const times = new Map<string, number[]>(candidates.map((c) => [c.label, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of round % 2 === 0 ? candidates : [...candidates].reverse()) times.get(c.label)?.push(...hyperfine(c));
    }
    const ms = new Map<string, number>();
    console.log(`## setuid entry (${ROUNDS} interleaved rounds x ${RUNS} runs, ${os.cpus().length} CPUs)`);
    for (const c of candidates) {
      ms.set(c.label, median(times.get(c.label) ?? []));
      console.log(`  ${c.label.padEnd(48)} median ${(ms.get(c.label) ?? 0).toFixed(2).padStart(7)} ms`);
    }
    const ratio = (a: string, b: string): string => `${((ms.get(a) ?? NaN) / (ms.get(b) ?? NaN)).toFixed(2)}`;
    const [chroot, helper, chosSetuid, chosUserns, unshare] = candidates.map((c) => c.label) as [string, string, string, string, string];
    console.log(`  helper / chroot            = ${ratio(helper, chroot)}  (target <= 1.10)`);
    console.log(`  chos setuid / chroot       = ${ratio(chosSetuid, chroot)}`);
    console.log(`  chos setuid / chos userns  = ${ratio(chosSetuid, chosUserns)}  (target <= 1.00)`);
    console.log(`  helper / unshare --user    = ${ratio(helper, unshare)}`);
  } finally {
    chosctl(['teardown'], USERNS_RUN); // the bit stays until the setup below clears it
    writeConfig(BASE_CONFIG);
    chosctl(['setup']);
  }
}

main();
