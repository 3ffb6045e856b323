// The parts of the OCI image format chos reads, as data and pure decisions: which manifest of
// an index fits this host, what a layer's media type says about its compression, and what
// a layer member means under OCI whiteout rules. Pure. See the OCI image spec: image-index.md,
// manifest.md, layer.md ("Whiteouts").

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly architecture?: string; readonly os?: string; readonly variant?: string };
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Index {
  readonly schemaVersion?: number;
  readonly mediaType?: string;
  readonly manifests: readonly Descriptor[];
}

export interface Manifest {
  readonly schemaVersion?: number;
  readonly mediaType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function digestProblem(d: string): string | undefined {
  return DIGEST.test(d) ? undefined : `unsupported or malformed digest "${d.slice(0, 80)}" (expected sha256:<64 hex>)`;
}

/** Node's process.arch → the OCI/Go architecture name. */
export function ociArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return Object.prototype.hasOwnProperty.call(map, nodeArch) ? (map[nodeArch] ?? nodeArch) : nodeArch;
}

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.index || mediaType === MEDIA.dockerList;
}

/**
 * The manifest descriptor to use: the one whose ref name annotation is `ref` when given,
 * else, among those for linux/<arch> (or without a platform), the first. Undefined: none fits.
 */
export function pickManifest(index: Index, arch: string, ref?: string): Descriptor | { error: string } {
  // An index is untrusted JSON: entries that are not descriptors are passed over.
  const all = (Array.isArray((index as Partial<Index> | null)?.manifests) ? index.manifests : [])
    .filter((m) => typeof m === 'object' && m !== null && typeof m.digest === 'string');
  let candidates = all;
  if (ref !== undefined) {
    candidates = candidates.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
    if (candidates.length === 0) {
      const refs = all.map((m) => m.annotations?.['org.opencontainers.image.ref.name']).filter((r) => r !== undefined);
      return { error: `no image tagged "${ref}" in the layout${refs.length ? ` (it has: ${refs.join(', ')})` : ''}` };
    }
  }
  const fits = candidates.filter((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === arch));
  const first = fits[0];
  if (!first) {
    const have = candidates.map((m) => `${m.platform?.os ?? '?'}/${m.platform?.architecture ?? '?'}`).join(', ');
    return { error: `no image for linux/${arch} (the image has: ${have || 'nothing'})` };
  }
  return first;
}

export type Compression = 'none' | 'gzip' | 'zstd';

export function layerCompression(mediaType: string): Compression | { error: string } {
  if (/\+gzip$/.test(mediaType) || mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip') return 'gzip';
  if (/\+zstd$/.test(mediaType)) return 'zstd';
  if (/\.tar$/.test(mediaType) || mediaType === 'application/vnd.docker.image.rootfs.diff.tar') return 'none';
  return { error: `unsupported layer media type "${mediaType}"` };
}

export type WhiteoutMeaning =
  | { readonly kind: 'entry' }
  /** `.wh.NAME`: NAME in the same directory is deleted. */
  | { readonly kind: 'whiteout'; readonly target: string }
  /** `.wh..wh..opq`: everything lower layers put in this directory is hidden. */
  | { readonly kind: 'opaque'; readonly dir: string }
  | { readonly kind: 'invalid'; readonly why: string };

/** What one (normalised) layer member name means. */
export function whiteoutMeaning(name: string): WhiteoutMeaning {
  const slash = name.lastIndexOf('/');
  const dir = slash < 0 ? '' : name.slice(0, slash);
  const base = name.slice(slash + 1);
  if (!base.startsWith('.wh.')) return { kind: 'entry' };
  if (base === '.wh..wh..opq') return { kind: 'opaque', dir };
  const target = base.slice('.wh.'.length);
  if (target === '' || target === '.' || target === '..' || target.startsWith('.wh.')) {
    return { kind: 'invalid', why: `whiteout "${name}" names no file it could delete` };
  }
  return { kind: 'whiteout', target: dir === '' ? target : `${dir}/${target}` };
}

/** Most bytes a JSON document of an image may have (oci-layout, index.json, a manifest, a config, docker's manifest.json), read from a layout or a registry. */
export const MAX_JSON_BYTES = 4 * 2 ** 20;

/** Most bytes a signature payload (cosign simple signing) may have. */
export const MAX_PAYLOAD_BYTES = 2 ** 20;
