// What create records beside an environment's trees, STORE/NAME/source.json: how it was made
// (the source, --keep-setuid, the caps), which environment list registers it and, for a pull,
// the image's blobs. Read by `chosctl update` and `chosctl list`, and by pruning. I/O (reads
// and writes that file); sameBuild is pure.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import type { Source } from './source.js';
import { type Limits, readLimits } from './tar-listing.js';

/** What create recorded beside a tree, for `chosctl update`, `chosctl list` and pruning. */
export interface Recorded {
  readonly source: Source;
  readonly keepSetuid: boolean;
  /** The environment list whose drop-in registers it: only that configuration prunes it. */
  readonly chosFile: string;
  /** (pull) The digests of the image's config and layers: the blob cache keeps them. */
  readonly blobs?: readonly string[];
  /** The caps that differed from the defaults (--max-size, --max-entries): update applies them again. */
  readonly limits?: Limits;
}

/** The record of NAME in a store. */
function recordPath(store: string, name: string): string {
  return path.join(store, name, 'source.json');
}

/** Writes the record of NAME (its directory in the store exists). */
export function writeRecord(store: string, name: string, record: Recorded): void {
  fs.writeFileSync(recordPath(store, name), JSON.stringify(record) + '\n', { mode: 0o644 });
}

/** The record of NAME as written, unchecked: the caller checks what it uses. Throws when it is missing or not JSON. */
export function readRecord(store: string, name: string): Partial<Recorded> {
  return JSON.parse(fs.readFileSync(recordPath(store, name), 'utf8')) as Partial<Recorded>;
}

/** What create recorded for NAME; throws a ChosError when there is no record or it does not say how NAME was made. */
export function recorded(store: string, name: string): Recorded {
  const file = recordPath(store, name);
  let r: Partial<Recorded>;
  try {
    r = readRecord(store, name);
  } catch {
    throw new ChosError('unknown-environment', `no environment "${name}" created by chosctl in ${store}`);
  }
  if (r.source === undefined || typeof r.chosFile !== 'string') {
    throw new ChosError('unknown-environment', `${file} was written by an older chosctl and does not say how "${name}" was made`, {
      hint: `chosctl remove ${name}, then create it again`,
    });
  }
  return { ...(r as Recorded), limits: readLimits(r.limits) };
}

/** What create recorded for NAME, or undefined when there is nothing readable. */
export function recordedOrNothing(store: string, name: string): Recorded | undefined {
  try {
    return recorded(store, name);
  } catch {
    return undefined;
  }
}

/**
 * Whether an update of a pulled environment would build what it has: the same image (its
 * config and layers, in order), with the same --keep-setuid and caps. Pure.
 */
export function sameBuild(previous: Recorded | undefined, blobs: readonly string[], keepSetuid: boolean, limits: Limits): boolean {
  if (previous?.blobs === undefined || previous.source.kind !== 'pull') return false;
  const was = previous.limits ?? {};
  return previous.blobs.length === blobs.length && previous.blobs.every((d, i) => d === blobs[i])
    && previous.keepSetuid === keepSetuid && was.maxBytes === limits.maxBytes && was.maxEntries === limits.maxEntries;
}
