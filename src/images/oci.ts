// Builds a tree from a local OCI image: an OCI image layout (directory or tar archive) or a
// `docker save` archive. Every blob is checked against its digest and size before use; layers
// are applied in order with OCI whiteout semantics, each vetted and extracted in the sandbox.
// I/O, root only.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { type Descriptor, type Index, type Manifest, digestProblem, isIndex, layerCompression, ociArch, pickManifest, whiteoutMeaning } from './oci-model.js';
import { runSandboxed, tarExtractArgs } from './sandbox.js';
import { SCRATCH_PREFIX, killTagged, ownTag, tagAlive, tagOfScratch } from './owner.js';
import { compressionOf, streamArchive } from './stream.js';
import { Meter, type ProgressFn } from './progress.js';
import { type Caps, HOLDS_NOTHING, type Holds, listingHolds, parseListingLine } from './tar-listing.js';


/** Streams a file through SHA-256; checks size and digest. */
export async function verifyFile(file: string, digest: string, size: number | undefined, what: string): Promise<void> {
  const bad = digestProblem(digest);
  if (bad) throw fail(`${what}: ${bad}`);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw fail(`${what}: blob ${digest} is missing`);
  }
  if (size !== undefined && st.size !== size) throw fail(`${what}: blob ${digest} has ${st.size} bytes, the manifest says ${size}`);
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== digest) throw fail(`${what}: blob content does not match its digest (expected ${digest}, found ${got})`);
}

async function checkSize(file: string, d: Descriptor, what: string): Promise<void> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw fail(`${what}: blob ${d.digest} is missing`);
  }
  if (size !== d.size) throw fail(`${what}: blob ${d.digest} has ${size} bytes, the manifest says ${d.size}`);
}

async function readJsonBlob<T>(layout: string, d: Descriptor, what: string, maxBytes = 4 << 20): Promise<T> {
  if (d.size > maxBytes) throw fail(`${what}: ${d.size} bytes is too large for a JSON document`);
  const file = blobPath(layout, d.digest, what);
  await verifyFile(file, d.digest, d.size, what);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw fail(`${what}: not valid JSON (${(e as Error).message})`);
  }
}

function blobPath(layout: string, digest: string, what: string): string {
  const bad = digestProblem(digest);
  if (bad) throw fail(`${what}: ${bad}`);
  return path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

export interface Layer {
  readonly file: string;
  readonly what: string;
  /** What the manifest says of the blob (layouts only). */
  readonly digest?: string;
  readonly size?: number;
}

/** Checks layers against their digests (see layoutLayers' `verified`). */
export async function verifyLayers(layers: readonly Layer[]): Promise<void> {
  for (const l of layers) if (l.digest !== undefined) await verifyFile(l.file, l.digest, l.size, l.what);
}

/**
 * The layers of an OCI image layout, verified, bottom first (the index, manifest and config are
 * always hashed). `verified`: the layers are checked against their digests elsewhere (a pull as
 * they stream, --from-oci while they are applied, see verifyLayers), so only their sizes are.
 */
export async function layoutLayers(layout: string, ref?: string, verified = false): Promise<Layer[]> {
  let marker: { imageLayoutVersion?: string };
  try {
    marker = JSON.parse(fs.readFileSync(path.join(layout, 'oci-layout'), 'utf8')) as { imageLayoutVersion?: string };
  } catch {
    throw fail(`${layout} is not an OCI image layout (no readable oci-layout file)`);
  }
  if (marker.imageLayoutVersion !== '1.0.0') throw fail(`unsupported OCI layout version "${String(marker.imageLayoutVersion)}"`);
  let index: Index;
  try {
    index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as Index;
    if (!Array.isArray(index.manifests)) throw new Error('no "manifests" list');
  } catch (e) {
    throw fail(`${layout}/index.json is not a readable image index (${(e as Error).message})`);
  }
  let desc: Descriptor | undefined;
  for (let depth = 0; depth < 4; depth++) {
    const picked = pickManifest(index, ociArch(process.arch), depth === 0 ? ref : undefined);
    if ('error' in picked) throw fail(picked.error);
    if (!isIndex(picked.mediaType)) {
      desc = picked;
      break;
    }
    index = await readJsonBlob<Index>(layout, picked, 'image index');
  }
  if (!desc) throw fail('image indexes nest too deeply');
  const manifest = await readJsonBlob<Manifest>(layout, desc, 'image manifest');
  if (!manifest.config || !Array.isArray(manifest.layers)) throw fail('image manifest: no config or layers');
  await verifyFile(blobPath(layout, manifest.config.digest, 'image config'), manifest.config.digest, manifest.config.size, 'image config');
  const check = (file: string, d: Descriptor, what: string): Promise<void> => verified ? checkSize(file, d, what) : verifyFile(file, d.digest, d.size, what);
  const layers: Layer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const what = `layer ${i + 1}/${manifest.layers.length}`;
    const c = layerCompression(l.mediaType);
    if (typeof c !== 'string') throw fail(`${what}: ${c.error}`);
    const file = blobPath(layout, l.digest, what);
    await check(file, l, what);
    layers.push({ file, what, digest: l.digest, size: l.size });
  }
  return layers;
}

