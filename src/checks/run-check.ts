// `chosctl check`: every problem of the configuration and of each tree, all at once. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import { hostFacts } from '../host/facts.js';
import { type ConfigPaths, loadConfig, ownershipProblems } from '../host/config-files.js';
import { inspectTree } from '../inspect/tree.js';
import { type Finding, fromDiagnostic } from './findings.js';
import { checkTree } from './tree-check.js';

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

export function runCheck(paths: ConfigPaths, names: readonly string[]): Finding[] {
  const cfg = loadConfig(paths);
  const findings: Finding[] = cfg.diagnostics.map(fromDiagnostic);
  findings.push(...parentProblems(cfg.chosFile));
  const known = new Set(cfg.chos.entries.map((e) => e.name));
  const host = hostFacts(cfg.sys.bindMounts);
  for (const n of names) {
    if (!known.has(n)) throw new ChosError('unknown-environment', `no environment "${n}" in ${cfg.chosFile}`, { hint: 'run chosctl check without names to check them all' });
  }
  for (const e of cfg.chos.entries) {
    if (names.length > 0 && !names.includes(e.name)) continue;
    if (e.aliasOf !== undefined || e.path === '/') {
      findings.push({ subject: e.name, level: 'ok', code: 'tree-ok', message: e.aliasOf ? `another name for "${e.aliasOf}"` : 'the host itself' });
      continue;
    }
    const t = inspectTree(e.name, e.path, { bindMounts: cfg.sys.bindMounts, host, walkSetid: true });
    const at = { file: e.file ?? cfg.chosFile, line: e.line };
    // A missing tree or one that is not a directory is checkTree's to report (tree-missing, …).
    if (t.unusable?.kind === 'overlay-unsafe') {
      findings.push({ subject: e.name, level: 'error', code: 'tree-path-unsafe', message: `the tree ${t.unusable.message}`, hint: t.unusable.hint, ...at });
    }
    findings.push(...t.conf.diagnostics.map((d) => ({ ...fromDiagnostic(d), subject: e.name })));
    findings.push(...checkTree(t.checkFacts).map((f) => ({ ...f, ...at })));
    // The tree's own top-level directories (the tree directory itself is judged by checkTree, with its parents).
    const unsafe = (cfg.sys.unsafeTrees ?? []).includes(e.name);
    for (const why of t.ownership.filter((w) => !w.startsWith(`${t.real ?? ''} `))) {
      findings.push({
        subject: e.name, level: unsafe ? 'warning' : 'error', code: 'tree-entry-unsafe', message: why,
        hint: unsafe ? 'UNSAFE_TREES names it: setup mounts it anyway' : "make it root's alone (chown root:root, chmod go-w); setup refuses it until then",
        ...at,
      });
    }
  }
  return findings;
}
