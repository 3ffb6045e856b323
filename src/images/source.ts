// What an admin asks `chosctl create` to build a tree from (the Source), and whether this host
// can: the check of what was typed, of a given archive, of the programs on the PATH; and the
// drop-in that registers the result. Pure, but for archiveProblem (stat) and firstMissing
// (looks in the PATH's directories).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseImageRef } from './reference.js';
import type { Compression } from './stream.js';

/** What a tree is built from: --debootstrap/--mmdebstrap, --from-tar, --from-oci or --pull, with their options. */
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
export function firstMissing(tools: ReadonlyArray<readonly [string, string]>, searchPath: string): readonly [string, string] | undefined {
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
