// Slurm benchmark: `srun -N1 /bin/true` with chos's plugin entering an environment versus the same
// cluster without the plugin, in the same run, rounds interleaved (slurmd restarted between
// them), both modes. Medians and ratios. Needs root, Slurm, munge, hyperfine. I/O.
// Run with: node scripts/build.mjs && tsc -p tsconfig.test.json && node build/bench/slurm.js

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, RUN_DIR, SITE_DIR, USER, cannotRun, ensureWorld, must, userInfo } from '../test/e2e/harness.js';
import { restartSlurmd, slurmEnv, startCluster, stopCluster } from '../test/e2e/slurm-cluster.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const PLUGIN = path.join(SITE_DIR, 'slurm', 'lib', 'chos_spank.so');

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** hyperfine as the test user over srun; run times in ms. */
function measure(env: Record<string, string>): number[] {
  const out = path.join(os.tmpdir(), `chos-bench-slurm-${String(process.pid)}.json`);
  fs.rmSync(out, { force: true });
  fs.writeFileSync(out, '');
  fs.chownSync(out, userInfo().uid, userInfo().gid);
  const r = spawnSync('setpriv', ['--reuid', USER, '--regid', USER, '--init-groups', '--', 'env', '-i',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    'hyperfine', '-N', '--warmup', '2', '--runs', String(RUNS), '--export-json', out, '--', 'srun -N1 /bin/true'],
  { encoding: 'utf8', cwd: userInfo().home });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: Array<{ times: number[] }> };
  fs.rmSync(out, { force: true });
  return (json.results[0]?.times ?? []).map((t) => t * 1000);
}

function main(): void {
  const why = cannotRun();
  if (why !== undefined) throw new Error(why);
  ensureWorld();
  must('make', ['-s', '-C', path.join(REPO, 'native', 'spank')]);
  fs.mkdirSync(path.dirname(PLUGIN), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'native', 'spank', 'chos_spank.so'), PLUGIN);
  const env = slurmEnv({ CHOS: 'debian12' });
  startCluster('');
  try {
    for (const mode of ['user', 'root'] as const) {
      const times = { plugin: [] as number[], none: [] as number[] };
      for (let i = 0; i < ROUNDS; i++) {
        restartSlurmd(`required ${PLUGIN} mode=${mode} run_dir=${RUN_DIR}\n`);
        times.plugin.push(...measure(env));
        restartSlurmd('');
        times.none.push(...measure(env));
      }
      const p = median(times.plugin);
      const n = median(times.none);
      console.log(`${mode} mode: srun -N1 /bin/true median ${p.toFixed(1)} ms with chos entering debian12, ${n.toFixed(1)} ms without the plugin; ratio ${(p / n).toFixed(3)} (${String(times.plugin.length)} runs each, ${String(ROUNDS)} interleaved rounds)`);
    }
  } finally {
    stopCluster();
  }
}

main();
