// `chosctl list`: the environments of the configuration, the file defining each, and for those
// chosctl created, what they were made from. The rows and their text are pure; reading the
// configuration and the store is the I/O at the edge.

import * as path from 'node:path';
import { describeDiagnostic } from '../config/diagnostic.js';
import { Exit } from '../errors.js';
import { recordedOrNothing } from '../images/record.js';
import type { Source } from '../images/source.js';
import { dropInDir, loadConfig } from '../host/config-files.js';
import type { Io } from './io.js';

export interface ListRow {
  readonly name: string;
  /** The tree, or "-> NAME" for an alias. */
  readonly path: string;
  readonly aliasOf?: string;
  readonly file: string;
  readonly line: number;
  /** What chosctl made it from (describeSource), for the environments it created. */
  readonly source?: string;
}

/** A source in a few words: "pull REF", "tar FILE", "mmdebstrap SUITE (minbase)"… Pure. */
export function describeSource(s: Source): string {
  switch (s.kind) {
    case 'debootstrap': {
      const extra = [s.variant, s.mirror].filter((x): x is string => x !== undefined && x !== '');
      return `${s.tool ?? 'debootstrap'} ${s.suite}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
    }
    case 'tar':
      return `tar ${s.file}`;
    case 'oci':
      return `oci ${s.path}${s.ref !== undefined ? ` (ref ${s.ref})` : ''}`;
    case 'pull': {
      const extra = [s.insecure ? 'insecure' : undefined, s.verifyKey !== undefined ? `signed: ${s.verifyKey}` : undefined]
        .filter((x): x is string => x !== undefined);
      return `pull ${s.ref}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
    }
  }
}

/** The table: a heading, then a row per environment, columns padded; SOURCE only when a row has one. Pure. */
export function renderList(rows: readonly ListRow[]): string {
  const withSource = rows.some((r) => r.source !== undefined);
  const cells = [['NAME', 'PATH', 'DEFINED IN', ...(withSource ? ['SOURCE'] : [])],
    ...rows.map((r) => [r.name, r.path, r.file, ...(withSource ? [r.source ?? ''] : [])])];
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length))) ?? [];
  return cells.map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd() + '\n').join('');
}

export function listCommand(io: Io, o: { config?: string | undefined; sysconfig?: string | undefined; store: string; json: boolean }): number {
  const cfg = loadConfig({ chosFile: o.config, sysconfigFile: o.sysconfig });
  for (const d of cfg.diagnostics.filter((x) => x.severity === 'error')) io.err(`chosctl: error: ${describeDiagnostic(d)}\n`);
  const dropIns = dropInDir(cfg.chosFile);
  const rows: ListRow[] = cfg.chos.entries.map((e) => {
    const file = e.file ?? cfg.chosFile;
    // A drop-in named after its environment is chosctl's: the store says what made it (when
    // this user may read the store, which is root's alone).
    const made = e.aliasOf === undefined && file === path.join(dropIns, `${e.name}.conf`) ? recordedOrNothing(o.store, e.name) : undefined;
    const source = made === undefined ? undefined : describeSource(made.source);
    return {
      name: e.name, path: e.aliasOf !== undefined ? `-> ${e.aliasOf}` : e.path, ...(e.aliasOf !== undefined ? { aliasOf: e.aliasOf } : {}),
      file, line: e.line, ...(source !== undefined ? { source } : {}),
    };
  });
  io.out(o.json ? `${JSON.stringify(rows)}\n` : renderList(rows));
  return Exit.ok;
}