/** The layers of a `docker save` archive (already unpacked), checked against the config's diff_ids. */
export async function dockerSaveLayers(dir: string): Promise<Layer[]> {
  let manifest: Array<{ Config: string; Layers: string[] }>;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
  } catch {
    throw fail(`${dir} is neither an OCI image layout (no oci-layout file) nor a docker save archive (no manifest.json)`);
  }
  const image = manifest[0];
  if (!image || typeof image.Config !== 'string' || !Array.isArray(image.Layers)) throw fail('docker save archive: manifest.json names no image');
  if (manifest.length > 1) throw fail('docker save archive holds several images; save one image per archive');
  const inside = (p: string): string => {
    const full = path.resolve(dir, p);
    if (!full.startsWith(dir + '/')) throw fail(`docker save archive: "${p}" points outside the archive`);
    return full;
  };
  let config: { rootfs?: { diff_ids?: string[] } };
  try {
    config = JSON.parse(fs.readFileSync(inside(image.Config), 'utf8')) as typeof config;
  } catch (e) {
    throw fail(`docker save archive: its image config ${image.Config} is not readable JSON (${(e as Error).message})`);
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== image.Layers.length) throw fail(`docker save archive: ${image.Layers.length} layers but ${diffIds.length} diff_ids in the config`);
  const layers: Layer[] = [];
  for (const [i, l] of image.Layers.entries()) {
    const what = `layer ${i + 1}/${image.Layers.length}`;
    const file = inside(l);
    await verifyFile(file, diffIds[i] ?? '', undefined, what);
    layers.push({ file, what });
  }
  return layers;
}

/** Walks `rel` in `tree` without following links; the first symlink on the way, if any. */
function symlinkOnTheWay(tree: string, rel: string): { at: string; target: string } | undefined {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const p = path.join(tree, ...parts.slice(0, i));
    try {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return { at: parts.slice(0, i).join('/'), target: fs.readlinkSync(p) };
      if (!st.isDirectory()) return undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Applies the layers in order; resolves with what their listings hold (see listingHolds). */
export async function applyLayers(tree: string, staging: string, layers: readonly Layer[], keepCaps: boolean, caps: Caps, log: (l: string) => void,
  onSpawn: (kill: () => void) => void, progress?: ProgressFn): Promise<Holds> {
  // A compressed upper layer is decompressed once, for its listing and its extraction both:
  // into a root-only directory in /dev/shm (memory) when it fits easily, else into staging.
  // Its name carries the run's tag, so that a later run removes what a killed one left.
  const shm = fs.existsSync(SHM) ? fs.mkdtempSync(path.join(SHM, `${SCRATCH_PREFIX}${ownTag()}-`)) : undefined;
  if (shm) scratchDirs.add(shm);
  try {
    return await applyEach(tree, staging, shm, layers, keepCaps, caps, log, onSpawn, progress);
  } catch (e) {
    // The next layer may still be being listed: stop it before its files are removed.
    killTagged(ownTag());
    throw e;
  } finally {
    if (shm) {
      fs.rmSync(shm, { recursive: true, force: true });
      scratchDirs.delete(shm);
    }
  }
}

const scratchDirs = new Set<string>();

/** Removes the memory-backed scratch directories of imports still running (on Ctrl-C). */
export function removeScratch(): void {
  for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true });
  scratchDirs.clear();
}

/**
 * Removes the scratch directories that killed runs left in /dev/shm: only directories this
 * user owns, named by a run that no longer runs. Returns what it removed.
 */
