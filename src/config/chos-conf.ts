// Parser for a tree's own /etc/chos.conf (%ENV names kept by login shells, %BEH flags). Pure.
// The file is the tree's, so untrusted: problems are reported by line number and kind, never
// by quoting what the line holds.

import { type Diagnostic, isBlank, isComment, numberedLines } from './diagnostic.js';
import { isVariableName } from './names.js';

export interface TreeConf {
  /** Variables a login shell keeps; PATH is never kept but reset (see plan). */
  readonly keepEnv: readonly string[];
  /** %BEH BASHLOGIN: start bash as `bash -l` instead of with a '-' argv[0]. */
  readonly bashLogin: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

/** The original's built-in %ENV list, used when a tree has no chos.conf or no %ENV section. */
export const DEFAULT_KEEP_ENV: readonly string[] = [
  'CHOS', 'USER', 'LOGNAME', 'HOME', 'PATH', 'MAIL', 'SHELL', 'SSH_CLIENT', 'SSH_CONNECTION',
  'SSH_TTY', 'TERM', 'DISPLAY', 'SSH_AUTH_SOCK', 'HOSTTYPE', 'VENDOR', 'OSTYPE', 'MACHTYPE',
  'SHLVL', 'PWD', 'GROUP', 'HOST', 'REMOTEHOST',
];

const KNOWN_FLAGS = new Set(['BASHLOGIN']);

export function parseTreeConf(text: string, file: string): TreeConf {
  const diagnostics: Diagnostic[] = [];
  let keep: string[] | undefined;
  let bashLogin = false;
  let section: string | undefined;
  for (const { no, text: line } of numberedLines(text)) {
    if (isBlank(line) || isComment(line)) continue;
    const trimmed = line.trim();
    if (trimmed.startsWith('%')) {
      // As in /etc/chos: the first word after '%' names the section.
      section = trimmed.slice(1).split(/\s/)[0] ?? '';
      if (section === 'ENV') keep ??= [];
      else if (section !== 'BEH') {
        diagnostics.push({ file, line: no, severity: 'warning', message: 'unknown section: its lines are ignored' });
      }
      continue;
    }
    const words = trimmed.split(/\s+/);
    if (section === 'ENV') {
      for (const [i, w] of words.entries()) {
        if (!isVariableName(w)) {
          diagnostics.push({ file, line: no, severity: 'error', message: `%ENV: word ${i + 1} is not a variable name` });
        } else if (!keep?.includes(w)) {
          keep?.push(w);
        }
      }
    } else if (section === 'BEH') {
      for (const [i, w] of words.entries()) {
        if (w === 'BASHLOGIN') bashLogin = true;
        else if (!KNOWN_FLAGS.has(w)) {
          diagnostics.push({ file, line: no, severity: 'warning', message: `%BEH: word ${i + 1} is not a known flag and is ignored` });
        }
      }
    } else if (section === undefined) {
      diagnostics.push({ file, line: no, severity: 'warning', message: 'line outside any section is ignored' });
    }
  }
  return { keepEnv: keep ?? DEFAULT_KEEP_ENV, bashLogin, diagnostics };
}
