// `chosctl create|update|remove`: build an OS tree (debootstrap, or a rootfs tarball extracted
// in a sandbox), publish it by rename, register it with a drop-in beside /etc/chos, prepare
// it. Never half-done: the tree is complete before anything names it; a killed run leaves a
// staging directory the next run removes. I/O, root only.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvEntry } from '../config/chos-file.js';
import { nameProblem } from '../config/names.js';
import { ChosError } from '../errors.js';
import { dropInDir, loadConfig } from '../host/config-files.js';
import { unmountAndRemove } from '../host/mounts.js';
import { lockName } from './lock.js';
import { type OpenDir, checkStore, closeDir, openDir, removeDirIn, via } from './store.js';
import { RUN_TAG_ENV, killTagged, ownTag, ownedByOtherLiveRun, sleepSync, tagAlive, tagOfName, tagOfTemporary } from '../host/processes.js';
import { runSandboxed, tarExtractArgs } from './sandbox.js';
import { type Compression, compressionOf, streamArchive } from './stream.js';
import { Meter, type ProgressFn } from './progress.js';
import { type Caps, DEFAULT_CAPS, type Holds, type Limits, limitsOf, listingHolds, readLimits } from './tar-listing.js';
import { applyLayers, dockerSaveLayers, layoutLayers, removeDeadScratch, removeScratch, verifyLayers } from './oci.js';
import { parseImageRef } from './reference.js';
import { pullImage } from './registry.js';
import { escapeControl } from '../text/escape.js';

export const DEFAULT_STORE = '/var/lib/chos/envs';

export type Source =
  | {
    readonly kind: 'debootstrap'; readonly suite: string; readonly variant?: string; readonly mirror?: string;
    /** The bootstrapper (default debootstrap). */
    readonly tool?: 'debootstrap' | 'mmdebstrap';
  }
  | { readonly kind: 'tar'; readonly file: string }
  | { readonly kind: 'oci'; readonly path: string; readonly ref?: string }
  | {
    readonly kind: 'pull'; readonly ref: string; readonly insecure?: boolean; readonly authFile?: string; readonly verifyKey?: string;
    /** Hosts of HTTPS token services other than the registry's that may receive its credentials (--auth-realm). */
    readonly authRealms?: readonly string[];
  };

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

/**
 * The programs a source needs on the PATH, each with the Debian package that has it; for an
 * archive, the decompressor its first bytes call for too (gzip is always there). Pure.
 */
export function toolsFor(s: Source, compression: Compression = 'plain'): ReadonlyArray<readonly [string, string]> {
  // Every source ends with passes in the sandbox (device nodes, setuid bits).
  const sandbox: ReadonlyArray<readonly [string, string]> = [['bwrap', 'bubblewrap'], ['tar', 'tar']];
  if (s.kind === 'debootstrap') return [[s.tool ?? 'debootstrap', s.tool ?? 'debootstrap'], ...sandbox];
  const decompressor = compression === 'zstd' ? [['zstd', 'zstd'] as const] : compression === 'xz' ? [['xz', 'xz-utils'] as const] : [];
  return [...sandbox, ...decompressor];
}

/** The first of `tools` that no directory of `searchPath` (a PATH value) holds as an executable file. */
function firstMissing(tools: ReadonlyArray<readonly [string, string]>, searchPath: string): readonly [string, string] | undefined {
  const dirs = searchPath.split(':').filter((d) => d.startsWith('/'));
  return tools.find(([cmd]) => !dirs.some((d) => {
    try {
      fs.accessSync(path.join(d, cmd), fs.constants.X_OK);
      return fs.statSync(path.join(d, cmd)).isFile();
    } catch {
      return false;
    }
  }));
}

/** The drop-in that registers a created environment. Pure. */
export function renderDropIn(name: string, tree: string, source: Source): string {
  const from = source.kind === 'tar' ? `--from-tar ${source.file}`
    : source.kind === 'oci' ? `--from-oci ${source.path}${source.ref ? ` --ref ${source.ref}` : ''}`
      : source.kind === 'pull' ? `--pull ${source.ref}` : `--${source.tool ?? 'debootstrap'} ${source.suite}`;
  return `# Written by chosctl create (${from}); chosctl remove ${name} deletes it.\n%SHELLS\n${name}:${tree}\n`;
}

