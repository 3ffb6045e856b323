// `chosctl create|update`: build an OS tree (debootstrap or mmdebstrap, or an archive, OCI
// image or registry's image extracted in a sandbox), publish it by rename, register it with a
// drop-in beside /etc/chos, prepare it. Never half-done: the tree is complete before anything
// names it; a killed run leaves a staging directory the next run removes. What may be asked
// for is source.ts, what is recorded beside the tree record.ts, the store's upkeep prune.ts.
// I/O, root only.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvEntry } from '../config/chos-file.js';
import { nameProblem } from '../config/names.js';
import { ChosError } from '../errors.js';
import { dropInDir, dropInFile, loadConfig } from '../host/config-files.js';
import { RUN_TAG_ENV, killTagged, ownTag, sleepSync } from '../host/processes.js';
import { escapeControl } from '../text/escape.js';
import { lockName } from './lock.js';
import { applyLayers, dockerSaveLayers, layoutLayers, removeScratch, verifyLayers } from './oci.js';
import { Meter, type ProgressFn } from './progress.js';
import { cleanLeftovers, pruneCache, pruneTrees, removeStaging } from './prune.js';
import { type Recorded, recordedOrNothing, sameBuild, writeRecord } from './record.js';
import { parseImageRef } from './reference.js';
import { pullImage } from './registry.js';
import { reportable } from './reportable.js';
import { runSandboxed, tarExtractArgs } from './sandbox.js';
import { type Source, archiveProblem, firstMissing, renderDropIn, sourceProblem, toolsFor } from './source.js';
import { checkStore } from './store.js';
import { compressionOf, streamArchive } from './stream.js';
import { type Caps, DEFAULT_CAPS, type Holds, limitsOf, listingHolds } from './tar-listing.js';

export interface CreateOptions {
  readonly name: string;
  readonly source: Source;
  readonly chosFile: string;
  readonly store: string;
  readonly runDir: string;
  readonly keepSetuid: boolean;
  /** Replace an environment this command created before (update). */
  readonly replace: boolean;
  readonly log: (line: string) => void;
  /** Runs `chosctl setup` once the tree is registered. */
  readonly setup: () => void;
  /** Register only; the next `chosctl setup` prepares it. */
  readonly noSetup?: boolean;
  /** Caps on each archive or layer (default DEFAULT_CAPS). */
  readonly caps?: Caps;
  /** Progress of downloads and extraction (terminal only). */
  readonly progress?: ProgressFn;
}

export interface Created {
  readonly name: string;
  readonly tree: string;
  readonly dropIn: string;
  /** (update of a pull) The reference still names the image the tree was made from: nothing changed. */
  readonly upToDate?: boolean;
}

function spawnLogged(cmd: string, args: string[], what: string, onSpawn: (kill: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [RUN_TAG_ENV]: ownTag() } });
    onSpawn(() => p.kill('SIGKILL'));
    let tail = '';
    const keep = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-4000);
    };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    p.on('error', (e) => reject(new ChosError('setup-failed', `${what}: cannot start ${cmd} (${e.message})`,
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? { hint: `apt-get install ${cmd}` } : {})));
    p.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new ChosError('setup-failed', `${what} failed (${signal ?? `status ${String(code)}`}): ${tail.trim().split('\n').slice(-3).join('; ')}`));
    });
  });
}

/** Test hook (docs/testing.md): with CHOS_TEST_PAUSE=STEP, says so and stops a minute at STEP. */
function testPause(step: string): void {
  if (process.env['CHOS_TEST_PAUSE'] !== step) return;
  fs.writeSync(1, `chosctl: test pause at ${step}\n`);
  sleepSync(60_000);
}

