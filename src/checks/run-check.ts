// `chosctl check`: every problem of the configuration and of each tree, all at once. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import { OVERLAY_UNSAFE, planRoot } from '../plan/root-plan.js';
import { hostFacts, readTreeConf, treeFacts } from '../prepare/facts.js';
import { type ConfigPaths, loadConfig, ownershipProblems } from '../prepare/load-config.js';
import { type Finding, fromDiagnostic } from './findings.js';
import { gatherTree } from './gather.js';
import { checkTree } from './tree-check.js';
import { treeOwnershipProblems } from '../prepare/tree-safety.js';

/** The directories holding a config file must be root's and not writable by others either. */
function parentProblems(file: string): Finding[] {
  const out: Finding[] = [];
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    try {
      const st = fs.statSync(d);
      // A root-owned sticky directory (/tmp, /var/tmp) lets nobody else replace what is in it.
      const mode = st.uid === 0 && st.mode & 0o1000 ? st.mode & ~0o022 : st.mode;
      for (const p of ownershipProblems(d, { uid: st.uid, mode })) out.push({ ...fromDiagnostic(p), code: 'config-directory' });
    } catch { /* reported with the file itself */ }
    if (d === '/') break;
  }
  return out;
}

/** Warnings planning gives for one tree (mount points the tree lacks), without any I/O of its own. */
export function planWarnings(name: string, treePath: string, bindMounts: readonly string[]): string[] {
  try {
    return [...planRoot({
      name, root: '/nonexistent', layers: '/nonexistent', tree: treeFacts(treePath, bindMounts), host: hostFacts(bindMounts),
      bindMounts, marker: '', launcher: '/nonexistent',
    }).warnings];
  } catch {
    return [];
  }
}

export function runCheck(paths: ConfigPaths, names: readonly string[]): Finding[] {
  const cfg = loadConfig(paths);
  const findings: Finding[] = cfg.diagnostics.map(fromDiagnostic);
  findings.push(...parentProblems(cfg.chosFile));
  const known = new Set(cfg.chos.entries.map((e) => e.name));
  for (const n of names) {
    if (!known.has(n)) throw new ChosError('unknown-environment', `no environment "${n}" in ${cfg.chosFile}`, { hint: 'run chosctl check without names to check them all' });
  }
  for (const e of cfg.chos.entries) {
    if (names.length > 0 && !names.includes(e.name)) continue;
    if (e.aliasOf !== undefined || e.path === '/') {
      findings.push({ subject: e.name, level: 'ok', code: 'tree-ok', message: e.aliasOf ? `another name for "${e.aliasOf}"` : 'the host itself' });
      continue;
    }
    let real = e.path;
    try {
      real = fs.realpathSync(e.path);
    } catch { /* gatherTree reports it missing */ }
    if (OVERLAY_UNSAFE.test(real)) {
      findings.push({ subject: e.name, level: 'error', code: 'tree-path-unsafe', message: `the tree path holds ':', ',' or '\\', which overlayfs cannot take: ${real}`, hint: 'move or rename the tree', file: e.file ?? cfg.chosFile, line: e.line });
    }
    const conf = readTreeConf(real);
    findings.push(...conf.diagnostics.map((d) => ({ ...fromDiagnostic(d), subject: e.name })));
    const treeFindings = checkTree(gatherTree(e.name, e.path, fs.existsSync(real) ? planWarnings(e.name, real, cfg.sys.bindMounts) : []));
    findings.push(...treeFindings.map((f) => ({ ...f, file: e.file ?? cfg.chosFile, line: e.line })));
    // The tree's own top-level directories (the tree directory itself is judged above, with its parents).
    const unsafe = (cfg.sys.unsafeTrees ?? []).includes(e.name);
    for (const why of fs.existsSync(real) ? treeOwnershipProblems(real).filter((w) => !w.startsWith(`${real} `)) : []) {
      findings.push({
        subject: e.name, level: unsafe ? 'warning' : 'error', code: 'tree-entry-unsafe', message: why,
        hint: unsafe ? 'UNSAFE_TREES names it: setup mounts it anyway' : "make it root's alone (chown root:root, chmod go-w); setup refuses it until then",
        file: e.file ?? cfg.chosFile, line: e.line,
      });
    }
  }
  return findings;
}
