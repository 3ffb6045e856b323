// `chosctl remove`: unregisters an environment chosctl created (its drop-in), prepares the
// configuration without it, and deletes its trees once no prepared generation or session uses
// them. I/O, root only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { nameProblem } from '../config/names.js';
import { ChosError } from '../errors.js';
import { dropInFile } from '../host/config-files.js';
import { lockName } from './lock.js';
import { pruneCache, pruneTrees } from './prune.js';
import { checkStore } from './store.js';

/** `chosctl remove NAME`: root only, one run per name at a time (the lock of create and update). */
export function remove(name: string, chosFile: string, store: string, runDir: string, setup: () => void, log: (l: string) => void): void {
  if (process.getuid?.() !== 0) throw new ChosError('not-root', 'chosctl remove must run as root');
  const why = nameProblem(name);
  if (why) throw new ChosError('invalid-name', `invalid environment name "${name}": ${why}`);
  // Checked before the lock (which makes the store) and again under it.
  createdDropIn(name, chosFile);
  checkStore(store, true);
  const unlock = lockName(store, name, log);
  try {
    removeLocked(name, chosFile, store, runDir, setup, log);
  } finally {
    unlock();
  }
}

/** The drop-in chosctl wrote for NAME; throws when there is none. */
function createdDropIn(name: string, chosFile: string): string {
  const dropIn = dropInFile(chosFile, name);
  if (!fs.existsSync(dropIn)) {
    throw new ChosError('unknown-environment', `no environment "${name}" created by chosctl (${dropIn} does not exist)`, {
      hint: 'environments listed in /etc/chos itself are removed by editing that file',
    });
  }
  return dropIn;
}

function removeLocked(name: string, chosFile: string, store: string, runDir: string, setup: () => void, log: (l: string) => void): void {
  const dropIn = createdDropIn(name, chosFile);
  const saved = fs.readFileSync(dropIn);
  fs.rmSync(dropIn);
  try {
    setup();
  } catch (e) {
    fs.writeFileSync(dropIn, saved, { mode: 0o644 });
    throw e;
  }
  log(`unregistered "${name}"`);
  pruneTrees(name, store, chosFile, runDir, log);
  pruneCache(store, log);
  if (fs.existsSync(path.join(store, name, 'trees'))) {
    log(`kept the tree of "${name}" while a prepared generation or a session uses it; a later chosctl setup deletes it`);
  }
}