/** Lists, vets and extracts an archive into `into` (inside staging) in one pass, in the sandbox. */
async function extractArchive(file: string, into: string, staging: string, keepCaps: boolean, caps: Caps, log: (l: string) => void,
  onSpawn: (kill: () => void) => void, progress?: ProgressFn): Promise<Holds> {
  log(`extracting ${file}`);
  const meter = new Meter(progress);
  // A plain archive's size is known: content extracted against it gives an ETA.
  const total = compressionOf(file) === 'plain' ? fs.statSync(file).size : undefined;
  const onProgress = (entries: number, bytes: number): void => meter.update(`extracting ${path.basename(file)}`, bytes, total, entries);
  return listingHolds(await streamArchive({ file, writable: staging, to: { extract: tarExtractArgs(undefined, into, keepCaps) }, what: file, onSpawn, caps, onProgress }));
}

export async function create(given: CreateOptions): Promise<Created> {
  // Setup's own errors (possibly several lines, escaped by setup) pass through as they are.
  const fromSetup = new WeakSet<object>();
  const o: CreateOptions = {
    ...given,
    log: (l) => given.log(escapeControl(l)),
    setup: () => {
      try {
        given.setup();
      } catch (e) {
        if (typeof e === 'object' && e !== null) fromSetup.add(e);
        throw e;
      }
    },
  };
  try {
    return await createChecked(o);
  } catch (e) {
    throw typeof e === 'object' && e !== null && fromSetup.has(e) ? e : reportable(e);
  }
}

