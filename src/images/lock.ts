// One run at a time per environment: create, update and remove of NAME hold the lock file
// STORE/.locks/NAME, which holds the run's tag. A run that finds it held by a live run waits;
// one held by a dead run (killed with SIGKILL) is taken over. The file appears whole, by
// link(2) of a complete temporary file, so its content is never seen half-written. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ownTag, sleepSync, tagAlive, tagOfTemporary, tagPid } from './owner.js';

const POLL_MS = 200;

/** The lock file of NAME in a store. */
export function lockPath(store: string, name: string): string {
  return path.join(store, '.locks', name);
}

function readTag(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Takes NAME's lock, waiting while another live run holds it (saying so once through `log`).
 * Returns the function that lets it go.
 */
export function lockName(store: string, name: string, log: (l: string) => void): () => void {
  const dir = path.join(store, '.locks');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Temporary files of dead runs (killed between writing and linking).
  for (const f of fs.readdirSync(dir)) {
    const tag = tagOfTemporary(f);
    if (tag !== undefined && !tagAlive(tag)) fs.rmSync(path.join(dir, f), { force: true });
  }
  const lock = lockPath(store, name);
  const mine = ownTag();
  const tmp = `${lock}.tmp-${mine}`;
  let waited = false;
  for (;;) {
    fs.writeFileSync(tmp, `${mine}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, lock);
      fs.rmSync(tmp, { force: true });
      // Let go on process.exit() too (Ctrl-C ends create that way), so no run finds it stale.
      const release = (): void => {
        process.removeListener('exit', release);
        if (readTag(lock) === mine) fs.rmSync(lock, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readTag(lock);
    if (holder === undefined) continue; // let go meanwhile
    if (holder === mine) return () => {}; // this run holds it already
    if (tagAlive(holder)) {
      if (!waited) log(`waiting for another chosctl (pid ${String(tagPid(holder) ?? '?')}) working on "${name}"`);
      waited = true;
      sleepSync(POLL_MS);
      continue;
    }
    // Held by a run that no longer runs: move it aside, then make sure it was that one.
    const aside = `${lock}.stale.tmp-${mine}`;
    try {
      fs.renameSync(lock, aside);
    } catch {
      continue; // another run took it over first
    }
    if (readTag(aside) !== holder) {
      // Another run took over the dead run's lock between the read and the rename: give it back.
      try {
        fs.linkSync(aside, lock);
      } catch { /* taken once more meanwhile: two runs then overlap, as they would without a lock (rare) */ }
    } else {
      log(`took over the lock of "${name}" from a run that no longer runs`);
    }
    fs.rmSync(aside, { force: true });
  }
}
