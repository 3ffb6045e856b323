// Pulls an image from a registry (OCI distribution API over HTTP(S)) into a local OCI image
// layout: anonymous, Basic and Bearer-token auth; indexes resolved to this host's platform;
// every manifest and blob checked against its digest and size while it streams; blobs kept in
// a content-addressed cache so an image sharing layers with an earlier one downloads only what
// differs. I/O (network, files).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError, fail } from '../errors.js';
import { type Descriptor, type Index, MAX_JSON_BYTES, MAX_PAYLOAD_BYTES, MEDIA, digestProblem, isIndex, ociArch, pickManifest } from './oci-model.js';
import { type ImageRef, credentialHelperFor, credentialsFor, helperFoundNothing, helperServerAddress, parseChallenge, parseHelperCredentials, registryBase } from './reference.js';
import { describeFetchError } from './fetch-error.js';
import { verifyFile } from './oci.js';
import { payloadProblem, readPublicKey, signatureLayers, signatureTag, signatureValid } from './signature.js';
import { ownTag } from '../host/processes.js';
import { Meter, type ProgressFn } from './progress.js';

const ACCEPT = [MEDIA.index, MEDIA.manifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

export interface PullOptions {
  readonly ref: ImageRef;
  readonly insecure: boolean;
  /** A Docker config.json with credentials; default ~/.docker/config.json when it exists. */
  readonly authFile?: string;
  /** A public key (PEM): the image must carry a cosign signature that it verifies. */
  readonly verifyKey?: string;
  /** Content-addressed blob cache (sha256/<hex>). */
  readonly cache: string;
  /** Where to write the OCI layout (created). */
  readonly layout: string;
  readonly log: (line: string) => void;
  /** Download progress of the layers together (a terminal line). */
  readonly progress?: ProgressFn;
  /** Parallel layer downloads. */
  readonly parallel?: number;
  /** Hosts of HTTPS token services (realms) other than the registry's own that may receive the credentials (--auth-realm). */
  readonly authRealms?: readonly string[];
}

/**
 * Whether the credentials for `registryBase` may go to the token service `realm` a 401 named.
 * Only to the registry's own host (by the same scheme as the registry or HTTPS), or over HTTPS
 * to a host the admin named (--auth-realm); never over plain HTTP to another host, never to a
 * URL with credentials or fragments of its own. Pure.
 */
export function realmMayGetCredentials(registryBase: string, realm: URL, named: readonly string[]): boolean {
  const reg = new URL(registryBase);
  if (realm.username !== '' || realm.password !== '') return false;
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:') return false;
  const host = realm.hostname.toLowerCase();
  if (host === reg.hostname.toLowerCase()) return realm.protocol === 'https:' || realm.protocol === reg.protocol;
  return realm.protocol === 'https:' && named.some((n) => n.toLowerCase() === host || n.toLowerCase() === realm.host.toLowerCase());
}

interface Credentials {
  readonly user: string;
  readonly password: string;
}

class Client {
  private auth: string | undefined;
  private readonly base: string;
  private readonly file: string;
  private readonly text: string | undefined;
  /** The credential helper the file names for the registry (credHelpers, credsStore). */
  private readonly helper: string | undefined;
  /** null until looked up. */
  private creds: Credentials | undefined | null = null;

  constructor(private readonly o: PullOptions) {
    this.base = registryBase(o.ref.registry, o.insecure);
    this.file = o.authFile ?? path.join(process.env['HOME'] ?? '/root', '.docker', 'config.json');
    try {
      this.text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if (o.authFile) throw fail(`cannot read the credentials file ${o.authFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const choice = this.text === undefined ? undefined : credentialHelperFor(this.text, o.ref.registry);
    if (choice !== undefined && 'error' in choice) throw fail(`${this.file}: ${choice.error}`);
    this.helper = choice?.helper;
  }

  /** The credentials for the registry, looked up once, when the registry first asks. */
  private credentials(): Credentials | undefined {
    if (this.creds !== null) return this.creds;
    this.creds = this.helper !== undefined
      ? fromHelper(this.helper, this.file, this.o.ref.registry, this.o.log)
      : this.text === undefined ? undefined : credentialsFor(this.text, this.o.ref.registry);
    return this.creds;
  }

  /** GET with auth: answers a 401 challenge once (Basic, or Bearer via the token service). */
  async get(urlPath: string, accept?: string): Promise<Response> {
    const url = `${this.base}/v2/${this.o.ref.repository}/${urlPath}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { headers: { ...(accept ? { Accept: accept } : {}), ...(this.auth ? { Authorization: this.auth } : {}) } });
      } catch (e) {
        const why = describeFetchError(e);
        throw fail(`cannot reach ${this.base} (${why.reason})`,
          why.hint ?? (this.base.startsWith('https:') ? 'a registry without TLS needs --insecure (loopback addresses never do)' : undefined));
      }
      if (res.status !== 401 || attempt > 0) return res;
      discard(res);
      const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
      if (challenge?.scheme === 'basic') {
        const creds = this.credentials();
        if (!creds) throw fail(`${this.o.ref.registry} wants credentials`, 'give them with --auth-file (a Docker config.json) or in ~/.docker/config.json');
        this.auth = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
      } else if (challenge?.scheme === 'bearer' && challenge.params['realm']) {
        this.auth = `Bearer ${await this.token(challenge.params)}`;
      } else {
        throw fail(`${this.o.ref.registry} refused access (401) without a usable challenge`);
      }
    }
    throw fail('unreachable');
  }

  private async token(p: Readonly<Record<string, string>>): Promise<string> {
    let u: URL;
    try {
      u = new URL(p['realm'] ?? '');
    } catch {
      throw fail(`${this.o.ref.registry} named a token service that is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw fail(`${this.o.ref.registry} named a token service that is not http(s)`);
    if (p['service']) u.searchParams.set('service', p['service']);
    u.searchParams.set('scope', p['scope'] ?? `repository:${this.o.ref.repository}:pull`);
    // The credentials go only where the rule allows (see realmMayGetCredentials); elsewhere a
    // token is asked for without them, as for a public image.
    const allowed = realmMayGetCredentials(this.base, u, this.o.authRealms ?? []);
    const creds = allowed ? this.credentials() : undefined;
    if (!allowed && this.mayHaveCredentials()) {
      this.o.log(`not sending credentials to the token service ${u.origin}: ${u.protocol === 'https:' ? 'not the registry\'s host (name it with --auth-realm)' : 'plain HTTP to another host'}`);
    }
    const headers: Record<string, string> = creds
      ? { Authorization: `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}` } : {};
    let res: Response;
    try {
      res = await fetch(u, { headers, redirect: 'error' });
    } catch (e) {
      throw fail(`cannot reach the token service ${u.origin} (${describeFetchError(e).reason})`);
    }
    if (!res.ok) {
      discard(res);
      throw fail(`the token service ${u.origin} refused (${res.status})`,
        creds ? 'check the credentials' : allowed ? 'give credentials with --auth-file' : `if ${u.host} is the registry's own token service, name it with --auth-realm ${u.host} (HTTPS only)`);
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse((await readLimited(res, MAX_JSON_BYTES, `the token service ${u.origin}`)).toString('utf8')) as typeof body;
    } catch (e) {
      if (e instanceof ChosError) throw e;
      throw fail(`the token service ${u.origin} answered something that is not JSON`);
    }
    const t = body?.token ?? body?.access_token;
    if (typeof t !== 'string' || t === '' || !/^[\x21-\x7e]+$/.test(t)) throw fail(`the token service ${u.origin} gave no usable token`);
    return t;
  }

  /** Whether credentials for this registry may exist (without asking a helper for them). */
  private mayHaveCredentials(): boolean {
    return this.helper !== undefined || (this.text !== undefined && credentialsFor(this.text, this.o.ref.registry) !== undefined);
  }
}

