// Slurm's plugstack.conf as chos sees it: the line that loads chos's SPANK plugin, finding such
// lines, and the rewrite of an existing file with one. Pure.

import * as path from 'node:path';
import { ChosError } from '../errors.js';

export type SlurmMode = 'user' | 'root';
/** Where scripts/install-slurm-plugin.sh installs the plugin. */
export const DEFAULT_PLUGIN = '/usr/local/lib/chos/chos_spank.so';
const SAFE_PATH = /^\/[A-Za-z0-9_./+-]+$/;

export function parseMode(s: string | undefined): SlurmMode {
  if (s === undefined || s === 'user') return 'user';
  if (s === 'root') return 'root';
  throw new ChosError('usage', '--mode must be "user" or "root"');
}

/**
 * The line. `required`, never `optional`: with optional, a node that cannot load the plugin runs
 * jobs on the host, silently. run_dir only when it is not the default.
 */
export function renderPlugstackLine(o: { mode: SlurmMode; plugin: string; runDir?: string }): string {
  if (!SAFE_PATH.test(o.plugin)) throw new ChosError('usage', 'the plugin path must be absolute and plain (letters, digits, "/", ".", "_", "+", "-")');
  if (o.runDir !== undefined && o.runDir !== '/run/chos' && !SAFE_PATH.test(o.runDir)) throw new ChosError('usage', 'the run directory must be absolute and plain');
  const rd = o.runDir !== undefined && o.runDir !== '/run/chos' ? ` run_dir=${o.runDir}` : '';
  return `required ${o.plugin} mode=${o.mode}${rd}\n`;
}

/** True for a plugstack.conf line that loads chos's plugin (any path, optional or required). */
export function isChosLine(line: string): boolean {
  const w = line.trim().split(/\s+/);
  return (w[0] === 'required' || w[0] === 'optional') && /(^|\/)chos_spank\.so$/.test(w[1] ?? '');
}

/** The file with every earlier chos line replaced by `line` (in the first one's place), or added. */
export function mergePlugstack(existing: string, line: string): string {
  const lines = existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let placed = false;
  for (const l of lines) {
    if (!isChosLine(l)) out.push(l);
    else if (!placed) {
      out.push(line.replace(/\n$/, ''));
      placed = true;
    }
  }
  if (!placed) out.push(line.replace(/\n$/, ''));
  return `${out.join('\n')}\n`;
}

/** plugstack.conf beside the slurm.conf named by SLURM_CONF, else /etc/slurm's. */
export function plugstackPath(env: Record<string, string | undefined>): string {
  const conf = env['SLURM_CONF'];
  return path.join(conf ? path.dirname(conf) : '/etc/slurm', 'plugstack.conf');
}
