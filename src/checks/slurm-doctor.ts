// chosctl doctor's Slurm check: when this host has Slurm, its plugstack.conf must load chos's
// plugin as `required`, and the plugin file must exist. Reads files (I/O); pure judging in judgeSlurm.

import * as fs from 'node:fs';
import type { Finding } from './findings.js';
import { isChosLine, plugstackPath } from '../config/plugstack.js';

/** Judges plugstack.conf's text (undefined: no such file); `exists` says whether a path exists. */
export function judgeSlurm(file: string, text: string | undefined, exists: (p: string) => boolean): Finding[] {
  const subject = 'slurm';
  const hint = "run 'chosctl slurm-config --install' (see docs/slurm.md)";
  const lines = (text ?? '').split('\n').filter(isChosLine).map((l) => l.trim().split(/\s+/));
  if (lines.length === 0) return [{ subject, level: 'warning', code: 'slurm-no-plugin', message: `${file} does not load chos's plugin: jobs run on the host`, hint }];
  const out: Finding[] = [];
  for (const [kind, so] of lines) {
    if (kind !== 'required') out.push({ subject, level: 'error', code: 'slurm-optional', message: `${file} loads chos's plugin as optional: a node that cannot load it runs jobs on the host`, hint });
    if (so !== undefined && !exists(so)) out.push({ subject, level: 'error', code: 'slurm-plugin-missing', message: `the plugin ${so} named in ${file} does not exist: every job on this node fails`, hint: 'run scripts/install-slurm-plugin.sh' });
  }
  if (lines.length > 1) out.push({ subject, level: 'warning', code: 'slurm-twice', message: `${file} loads chos's plugin ${String(lines.length)} times`, hint });
  return out.length ? out : [{ subject, level: 'ok', code: 'slurm-ok', message: `${file} loads chos's plugin (required)` }];
}

/** Nothing when the host has no Slurm configuration. */
export function slurmFindings(env: Record<string, string | undefined>): Finding[] {
  const file = plugstackPath(env);
  const slurmConf = env['SLURM_CONF'] || '/etc/slurm/slurm.conf';
  if (!fs.existsSync(slurmConf)) return [];
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  return judgeSlurm(file, text, (p) => fs.existsSync(p));
}