/** Drops a response body unread (an error answer): nothing of it is buffered. */
function discard(res: Response): void {
  res.body?.cancel().catch(() => { /* already closed */ });
}

const HELPER_TIMEOUT_MS = 30_000;

/**
 * Asks `docker-credential-HELPER get` for the registry's credentials, as Docker does. It runs as
 * the user running chosctl (root), unsandboxed (it may need a keyring or the network), so only
 * when the file naming it belongs to that user and no one else may write it. Undefined when
 * the helper has no credentials for the registry.
 */
function fromHelper(helper: string, file: string, registry: string, log: (l: string) => void): Credentials | undefined {
  const cmd = `docker-credential-${helper}`;
  const st = fs.statSync(file);
  const uid = process.getuid?.() ?? 0;
  if (st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw fail(`${file} names the credential helper ${cmd}, but ${st.uid !== uid ? `is owned by uid ${st.uid}` : 'others may write it'}; refusing to run it`,
      `chown ${uid} ${file} && chmod go-w ${file}, if its content is what you expect`);
  }
  const r = spawnSync(cmd, ['get'], { input: `${helperServerAddress(registry)}\n`, encoding: 'utf8', timeout: HELPER_TIMEOUT_MS });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') throw fail(`${file} names the credential helper ${cmd}, which is not on the PATH`, `install ${cmd}, or remove credsStore/credHelpers from ${file}`);
  if (code === 'ETIMEDOUT') throw fail(`${cmd} did not answer within ${HELPER_TIMEOUT_MS / 1000} s`);
  if (r.error) throw fail(`cannot run ${cmd} (${code ?? r.error.message})`);
  if (r.status !== 0) {
    if (helperFoundNothing(`${r.stdout}${r.stderr}`)) {
      log(`${cmd} has no credentials for ${registry}`);
      return undefined;
    }
    const why = `${r.stderr}${r.stdout}`.trim().split('\n')[0] ?? '';
    throw fail(`${cmd} get failed (${r.signal ?? `status ${String(r.status)}`})${why ? `: ${why}` : ''}`);
  }
  const creds = parseHelperCredentials(r.stdout);
  if ('error' in creds) throw fail(`${cmd} get: ${creds.error}`);
  log(`using the credentials of ${cmd}`);
  return creds;
}

