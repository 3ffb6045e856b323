// Builds a tree from a local OCI image: an OCI image layout (directory or tar archive) or a
// `docker save` archive. Every blob is checked against its digest and size before use; layers
// are applied in order with OCI whiteout semantics, each vetted and extracted in the sandbox.
// I/O, root only.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { type Descriptor, type Index, MAX_JSON_BYTES, type Manifest, digestProblem, isIndex, layerCompression, ociArch, pickManifest, whiteoutMeaning } from './oci-model.js';
import { InTreeError, readInTree, resolveInTree } from '../host/in-tree.js';
import { runSandboxed, tarExtractArgs } from './sandbox.js';
import { SCRATCH_PREFIX, killTagged, ownTag, tagAlive, tagOfScratch } from '../host/processes.js';
import { compressionOf, streamArchive } from './stream.js';
import { Meter, type ProgressFn } from './progress.js';
import { type Caps, HOLDS_NOTHING, type Holds, listingHolds, parseListingLine } from './tar-listing.js';


/**
 * Streams a file through SHA-256; checks size and digest. The file is opened without following
 * a link at its last component and non-blocking, and must be a regular file.
 */
export async function verifyFile(file: string, digest: string, size: number | undefined, what: string): Promise<void> {
  const bad = digestProblem(digest);
  if (bad) throw fail(`${what}: ${bad}`);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch {
    throw fail(`${what}: blob ${digest} is missing (or is not a regular file)`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw fail(`${what}: blob ${digest} is not a regular file`);
  }
  if (size !== undefined && st.size !== size) {
    fs.closeSync(fd);
    throw fail(`${what}: blob ${digest} has ${st.size} bytes, the manifest says ${size}`);
  }
  const hash = createHash('sha256');
  // The stream closes the fd at its end, or when it fails.
  for await (const chunk of fs.createReadStream('', { fd, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== digest) throw fail(`${what}: blob content does not match its digest (expected ${digest}, found ${got})`);
}

async function checkSize(file: string, d: Descriptor, what: string): Promise<void> {
  let size: number;
  try {
    size = fs.lstatSync(file).size;
  } catch {
    throw fail(`${what}: blob ${d.digest} is missing`);
  }
  if (size !== d.size) throw fail(`${what}: blob ${d.digest} has ${size} bytes, the manifest says ${d.size}`);
}

/**
 * Reads a file of an image layout (or an unpacked docker save archive) as root: resolved inside
 * the layout at every component (a link never leads out of it), a regular file, at most
 * MAX_JSON_BYTES. Undefined when it is missing. The error names the file, never its content.
 */
export function readLayoutFile(layout: string, rel: string, what: string): Buffer | undefined {
  try {
    return readInTree(layout, rel, { maxBytes: MAX_JSON_BYTES });
  } catch (e) {
    if (!(e instanceof InTreeError)) throw e;
    const why = e.reason === 'too-large' ? `is larger than ${MAX_JSON_BYTES} bytes, the most a JSON document of an image may have`
      : e.reason === 'not-regular' ? 'is not a regular file' : e.reason === 'too-many-links' ? 'goes through too many symbolic links'
        : e.reason === 'not-directory' ? 'goes through something that is not a directory' : `cannot be read (${e.reason})`;
    throw fail(`${what}: ${path.join(layout, rel)} ${why}`);
  }
}

/** Parses a JSON document of an image; a failure names the file and the kind of document, never its content. Pure. */
export function parseImageJson<T>(bytes: Buffer, file: string, kind: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw fail(`${file}: not valid JSON (expected ${kind})`);
  }
}

/** Where a layer blob of a layout really is: resolved inside the layout, a regular file, no link on the way. */
function layoutBlobFile(layout: string, rel: string, what: string): string {
  let r;
  try {
    r = resolveInTree(layout, rel);
  } catch (e) {
    if (e instanceof InTreeError) throw fail(`${what}: ${path.join(layout, rel)} cannot be read (${e.reason})`);
    throw e;
  }
  if (r === undefined) throw fail(`${what}: ${path.join(layout, rel)} is missing`);
  if (!r.stat.isFile()) throw fail(`${what}: ${path.join(layout, rel)} is not a regular file`);
  return r.path;
}

async function readJsonBlob<T>(layout: string, d: Descriptor, what: string, maxBytes = MAX_JSON_BYTES): Promise<T> {
  if (d.size > maxBytes) throw fail(`${what}: ${d.size} bytes is too large for a JSON document (at most ${maxBytes})`);
  const rel = blobRel(d.digest, what);
  const bytes = readLayoutFile(layout, rel, what);
  if (bytes === undefined) throw fail(`${what}: blob ${d.digest} is missing`);
  if (bytes.length !== d.size) throw fail(`${what}: blob ${d.digest} has ${bytes.length} bytes, the manifest says ${d.size}`);
  const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (got !== d.digest) throw fail(`${what}: blob content does not match its digest (expected ${d.digest}, found ${got})`);
  return parseImageJson<T>(bytes, path.join(layout, rel), what);
}

/** The path of a blob inside a layout. */
function blobRel(digest: string, what: string): string {
  const bad = digestProblem(digest);
  if (bad) throw fail(`${what}: ${bad}`);
  return path.join('blobs', 'sha256', digest.slice('sha256:'.length));
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
  const markerBytes = readLayoutFile(layout, 'oci-layout', 'OCI layout');
  if (markerBytes === undefined) throw fail(`${layout} is not an OCI image layout (no oci-layout file)`);
  const marker = parseImageJson<{ imageLayoutVersion?: unknown }>(markerBytes, path.join(layout, 'oci-layout'), 'the layout marker');
  if (marker.imageLayoutVersion !== '1.0.0') throw fail(`${path.join(layout, 'oci-layout')}: unsupported OCI layout version (chos reads 1.0.0)`);
  const indexBytes = readLayoutFile(layout, 'index.json', 'OCI layout');
  if (indexBytes === undefined) throw fail(`${layout}/index.json is missing`);
  let index = parseImageJson<Index>(indexBytes, path.join(layout, 'index.json'), 'an image index');
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) throw fail(`${layout}/index.json is not an image index (no "manifests" list)`);
  let desc: Descriptor | undefined;
  for (let depth = 0; depth < 4; depth++) {
    const picked = pickManifest(index, ociArch(process.arch), depth === 0 ? ref : undefined);
    if ('error' in picked) throw fail(picked.error);
    if (!isIndex(picked.mediaType)) {
      desc = picked;
      break;
    }
    index = await readJsonBlob<Index>(layout, picked, 'image index');
    if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) throw fail(`image index ${picked.digest}: no "manifests" list`);
  }
  if (!desc) throw fail('image indexes nest too deeply');
  const manifest = await readJsonBlob<Manifest>(layout, desc, 'image manifest');
  if (typeof manifest !== 'object' || manifest === null || !manifest.config || !Array.isArray(manifest.layers)) throw fail('image manifest: no config or layers');
  await readJsonBlob<unknown>(layout, manifest.config, 'image config');
  const check = (file: string, d: Descriptor, what: string): Promise<void> => verified ? checkSize(file, d, what) : verifyFile(file, d.digest, d.size, what);
  const layers: Layer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const what = `layer ${i + 1}/${manifest.layers.length}`;
    const c = layerCompression(l.mediaType);
    if (typeof c !== 'string') throw fail(`${what}: ${c.error}`);
    const file = layoutBlobFile(layout, blobRel(l.digest, what), what);
    await check(file, l, what);
    layers.push({ file, what, digest: l.digest, size: l.size });
  }
  return layers;
}