async function createChecked(o: CreateOptions): Promise<Created> {
  if (process.getuid?.() !== 0) throw new ChosError('not-root', 'chosctl create must run as root');
  const why = nameProblem(o.name);
  if (why) throw new ChosError('invalid-name', `invalid environment name "${o.name}": ${why}`);
  if (o.name === 'root' || o.name === 'default') throw new ChosError('invalid-name', `"${o.name}" is reserved`, { hint: 'pick another name; point default at it in /etc/chos' });
  const bad = sourceProblem(o.source);
  if (bad) throw new ChosError('usage', bad);
  const given = o.source.kind === 'tar' ? archiveProblem(o.source.file, 'archive') : o.source.kind === 'oci' ? archiveProblem(o.source.path, 'image') : undefined;
  if (given) throw new ChosError('usage', given.message, given.hint ? { hint: given.hint } : {});
  const archive = o.source.kind === 'tar' ? o.source.file : o.source.kind === 'oci' && fs.statSync(o.source.path).isFile() ? o.source.path : undefined;
  const tools = toolsFor(o.source, archive === undefined ? 'plain' : compressionOf(archive));
  const missing = firstMissing(tools, process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin');
  if (missing) throw new ChosError('setup-failed', `${missing[0]} is not installed (or not on the PATH); nothing was changed`, { hint: `apt-get install ${missing[1]}` });
  // Checked before the lock, which makes the store, so that a taken name changes nothing.
  checkName(o, dropInFile(o.chosFile, o.name));
  // The store is root's, or nothing is done in it (made here when it does not exist).
  checkStore(o.store, true);
  // One create, update or remove of a name at a time: from the check that it exists to the end.
  const unlock = lockName(o.store, o.name, o.log);
  try {
    return await createLocked(o);
  } finally {
    unlock();
  }
}

/** The entry of the name being updated (undefined for a create); throws when the name is taken (create) or not chosctl's (update). */
function checkName(o: CreateOptions, dropIn: string): EnvEntry | undefined {
  const cfg = loadConfig({ chosFile: o.chosFile });
  const existing = cfg.chos.entries.find((e) => e.name === o.name);
  if (existing && !(o.replace && existing.file === dropIn)) {
    throw new ChosError('usage', `environment "${o.name}" already exists (${existing.file ?? o.chosFile}:${existing.line})`, {
      hint: existing.file === dropIn ? `chosctl update ${o.name}, or chosctl remove ${o.name} first` : 'pick another name',
    });
  }
  if (o.replace && !existing) throw new ChosError('unknown-environment', `no environment "${o.name}" created by chosctl`, { hint: 'chosctl create it first' });
  return existing;
}

async function createLocked(o: CreateOptions): Promise<Created> {
  const dropIn = dropInFile(o.chosFile, o.name);
  // Again under the lock: another run may have made or removed the name while this one waited.
  const existing = checkName(o, dropIn);

  // Only root may reach trees through the store: they may hold setuid files or file
  // capabilities (--keep-setuid). Users reach them only through the prepared (nosuid) roots.
  // (The store itself is 0700: see checkStore.)
  fs.mkdirSync(path.join(o.store, '.staging'), { recursive: true, mode: 0o700 });
  cleanLeftovers(o.store, o.chosFile, o.log);
  // Both names end in this run's tag: a later run tells whether this one still runs.
  const id = `${Date.now()}-${ownTag()}`;
  const staging = path.join(o.store, '.staging', `${o.name}-${id}`);
  const tree = path.join(staging, 'tree');
  fs.mkdirSync(tree, { recursive: true, mode: 0o755 });

  let kill: () => void = () => {};
  // Synchronous to the end, so that the failing step's error is never reported instead.
  const onSignal = (sig: NodeJS.Signals): void => {
    kill();
    killTagged(ownTag());
    removeScratch();
    try {
      removeStaging(staging);
      o.log(`interrupted (${sig}): removed ${staging}`);
    } catch (e) {
      o.log(`interrupted (${sig}); could not remove ${staging} yet (${(e as Error).message}): the next run will`);
    }
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // What the tree may hold that is fixed below (unknown after debootstrap).
    let holds: Holds = { devices: true, setuid: true };
    // The blobs of a pulled image, which the cache keeps while this environment exists.
    let blobs: string[] | undefined;
    if (o.source.kind === 'debootstrap') {
      // debootstrap and mmdebstrap take the same arguments here: [--variant=V] SUITE TARGET [MIRROR].
      const tool = o.source.tool ?? 'debootstrap';
      o.log(`${tool} ${o.source.suite} into ${tree}`);
      await spawnLogged(tool, [
        ...(o.source.variant ? [`--variant=${o.source.variant}`] : []), o.source.suite, tree, ...(o.source.mirror ? [o.source.mirror] : []),
      ], tool, (k) => { kill = k; });
    } else if (o.source.kind === 'pull') {
      const ref = parseImageRef(o.source.ref);
      if ('error' in ref) throw new ChosError('usage', ref.error);
      const layout = path.join(staging, 'image');
      o.log(`pulling ${o.source.ref}`);
      blobs = await pullImage({
        ref, insecure: o.source.insecure ?? false, cache: path.join(o.store, '.blobs'), layout, log: o.log,
        ...(o.progress ? { progress: o.progress } : {}),
        ...(o.source.authFile ? { authFile: o.source.authFile } : {}),
        ...(o.source.verifyKey ? { verifyKey: o.source.verifyKey } : {}),
        ...(o.source.authRealms ? { authRealms: o.source.authRealms } : {}),
      });
      if (o.replace && existing && sameBuild(recordedOrNothing(o.store, o.name), blobs, o.keepSetuid, limitsOf(o.caps ?? DEFAULT_CAPS))) {
        o.log(`"${o.name}" is up to date: ${o.source.ref} still names the image it was made from`);
        removeStaging(staging);
        return { name: o.name, tree: existing.path, dropIn, upToDate: true };
      }
      const layers = await layoutLayers(layout, 'pulled', true);
      holds = await applyLayers(tree, staging, layers, o.keepSetuid, o.caps ?? DEFAULT_CAPS, o.log, (k) => { kill = k; }, o.progress);
      fs.rmSync(layout, { recursive: true, force: true });
    } else if (o.source.kind === 'oci') {
      let image = o.source.path;
      if (!fs.statSync(image).isDirectory()) {
        // An archive (OCI layout or docker save): unpacked, vetted, into staging first.
        image = path.join(staging, 'image');
        fs.mkdirSync(image);
        await extractArchive(o.source.path, image, staging, false, o.caps ?? DEFAULT_CAPS, o.log, (k) => { kill = k; }, o.progress);
      }
      const layout = fs.existsSync(path.join(image, 'oci-layout'));
      // A layout's layers are hashed while they are applied, not before: a layer that does not
      // match its digest fails the run, and staging, with whatever was extracted, goes whole.
      const layers = layout ? await layoutLayers(image, o.source.ref, true) : await dockerSaveLayers(image);
      // Both are waited for, so that nothing still writes into staging when it is removed; a
      // digest mismatch is the error shown, as it explains whatever else went wrong.
      const [applied, verified] = await Promise.allSettled([
        applyLayers(tree, staging, layers, o.keepSetuid, o.caps ?? DEFAULT_CAPS, o.log, (k) => { kill = k; }, o.progress),
        layout ? verifyLayers(layers) : Promise.resolve(),
      ]);
      if (verified.status === 'rejected') throw verified.reason;
      if (applied.status === 'rejected') throw applied.reason;
      holds = applied.value;
      o.log(`verified ${layers.length} layer(s) against their digests`);
      fs.rmSync(path.join(staging, 'image'), { recursive: true, force: true });
    } else {
      holds = await extractArchive(o.source.file, tree, staging, o.keepSetuid, o.caps ?? DEFAULT_CAPS, o.log, (k) => { kill = k; }, o.progress);
    }
    // Device nodes are not carried (each environment shows the host's /dev); setuid and
    // setgid bits, and file capabilities (security.capability), are dropped unless asked to
    // keep them (they gain nothing inside anyway). The listings tell whether there are any.
    if (holds.devices) await runSandboxed({ writable: staging, onSpawn: (k) => { kill = k; } }, ['find', tree, '-xdev', '(', '-type', 'b', '-o', '-type', 'c', ')', '-delete'], 'removing device nodes');
    if (!o.keepSetuid && holds.setuid) {
      await runSandboxed({ writable: staging, onSpawn: (k) => { kill = k; } }, ['find', tree, '-xdev', '-type', 'f', '-perm', '/6000', '-exec', 'chmod', 'ug-s', '{}', '+'], 'dropping setuid bits');
    }
    fs.chownSync(tree, 0, 0);
    fs.chmodSync(tree, 0o755);

    // Publish: the complete tree by rename, then the drop-in by rename (the registration).
    const trees = path.join(o.store, o.name, 'trees');
    fs.mkdirSync(trees, { recursive: true, mode: 0o755 });
    const final = path.join(trees, id);
    testPause('rename');
    fs.renameSync(tree, final);
    fs.mkdirSync(dropInDir(o.chosFile), { recursive: true, mode: 0o755 });
    const tmp = `${dropIn}.tmp-${ownTag()}`;
    fs.writeFileSync(tmp, renderDropIn(o.name, final, o.source), { mode: 0o644 });
    const limits = limitsOf(o.caps ?? DEFAULT_CAPS);
    const record: Recorded = {
      source: o.source, keepSetuid: o.keepSetuid, chosFile: o.chosFile, ...(blobs ? { blobs } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    };
    writeRecord(o.store, o.name, record);
    const previous = fs.existsSync(dropIn) ? fs.readFileSync(dropIn) : undefined;
    testPause('drop-in');
    fs.renameSync(tmp, dropIn);
    removeStaging(staging);
    o.log(`registered "${o.name}" in ${dropIn}`);
    try {
      testPause('setup');
      if (!o.noSetup) o.setup();
    } catch (e) {
      // Setup refused the new configuration: put the registration back as it was.
      if (previous === undefined) fs.rmSync(dropIn, { force: true });
      else fs.writeFileSync(dropIn, previous);
      throw e;
    }
    testPause('prune');
    pruneTrees(o.name, o.store, o.chosFile, o.runDir, o.log);
    pruneCache(o.store, o.log);
    return { name: o.name, tree: final, dropIn };
  } catch (e) {
    killTagged(ownTag());
    removeStaging(staging);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
