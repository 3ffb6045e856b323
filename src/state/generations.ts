// The generations of a run directory: which ones sessions still run in, pruning the others,
// and the lock that serialises setup and teardown (the one lock of chos, src/state/lock.ts).
// I/O, root only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { unmountAndRemove } from '../host/mounts.js';
import { takeLock } from './lock.js';

/** Unmounts everything below a generation and removes it (see unmountAndRemove). */
export const removeGeneration = unmountAndRemove;

/** Setup and teardown, one at a time per run directory. Returns the function that lets go. */
export function lockRunDir(runDir: string, log: (l: string) => void = () => {}): () => void {
  return takeLock(path.join(runDir, '.locks', 'setup'), { what: `the run directory ${runDir}`, log, timeoutMs: 60_000 });
}

/** The generation directories (gen-<millis>-<pid>), oldest first. */
export function generations(runDir: string): string[] {
  const gens = fs.readdirSync(runDir).filter((n) => n.startsWith('gen-'));
  return gens.sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
}

/**
 * Generations some process still runs in: its root or working directory is inside one.
 * Read from /proc/PID/root and /proc/PID/cwd (proc(5)); root may read every process's.
 */
export function generationsInUse(runDir: string): Set<string> {
  const used = new Set<string>();
  const prefix = runDir.endsWith('/') ? runDir : runDir + '/';
  for (const pid of fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n))) {
    for (const link of ['root', 'cwd']) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/${link}`);
      } catch {
        continue; // gone, or a kernel thread
      }
      if (target.startsWith(prefix)) used.add(target.slice(prefix.length).split('/')[0] ?? '');
    }
  }
  return used;
}

/**
 * Keeps the current generation, the one before it (an entry that read the old variables a
 * moment before the swap still finds its root) and every one a session still runs in; removes
 * the rest. A generation kept for a session goes at the first setup after the session ends.
 * With `current` undefined (teardown), only the ones in use are kept. Call with the lock held.
 */
export function pruneGenerations(runDir: string, current: string | undefined, log: (l: string) => void): void {
  const others = generations(runDir).filter((g) => g !== current);
  const inUse = generationsInUse(runDir);
  for (const g of current === undefined ? others : others.slice(0, -1)) {
    if (inUse.has(g)) {
      log(current === undefined ? `kept ${g}: sessions still run in it; run teardown again when they have ended` : `kept ${g}: sessions still run in it`);
      continue;
    }
    removeGeneration(path.join(runDir, g));
    log(`removed ${g}`);
  }
}