/** The layers of a `docker save` archive (already unpacked), checked against the config's diff_ids. */
export async function dockerSaveLayers(dir: string): Promise<Layer[]> {
  const bytes = readLayoutFile(dir, 'manifest.json', 'docker save archive');
  if (bytes === undefined) throw fail(`${dir} is neither an OCI image layout (no oci-layout file) nor a docker save archive (no manifest.json)`);
  const manifest = parseImageJson<Array<{ Config: string; Layers: string[] }>>(bytes, path.join(dir, 'manifest.json'), 'a docker save manifest');
  const image = Array.isArray(manifest) ? manifest[0] : undefined;
  if (!image || typeof image.Config !== 'string' || !Array.isArray(image.Layers)) throw fail('docker save archive: manifest.json names no image');
  if (manifest.length > 1) throw fail('docker save archive holds several images; save one image per archive');
  const inside = (p: string): string => {
    if (typeof p !== 'string' || !path.resolve(dir, p).startsWith(dir + '/')) throw fail('docker save archive: manifest.json names a file outside the archive');
    return path.relative(dir, path.resolve(dir, p));
  };
  const configRel = inside(image.Config);
  const configBytes = readLayoutFile(dir, configRel, 'docker save archive');
  if (configBytes === undefined) throw fail(`docker save archive: its image config ${path.join(dir, configRel)} is missing`);
  const config = parseImageJson<{ rootfs?: { diff_ids?: unknown } }>(configBytes, path.join(dir, configRel), 'an image config');
  const diffIds = Array.isArray(config?.rootfs?.diff_ids) ? (config.rootfs.diff_ids as unknown[]) : [];
  if (diffIds.length !== image.Layers.length) throw fail(`docker save archive: ${image.Layers.length} layers but ${diffIds.length} diff_ids in the config`);
  const layers: Layer[] = [];
  for (const [i, l] of image.Layers.entries()) {
    const what = `layer ${i + 1}/${image.Layers.length}`;
    const file = layoutBlobFile(dir, inside(l), what);
    const want = diffIds[i];
    await verifyFile(file, typeof want === 'string' ? want : '', undefined, what);
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
