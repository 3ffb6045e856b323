// `chosctl setup` and `chosctl teardown`: validate the configuration, inspect every tree,
// prepare every environment's root as a new generation under the run directory, then publish
// it with one atomic rename (layout: src/state/catalog.ts). The run directory itself is a
// tmpfs marked unbindable, so the host root bound at /local in every environment does not
// carry copies of all the prepared roots. I/O, root only.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeDiagnostic, entryMode, hasErrors, type Diagnostic } from '../config/index.js';
import { ROOT_NAME } from '../config/names.js';
import { atPath, ChosError } from '../errors.js';
import { planRoot, renderLaunchVars, renderSetupScript, shQuote } from '../plan/index.js';
import { hostFacts, prettyName, readTreeConf } from '../host/facts.js';
import { type ConfigPaths, configStamp, loadConfig } from '../host/config-files.js';
import { isMountPoint } from '../host/mounts.js';
import { inspectTree, type TreeInspection } from '../inspect/tree.js';
import { checkTree } from '../checks/tree-check.js';
import { worst } from '../checks/findings.js';
import { type Catalog, type CatalogEntry, DEFAULT_RUN_DIR } from '../state/catalog.js';
import { generations, lockRunDir, pruneGenerations, removeGeneration } from '../state/generations.js';
import { applyHelperMode, helperPath, writeEntryData } from './entry-mode.js';
import { jsonForTerminal } from '../text/json.js';
import { escapeControl } from '../text/escape.js';
import { treePathsOf, verifyTreePaths } from './tree-safety.js';

export interface SetupOptions extends ConfigPaths {
  readonly runDir?: string;
  /** bin/chos of this installation, copied into each environment as /usr/local/bin/chos. */
  readonly launcher: string;
  /** Prints the plan instead of performing it. */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
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

function ensureRunDir(runDir: string): void {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o755 });
  if (!isMountPoint(runDir)) {
    // Quoted: an administrator may give any --run-dir.
    sh(`set -e\nmount -t tmpfs -o mode=0755,nosuid,nodev chos ${shQuote(runDir)}\nmount --make-unbindable ${shQuote(runDir)}`, `mounting ${runDir}`);
  }
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

  // Every tree inspected once (src/inspect/tree.ts): where it really lies, whether it can be
  // mounted, who may change it, its chos.conf. All problems are reported at once, before anything is done.
  const host = hostFacts(cfg.sys.bindMounts);
  const inspected = new Map<string, TreeInspection>();
  for (const e of cfg.chos.entries) {
    if (e.aliasOf !== undefined || e.path === '/') continue;
    const t = inspectTree(e.name, e.path, { bindMounts: cfg.sys.bindMounts, host, walkSetid: false });
    const at = { file: e.file ?? cfg.chosFile, line: e.line, severity: 'error' as const };
    if (t.unusable) {
      problems.push({ ...at, message: `tree of "${e.name}" ${t.unusable.message}`, ...(t.unusable.hint ? { hint: t.unusable.hint } : {}) });
      continue;
    }
    // Mounts are made from and on paths inside the tree: only root may be able to change it.
    if (!(cfg.sys.unsafeTrees ?? []).includes(e.name)) {
      for (const why of t.ownership) {
        problems.push({
          ...at, message: `tree of "${e.name}": ${why}`,
          hint: `make it root's alone (chown root:root, chmod go-w), or accept the risk: UNSAFE_TREES="${e.name}" in the sysconfig file`,
        });
      }
    }
    problems.push(...t.conf.diagnostics);
    warnings.push(...t.conf.diagnostics.filter((d) => d.severity === 'warning').map(describeDiagnostic));
    inspected.set(e.name, t);
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
    const t = inspected.get(e.name);
    if (t?.real === undefined || t.facts === undefined) continue;
    const { conf, real: treePath } = t;
    const root = path.join(genDir, 'roots', e.name);
    const layers = path.join(genDir, 'layers', e.name);
    const plan = planRoot({
      name: e.name,
      root,
      layers,
      tree: t.facts,
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
    const findings = checkTree(t.checkFacts);
    const problem = findings.find((x) => x.level === 'error') ?? findings.find((x) => x.level === 'warning');
    environments.push({
      name: e.name, path: e.path, prettyName: t.prettyName, health: worst(findings),
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
  const unlock = lockRunDir(runDir, log);
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

export function teardown(runDir: string = DEFAULT_RUN_DIR, log: (l: string) => void = () => {}): void {
  if (process.getuid?.() !== 0) throw new ChosError('not-root', 'chosctl teardown must run as root');
  if (!fs.existsSync(runDir)) return;
  const unlock = lockRunDir(runDir, log);
  try {
    fs.rmSync(path.join(runDir, 'current'), { force: true });
    pruneGenerations(runDir, undefined, log);
  } finally {
    unlock();
  }
  if (isMountPoint(runDir) && generations(runDir).length === 0) {
    spawnSync('umount', ['-l', '--', runDir], { stdio: 'ignore' });
  }
}
