// Image references, registry addresses and auth challenges, as pure functions: what
// `chosctl create --pull REF` talks to, and how. See the OCI distribution spec and
// RFC 7235 (WWW-Authenticate). Pure.

export interface ImageRef {
  /** host[:port] of the registry. */
  readonly registry: string;
  /** Repository path, e.g. "team/image" (Docker Hub's single names get "library/"). */
  readonly repository: string;
  /** A tag or a digest ("sha256:…"). */
  readonly reference: string;
  readonly byDigest: boolean;
}

const REPO_PART = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

export const DOCKER_HUB = 'registry-1.docker.io';

/** Parses `[registry/]repo[:tag][@digest]` like Docker does; { error } when it cannot. */
export function parseImageRef(text: string): ImageRef | { error: string } {
  if (text.length > 512 || /\s/.test(text)) return { error: `invalid image reference "${text.slice(0, 80)}"` };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: `invalid digest "${digest}" (expected sha256:<64 hex>)` };
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    registry = first;
    parts.shift();
  }
  // Docker's own names for Docker Hub.
  if (registry === 'docker.io' || registry === 'index.docker.io') registry = DOCKER_HUB;
  if (!HOST.test(registry)) return { error: `invalid registry address "${registry}"` };
  let last = parts.pop() ?? '';
  let tag: string | undefined;
  const colon = last.indexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
    if (!TAG.test(tag)) return { error: `invalid tag "${tag}"` };
  }
  parts.push(last);
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (parts.some((p) => !REPO_PART.test(p))) return { error: `invalid repository "${parts.join('/')}" (lower-case letters, digits and separators)` };
  return {
    registry,
    repository: parts.join('/'),
    reference: digest ?? tag ?? 'latest',
    byDigest: digest !== undefined,
  };
}

/** Whether `host[:port]` is a loopback address (plain HTTP allowed there, as Docker does). */
export function isLoopback(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Base URL for a registry: HTTPS, or plain HTTP on loopback or with --insecure. */
export function registryBase(registry: string, insecure: boolean): string {
  return `${insecure || isLoopback(registry) ? 'http' : 'https'}://${registry}`;
}

export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
 * Several challenges may arrive joined by ", " (fetch joins repeated headers): a Bearer one is
 * preferred, else the first.
 */
export function parseChallenge(header: string): Challenge | undefined {
  // A new challenge starts after a comma with "Scheme name=" (a scheme token, then a parameter).
  const parts = header.split(/,\s*(?=[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+[A-Za-z0-9_-]+\s*=)/);
  const parsed = parts.map(parseOne).filter((c): c is Challenge => c !== undefined);
  return parsed.find((c) => c.scheme === 'bearer') ?? parsed[0];
}

function parseOne(text: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(text);
  if (!m) return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2] ?? '')) !== null) params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: (m[1] ?? '').toLowerCase(), params };
}

/** user:password for a registry from a Docker config.json ("auths" → "auth" in base64). */
export function credentialsFor(configJson: string, registry: string): { user: string; password: string } | undefined {
  let cfg: unknown;
  try {
    cfg = JSON.parse(configJson);
  } catch {
    return undefined;
  }
  const auths = (cfg as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const keys = [registry, `https://${registry}`, `http://${registry}`, ...(registry === DOCKER_HUB ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io'] : [])];
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(auths, k)) continue;
    const a = (auths as Record<string, unknown>)[k] as { auth?: unknown; username?: unknown; password?: unknown } | null;
    if (typeof a !== 'object' || a === null) continue;
    if (typeof a.auth === 'string') {
      const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
    }
    if (typeof a.username === 'string' && typeof a.password === 'string') return { user: a.username, password: a.password };
  }
  return undefined;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Which credential helper a Docker config.json names for a registry, as Docker picks it. */
export type HelperChoice = { readonly helper: string } | { readonly error: string } | undefined;

/**
 * The credential helper for a registry: `credHelpers` for its address, else `credsStore` for
 * all; undefined when the file names none (its `auths` then apply). Docker's order. Pure.
 */
export function credentialHelperFor(configJson: string, registry: string): HelperChoice {
  let cfg: unknown;
  try {
    cfg = JSON.parse(configJson);
  } catch {
    return undefined;
  }
  if (typeof cfg !== 'object' || cfg === null) return undefined;
  const { credHelpers, credsStore } = cfg as { credHelpers?: unknown; credsStore?: unknown };
  let name: unknown;
  if (typeof credHelpers === 'object' && credHelpers !== null) {
    const keys = registry === DOCKER_HUB ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [registry];
    const k = keys.find((key) => Object.prototype.hasOwnProperty.call(credHelpers, key));
    if (k !== undefined) name = (credHelpers as Record<string, unknown>)[k];
  }
  if (name === undefined && credsStore !== undefined && credsStore !== '') name = credsStore;
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !HELPER_NAME.test(name)) return { error: `invalid credential helper name ${JSON.stringify(name)}` };
  return { helper: name };
}

/** The server address a credential helper is asked about (what `docker login` stored). Pure. */
export function helperServerAddress(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/** Credentials from what `docker-credential-NAME get` printed: {"Username","Secret"}. Pure. */
export function parseHelperCredentials(stdout: string): { user: string; password: string } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch {
    return { error: 'its answer is not JSON' };
  }
  const { Username: user, Secret: password } = (typeof v === 'object' && v !== null ? v : {}) as { Username?: unknown; Secret?: unknown };
  if (typeof user !== 'string' || typeof password !== 'string' || password === '') return { error: 'its answer has no Username and Secret' };
  if (user === '<token>') return { error: 'it gave an identity token, which chos does not use' };
  return { user, password };
}

/** Whether a helper's failure means only "no credentials for this registry" (then pull anonymously). Pure. */
export function helperFoundNothing(output: string): boolean {
  return /credentials not found/i.test(output);
}
