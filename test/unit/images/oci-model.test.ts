// Unit tests for src/images/oci-model.ts: checking digests, naming architectures the OCI way,
// telling an index from a manifest, picking the manifest of an index that fits this host,
// reading a layer's compression from its media type and what a layer member means under OCI
// whiteout rules. Pure: every descriptor and name is hard-coded.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Compression,
  type Descriptor,
  type Index,
  MEDIA,
  type WhiteoutMeaning,
  digestProblem,
  isIndex,
  layerCompression,
  ociArch,
  pickManifest,
  whiteoutMeaning,
} from '../../../src/images/oci-model.js';

const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const REF_NAME = 'org.opencontainers.image.ref.name';

// A manifest descriptor whose digest is `c` repeated, so each one is told apart by its digest.
const desc = (c: string, platform?: Descriptor['platform'], ref?: string, mediaType: string = MEDIA.manifest): Descriptor => ({
  mediaType,
  digest: `sha256:${c.repeat(64)}`,
  size: 1024,
  ...(platform === undefined ? {} : { platform }),
  ...(ref === undefined ? {} : { annotations: { [REF_NAME]: ref } }),
});
const linux = (architecture: string, variant?: string): Descriptor['platform'] =>
  ({ os: 'linux', architecture, ...(variant === undefined ? {} : { variant }) });
const index = (...manifests: Descriptor[]): Index => ({ schemaVersion: 2, mediaType: MEDIA.index, manifests });

describe('oci-model: media types', () => {
  test('name the OCI and Docker index and manifest types exactly', () => {
    assert.deepEqual({ ...MEDIA }, {
      index: 'application/vnd.oci.image.index.v1+json',
      manifest: 'application/vnd.oci.image.manifest.v1+json',
      dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
      dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
    });
  });
});

describe('digestProblem', () => {
  test(`accepts sha256 with 64 lower-case hex digits`, () => {
    assert.equal(digestProblem(`sha256:${HEX64}`), undefined);
  });

  test('accepts every hex digit', () => {
    assert.equal(digestProblem(`sha256:${'0123456789abcdef'.repeat(4)}`), undefined);
  });

  const bad: ReadonlyArray<readonly [string, string]> = [
    ['an empty digest', ''],
    ['the algorithm alone', 'sha256:'],
    ['hex without an algorithm', HEX64],
    ['63 hex digits', `sha256:${HEX64.slice(1)}`],
    ['65 hex digits', `sha256:${HEX64}0`],
    ['upper-case hex digits', `sha256:${HEX64.toUpperCase()}`],
    ['an upper-case algorithm', `SHA256:${HEX64}`],
    ['another algorithm, which chos does not verify', `sha384:${HEX64}`],
    ['a non-hex letter', `sha256:${HEX64.slice(1)}g`],
    ['a leading space', ` sha256:${HEX64}`],
    ['a trailing newline', `sha256:${HEX64}\n`],
    ['a path traversal', `sha256:../../${HEX64.slice(6)}`],
    ['a "/" in place of ":"', `sha256/${HEX64}`],
  ];
  for (const [what, digest] of bad) {
    test(`rejects ${what}`, () => {
      assert.equal(digestProblem(digest), `unsupported or malformed digest "${digest}" (expected sha256:<64 hex>)`);
    });
  }

  test('quotes at most 80 characters of a long digest', () => {
    const digest = `sha512:${HEX64}${HEX64}`;
    assert.equal(digestProblem(digest), `unsupported or malformed digest "${digest.slice(0, 80)}" (expected sha256:<64 hex>)`);
  });

  test('quotes an 80-character digest whole', () => {
    const digest = 'x'.repeat(80);
    assert.equal(digestProblem(digest), `unsupported or malformed digest "${digest}" (expected sha256:<64 hex>)`);
  });
});

describe('ociArch', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['x64', 'amd64'],
    ['arm64', 'arm64'],
    ['ia32', '386'],
    ['arm', 'arm'],
    ['ppc64', 'ppc64le'],
    ['s390x', 's390x'],
    ['riscv64', 'riscv64'],
    ['loong64', 'loong64'],
    ['mips', 'mips'],
    ['mipsel', 'mipsel'],
    ['ppc', 'ppc'],
    ['s390', 's390'],
    ['', ''],
  ];
  for (const [node, oci] of cases) {
    test(`Node's ${JSON.stringify(node)} is OCI's ${JSON.stringify(oci)}`, () => {
      assert.equal(ociArch(node), oci);
    });
  }

  test('this host\'s architecture has a name', () => {
    assert.equal(typeof ociArch(process.arch), 'string');
    assert.notEqual(ociArch(process.arch), '');
  });

  // Not reachable with a real process.arch, but the map is a plain object literal.
  for (const name of ['constructor', 'toString']) {
    test(`passes ${JSON.stringify(name)} through as a name like any unknown architecture`, () => {
        assert.equal(ociArch(name), name);
      });
  }
});

