// Store maintenance: what killed runs left behind (staging directories, half-written drop-ins,
// scratch directories), trees that neither the configuration nor any prepared generation uses,
// and blobs that no registered environment was pulled from. Deletions in the store go through
// its rule and its open directories (store.ts). I/O, root only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { dropInDir, dropInFile, loadConfig } from '../host/config-files.js';
import { unmountAndRemove } from '../host/mounts.js';
import { killTagged, ownedByOtherLiveRun, tagAlive, tagOfName, tagOfTemporary } from '../host/processes.js';
import { readCatalog } from '../state/catalog.js';
import { generations } from '../state/generations.js';
import { removeDeadScratch } from './oci.js';
import { readRecord, recordedOrNothing } from './record.js';
import { type OpenDir, checkStore, closeDir, openDir, removeDirIn, via } from './store.js';

/** Removes a staging directory, unmounting first what a killed debootstrap left mounted in it. */
export const removeStaging = unmountAndRemove;

/** Removes staging directories and half-written drop-ins that killed runs left behind. */
export function cleanLeftovers(store: string, chosFile: string, log: (l: string) => void): void {
  const staging = path.join(store, '.staging');
  for (const d of fs.existsSync(staging) ? fs.readdirSync(staging) : []) {
    if (ownedByOtherLiveRun(d)) continue;
    const tag = tagOfName(d);
    try {
      // What the dead run started may still run (a sandbox whose bubblewrap was killed
      // while setting it up): it would keep writing into the directory.
      if (!killTagged(tag)) throw new Error('processes it started do not die');
      removeStaging(path.join(staging, d));
      log(`removed leftover ${path.join(staging, d)}`);
    } catch (e) {
      log(`could not remove leftover ${path.join(staging, d)} yet (${(e as Error).message}); a later run will`);
    }
  }
  const dir = dropInDir(chosFile);
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const tag = tagOfTemporary(f);
    if (tag !== undefined && !tagAlive(tag)) fs.rmSync(path.join(dir, f), { force: true });
  }
  for (const d of removeDeadScratch()) log(`removed leftover ${d}`);
}

/**
 * Deletes the trees of NAME in the store that neither the config nor any prepared generation
 * uses. The store is checked against its rule first (see store.ts); each tree is reached
 * through open directories and deleted only when it is a real directory (never through a link
 * planted in the store); a tree counts as used when a used path names it or when a used path
 * is the same directory (device and inode).
 */
export function pruneTrees(name: string, store: string, chosFile: string, runDir: string, log: (l: string) => void): void {
  const id = checkStore(store, false);
  if (id === undefined) return;
  const top = openDir(undefined, store, id);
  let env: OpenDir | undefined;
  let trees: OpenDir | undefined;
  try {
    env = top && openDir(top, name);
    trees = env && openDir(env, 'trees');
    if (!top || !env || !trees) return;
    // No record: not ours to judge.
    if (recordedOrNothing(store, name)?.chosFile !== chosFile) return;
    const cfg = loadConfig({ chosFile });
    const used = new Set(cfg.chos.entries.map((e) => e.path));
    // Every generation still present binds its trees; sessions may run in it.
    for (const g of fs.existsSync(runDir) ? generations(runDir) : []) {
      try {
        for (const e of readCatalog(runDir, g)?.environments ?? []) used.add(e.path);
      } catch { /* half-made generation: its mounts, if any, keep the tree busy anyway */ }
    }
    const usedIds = new Set<string>();
    for (const u of used) {
      try {
        const st = fs.statSync(u);
        usedIds.add(`${st.dev}:${st.ino}`);
      } catch { /* gone: names nothing */ }
    }
    const shown = path.join(store, name, 'trees');
    for (const t of fs.readdirSync(via(trees, '.'))) {
      const p = path.join(shown, t);
      if (used.has(p)) continue;
      // A tree whose create is still running is about to be registered.
      if (ownedByOtherLiveRun(t)) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(via(trees, t));
      } catch {
        continue;
      }
      if (usedIds.has(`${st.dev}:${st.ino}`)) continue;
      if (!st.isDirectory()) {
        log(`left ${p} alone: it is not a directory (chosctl create makes only directories there)`);
        continue;
      }
      if (removeDirIn(trees, t, st)) log(`deleted unused tree ${p}`);
    }
    if (fs.readdirSync(via(trees, '.')).length === 0 && !fs.existsSync(dropInFile(chosFile, name))) {
      removeDirIn(top, name, env);
    }
  } finally {
    closeDir(trees);
    closeDir(env);
    closeDir(top);
  }
}

/** pruneTrees for every environment in the store (run after each setup); refuses a store that breaks its rule. */
export function pruneStore(store: string, chosFile: string, runDir: string, log: (l: string) => void): void {
  if (checkStore(store, false) === undefined) return;
  for (const name of fs.readdirSync(store)) {
    if (!name.startsWith('.')) pruneTrees(name, store, chosFile, runDir, log);
  }
}

/**
 * Deletes from the blob cache what no registered environment of the store was last pulled from, and
 * downloads that dead runs left half-done. Skipped while another create runs (its blobs are not
 * recorded yet).
 */
export function pruneCache(store: string, log: (l: string) => void): void {
  const dir = path.join(store, '.blobs', 'sha256');
  if (!fs.existsSync(dir)) return;
  const staging = path.join(store, '.staging');
  if (fs.existsSync(staging) && fs.readdirSync(staging).some(ownedByOtherLiveRun)) return;
  const keep = new Set<string>();
  for (const name of fs.readdirSync(store)) {
    if (name.startsWith('.')) continue;
    try {
      const r = readRecord(store, name);
      // Only registered environments: a removed one's tree may linger while sessions use it.
      if (typeof r.chosFile !== 'string' || !fs.existsSync(dropInFile(r.chosFile, name))) continue;
      for (const d of Array.isArray(r.blobs) ? r.blobs : []) if (typeof d === 'string') keep.add(d.replace(/^sha256:/, ''));
    } catch { /* no record: nothing to keep for it */ }
  }
  let count = 0;
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) {
    const tmp = tagOfTemporary(f);
    const unused = /^[0-9a-f]{64}$/.test(f) && !keep.has(f);
    if (!unused && !(tmp !== undefined && !tagAlive(tmp))) continue;
    const p = path.join(dir, f);
    try {
      bytes += fs.statSync(p).size;
      fs.rmSync(p, { force: true });
      count++;
    } catch { /* gone meanwhile */ }
  }
  if (count > 0) log(`removed ${count} unused file(s) from the blob cache (${(bytes / 1e6).toFixed(1)} MB)`);
}
