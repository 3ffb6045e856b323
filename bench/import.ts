// Import benchmark: chosctl create from an OCI layout, from a registry and from a rootfs
// tarball, against skopeo copy + umoci unpack and GNU tar in the same run, interleaved.
// Needs root and the world the e2e tests build (the OCI layout of test/e2e/oci.test.ts, a
// registry on loopback). Prints medians and ratios. I/O. Run with `npm run bench:import`.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHOSCTL, CONFIG, RUN_DIR, SYSCONFIG, TREES, WORLD, cannotRun, ensureWorld, must, run } from '../test/e2e/harness.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const STORE = path.join(WORLD, 'bench-store');
const OCI = path.join(WORLD, 'oci');
const SCRATCH = path.join(WORLD, 'bench-scratch');
const REGISTRY = '127.0.0.1:5021';

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function chosctl(args: string[]): void {
  const r = run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE, '--quiet', '--no-setup']);
  if (r.status !== 0) throw new Error(`chosctl ${args.join(' ')}: ${r.stderr}`);
}

function removeEnv(name: string): void {
  fs.rmSync(path.join(`${CONFIG}.d`, `${name}.conf`), { force: true });
  fs.rmSync(path.join(STORE, name), { recursive: true, force: true });
}

function fresh(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

interface Case { label: string; prepare?: () => void; run: () => void }

function compare(title: string, cases: Case[]): Map<string, number> {
  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? [...cases].reverse() : cases) {
      c.prepare?.();
      // Flush what the previous case wrote or deleted, so its disk work is not charged here.
      spawnSync('sync');
      times.get(c.label)?.push(time(c.run));
    }
  }
  console.log(`\n## ${title} (${ROUNDS} interleaved rounds)`);
  const m = new Map<string, number>();
  for (const c of cases) {
    const v = median(times.get(c.label) ?? []);
    m.set(c.label, v);
    console.log(`  ${c.label.padEnd(52)} median ${(v / 1000).toFixed(2).padStart(6)} s`);
  }
  return m;
}

function ratio(m: Map<string, number>, a: string, b: string): void {
  console.log(`  ratio ${a} / ${b} = ${((m.get(a) ?? NaN) / (m.get(b) ?? NaN)).toFixed(2)}   (target <= 1.0)`);
}

function main(): void {
  const why = cannotRun();
  if (why) {
    console.error(`bench: ${why}`);
    process.exit(2);
  }
  ensureWorld();
  if (!fs.existsSync(path.join(OCI, 'ready'))) must('node', ['--test', path.join(__dirname, '..', 'test', 'e2e', 'oci.test.js')]);
  fs.mkdirSync(STORE, { recursive: true, mode: 0o700 });
  const image = `${OCI}/layout`;
  const size = Number(must('du', ['-sb', path.join(OCI, 'oracle', 'rootfs')]).split('\t')[0]) / 1e6;
  console.log(`# import benchmark — image: 3 layers, ${size.toFixed(0)} MB unpacked (Debian 11 minbase + ssh/rsync, whiteouts, an opaque dir)`);

  // Unpack only: a local OCI layout.
  const unpack = compare('unpack an OCI layout', [
    { label: 'chosctl create --from-oci (vet, sandbox, whiteouts)', prepare: () => removeEnv('bench'), run: () => chosctl(['create', 'bench', '--from-oci', image, '--ref', 'v3', '--keep-setuid']) },
    { label: 'umoci unpack', prepare: () => fs.rmSync(path.join(SCRATCH, 'bundle'), { recursive: true, force: true }), run: () => must('umoci', ['unpack', '--image', `${image}:v3`, path.join(SCRATCH, 'bundle')]) },
  ]);
  ratio(unpack, 'chosctl create --from-oci (vet, sandbox, whiteouts)', 'umoci unpack');

  // Pull + unpack from a registry on loopback, cold cache each time.
  fresh(path.join(SCRATCH, 'registry'));
  fs.writeFileSync(path.join(SCRATCH, 'registry', 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${SCRATCH}/registry/data\nhttp:\n  addr: ${REGISTRY}\n`);
  const reg: ChildProcess = spawn('docker-registry', ['serve', path.join(SCRATCH, 'registry', 'config.yml')], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && run('bash', ['-c', `exec 3<>/dev/tcp/${REGISTRY.replace(':', '/')}`]).status !== 0; i++) run('sleep', ['0.1']);
    must('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${image}:v3`, `docker://${REGISTRY}/bench/img:v3`]);
    const pull = compare('pull + unpack from a registry on loopback (cold cache)', [
      {
        label: 'chosctl create --pull',
        prepare: () => { removeEnv('benchpull'); fs.rmSync(path.join(STORE, '.blobs'), { recursive: true, force: true }); },
        run: () => chosctl(['create', 'benchpull', '--pull', `${REGISTRY}/bench/img:v3`, '--keep-setuid']),
      },
      {
        label: 'skopeo copy + umoci unpack',
        prepare: () => { fs.rmSync(path.join(SCRATCH, 'pulled'), { recursive: true, force: true }); fs.rmSync(path.join(SCRATCH, 'bundle2'), { recursive: true, force: true }); },
        run: () => {
          must('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${REGISTRY}/bench/img:v3`, `oci:${SCRATCH}/pulled:v3`]);
          must('umoci', ['unpack', '--image', `${SCRATCH}/pulled:v3`, path.join(SCRATCH, 'bundle2')]);
        },
      },
    ]);
    ratio(pull, 'chosctl create --pull', 'skopeo copy + umoci unpack');
  } finally {
    reg.kill();
  }

  // A plain rootfs tarball.
  const tarball = path.join(SCRATCH, 'rootfs.tar');
  must('tar', ['-C', path.join(TREES, 'bookworm'), '-cf', tarball, '.']);
  const tar = compare('extract a plain rootfs tarball', [
    { label: 'chosctl create --from-tar', prepare: () => removeEnv('benchtar'), run: () => chosctl(['create', 'benchtar', '--from-tar', tarball, '--keep-setuid']) },
    { label: 'GNU tar -xpf', prepare: () => fresh(path.join(SCRATCH, 'tarout')), run: () => must('tar', ['-xpf', tarball, '-C', path.join(SCRATCH, 'tarout')]) },
  ]);
  ratio(tar, 'chosctl create --from-tar', 'GNU tar -xpf');
  for (const n of ['bench', 'benchpull', 'benchtar']) removeEnv(n);
  fs.rmSync(SCRATCH, { recursive: true, force: true });
  spawnSync('true');
}

main();