describe('isIndex', () => {
  const cases: ReadonlyArray<readonly [string, string | undefined, boolean]> = [
    ['an OCI image index', MEDIA.index, true],
    ['a Docker manifest list', MEDIA.dockerList, true],
    ['an OCI image manifest', MEDIA.manifest, false],
    ['a Docker image manifest', MEDIA.dockerManifest, false],
    ['a Docker schema 1 manifest', 'application/vnd.docker.distribution.manifest.v1+prettyjws', false],
    ['an OCI layer', 'application/vnd.oci.image.layer.v1.tar+gzip', false],
    ['an index type in upper case', MEDIA.index.toUpperCase(), false],
    ['an index type with parameters', `${MEDIA.index}; charset=utf-8`, false],
    ['plain JSON', 'application/json', false],
    ['an empty media type', '', false],
    ['no media type', undefined, false],
  ];
  for (const [what, mediaType, expected] of cases) {
    test(`${what} is ${expected ? '' : 'not '}an index`, () => {
      assert.equal(isIndex(mediaType), expected);
    });
  }
});

describe('pickManifest: by platform', () => {
  const amd = desc('a', linux('amd64'));
  const arm = desc('b', linux('arm64'));
  const win = desc('c', { os: 'windows', architecture: 'amd64' });
  const bare = desc('d');
  const amd2 = desc('e', linux('amd64'));
  const armV6 = desc('6', linux('arm', 'v6'));
  const armV7 = desc('7', linux('arm', 'v7'));
  const attestation = desc('f', { os: 'unknown', architecture: 'unknown' });

  const cases: ReadonlyArray<readonly [string, Index, string, Descriptor]> = [
    ['the only manifest, when it fits', index(amd), 'amd64', amd],
    ['the amd64 one of a multi-arch index on amd64', index(arm, amd), 'amd64', amd],
    ['the arm64 one of a multi-arch index on arm64', index(amd, arm), 'arm64', arm],
    ['linux/amd64 over windows/amd64', index(win, amd), 'amd64', amd],
    ['linux/amd64 past an attestation manifest (unknown/unknown)', index(attestation, amd), 'amd64', amd],
    ['a manifest without a platform', index(bare), 'amd64', bare],
    ['a manifest without a platform on any architecture', index(bare), 's390x', bare],
    ['a manifest without a platform listed before a fitting one (first match wins)', index(bare, amd), 'amd64', bare],
    ['a fitting manifest listed before one without a platform (first match wins)', index(amd, bare), 'amd64', amd],
    ['a manifest without a platform past ones for other platforms', index(arm, win, bare), 'amd64', bare],
    ['the first of two fitting manifests', index(amd, amd2), 'amd64', amd],
    ['the first arm manifest, whatever its variant (v6 first)', index(armV6, armV7), 'arm', armV6],
    ['the first arm manifest, whatever its variant (v7 first)', index(armV7, armV6), 'arm', armV7],
    ['a nested index descriptor for this platform, as it is', index(arm, desc('9', linux('amd64'), undefined, MEDIA.index)), 'amd64',
      desc('9', linux('amd64'), undefined, MEDIA.index)],
  ];
  for (const [what, idx, arch, expected] of cases) {
    test(`picks ${what}`, () => {
      assert.deepEqual(pickManifest(idx, arch), expected);
    });
  }

  test('returns the descriptor object itself, not a copy', () => {
    assert.equal(pickManifest(index(arm, amd), 'amd64'), amd);
  });

  test('ignores ref name annotations when no ref is asked for', () => {
    const tagged = desc('a', linux('amd64'), 'v1');
    assert.equal(pickManifest(index(desc('b', linux('arm64'), 'v2'), tagged), 'amd64'), tagged);
  });

  const errors: ReadonlyArray<readonly [string, Index, string, string]> = [
    ['an empty index', index(), 'amd64', 'no image for linux/amd64 (the image has: nothing)'],
    ['an index for another architecture', index(arm), 'amd64', 'no image for linux/amd64 (the image has: linux/arm64)'],
    ['an index for other platforms, listed in order', index(arm, win, desc('g', { os: 'darwin', architecture: 'arm64' })), 'amd64',
      'no image for linux/amd64 (the image has: linux/arm64, windows/amd64, darwin/arm64)'],
    ['an attestation manifest only', index(attestation), 'amd64', 'no image for linux/amd64 (the image has: unknown/unknown)'],
    ['a platform without an os', index(desc('h', { architecture: 'amd64' })), 'amd64', 'no image for linux/amd64 (the image has: ?/amd64)'],
    ['a platform without an architecture', index(desc('i', { os: 'linux' })), 'amd64', 'no image for linux/amd64 (the image has: linux/?)'],
    ['an empty platform (which is not "no platform")', index(desc('j', {})), 'amd64', 'no image for linux/amd64 (the image has: ?/?)'],
    ['an os in upper case', index(desc('k', { os: 'Linux', architecture: 'amd64' })), 'amd64', 'no image for linux/amd64 (the image has: Linux/amd64)'],
    ['Node\'s architecture name where the OCI one is used', index(amd), 'x64', 'no image for linux/x64 (the image has: linux/amd64)'],
    ['the same platform twice, listed twice', index(arm, desc('l', linux('arm64'))), 'amd64',
      'no image for linux/amd64 (the image has: linux/arm64, linux/arm64)'],
  ];
  for (const [what, idx, arch, error] of errors) {
    test(`reports ${what}`, () => {
      assert.deepEqual(pickManifest(idx, arch), { error });
    });
  }
});

