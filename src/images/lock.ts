// One run at a time per environment: create, update and remove of NAME hold the lock file
// STORE/.locks/NAME, taken with the one lock of chos (src/state/lock.ts). I/O.

import * as path from 'node:path';
import { takeLock } from '../state/lock.js';

/** The lock file of NAME in a store. */
export function lockPath(store: string, name: string): string {
  return path.join(store, '.locks', name);
}

/**
 * Takes NAME's lock, waiting while another live run holds it (saying so once through `log`).
 * Returns the function that lets it go.
 */
export function lockName(store: string, name: string, log: (l: string) => void): () => void {
  return takeLock(lockPath(store, name), { what: `"${name}"`, log });
}
