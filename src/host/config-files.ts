// Reads and checks the host's CHOS configuration files: ownership, permissions, syntax.
// I/O (reads only). Every problem is collected; the caller decides whether to go on.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ChosFile, type Diagnostic, type SysConfig, mergeChosFiles, parseChosFile, parseSysConfig } from '../config/index.js';

export const DEFAULT_CHOS_FILE = '/etc/chos';
export const DEFAULT_SYSCONFIG_FILE = '/etc/sysconfig/chos';

export interface ConfigPaths {
  /** /etc/chos unless overridden (tests never touch the real one). */
  readonly chosFile?: string;
  readonly sysconfigFile?: string;
}

export interface LoadedConfig {
  readonly chosFile: string;
  readonly chos: ChosFile;
  readonly sys: SysConfig;
  readonly diagnostics: readonly Diagnostic[];
}

/** Problems with who may change a config file: it must be root's and writable by root only. */
export function ownershipProblems(file: string, st: { uid: number; mode: number }): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (st.uid !== 0) {
    out.push({
      file, line: 0, severity: 'error',
      message: `owned by uid ${st.uid}, not by root: refusing to use it`,
      hint: `run: chown root:root ${file}`,
    });
  }
  if ((st.mode & 0o022) !== 0) {
    out.push({
      file, line: 0, severity: 'error',
      message: `writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`,
      hint: `run: chmod go-w ${file}`,
    });
  }
  return out;
}

function readChecked(file: string, required: boolean): { text?: string; diagnostics: Diagnostic[] } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return { diagnostics: [] };
    return {
      diagnostics: [{
        file, line: 0, severity: 'error',
        message: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(e)})`,
        hint: code === 'ENOENT' ? 'create it: a line "%SHELLS", then one "name:/path/to/tree" per environment' : undefined,
      }],
    };
  }
  if (!st.isFile()) return { diagnostics: [{ file, line: 0, severity: 'error', message: 'is not a regular file' }] };
  const diagnostics = ownershipProblems(file, st);
  try {
    return { text: fs.readFileSync(file, 'utf8'), diagnostics };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    diagnostics.push({ file, line: 0, severity: 'error', message: `cannot be read (${code ?? String(e)})` });
    return { diagnostics };
  }
}

/** The drop-in directory beside an environment list: /etc/chos → /etc/chos.d. */
export function dropInDir(chosFile: string): string {
  return `${chosFile}.d`;
}

/** The drop-in that registers environment `name` (chosctl create writes it): /etc/chos.d/NAME.conf. */
export function dropInFile(chosFile: string, name: string): string {
  return path.join(dropInDir(chosFile), `${name}.conf`);
}

/** Drop-in files (`*.conf`, sorted by name); none when the directory does not exist. */
export function dropInFiles(chosFile: string): string[] {
  try {
    return fs.readdirSync(dropInDir(chosFile)).filter((n) => n.endsWith('.conf')).sort().map((n) => path.join(dropInDir(chosFile), n));
  } catch {
    return [];
  }
}

/**
 * A stamp that changes whenever the environment list may have: the newest modification time
 * of /etc/chos, its drop-in directory and each drop-in. Compared by `status` and `doctor`.
 */
export function configStamp(chosFile: string): number {
  let stamp = 0;
  for (const p of [chosFile, dropInDir(chosFile), ...dropInFiles(chosFile)]) {
    try {
      stamp = Math.max(stamp, fs.statSync(p).mtimeMs);
    } catch { /* absent */ }
  }
  return stamp;
}

export function loadConfig(paths: ConfigPaths = {}): LoadedConfig {
  const sysFile = paths.sysconfigFile ?? DEFAULT_SYSCONFIG_FILE;
  const sysRead = readChecked(sysFile, false);
  const sys = sysRead.text === undefined ? { bindMounts: [], diagnostics: [] } : parseSysConfig(sysRead.text, sysFile);
  const chosFile = paths.chosFile ?? sys.chosFile ?? DEFAULT_CHOS_FILE;
  const reads = [{ file: chosFile, ...readChecked(chosFile, true) }, ...dropInFiles(chosFile).map((f) => ({ file: f, ...readChecked(f, true) }))];
  const parsed = reads.map((r) => (r.text === undefined ? { entries: [], diagnostics: [] } : parseChosFile(r.text, r.file, { checkAliases: false })));
  const chos = mergeChosFiles(parsed);
  return {
    chosFile,
    chos,
    sys,
    diagnostics: [...sysRead.diagnostics, ...sys.diagnostics, ...reads.flatMap((r) => r.diagnostics), ...chos.diagnostics],
  };
}
