// `chosctl create NAME SOURCE …` and `chosctl update NAME`: the options turned into a source and
// caps (pure), then the run with its step lines and, on a terminal, its progress line.

import * as path from 'node:path';
import { ChosError, Exit } from '../errors.js';
import { create } from '../images/create.js';
import { recorded } from '../images/record.js';
import type { Source } from '../images/source.js';
import { type ProgressReport, formatProgress } from '../images/progress.js';
import { parseCount, parseSize } from '../images/size.js';
import { DEFAULT_STORE, checkStore } from '../images/store.js';
import { type Caps, DEFAULT_CAPS, type Limits } from '../images/tar-listing.js';
import { loadConfig } from '../host/config-files.js';
import { setup } from '../prepare/setup.js';
import type { Io } from './io.js';

/** The options of chosctl that create and update read. */
export interface CreateFlags {
  readonly config?: string | undefined;
  readonly sysconfig?: string | undefined;
  readonly store?: string | undefined;
  readonly debootstrap?: string | undefined;
  readonly mmdebstrap?: string | undefined;
  readonly variant?: string | undefined;
  readonly mirror?: string | undefined;
  readonly 'from-tar'?: string | undefined;
  readonly 'from-oci'?: string | undefined;
  readonly pull?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly 'auth-file'?: string | undefined;
  readonly 'auth-realm'?: string[] | undefined;
  readonly 'verify-key'?: string | undefined;
  readonly ref?: string | undefined;
  readonly 'keep-setuid'?: boolean | undefined;
  readonly 'max-size'?: string | undefined;
  readonly 'max-entries'?: string | undefined;
  readonly quiet?: boolean | undefined;
  readonly json?: boolean | undefined;
  readonly 'no-setup'?: boolean | undefined;
}

const SOURCES = 'give exactly one of --debootstrap SUITE, --mmdebstrap SUITE, --from-tar FILE, --from-oci PATH and --pull REF';

/** The source create builds from; relative paths are taken from `cwd`. Pure. */
export function sourceFromFlags(v: CreateFlags, cwd: string): Source {
  const given = [v.debootstrap, v.mmdebstrap, v['from-tar'], v['from-oci'], v.pull].filter((x) => x !== undefined).length;
  if (given !== 1) throw new ChosError('usage', SOURCES, { hint: "run 'chosctl help'" });
  const suite = v.debootstrap ?? v.mmdebstrap;
  // An option of another source would be ignored: say so instead.
  const foreign = ([
    ['variant', v.variant, suite, '--debootstrap or --mmdebstrap'],
    ['mirror', v.mirror, suite, '--debootstrap or --mmdebstrap'],
    ['insecure', v.insecure, v.pull, '--pull'],
    ['auth-file', v['auth-file'], v.pull, '--pull'],
    ['auth-realm', v['auth-realm'], v.pull, '--pull'],
    ['verify-key', v['verify-key'], v.pull, '--pull'],
    ['ref', v.ref, v['from-oci'], '--from-oci'],
  ] as const).find(([, value, source]) => value !== undefined && source === undefined);
  if (foreign) throw new ChosError('usage', `--${foreign[0]} applies only with ${foreign[3]}`, { hint: "run 'chosctl help'" });
  if (suite !== undefined) {
    return {
      kind: 'debootstrap', suite, ...(v.variant ? { variant: v.variant } : {}), ...(v.mirror ? { mirror: v.mirror } : {}),
      ...(v.mmdebstrap !== undefined ? { tool: 'mmdebstrap' as const } : {}),
    };
  }
  if (v['from-tar'] !== undefined) return { kind: 'tar', file: path.resolve(cwd, v['from-tar']) };
  if (v.pull !== undefined) {
    return {
      kind: 'pull', ref: v.pull, ...(v.insecure ? { insecure: true } : {}),
      ...(v['auth-file'] ? { authFile: path.resolve(cwd, v['auth-file']) } : {}),
      ...(v['verify-key'] ? { verifyKey: path.resolve(cwd, v['verify-key']) } : {}),
      ...(v['auth-realm']?.length ? { authRealms: v['auth-realm'] } : {}),
    };
  }
  return { kind: 'oci', path: path.resolve(cwd, v['from-oci'] ?? ''), ...(v.ref ? { ref: v.ref } : {}) };
}

/**
 * The caps on each archive or layer, from --max-size and --max-entries; where one is not
 * given, from what create recorded (update), else the default. Pure.
 */
export function importCaps(size: string | undefined, entries: string | undefined, recordedLimits: Limits = {}): Caps {
  let caps: Caps = { ...DEFAULT_CAPS, ...recordedLimits };
  if (size !== undefined) {
    const b = parseSize(size);
    if (typeof b !== 'number') throw new ChosError('usage', `--max-size: ${b.error}`);
    caps = { ...caps, maxBytes: b };
  }
  if (entries !== undefined) {
    const n = parseCount(entries);
    if (typeof n !== 'number') throw new ChosError('usage', `--max-entries: ${n.error}`);
    caps = { ...caps, maxEntries: n };
  }
  return caps;
}

export async function createCommand(command: 'create' | 'update', name: string | undefined, values: CreateFlags, io: Io, runDir: string,
  launcher: string): Promise<number> {
  if (!name) throw new ChosError('usage', `chosctl ${command} needs a NAME`, { hint: "run 'chosctl help'" });
  const store = values.store ?? (io.env['CHOS_STORE'] || DEFAULT_STORE);
  const chosFile = loadConfig({ chosFile: values.config, sysconfigFile: values.sysconfig }).chosFile;
  let source: Source;
  let keepSetuid = values['keep-setuid'] ?? false;
  let limits: Limits = {};
  if (command === 'update') {
    // (Source options given to update are refused before this: see misplacedOption.)
    // What the store records is read only from a store that is root's.
    checkStore(store, false);
    const rec = recorded(store, name);
    source = rec.source;
    keepSetuid = values['keep-setuid'] ?? rec.keepSetuid;
    limits = rec.limits ?? {};
  } else {
    source = sourceFromFlags(values, process.cwd());
  }
  const caps = importCaps(values['max-size'], values['max-entries'], limits);
  const quiet = values.quiet || values.json;
  // On a terminal, downloads and extractions show a progress line that the next step's line replaces.
  const tty = !quiet && process.stderr.isTTY === true;
  let pending = false;
  const log = quiet ? (): void => {} : (l: string): void => {
    if (pending) io.err('\r\x1b[K');
    pending = false;
    io.out(`chosctl: ${l}\n`);
  };
  const progress = (p: ProgressReport): void => {
    io.err(`\r\x1b[K${formatProgress(p)}`);
    pending = true;
  };
  const made = await create({
    name, source, chosFile, store, runDir, keepSetuid, replace: command === 'update', log, noSetup: values['no-setup'] ?? false, caps,
    ...(tty ? { progress } : {}),
    setup: () => {
      const r = setup({ chosFile, sysconfigFile: values.sysconfig, runDir, launcher, log });
      for (const w of r.warnings) if (!values.quiet) io.err(`chosctl: warning: ${w}\n`);
    },
  }).finally(() => {
    // An error is then printed on a clean line.
    if (pending) io.err('\r\x1b[K');
    pending = false;
  });
  if (values.json) io.out(JSON.stringify(made) + '\n');
  else if (made.upToDate) return Exit.ok;
  else if (values['no-setup'] && !values.quiet) io.out(`chosctl: registered; run chosctl setup to prepare "${made.name}"\n`);
  else if (!values.quiet) io.out(`chosctl: ready: CHOS=${made.name} chos ...\n`);
  return Exit.ok;
}
