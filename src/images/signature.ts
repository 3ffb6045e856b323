// Image signatures in cosign's format, checked against a public key: the signature of the
// manifest with digest D is the image tagged "sha256-<hex of D>.sig" in the same repository,
// whose layers are "simple signing" payloads (JSON naming D) with the signature of the payload
// in an annotation. Pure (the crypto is deterministic; fetching is the registry's part).

import { type KeyObject, createPublicKey, verify } from 'node:crypto';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const PAYLOAD_TYPE = 'cosign container image signature';

/** The tag under which cosign stores the signatures of the manifest with this digest. Pure. */
export function signatureTag(digest: string): string {
  return digest.replace(':', '-') + '.sig';
}

export interface SignatureLayer {
  readonly digest: string;
  readonly size: number;
  /** The base64 signature of the payload. */
  readonly signature: string;
}

/** The signed payloads a signature manifest lists (layers of the simple-signing type with a signature). Pure. */
export function signatureLayers(manifestJson: string): SignatureLayer[] | { error: string } {
  let m: unknown;
  try {
    m = JSON.parse(manifestJson);
  } catch {
    return { error: 'the signature manifest is not JSON' };
  }
  const layers = (m as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return { error: 'the signature manifest has no layers' };
  const out: SignatureLayer[] = [];
  for (const l of layers as unknown[]) {
    if (typeof l !== 'object' || l === null) continue;
    const { mediaType, digest, size, annotations } = l as { mediaType?: unknown; digest?: unknown; size?: unknown; annotations?: unknown };
    const signature = typeof annotations === 'object' && annotations !== null ? (annotations as Record<string, unknown>)[SIGNATURE_ANNOTATION] : undefined;
    if (mediaType !== SIMPLE_SIGNING || typeof digest !== 'string' || typeof size !== 'number' || typeof signature !== 'string') continue;
    out.push({ digest, size, signature });
  }
  return out;
}

/** Why a simple-signing payload does not vouch for the manifest `digest`, or undefined when it does. Pure. */
export function payloadProblem(payload: string, digest: string): string | undefined {
  let p: unknown;
  try {
    p = JSON.parse(payload);
  } catch {
    return 'the signed payload is not JSON';
  }
  const critical = (p as { critical?: unknown } | null)?.critical as { type?: unknown; image?: { 'docker-manifest-digest'?: unknown } } | undefined;
  if (typeof critical !== 'object' || critical === null) return 'the signed payload has no "critical" section';
  if (critical.type !== PAYLOAD_TYPE) return `the signed payload is of type ${JSON.stringify(critical.type)}, not "${PAYLOAD_TYPE}"`;
  const signed = critical.image?.['docker-manifest-digest'];
  if (signed !== digest) return `the signature is for ${typeof signed === 'string' ? signed : 'no digest'}, not ${digest}`;
  return undefined;
}

/** A public key from PEM text, or why it is not one. Pure. */
export function readPublicKey(pem: string): KeyObject | { error: string } {
  try {
    const key = createPublicKey(pem);
    if (!['ec', 'rsa', 'ed25519'].includes(key.asymmetricKeyType ?? '')) return { error: `a ${key.asymmetricKeyType ?? 'unknown'} key; expected ECDSA, RSA or Ed25519` };
    return key;
  } catch {
    return { error: 'not a public key in PEM format' };
  }
}

/** Whether the base64 signature is `key`'s over `payload` (SHA-256; Ed25519 signs the payload itself). Pure. */
export function signatureValid(key: KeyObject, payload: Buffer, signatureB64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
  try {
    return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', payload, key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
