// Parser for /etc/sysconfig/chos: the shell-variable file of the original init script. Pure.
//
// Only plain assignments are understood (NAME=value, NAME="value", NAME='value', with an
// optional leading `export`); nothing is expanded, since the file is never run by a shell.

import { type Diagnostic, isBlank, isComment, numberedLines } from './diagnostic.js';
import { normalisePath } from './chos-file.js';

export interface SysConfig {
  /** Path of the environment list (CHOS=), default /etc/chos. */
  readonly chosFile?: string;
  /** Host directories made visible at the same path in every environment. */
  readonly bindMounts: readonly string[];
  /** ENTRY=: how users enter (see ENTRY_MODES); absent means the default, "userns". */
  readonly entry?: EntryMode;
  /** UNSAFE_TREES: environments setup prepares although root does not own their tree, or others may write it. */
  readonly unsafeTrees?: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/** The ways into an environment: an unprivileged user namespace, or the setuid helper. */
export const ENTRY_MODES = ['userns', 'setuid'] as const;
export type EntryMode = (typeof ENTRY_MODES)[number];
export const DEFAULT_ENTRY: EntryMode = 'userns';

/** The entry mode a parsed sysconfig selects. */
export function entryMode(sys: Pick<SysConfig, 'entry'>): EntryMode {
  return sys.entry ?? DEFAULT_ENTRY;
}

const ASSIGNMENT = /^\s*(?:export\s+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>.*)$/;
/** Variables the original defined that chos accepts but does not need. */
const IGNORED = new Set(['MAKELINKS', 'PRIVATE_MOUNTS']);

/** Reads one shell word value: '…', "…" or bare up to whitespace; then only a comment may follow. */
export function parseShellValue(raw: string): { value: string } | { error: string } {
  let s = raw;
  let value = '';
  while (s.length > 0 && !/^\s/.test(s)) {
    const c = s[0];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, 1);
      if (end < 0) return { error: `unterminated ${c === "'" ? 'single' : 'double'} quote` };
      value += s.slice(1, end);
      s = s.slice(end + 1);
    } else {
      const m = /^[^\s'"]+/.exec(s);
      const word = m ? m[0] : '';
      value += word;
      s = s.slice(word.length);
    }
  }
  const rest = s.trim();
  if (rest !== '' && !rest.startsWith('#')) return { error: `unexpected text after the value: "${rest}"` };
  return { value };
}

export function parseSysConfig(text: string, file: string): SysConfig {
  const diagnostics: Diagnostic[] = [];
  let chosFile: string | undefined;
  let bindMounts: string[] = [];
  let entry: EntryMode | undefined;
  let unsafeTrees: string[] | undefined;
  for (const { no, text: line } of numberedLines(text)) {
    if (isBlank(line) || isComment(line)) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m?.groups) {
      diagnostics.push({
        file, line: no, severity: 'warning',
        message: `not a plain NAME=value assignment, ignored: "${line.trim()}"`,
        hint: 'chos reads this file without running it, so shell code has no effect',
      });
      continue;
    }
    const name = m.groups['name'] ?? '';
    const parsed = parseShellValue(m.groups['value'] ?? '');
    if ('error' in parsed) {
      diagnostics.push({ file, line: no, severity: 'error', message: `${name}: ${parsed.error}` });
      continue;
    }
    if (/[$`]/.test(parsed.value)) {
      diagnostics.push({
        file, line: no, severity: 'warning',
        message: `${name}: "$" and "\`" are taken literally, not expanded`,
      });
    }
    if (name === 'BINDMOUNT') {
      bindMounts = [];
      for (const dir of parsed.value.split(/\s+/).filter((w) => w !== '')) {
        const norm = normalisePath(dir);
        if (norm === undefined || norm === '/') {
          diagnostics.push({
            file, line: no, severity: 'error',
            message: `BINDMOUNT: "${dir}" is not an absolute directory path below "/"`,
            hint: 'list host directories such as /scratch or /opt/site, separated by spaces',
          });
        } else if (!bindMounts.includes(norm)) {
          bindMounts.push(norm);
        }
      }
    } else if (name === 'UNSAFE_TREES') {
      unsafeTrees = parsed.value.split(/\s+/).filter((w) => w !== '');
    } else if (name === 'CHOS') {
      const norm = normalisePath(parsed.value);
      if (norm === undefined) {
        diagnostics.push({ file, line: no, severity: 'error', message: `CHOS: "${parsed.value}" is not an absolute path` });
      } else {
        chosFile = norm;
      }
    } else if (name === 'ENTRY') {
      const mode = ENTRY_MODES.find((m) => m === parsed.value);
      if (mode === undefined) {
        diagnostics.push({
          file, line: no, severity: 'error',
          message: `ENTRY: "${parsed.value.replace(/[^\x20-\x7e]/g, '?')}" is not an entry mode`,
          hint: 'use ENTRY="userns" (the default) or ENTRY="setuid"',
        });
      } else {
        entry = mode;
      }
    } else if (!IGNORED.has(name)) {
      diagnostics.push({ file, line: no, severity: 'warning', message: `unknown variable "${name}" is ignored` });
    }
  }
  return { ...(chosFile ? { chosFile } : {}), bindMounts, ...(entry ? { entry } : {}), ...(unsafeTrees ? { unsafeTrees } : {}), diagnostics };
}
