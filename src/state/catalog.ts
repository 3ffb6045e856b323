// The run directory's published state, as readers see it: where it lies, the catalog of the
// current generation (what `chos --list` shows), whether the configuration changed since, and
// the entry mode the generation was set up with. Written by src/prepare/setup.ts. I/O (reads).
//
// Run directory (default /run/chos):
//   gen-<id>/roots/NAME   prepared roots (mount trees)
//   gen-<id>/layers/NAME  overlay layers (identity symlinks, the chos launcher)
//   gen-<id>/env/NAME     variables bin/chos sources to enter NAME (helper='…' with ENTRY="setuid")
//   gen-<id>/entry/NAME   the root the setuid helper and the Slurm plugin's root mode enter
//   gen-<id>/catalog.json the catalog below
//   current -> gen-<id>   swapped by rename(2): an entry sees the old or the new, never a mix
//   .locks/setup          the lock of setup and teardown (src/state/lock.ts)

import * as fs from 'node:fs';
import * as path from 'node:path';
import { configStamp } from '../host/config-files.js';

export const DEFAULT_RUN_DIR = '/run/chos';

/** How a tree fared in setup's inspection: the worst finding of chosctl check's rules. */
export type Health = 'ok' | 'warning' | 'error';

export interface CatalogEntry {
  readonly name: string;
  readonly path: string;
  readonly prettyName?: string;
  readonly aliasOf?: string;
  /** The tree's checks at setup time (see chosctl check), and the first problem found. */
  readonly health?: Health;
  readonly problem?: string;
}

export interface Catalog {
  readonly generation: string;
  /** When setup published it (ISO 8601); absent in catalogs from before 0.1.0's release. */
  readonly created?: string;
  readonly configFile: string;
  readonly configMtimeMs: number;
  readonly environments: readonly CatalogEntry[];
}

/** The catalog of generation `gen` ("current" by default); undefined when there is none (not set up, half-made). */
export function readCatalog(runDir: string = DEFAULT_RUN_DIR, gen = 'current'): Catalog | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, gen, 'catalog.json'), 'utf8')) as Catalog;
  } catch {
    return undefined;
  }
}

/** Whether the configuration changed since setup published `catalog`. */
export function isStale(catalog: Catalog): boolean {
  return configStamp(catalog.configFile) !== catalog.configMtimeMs;
}

/** The helper path the current generation's env/root names (helper='…'), or undefined in userns mode. */
export function generationHelper(runDir: string): string | undefined {
  let text = '';
  try {
    text = fs.readFileSync(path.join(runDir, 'current', 'env', 'root'), 'utf8');
  } catch {
    return undefined;
  }
  return /^helper=('?)([^'\n]*)\1$/m.exec(text)?.[2];
}
