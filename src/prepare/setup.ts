// `chosctl setup`: validate the configuration, prepare every environment's root as a new
// generation under the run directory, then publish it with one atomic rename. I/O, root only.
//
// Run directory (default /run/chos):
//   gen-<id>/roots/NAME   prepared roots (mount trees)
//   gen-<id>/layers/NAME  overlay layers (identity symlinks, the chos launcher)
//   gen-<id>/env/NAME     variables bin/chos sources to enter NAME
//   gen-<id>/catalog.json what `chos --list` shows
//   gen-<id>/entry/NAME   ENTRY="setuid" only: the root the helper enters (see entry-mode.ts)
//   current -> gen-<id>   swapped by rename(2): an entry sees the old or the new, never a mix
// The run directory itself is a tmpfs marked unbindable, so the host root bound at /local in
// every environment does not carry copies of all the prepared roots.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeDiagnostic, hasErrors, type Diagnostic } from '../config/index.js';
import { DEFAULT_NAME, ROOT_NAME } from '../config/names.js';
import { takeLock } from '../state/lock.js';
import { atPath, ChosError } from '../errors.js';
import { OVERLAY_UNSAFE, planRoot, renderLaunchVars, renderSetupScript, shQuote } from '../plan/index.js';
import { hostFacts, prettyName, readTreeConf, treeFacts } from './facts.js';
import { checkTree } from '../checks/tree-check.js';
import { gatherTree } from '../checks/gather.js';
import { type Level, worst } from '../checks/findings.js';
import { type ConfigPaths, configStamp, loadConfig } from './load-config.js';
import { applyHelperMode, helperPath, writeEntryData } from './entry-mode.js';
import { entryMode } from '../config/index.js';
import { isMountPoint, mountsUnder, unmountAndRemove } from './mounts.js';
import { jsonForTerminal } from '../text/json.js';
import { escapeControl } from '../text/escape.js';
import { treeOwnershipProblems, treePathsOf, verifyTreePaths } from './tree-safety.js';

export const DEFAULT_RUN_DIR = '/run/chos';

export interface SetupOptions extends ConfigPaths {
  readonly runDir?: string;
  /** bin/chos of this installation, copied into each environment as /usr/local/bin/chos. */
  readonly launcher: string;
  /** Prints the plan instead of performing it. */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
}

export interface CatalogEntry {
  readonly name: string;
  readonly path: string;
  readonly prettyName?: string;
  readonly aliasOf?: string;
  /** The tree's checks at setup time (see chosctl check), and the first problem found. */
  readonly health?: Level;
  readonly problem?: string;
}

export interface Catalog {
  readonly generation: string;
  /** When setup published it (ISO 8601); absent in catalogs from before 0.1.0's release. */
  readonly created?: string;
  readonly configFile: string;
  readonly configMtimeMs: number;
  readonly environments: readonly CatalogEntry[];
}

export interface SetupResult {
  readonly generation: string;
  readonly warnings: readonly string[];
  readonly catalog: Catalog;
  readonly script?: string;
}

function sh(script: string, what: string): void {
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    // mount(8) names paths whose last parts come from a tree's directory listing: escaped.
    const detail = escapeControl((r.stderr || r.stdout || '').trim().split('\n').slice(-3).join('; '));
    throw new ChosError('setup-failed', `${what} failed: ${detail || `exit status ${String(r.status)}`}`);
  }
}

/** Unmounts everything below a generation and removes it (see unmountAndRemove). */
export const removeGeneration = unmountAndRemove;

function ensureRunDir(runDir: string): void {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o755 });
  if (!isMountPoint(runDir)) {
    // Quoted: an administrator may give any --run-dir.
    sh(`set -e\nmount -t tmpfs -o mode=0755,nosuid,nodev chos ${shQuote(runDir)}\nmount --make-unbindable ${shQuote(runDir)}`, `mounting ${runDir}`);
  }
}

/** setup and teardown, one at a time per run directory (the one lock of chos, src/state/lock.ts). */
function lock(runDir: string, log: (l: string) => void = () => {}): () => void {
  return takeLock(path.join(runDir, '.locks', 'setup'), { what: `the run directory ${runDir}`, log, timeoutMs: 60_000 });
}