/**
 * Reads a response body up to `max` bytes, counting as it streams: refused as soon as it passes
 * the cap (the connection is then dropped), never buffered whole first.
 */
export async function readLimited(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > max) {
    discard(res);
    throw fail(`${what}: the answer has ${declared} bytes, more than the ${max} allowed`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > max) {
        reader.cancel().catch(() => { /* closed */ });
        throw fail(`${what}: the answer is longer than the ${max} bytes allowed`);
      }
      chunks.push(Buffer.from(value));
    }
  }
  return Buffer.concat(chunks, n);
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function fetchManifest(c: Client, reference: string, expect: string | undefined, what: string): Promise<{ bytes: Buffer; mediaType: string }> {
  const res = await c.get(`manifests/${reference}`, ACCEPT);
  if (!res.ok) discard(res);
  if (res.status === 404) throw fail(`${what}: not found in the registry`);
  if (!res.ok) throw fail(`${what}: the registry answered ${res.status}`);
  const bytes = await readLimited(res, MAX_JSON_BYTES, what);
  if (expect !== undefined && sha256(bytes) !== expect) throw fail(`${what}: content does not match its digest ${expect}`);
  let parsed: { mediaType?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
  } catch {
    throw fail(`${what}: the registry's manifest is not valid JSON`);
  }
  const mediaType = typeof parsed?.mediaType === 'string' ? parsed.mediaType : res.headers.get('content-type') ?? '';
  return { bytes, mediaType };
}

/**
 * Checks that a cosign signature of the manifest `digest`, stored under its signature tag,
 * verifies with the public key in `keyFile` and names that digest; throws when none does.
 */