export function removeDeadScratch(): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(SHM);
  } catch {
    return removed;
  }
  const uid = process.getuid?.() ?? 0;
  for (const name of names) {
    const tag = tagOfScratch(name);
    if (tag === undefined || tagAlive(tag)) continue;
    const dir = path.join(SHM, name);
    try {
      const st = fs.lstatSync(dir);
      // /dev/shm is writable by all: never remove what someone else made to look like ours.
      if (!st.isDirectory() || st.uid !== uid) continue;
      // Processes of the dead run may still write there (see killTagged).
      if (!killTagged(tag)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch { /* gone meanwhile */ }
  }
  return removed;
}

const SHM = '/dev/shm';
const SHM_MAX_COMPRESSED = 256 * 2 ** 20;

/** Where an upper layer's decompressed copy goes: memory when /dev/shm has ten times its compressed size free. */
function scratchFor(file: string, shm: string | undefined, staging: string): string {
  if (!shm) return staging;
  const size = fs.statSync(file).size;
  const free = fs.statfsSync(shm);
  return size <= SHM_MAX_COMPRESSED && free.bavail * free.bsize >= 10 * size ? shm : staging;
}

interface Listed {
  readonly lines: string[];
  /** The plain tar to extract from: the layer itself, or its decompressed copy. */
  readonly plain: string;
}

/** Lists (and, when compressed, decompresses once) an upper layer, vetting it on its own. */
async function listLayer(layer: Layer, index: number, staging: string, shm: string | undefined, caps: Caps, onSpawn: (kill: () => void) => void): Promise<Listed> {
  if (compressionOf(layer.file) === 'plain') {
    return { lines: await streamArchive({ file: layer.file, writable: staging, to: 'list', what: layer.what, onSpawn, caps }), plain: layer.file };
  }
  const scratch = scratchFor(layer.file, shm, staging);
  const plain = path.join(scratch, `layer-${index}.tar`);
  return { lines: await streamArchive({ file: layer.file, writable: scratch, to: { store: plain }, what: layer.what, onSpawn, caps }), plain };
}

async function applyEach(tree: string, staging: string, shm: string | undefined, layers: readonly Layer[], keepCaps: boolean, caps: Caps,
  log: (l: string) => void, onSpawn: (kill: () => void) => void, progress?: ProgressFn): Promise<Holds> {
  let holds = HOLDS_NOTHING;
  // The next layer is listed while this one is extracted; its own checks against the tree
  // wait until the layers below it are in place.
  let next: Promise<Listed> | undefined;
  const upper = (i: number): Promise<Listed> | undefined => {
    const l = layers[i];
    if (!l) return undefined;
    const p = listLayer(l, i, staging, shm, caps, onSpawn);
    p.catch(() => { /* awaited in turn */ });
    return p;
  };
  for (const [i, layer] of layers.entries()) {
    if (i === 0) {
      // Nothing lies below the first layer for it to redirect: it is listed and extracted in
      // one pass (see stream.ts), and refused whole if vetting fails. Its whiteouts (nothing
      // below for them to hide) are excluded, and so are not in the listing either.
      log(`applying ${layer.what}`);
      next = upper(1);
      const meter = new Meter(progress);
      const lines = await streamArchive({
        file: layer.file, writable: staging, to: { extract: tarExtractArgs(undefined, tree, keepCaps, ['--exclude=.wh.*']) }, what: layer.what, onSpawn, caps,
        onProgress: (entries, bytes) => meter.update(`applying ${layer.what}`, bytes, undefined, entries),
      });
      holds = listingHolds(lines, holds);
      continue;
    }
    const listed = await (next ?? upper(i) ?? Promise.reject(new Error('no layer')));
    next = upper(i + 1);
    const { lines, plain } = listed;
    holds = listingHolds(lines, holds);
    const remove: string[] = [];
    const opaque: string[] = [];
    for (const line of lines) {
      if (line === '') continue;
      const m = parseListingLine(line);
      if ('error' in m || m.name === '') continue;
      const w = whiteoutMeaning(m.name);
      if (w.kind === 'invalid') throw fail(`refusing ${layer.what}: ${w.why}`);
      const subject = w.kind === 'whiteout' ? w.target : w.kind === 'opaque' ? `${w.dir}/x` : m.name;
      const link = symlinkOnTheWay(tree, subject);
      if (link && (w.kind !== 'entry' || link.target.startsWith('/') || link.target.split('/').includes('..'))) {
        throw fail(`refusing ${layer.what}: "${m.name}" goes through the symlink "${link.at}" (to ${link.target}) of a lower layer`,
          'absolute or upward symlinks of lower layers are not followed by chos');
      }
      if (w.kind === 'whiteout') remove.push(path.join(tree, w.target));
      if (w.kind === 'opaque') opaque.push(path.join(tree, w.dir));
      if (w.kind === 'entry') {
        // An entry of another type than the lower layers' replaces it whole (a file over a
        // directory, a directory over a file or link).
        let lower: fs.Stats | undefined;
        try {
          lower = fs.lstatSync(path.join(tree, m.name));
        } catch { /* new */ }
        if (lower && (m.type === 'dir') !== lower.isDirectory()) remove.push(path.join(tree, m.name));
      }
    }
    log(`applying ${layer.what} (${lines.filter((l) => l !== '').length} entries, ${remove.length} whiteouts, ${opaque.length} opaque directories)`);
    // Whiteouts hide what lower layers put there, before this layer adds its own entries.
    if (remove.length + opaque.length > 0) {
      await runSandboxed({ writable: staging, onSpawn }, ['sh', '-c',
        'n=$1; shift; i=0; for p; do i=$((i+1)); if [ $i -le "$n" ]; then rm -rf -- "$p"; else [ ! -d "$p" ] || find "$p" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +; fi; done',
        'whiteouts', String(remove.length), ...remove, ...opaque], `applying the whiteouts of ${layer.what}`);
    }
    await runSandboxed({ writable: staging, readOnly: [[plain, '/tmp/layer']], onSpawn },
      tarExtractArgs('/tmp/layer', tree, keepCaps, ['--exclude=.wh.*']), `extracting ${layer.what}`);
    if (plain !== layer.file) fs.rmSync(plain, { force: true });
  }
  return holds;
}
