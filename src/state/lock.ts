// The one lock of chos: a file that holds the tag ("PID.STARTTIME") of the run that holds it.
// chosctl setup/teardown take RUNDIR/.locks/setup; create, update and remove take
// STORE/.locks/NAME. A run that finds the lock held by a live run waits (saying so once); one
// held by a dead run (killed with SIGKILL) is taken over. The file appears whole, by link(2)
// of a complete temporary file, so its content is never seen half-written. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError, atPath } from '../errors.js';
import { ownTag, sleepSync, tagAlive, tagOfTemporary, tagPid } from '../host/processes.js';

const POLL_MS = 100;

export interface LockOptions {
  /** What the lock protects, for the messages ("setup", "\"debian12\""). */
  readonly what: string;
  /** Told once when the lock is held by another live run, and when a dead run's is taken over. */
  readonly log?: (line: string) => void;
  /** Give up after this long with a ChosError naming the holder (default: wait as long as it runs). */
  readonly timeoutMs?: number;
}

function readTag(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * mkdir -p DIR, mode 0700. The last step is a plain mkdir(2), whose error is the real one: a
 * recursive mkdir reports ENOENT on a read-only file system.
 */
function makeDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT') throw e;
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
    makeDir(dir);
  }
}

/** Takes the lock FILE (its directory is made, mode 0700). Returns the function that lets it go. */
export function takeLock(file: string, o: LockOptions): () => void {
  const log = o.log ?? (() => {});
  const dir = path.dirname(file);
  makeDir(dir);
  // Temporary files of dead runs (killed between writing and linking).
  for (const f of fs.readdirSync(dir)) {
    const tag = tagOfTemporary(f);
    if (tag !== undefined && !tagAlive(tag)) fs.rmSync(path.join(dir, f), { force: true });
  }
  const mine = ownTag();
  const tmp = `${file}.tmp-${mine}`;
  const until = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
  let waited = false;
  for (;;) {
    atPath(tmp, () => fs.writeFileSync(tmp, `${mine}\n`, { mode: 0o600 }));
    try {
      fs.linkSync(tmp, file);
      fs.rmSync(tmp, { force: true });
      // Let go on process.exit() too (Ctrl-C ends create that way), so no run finds it stale.
      const release = (): void => {
        process.removeListener('exit', release);
        if (readTag(file) === mine) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readTag(file);
    if (holder === undefined) continue; // let go meanwhile
    if (holder === mine) return () => {}; // this run holds it already
    if (tagAlive(holder)) {
      const pid = String(tagPid(holder) ?? '?');
      if (Date.now() > until) {
        throw new ChosError('setup-failed', `another chosctl (pid ${pid}) still holds the lock of ${o.what} (${file})`, {
          hint: `wait for it to finish, or stop it (kill ${pid})`,
        });
      }
      if (!waited) log(`waiting for another chosctl (pid ${pid}) working on ${o.what}`);
      waited = true;
      sleepSync(POLL_MS);
      continue;
    }
    // Held by a run that no longer runs: move it aside, then make sure it was that one.
    const aside = `${file}.stale.tmp-${mine}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue; // another run took it over first
    }
    if (readTag(aside) !== holder) {
      // Another run took over the dead run's lock between the read and the rename: give it back.
      try {
        fs.linkSync(aside, file);
      } catch { /* taken once more meanwhile: two runs then overlap, as they would without a lock (rare) */ }
    } else {
      log(`took over the lock of ${o.what} from a run that no longer runs`);
    }
    fs.rmSync(aside, { force: true });
  }
}