async function verifySignature(c: Client, digest: string, keyFile: string, name: string, log: (l: string) => void): Promise<void> {
  let pem: string;
  try {
    pem = fs.readFileSync(keyFile, 'utf8');
  } catch (e) {
    throw fail(`cannot read the key ${keyFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const key = readPublicKey(pem);
  if ('error' in key) throw fail(`${keyFile}: ${key.error}`);
  const tag = signatureTag(digest);
  const res = await c.get(`manifests/${tag}`, [MEDIA.manifest, MEDIA.dockerManifest].join(', '));
  if (res.status === 404) {
    discard(res);
    throw fail(`${name} is not signed: the registry has no signature tag ${tag}`, 'sign it (cosign sign --key …), or leave out --verify-key');
  }
  if (!res.ok) {
    discard(res);
    throw fail(`${name}: the registry answered ${res.status} for the signature ${tag}`);
  }
  const layers = signatureLayers((await readLimited(res, MAX_JSON_BYTES, `signature ${tag}`)).toString('utf8'));
  if ('error' in layers) throw fail(`${name}: ${layers.error}`);
  let why = 'it holds no signed payload';
  for (const l of layers) {
    if (digestProblem(l.digest) || l.size > MAX_PAYLOAD_BYTES) continue;
    const r = await c.get(`blobs/${l.digest}`);
    if (!r.ok) {
      discard(r);
      why = `its payload ${l.digest} is missing (${r.status})`;
      continue;
    }
    const payload = await readLimited(r, MAX_PAYLOAD_BYTES, `payload ${l.digest}`);
    if (sha256(payload) !== l.digest) {
      why = `its payload does not match its digest ${l.digest}`;
      continue;
    }
    if (!signatureValid(key, payload, l.signature)) {
      why = `its signature does not verify with ${keyFile}`;
      continue;
    }
    const problem = payloadProblem(payload.toString('utf8'), digest);
    if (problem) {
      why = problem;
      continue;
    }
    log(`verified the signature of ${name} (${digest.slice(0, 19)}…) with ${keyFile}`);
    return;
  }
  throw fail(`${name}: no signature verifies: ${why}`, 'was it signed with the private key of this public key?');
}

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** With a proxy in the environment, routes fetch through it (dist/proxy.cjs, beside this bundle). */
function useProxyFromEnv(log: (l: string) => void): void {
  const set = PROXY_VARS.filter((v) => (process.env[v] ?? '') !== '');
  if (set.length === 0) return;
  const bundle = path.join(__dirname, 'proxy.cjs');
  if (!fs.existsSync(bundle)) throw fail(`${set[0]} is set, but this installation has no ${bundle}`, 'reinstall chos (npm run build makes it)');
  (require(bundle) as { installProxy: () => void }).installProxy();
  log(`using the proxy of ${set.join(', ')} (NO_PROXY: ${process.env['NO_PROXY'] ?? process.env['no_proxy'] ?? 'unset'})`);
}

/** Downloads one blob into the cache (verified) unless it is there already; returns its path. */
async function blob(c: Client, cache: string, d: Descriptor, what: string, log: (l: string) => void,
  onBytes: (n: number) => void = () => {}): Promise<string> {
  const bad = digestProblem(d.digest);
  if (bad) throw fail(`${what}: ${bad}`);
  const file = path.join(cache, 'sha256', d.digest.slice('sha256:'.length));
  if (fs.existsSync(file) && fs.statSync(file).size === d.size) {
    // Checked again on each use: a copy damaged on disk is fetched anew, not kept.
    try {
      await verifyFile(file, d.digest, d.size, what);
      log(`${what}: ${d.digest.slice(7, 19)} already in the cache`);
      onBytes(d.size);
      return file;
    } catch {
      log(`${what}: the cached copy of ${d.digest.slice(7, 19)} is damaged; downloading it again`);
      fs.rmSync(file, { force: true });
    }
  }
  const res = await c.get(`blobs/${d.digest}`);
  if (!res.ok || !res.body) {
    discard(res);
    throw fail(`${what}: the registry answered ${res.status}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${ownTag()}`;
  const out = fs.createWriteStream(tmp, { mode: 0o600 });
  const hash = createHash('sha256');
  let n = 0;
  const t0 = Date.now();
  // A write that fails (a full disk) ends the download with the file's name, instead of
  // waiting for a 'drain' that never comes.
  const failed = new Promise<never>((_, reject) => out.once('error', (e: NodeJS.ErrnoException) => reject(Object.assign(e, { path: e.path ?? tmp }))));
  failed.catch(() => { /* raced below */ });
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      n += chunk.length;
      if (n > d.size) throw fail(`${what}: the registry sent more than the ${d.size} bytes the manifest says`);
      hash.update(chunk);
      onBytes(chunk.length);
      if (!out.write(chunk)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
    }
    await Promise.race([new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve()))), failed]);
    if (n !== d.size) throw fail(`${what}: got ${n} bytes, the manifest says ${d.size}`);
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== d.digest) throw fail(`${what}: content does not match its digest (expected ${d.digest}, found ${got})`);
    fs.renameSync(tmp, file);
  } catch (e) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    onBytes(-n);
    throw e;
  }
  const s = (Date.now() - t0) / 1000;
  log(`${what}: ${(n / 1e6).toFixed(1)} MB in ${s.toFixed(1)} s (${(n / 1e6 / Math.max(s, 0.001)).toFixed(0)} MB/s)`);
  return file;
}

function place(layout: string, cached: string, digest: string): void {
  const dest = path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
  if (fs.existsSync(dest)) return;
  try {
    fs.linkSync(cached, dest);
  } catch {
    fs.copyFileSync(cached, dest);
  }
}

/**
 * Pulls REF into an OCI layout tagged "pulled", every blob verified (as it streamed, or when
 * taken from the cache); returns the digests of the config and layers, for the cache's pruning.
 */
export async function pullImage(o: PullOptions): Promise<string[]> {
  useProxyFromEnv(o.log);
  const c = new Client(o);
  const name = `${o.ref.registry}/${o.ref.repository}${o.ref.byDigest ? '@' : ':'}${o.ref.reference}`;
  fs.mkdirSync(path.join(o.layout, 'blobs', 'sha256'), { recursive: true });
  let top = await fetchManifest(c, o.ref.reference, o.ref.byDigest ? o.ref.reference : undefined, name);
  let desc: Descriptor = { mediaType: top.mediaType, digest: sha256(top.bytes), size: top.bytes.length };
  // The digest the reference names is the one signed; what it leads to is reached by digest.
  if (o.verifyKey !== undefined) await verifySignature(c, desc.digest, o.verifyKey, name, o.log);
  fs.writeFileSync(path.join(o.layout, 'blobs', 'sha256', desc.digest.slice(7)), top.bytes);
  for (let depth = 0; isIndex(top.mediaType); depth++) {
    if (depth > 3) throw fail(`${name}: image indexes nest too deeply`);
    const picked = pickManifest(JSON.parse(top.bytes.toString('utf8')) as Index, ociArch(process.arch));
    if ('error' in picked) throw fail(`${name}: ${picked.error}`);
    top = await fetchManifest(c, picked.digest, picked.digest, `${name} (${ociArch(process.arch)})`);
    desc = { mediaType: top.mediaType, digest: picked.digest, size: top.bytes.length };
    fs.writeFileSync(path.join(o.layout, 'blobs', 'sha256', desc.digest.slice(7)), top.bytes);
  }
  const manifest = JSON.parse(top.bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] } | null;
  const isDescriptor = (x: unknown): x is Descriptor => typeof x === 'object' && x !== null && typeof (x as Descriptor).digest === 'string' && Number.isSafeInteger((x as Descriptor).size);
  if (!isDescriptor(manifest?.config) || !Array.isArray(manifest?.layers) || !manifest.layers.every(isDescriptor)) throw fail(`${name}: the manifest has no config or layers`);
  const config = manifest.config;
  place(o.layout, await blob(c, o.cache, config, 'image config', o.log), config.digest);
  const layers = manifest.layers;
  // One progress line for all the layers: bytes of the whole image, layers finished.
  const meter = new Meter(o.progress);
  const total = layers.reduce((sum, l) => sum + (Number.isSafeInteger(l.size) ? l.size : 0), 0);
  let done = 0;
  let finished = 0;
  const onBytes = (n: number): void => {
    done += n;
    meter.update(`downloading ${finished}/${layers.length} layers`, done, total);
  };
  let next = 0;
  // A manifest may list the same layer twice: it is downloaded once (one temporary name per
  // digest), and the second listing waits for the first.
  const fetching = new Map<string, Promise<string>>();
  const worker = async (): Promise<void> => {
    while (next < layers.length) {
      const i = next++;
      const l = layers[i];
      if (!l) continue;
      let p = fetching.get(l.digest);
      if (p === undefined) {
        p = blob(c, o.cache, l, `layer ${i + 1}/${layers.length}`, o.log, onBytes);
        fetching.set(l.digest, p);
      } else {
        o.log(`layer ${i + 1}/${layers.length}: the same as an earlier layer (${l.digest.slice(7, 19)})`);
        onBytes(Number.isSafeInteger(l.size) ? l.size : 0);
      }
      place(o.layout, await p, l.digest);
      finished++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel ?? 3, layers.length) }, worker));
  fs.writeFileSync(path.join(o.layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  fs.writeFileSync(path.join(o.layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: desc.mediaType || MEDIA.manifest, digest: desc.digest, size: desc.size, annotations: { 'org.opencontainers.image.ref.name': 'pulled' } }],
  }));
  return [config.digest, ...layers.map((l) => l.digest)];
}