export function setup(opts: SetupOptions): SetupResult {
  const log = opts.log ?? (() => {});
  const runDir = opts.runDir ?? DEFAULT_RUN_DIR;
  if (!opts.dryRun && process.getuid?.() !== 0) {
    throw new ChosError('not-root', 'chosctl setup must run as root', { hint: 'run it with sudo, or let chos.service run it at boot' });
  }
  const cfg = loadConfig(opts);
  const problems: Diagnostic[] = [...cfg.diagnostics];
  const warnings: string[] = cfg.diagnostics.filter((d) => d.severity === 'warning').map(describeDiagnostic);

  // Trees: each must exist and be a directory; symlinks in the configured path are resolved once here.
  const trees = new Map<string, string>();
  for (const e of cfg.chos.entries) {
    if (e.aliasOf !== undefined || e.path === '/') continue;
    let real: string;
    try {
      real = fs.realpathSync(e.path);
    } catch {
      problems.push({
        file: e.file ?? cfg.chosFile, line: e.line, severity: 'error',
        message: `tree of "${e.name}" does not exist: ${e.path}`,
        hint: 'create the tree (e.g. with debootstrap) or fix the path',
      });
      continue;
    }
    if (!fs.statSync(real).isDirectory()) {
      problems.push({ file: e.file ?? cfg.chosFile, line: e.line, severity: 'error', message: `tree of "${e.name}" is not a directory: ${e.path}` });
    } else if (OVERLAY_UNSAFE.test(real)) {
      problems.push({ file: e.file ?? cfg.chosFile, line: e.line, severity: 'error', message: `tree path of "${e.name}" holds ':', ',' or '\\', which overlayfs cannot take: ${real}` });
    } else {
      trees.set(e.name, real);
      // Mounts are made from and on paths inside the tree: only root may be able to change it.
      if (!(cfg.sys.unsafeTrees ?? []).includes(e.name)) {
        for (const why of treeOwnershipProblems(real)) {
          problems.push({
            file: e.file ?? cfg.chosFile, line: e.line, severity: 'error', message: `tree of "${e.name}": ${why}`,
            hint: `make it root's alone (chown root:root, chmod go-w), or accept the risk: UNSAFE_TREES="${e.name}" in the sysconfig file`,
          });
        }
      }
    }
  }
  if (hasErrors(problems)) {
    const errors = problems.filter((d) => d.severity === 'error');
    throw new ChosError('config-syntax', errors.map(describeDiagnostic).join('\n'), {
      hint: 'nothing was changed; fix the problems above, then run chosctl setup again',
    });
  }

  const entry = entryMode(cfg.sys);
  const helper = entry === 'setuid' ? helperPath(opts.launcher) : undefined;
  const entryTargets = new Map<string, string>([[ROOT_NAME, '/']]);
  const generation = `gen-${Date.now()}-${process.pid}`;
  const genDir = path.join(runDir, generation);
  const host = hostFacts(cfg.sys.bindMounts);
  const scripts: Array<{ name: string; script: string; tree?: string; treePaths?: string[] }> = [];
  const environments: CatalogEntry[] = [];
  const envFiles = new Map<string, string>();
  const layerWork: Array<() => void> = [];

  // The host keeps its own /etc/chos.conf (%ENV) for login shells, as a tree does.
  const hostConf = readTreeConf('/');
  warnings.push(...hostConf.diagnostics.map(describeDiagnostic));
  const hostVars = renderLaunchVars({ root: '/', keep: hostConf.keepEnv, bashLogin: hostConf.bashLogin, helper });
  // "root" always exists, configured or not.
  envFiles.set(ROOT_NAME, hostVars);
  for (const e of cfg.chos.entries) {
    if (e.aliasOf !== undefined) continue;
    if (e.path === '/') {
      environments.push({ name: e.name, path: '/', prettyName: prettyName('/') ?? 'host' });
      envFiles.set(e.name, hostVars);
      entryTargets.set(e.name, '/');
      continue;
    }
    const treePath = trees.get(e.name);
    if (treePath === undefined) continue;
    const conf = readTreeConf(treePath);
    warnings.push(...conf.diagnostics.filter((d) => d.severity === 'warning').map(describeDiagnostic));
    if (hasErrors(conf.diagnostics)) {
      throw new ChosError('config-syntax', conf.diagnostics.filter((d) => d.severity === 'error').map(describeDiagnostic).join('\n'), {
        hint: 'nothing was changed; fix the tree\'s chos.conf, then run chosctl setup again',
      });
    }
    const root = path.join(genDir, 'roots', e.name);
    const layers = path.join(genDir, 'layers', e.name);
    const plan = planRoot({
      name: e.name,
      root,
      layers,
      tree: treeFacts(treePath, cfg.sys.bindMounts),
      host,
      bindMounts: cfg.sys.bindMounts,
      marker: renderLaunchVars({ here: e.name, root: '/', keep: conf.keepEnv, bashLogin: conf.bashLogin }),
      launcher: opts.launcher,
    });
    warnings.push(...plan.warnings);
    layerWork.push(() => {
      fs.mkdirSync(root, { recursive: true });
      for (const f of plan.layerFiles) {
        fs.mkdirSync(path.dirname(f.path), { recursive: true, mode: 0o755 });
        if (f.kind === 'symlink') fs.symlinkSync(f.target, f.path);
        else {
          fs.copyFileSync(f.from, f.path);
          fs.chmodSync(f.path, 0o755);
        }
      }
    });
    scripts.push({ name: e.name, script: renderSetupScript(plan.ops), tree: treePath, treePaths: treePathsOf(plan.ops, treePath, root) });
    const findings = checkTree(gatherTree(e.name, e.path, plan.warnings, false));
    const problem = findings.find((x) => x.level === 'error') ?? findings.find((x) => x.level === 'warning');
    environments.push({
      name: e.name, path: e.path, prettyName: prettyName(treePath), health: worst(findings),
      ...(problem ? { problem: problem.message } : {}),
    });
    envFiles.set(e.name, renderLaunchVars({ root, keep: conf.keepEnv, bashLogin: conf.bashLogin, helper }));
    entryTargets.set(e.name, e.name);
  }
  for (const e of cfg.chos.entries) {
    if (e.aliasOf === undefined) continue;
    const vars = envFiles.get(e.aliasOf);
    if (vars === undefined) continue;
    // Entering an alias enters its target under the target's name (CHOS, --which agree).
    envFiles.set(e.name, `${vars}name=${shQuote(e.aliasOf)}\n`);
    entryTargets.set(e.name, entryTargets.get(e.aliasOf) ?? '/');
    const t = environments.find((x) => x.name === e.aliasOf);
    environments.push({ name: e.name, path: t?.path ?? '/', prettyName: t?.prettyName, aliasOf: e.aliasOf, health: t?.health, problem: t?.problem });
  }
  const catalog: Catalog = {
    generation,
    created: new Date().toISOString(),
    configFile: cfg.chosFile,
    configMtimeMs: configStamp(cfg.chosFile),
    environments,
  };
  if (opts.dryRun) return { generation, warnings, catalog, script: scripts.map((x) => `# ${x.name}\n${x.script}`).join('\n') };

  applyHelperMode(entry, helperPath(opts.launcher), log);
  ensureRunDir(runDir);
  const unlock = lock(runDir, log);
  try {
    fs.mkdirSync(path.join(genDir, 'env'), { recursive: true, mode: 0o755 });
    try {
      // overlayfs cannot take a lower layer from an unbindable mount ("failed to clone
      // lowerpath"), so the layers get a tmpfs of their own.
      const layersDir = path.join(genDir, 'layers');
      fs.mkdirSync(layersDir, { mode: 0o755 });
      sh(`mount -t tmpfs -o mode=0755,nosuid,nodev chos-layers ${shQuote(layersDir)}`, 'mounting the overlay layers');
      for (const w of layerWork) w();
      for (const x of scripts) {
        if (x.tree !== undefined) verifyTreePaths(x.name, x.tree, x.treePaths ?? []);
        sh(x.script, `preparing "${x.name}"`);
      }
      // atPath: a full run directory is reported with the file that did not fit.
      for (const [name, vars] of envFiles) {
        const file = path.join(genDir, 'env', name);
        atPath(file, () => fs.writeFileSync(file, vars, { mode: 0o644 }));
      }
      // Written in every mode: the setuid helper and the Slurm plugin's root mode read it.
      writeEntryData(genDir, entryTargets);
      const catalogFile = path.join(genDir, 'catalog.json');
      atPath(catalogFile, () => fs.writeFileSync(catalogFile, jsonForTerminal(catalog) + '\n', { mode: 0o644 }));
      const tmp = path.join(runDir, `.current-${process.pid}`);
      fs.rmSync(tmp, { force: true });
      fs.symlinkSync(generation, tmp);
      fs.renameSync(tmp, path.join(runDir, 'current'));
    } catch (e) {
      removeGeneration(genDir);
      throw e;
    }
    log(`published ${generation} with ${environments.length} environment(s)`);
    pruneGenerations(runDir, generation, log);
  } finally {
    unlock();
  }
  return { generation, warnings, catalog };
}

