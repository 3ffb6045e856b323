// Parser for /etc/chos, the list of environments, in the original CHOS format. Pure.
//
// Format (kept from CHOS 0.13): '#' comment lines and blank lines are ignored; a line starting
// with '%' opens a section; inside %SHELLS each line is `alias:path`, split at the first ':'.
// `root` (or any alias whose path is "/") is the host itself; `default` is used when a user has
// made no choice. Extension: `default:NAME` may name another entry instead of a path.

import { type Diagnostic, isBlank, isComment, numberedLines } from './diagnostic.js';
import { DEFAULT_NAME, ROOT_NAME, nameProblem } from './names.js';

export interface EnvEntry {
  readonly name: string;
  /** Absolute, normalised tree path; "/" means the host root. */
  readonly path: string;
  /** When set, this entry is another name for the entry `aliasOf` (only `default` may be). */
  readonly aliasOf?: string;
  readonly line: number;
  /** The file the entry was read from (/etc/chos or a drop-in beside it). */
  readonly file?: string;
}

export interface ChosFile {
  readonly entries: readonly EnvEntry[];
  readonly diagnostics: readonly Diagnostic[];
}

// Any line starting with '%' opens a section, as in the original; its first word names it.
const SECTION = /^%(?<name>\S*)/;
const KNOWN_SECTIONS = new Set(['SHELLS']);

/** Normalises an absolute path: collapses '//' and drops a trailing '/'. Undefined if unsafe. */
export function normalisePath(p: string): string | undefined {
  if (!p.startsWith('/')) return undefined;
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return undefined;
  return '/' + parts.join('/');
}

export function parseChosFile(text: string, file: string, opts: { checkAliases?: boolean } = {}): ChosFile {
  const diagnostics: Diagnostic[] = [];
  const entries: EnvEntry[] = [];
  const firstLine = new Map<string, number>();
  let section: string | undefined;
  const problem = (line: number, message: string, hint?: string): void => {
    diagnostics.push({ file, line, severity: 'error', message, ...(hint ? { hint } : {}) });
  };
  const warning = (line: number, message: string, hint?: string): void => {
    diagnostics.push({ file, line, severity: 'warning', message, ...(hint ? { hint } : {}) });
  };

  for (const { no, text: line } of numberedLines(text)) {
    if (isBlank(line) || isComment(line)) continue;
    const sec = SECTION.exec(line);
    if (sec) {
      section = sec.groups?.['name'] ?? '';
      if (!KNOWN_SECTIONS.has(section)) {
        warning(no, `unknown section "%${section}": its lines are ignored`, 'the only section chos reads in this file is %SHELLS');
      }
      continue;
    }
    if (section === undefined) {
      warning(no, `line outside any section is ignored: "${line.trim()}"`, 'put environments after a line "%SHELLS"');
      continue;
    }
    if (section !== 'SHELLS') continue;

    const colon = line.indexOf(':');
    if (colon < 0) {
      problem(no, `expected "name:path", found "${line.trim()}"`, 'write each environment as alias:/absolute/path');
      continue;
    }
    const name = line.slice(0, colon).trim();
    const rawPath = line.slice(colon + 1).trim();
    const why = nameProblem(name);
    if (why) {
      problem(no, `invalid environment name "${name}": ${why}`);
      continue;
    }
    const seen = firstLine.get(name);
    if (seen !== undefined) {
      problem(no, `duplicate environment "${name}": already defined at line ${seen}`, 'remove or rename one of the two lines');
      continue;
    }
    if (rawPath === '') {
      problem(no, `environment "${name}" has no path`, 'write it as alias:/absolute/path');
      continue;
    }
    if (name === DEFAULT_NAME && !rawPath.startsWith('/')) {
      const target = nameProblem(rawPath) ? undefined : rawPath;
      if (target === undefined) {
        problem(no, `"default" must name a path or another environment, found "${rawPath}"`);
        continue;
      }
      firstLine.set(name, no);
      entries.push({ name, path: '', aliasOf: target, line: no, file });
      continue;
    }
    const path = normalisePath(rawPath);
    if (path === undefined) {
      problem(
        no,
        `path of "${name}" must be absolute and free of ".." components, found "${rawPath}"`,
        'write the full path of the tree, starting with "/"',
      );
      continue;
    }
    if (name === ROOT_NAME && path !== '/') {
      problem(no, `"root" is reserved for the host's own root and must be "root:/", found "${rawPath}"`);
      continue;
    }
    firstLine.set(name, no);
    entries.push({ name, path, line: no, file });
  }

  if (opts.checkAliases ?? true) diagnostics.push(...aliasProblems(entries, 'in this file'));
  return {
    entries: entries.filter((e) => !diagnostics.some((d) => d.severity === 'error' && d.line === e.line)),
    diagnostics,
  };
}

/** `default` naming another entry must name one that exists (not itself, nor another alias). */
function aliasProblems(entries: readonly EnvEntry[], where: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of entries) {
    if (e.aliasOf === undefined) continue;
    const target = entries.find((t) => t.name === e.aliasOf);
    if (e.aliasOf !== ROOT_NAME && (target === undefined || target.aliasOf !== undefined)) {
      out.push({ file: e.file ?? '', line: e.line, severity: 'error', message: `"default" names "${e.aliasOf}", which is not an environment defined by a path ${where}` });
    }
  }
  return out;
}

/**
 * Merges /etc/chos with its drop-ins (/etc/chos.d/*.conf, written by `chosctl create`), in
 * order: a name defined twice across files is an error naming both places; the merged list
 * keeps the first definition.
 */
export function mergeChosFiles(files: readonly ChosFile[]): ChosFile {
  const entries: EnvEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    diagnostics.push(...f.diagnostics);
    for (const e of f.entries) {
      const first = entries.find((x) => x.name === e.name);
      if (first) {
        diagnostics.push({
          file: e.file ?? '', line: e.line, severity: 'error',
          message: `duplicate environment "${e.name}": already defined at ${first.file ?? ''}:${first.line}`,
          hint: 'remove or rename one of the two',
        });
        continue;
      }
      entries.push(e);
    }
  }
  diagnostics.push(...aliasProblems(entries, 'in the configuration'));
  return { entries: entries.filter((e) => !diagnostics.some((d) => d.severity === 'error' && d.file === e.file && d.line === e.line)), diagnostics };
}

