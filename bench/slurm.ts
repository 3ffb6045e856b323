// Slurm benchmark: `srun -N1 /bin/true` with chos's plugin entering an environment versus the same
// cluster without the plugin, and versus a SPANK plugin that does nothing (what Slurm itself
// spends on loading any plugin), in the same run, rounds interleaved (slurmd restarted between
// them, the order rotating), both modes. Medians and their ratio over all runs, and the
// spread of the rounds' own ratios: srun's time wanders by more than chos's entry costs, so the
// spread says how far one figure can be trusted. Needs root, Slurm, munge, hyperfine. I/O.
// Run with: node scripts/build.mjs && tsc -p tsconfig.test.json && node build/bench/slurm.js

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, RUN_DIR, SITE_DIR, USER, cannotRun, ensureWorld, must, userInfo } from '../test/e2e/harness.js';
import { restartSlurmd, slurmEnv, startCluster, stopCluster } from '../test/e2e/slurm-cluster.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 10);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const PLUGIN = path.join(SITE_DIR, 'slurm', 'lib', 'chos_spank.so');
const NOOP = path.join(SITE_DIR, 'slurm', 'lib', 'noop_spank.so');
const NOOP_SOURCE = `#include <slurm/spank.h>
SPANK_PLUGIN(noop, 1);
int slurm_spank_init(spank_t sp, int ac, char **av) { (void)sp; (void)ac; (void)av; return 0; }
`;

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
  const noopSource = path.join(os.tmpdir(), `noop_spank-${String(process.pid)}.c`);
  fs.writeFileSync(noopSource, NOOP_SOURCE);
  must('gcc', ['-O2', '-Wall', '-Werror', '-fPIC', '-shared', '-o', NOOP, noopSource]);
  fs.rmSync(noopSource);
  const env = slurmEnv({ CHOS: 'debian12' });
  startCluster('');
  try {
    for (const mode of ['user', 'root'] as const) {
      type Config = 'chos' | 'noop' | 'none';
      const times: Record<Config, number[]> = { chos: [], noop: [], none: [] };
      const roundRatios: number[] = [];
      const lines: Record<Config, string> = { chos: `required ${PLUGIN} mode=${mode} run_dir=${RUN_DIR}\n`, noop: `required ${NOOP}\n`, none: '' };
      const order: Config[] = ['chos', 'noop', 'none'];
      for (let i = 0; i < ROUNDS; i++) {
        // The order rotates, so that a drift during a round favours none of them.
        const round: Partial<Record<Config, number[]>> = {};
        for (let k = 0; k < order.length; k++) {
          const c = order[(i + k) % order.length] ?? 'none';
          restartSlurmd(lines[c]);
          round[c] = measure(env);
          times[c].push(...round[c]);
        }
        roundRatios.push(median(round.chos ?? []) / median(round.none ?? []));
      }
      const [p, q, n] = [median(times.chos), median(times.noop), median(times.none)];
      const sorted = [...roundRatios].sort((a, b) => a - b);
      console.log(`${mode} mode: srun -N1 /bin/true median ${p.toFixed(1)} ms with chos entering debian12, ${n.toFixed(1)} ms without a plugin, ${q.toFixed(1)} ms with a plugin that does nothing; ratio to no plugin ${(p / n).toFixed(3)}, to the plugin that does nothing ${(p / q).toFixed(3)} (${String(times.chos.length)} runs each, ${String(ROUNDS)} interleaved rounds; the rounds' own ratios to no plugin: median ${median(roundRatios).toFixed(3)}, from ${(sorted[0] ?? 0).toFixed(3)} to ${(sorted[sorted.length - 1] ?? 0).toFixed(3)})`);
    }
  } finally {
    stopCluster();
  }
}

main();