/**
 * Generations some process still runs in: its root or working directory is inside one.
 * Read from /proc/PID/root and /proc/PID/cwd (proc(5)); root may read every process's.
 */
export function generationsInUse(runDir: string): Set<string> {
  const used = new Set<string>();
  const prefix = runDir.endsWith('/') ? runDir : runDir + '/';
  for (const pid of fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n))) {
    for (const link of ['root', 'cwd']) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/${link}`);
      } catch {
        continue; // gone, or a kernel thread
      }
      if (target.startsWith(prefix)) used.add(target.slice(prefix.length).split('/')[0] ?? '');
    }
  }
  return used;
}

/**
 * Keeps the current generation, the one before it (an entry that read the old variables a
 * moment before the swap still finds its root) and every one a session still runs in; removes
 * the rest. A generation kept for a session goes at the first setup after the session ends.
 */
function pruneGenerations(runDir: string, current: string, log: (l: string) => void): void {
  const gens = fs.readdirSync(runDir).filter((n) => n.startsWith('gen-') && n !== current);
  gens.sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
  const inUse = generationsInUse(runDir);
  for (const g of gens.slice(0, -1)) {
    if (inUse.has(g)) {
      log(`kept ${g}: sessions still run in it`);
      continue;
    }
    removeGeneration(path.join(runDir, g));
    log(`removed ${g}`);
  }
}

export function teardown(runDir: string = DEFAULT_RUN_DIR, log: (l: string) => void = () => {}): void {
  if (process.getuid?.() !== 0) throw new ChosError('not-root', 'chosctl teardown must run as root');
  if (!fs.existsSync(runDir)) return;
  const unlock = lock(runDir, log);
  try {
    removeAll(runDir, log);
  } finally {
    unlock();
  }
  if (isMountPoint(runDir) && fs.readdirSync(runDir).filter((n) => n.startsWith('gen-')).length === 0) {
    spawnSync('umount', ['-l', '--', runDir], { stdio: 'ignore' });
  }
}

function removeAll(runDir: string, log: (l: string) => void): void {
  fs.rmSync(path.join(runDir, 'current'), { force: true });
  const inUse = generationsInUse(runDir);
  for (const g of fs.readdirSync(runDir).filter((n) => n.startsWith('gen-'))) {
    if (inUse.has(g)) {
      log(`kept ${g}: sessions still run in it; run teardown again when they have ended`);
      continue;
    }
    removeGeneration(path.join(runDir, g));
    log(`removed ${g}`);
  }
}

/** Whether the configuration changed since setup published `catalog`. */
export function isStale(catalog: Catalog): boolean {
  return configStamp(catalog.configFile) !== catalog.configMtimeMs;
}

export function readCatalog(runDir: string = DEFAULT_RUN_DIR): Catalog | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'current', 'catalog.json'), 'utf8')) as Catalog;
  } catch {
    return undefined;
  }
}

export { DEFAULT_NAME };