/** Checks what an admin typed before anything runs. Pure. */
export function sourceProblem(s: Source): string | undefined {
  // Paths end up in the drop-in's comment line: a newline there would add config lines.
  const text = s.kind === 'debootstrap' ? `${s.suite}${s.variant ?? ''}${s.mirror ?? ''}`
    : s.kind === 'oci' ? `${s.path}${s.ref ?? ''}` : s.kind === 'pull' ? `${s.ref}${s.authFile ?? ''}${s.verifyKey ?? ''}${(s.authRealms ?? []).join('')}` : s.file;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'control characters (a newline, …) are not allowed in a source';
  if (s.kind === 'debootstrap') {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(s.suite)) return `invalid suite "${s.suite}"`;
    if (s.variant !== undefined && !/^[a-z-]+$/.test(s.variant)) return `invalid variant "${s.variant}"`;
    if (s.mirror !== undefined && !/^https?:\/\/[^\s'"\\]+$/.test(s.mirror)) return `invalid mirror URL "${s.mirror}"`;
    return undefined;
  }
  if (s.kind === 'pull') {
    const r = parseImageRef(s.ref);
    if ('error' in r) return r.error;
    if (s.authFile !== undefined && !s.authFile.startsWith('/')) return `the credentials file path must be absolute, found "${s.authFile}"`;
    if (s.verifyKey !== undefined && !s.verifyKey.startsWith('/')) return `the key path must be absolute, found "${s.verifyKey}"`;
    const badRealm = (s.authRealms ?? []).find((h) => !/^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/.test(h));
    if (badRealm !== undefined) return `--auth-realm takes a host name (HOST or HOST:PORT, no scheme), found "${badRealm}"`;
    return undefined;
  }
  if (s.kind === 'oci') {
    if (!s.path.startsWith('/')) return `the image path must be absolute, found "${s.path}"`;
    if (s.ref !== undefined && !/^[A-Za-z0-9._:@/+-]{1,255}$/.test(s.ref)) return `invalid image reference "${s.ref}"`;
    return undefined;
  }
  if (!s.file.startsWith('/')) return `the archive path must be absolute, found "${s.file}"`;
  return undefined;
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

/** Removes a staging directory, unmounting first what a killed debootstrap left mounted in it. */
const removeStaging = unmountAndRemove;

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
    let owner: string | undefined;
    try {
      owner = recorded(store, name).chosFile;
    } catch { /* no record: not ours to judge */ }
    if (owner !== chosFile) return;
    const cfg = loadConfig({ chosFile });
    const used = new Set(cfg.chos.entries.map((e) => e.path));
    // Every generation still present binds its trees; sessions may run in it.
    for (const g of fs.existsSync(runDir) ? fs.readdirSync(runDir).filter((n) => n.startsWith('gen-')) : []) {
      try {
        const c = JSON.parse(fs.readFileSync(path.join(runDir, g, 'catalog.json'), 'utf8')) as { environments: Array<{ path: string }> };
        for (const e of c.environments) used.add(e.path);
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
    if (fs.readdirSync(via(trees, '.')).length === 0 && !fs.existsSync(path.join(dropInDir(chosFile), `${name}.conf`))) {
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
  checkName(o, path.join(dropInDir(o.chosFile), `${o.name}.conf`));
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

/**
 * Why the file given as an archive (--from-tar, or --from-oci, where a directory is a layout
 * too) cannot be read as one: it does not exist, or it is a directory, FIFO, socket or device.
 * Looked at with stat(2) only, so a FIFO or /dev/zero is refused without being opened.
 * Undefined when it is a regular file (or, for an image, a directory). I/O.
 */
export function archiveProblem(file: string, what: 'archive' | 'image'): { message: string; hint?: string } | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { message: code === 'ENOENT' || code === 'ENOTDIR' ? `${what} not found: ${file}` : `cannot look at the ${what} ${file} (${code})` };
  }
  if (st.isFile() || (what === 'image' && st.isDirectory())) return undefined;
  const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket'
    : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : 'not a regular file';
  return {
    message: `${file} is ${kind}, not an ${what === 'archive' ? 'archive' : 'image archive or OCI layout directory'}`,
    hint: what === 'archive' ? 'give a tar archive (plain, gzip, zstd or xz) as a regular file' : 'give an OCI layout directory, or an OCI or docker save archive as a regular file',
  };
}

/** errno codes of a local failure that an admin can fix (space, permissions), named with the path. */
const LOCAL_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', EMFILE: 'too many open files', ENFILE: 'too many open files in the system',
};

/**
 * What create reports for an error: a system error of a file operation (a full disk, EACCES)
 * as a one-line error naming the path; anything else as it is. Every message and hint has its
 * control characters escaped, as they may carry member names or what a registry said. Pure.
 */
export function reportable(e: unknown): unknown {
  if (e instanceof ChosError) {
    const message = escapeControl(e.message);
    const hint = e.hint === undefined ? undefined : escapeControl(e.hint);
    if (message === e.message && hint === e.hint) return e;
    return new ChosError(e.code, message, { exitCode: e.exitCode, cause: e, ...(hint !== undefined ? { hint } : {}) });
  }
  const x = e as (NodeJS.ErrnoException & { dest?: unknown }) | undefined;
  const why = typeof x?.code === 'string' ? LOCAL_FAILURES[x.code] : undefined;
  if (why !== undefined && typeof x?.path === 'string') {
    const on = typeof x.dest === 'string' ? `${x.path} -> ${x.dest}` : x.path;
    return new ChosError('setup-failed', escapeControl(`${x.syscall ?? 'writing'} ${on}: ${why} (${x.code ?? ''})`), {
      cause: e, hint: x.code === 'ENOSPC' || x.code === 'EDQUOT' ? 'free space there (or give another --store), then run the command again' : 'check the owner and mode of that path',
    });
  }
  return e;
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
  const dropIn = path.join(dropInDir(o.chosFile), `${o.name}.conf`);
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
    fs.writeFileSync(path.join(o.store, o.name, 'source.json'), JSON.stringify(record) + '\n', { mode: 0o644 });
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

/** What create recorded beside a tree, for `chosctl update` and for pruning. */
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
      const r = JSON.parse(fs.readFileSync(path.join(store, name, 'source.json'), 'utf8')) as Partial<Recorded>;
      // Only registered environments: a removed one's tree may linger while sessions use it.
      if (typeof r.chosFile !== 'string' || !fs.existsSync(path.join(dropInDir(r.chosFile), `${name}.conf`))) continue;
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

/** What create recorded for NAME, or undefined when there is nothing readable. */
export function recordedOrNothing(store: string, name: string): Recorded | undefined {
  try {
    return recorded(store, name);
  } catch {
    return undefined;
  }
}

export function recorded(store: string, name: string): Recorded {
  const file = path.join(store, name, 'source.json');
  let r: Partial<Recorded>;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Recorded>;
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
  const dropIn = path.join(dropInDir(chosFile), `${name}.conf`);
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