describe('pickManifest: by ref name', () => {
  const v1amd = desc('1', linux('amd64'), 'v1');
  const v1arm = desc('2', linux('arm64'), 'v1');
  const latest = desc('3', linux('amd64'), 'latest');
  const untagged = desc('4', linux('amd64'));
  const v1bare = desc('5', undefined, 'v1');

  const cases: ReadonlyArray<readonly [string, Index, string, string, Descriptor]> = [
    ['the manifest tagged with the ref', index(latest, v1amd), 'amd64', 'v1', v1amd],
    ['the tagged manifest over an untagged one listed first', index(untagged, v1amd), 'amd64', 'v1', v1amd],
    ['the tagged manifest for this architecture among several with the ref', index(v1arm, v1amd), 'amd64', 'v1', v1amd],
    ['the tagged manifest for arm64 among several with the ref', index(v1amd, v1arm), 'arm64', 'v1', v1arm],
    ['a tagged manifest without a platform', index(latest, v1bare), 'amd64', 'v1', v1bare],
    ['the first of the manifests with the ref that fit', index(v1bare, v1amd), 'amd64', 'v1', v1bare],
    ['a ref that looks like a full reference', index(desc('6', linux('amd64'), 'docker.io/library/alpine:3.20')), 'amd64',
      'docker.io/library/alpine:3.20', desc('6', linux('amd64'), 'docker.io/library/alpine:3.20')],
  ];
  for (const [what, idx, arch, ref, expected] of cases) {
    test(`picks ${what}`, () => {
      assert.deepEqual(pickManifest(idx, arch, ref), expected);
    });
  }

  const otherAnnotation: Descriptor = { ...desc('7', linux('amd64')), annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' } };

  const errors: ReadonlyArray<readonly [string, Index, string, string, string]> = [
    ['a ref no manifest has, listing the refs there are', index(latest, v1amd), 'amd64', 'v2',
      'no image tagged "v2" in the layout (it has: latest, v1)'],
    ['a ref no manifest has, listing each manifest\'s ref (repeats included)', index(v1amd, v1arm, latest), 'amd64', 'v2',
      'no image tagged "v2" in the layout (it has: v1, v1, latest)'],
    ['a ref no manifest has, listing only the annotated ones', index(untagged, latest, otherAnnotation), 'amd64', 'v2',
      'no image tagged "v2" in the layout (it has: latest)'],
    ['a ref in an index without ref names, with no list', index(untagged), 'amd64', 'v1',
      'no image tagged "v1" in the layout'],
    ['a ref in an index with other annotations only, with no list', index(otherAnnotation), 'amd64', 'v1',
      'no image tagged "v1" in the layout'],
    ['a ref in an empty index, with no list', index(), 'amd64', 'v1',
      'no image tagged "v1" in the layout'],
    ['an empty ref where there are no ref names', index(untagged), 'amd64', '',
      'no image tagged "" in the layout'],
    ['a ref in another case', index(latest), 'amd64', 'LATEST',
      'no image tagged "LATEST" in the layout (it has: latest)'],
    ['a ref found only for another architecture, listing only that ref\'s platforms', index(untagged, latest, v1arm), 'amd64', 'v1',
      'no image for linux/amd64 (the image has: linux/arm64)'],
  ];
  for (const [what, idx, arch, ref, error] of errors) {
    test(`reports ${what}`, () => {
      assert.deepEqual(pickManifest(idx, arch, ref), { error });
    });
  }
});

describe('layerCompression', () => {
  const cases: ReadonlyArray<readonly [string, Compression]> = [
    ['application/vnd.oci.image.layer.v1.tar', 'none'],
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar', 'none'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'gzip'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+zstd', 'zstd'],
    ['application/vnd.docker.image.rootfs.diff.tar', 'none'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
  ];
  for (const [mediaType, expected] of cases) {
    test(`${mediaType} is ${expected === 'none' ? 'uncompressed' : `compressed with ${expected}`}`, () => {
      assert.equal(layerCompression(mediaType), expected);
    });
  }

  const unsupported: ReadonlyArray<readonly [string, string]> = [
    ['an empty media type', ''],
    ['an image config', 'application/vnd.oci.image.config.v1+json'],
    ['an image manifest', MEDIA.manifest],
    ['a Docker foreign (Windows) layer', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'],
    ['an OCI layer with another compression', 'application/vnd.oci.image.layer.v1.tar+bzip2'],
    ['a compression suffix in upper case', 'application/vnd.oci.image.layer.v1.tar+GZIP'],
    ['a Docker layer type in upper case', 'application/vnd.docker.image.rootfs.diff.TAR'],
    ['a media type with a parameter', 'application/vnd.oci.image.layer.v1.tar+gzip; charset=binary'],
    ['a generic binary type', 'application/octet-stream'],
    ['the POSIX tar type', 'application/x-tar'],
  ];
  for (const [what, mediaType] of unsupported) {
    test(`rejects ${what}`, () => {
      assert.deepEqual(layerCompression(mediaType), { error: `unsupported layer media type "${mediaType}"` });
    });
  }
});

describe('whiteoutMeaning', () => {
  const cases: ReadonlyArray<readonly [string, string, WhiteoutMeaning]> = [
    ['an ordinary file at the top', 'passwd', { kind: 'entry' }],
    ['an ordinary nested file', 'etc/passwd', { kind: 'entry' }],
    ['a hidden file', '.bashrc', { kind: 'entry' }],
    ['a file named ".wh" (no trailing dot)', 'etc/.wh', { kind: 'entry' }],
    ['a file whose name contains ".wh." later on', 'etc/x.wh.y', { kind: 'entry' }],
    ['a file named like a whiteout in upper case', 'etc/.WH.passwd', { kind: 'entry' }],
    ['a file inside a directory whose name starts with ".wh."', '.wh.dir/file', { kind: 'entry' }],
    ['the empty name', '', { kind: 'entry' }],
    ['a whiteout at the top', '.wh.foo', { kind: 'whiteout', target: 'foo' }],
    ['a nested whiteout', 'etc/.wh.passwd', { kind: 'whiteout', target: 'etc/passwd' }],
    ['a deeply nested whiteout', 'usr/share/doc/.wh.pkg', { kind: 'whiteout', target: 'usr/share/doc/pkg' }],
    ['a whiteout of a hidden file', 'root/.wh..bashrc', { kind: 'whiteout', target: 'root/.bashrc' }],
    ['a whiteout of ".opq" (not the opaque marker)', '.wh..opq', { kind: 'whiteout', target: '.opq' }],
    ['a whiteout of a name with "..." in it', 'a/.wh....x', { kind: 'whiteout', target: 'a/...x' }],
    ['a whiteout of a name with spaces', 'a/.wh.with space', { kind: 'whiteout', target: 'a/with space' }],
    ['a whiteout of a name with ".wh." inside it', 'a/.wh.x.wh.y', { kind: 'whiteout', target: 'a/x.wh.y' }],
    ['the opaque marker at the top', '.wh..wh..opq', { kind: 'opaque', dir: '' }],
    ['a nested opaque marker', 'etc/.wh..wh..opq', { kind: 'opaque', dir: 'etc' }],
    ['a deeply nested opaque marker', 'var/lib/apt/.wh..wh..opq', { kind: 'opaque', dir: 'var/lib/apt' }],
  ];
  for (const [what, name, expected] of cases) {
    test(`${JSON.stringify(name)} is ${what}`, () => {
      assert.deepEqual(whiteoutMeaning(name), expected);
    });
  }

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['a whiteout of nothing at the top', '.wh.'],
    ['a nested whiteout of nothing', 'etc/.wh.'],
    ['a whiteout of "."', '.wh..'],
    ['a nested whiteout of "."', 'etc/.wh..'],
    ['a whiteout of ".."', '.wh...'],
    ['a nested whiteout of ".."', 'etc/.wh...'],
    ['a whiteout of a whiteout', '.wh..wh.x'],
    ['a nested whiteout of a whiteout', 'etc/.wh..wh.x'],
    ['a whiteout of a misspelt opaque marker', '.wh..wh..opqx'],
    ['a whiteout of the opaque marker\'s prefix', 'etc/.wh..wh.'],
    ['a whiteout of an opaque marker in upper case', '.wh..wh..OPQ'],
  ];
  for (const [what, name] of invalid) {
    test(`${JSON.stringify(name)} is invalid: ${what}`, () => {
      assert.deepEqual(whiteoutMeaning(name), { kind: 'invalid', why: `whiteout "${name}" names no file it could delete` });
    });
  }
});
