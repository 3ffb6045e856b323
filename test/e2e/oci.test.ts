// chosctl create --from-oci against real images: a multi-layer OCI layout built by umoci from
// a debootstrapped tree (with deletions, so whiteouts), plus a layer this test adds with an
// opaque directory; the same image as a layout archive and as a docker save archive made by
// skopeo. umoci's own unpack is the oracle: the trees must be identical (paths, types, modes,
// owners, link targets, contents), device nodes aside (chos never carries them). I/O.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BASE_CONFIG, CHOSCTL, CONFIG, RUN_DIR, STORE, SYSCONFIG, TREES, WORLD, cannotRun, chos, createdTree, describeTree, ensureWorld,
  must, run, treeFile, userEnv, writeConfig, requireTools,
} from './harness.js';

const skip = cannotRun();
const OCI = path.join(WORLD, 'oci');
const LAYOUT = path.join(OCI, 'layout');
const DROP_INS = `${CONFIG}.d`;

function chosctl(args: string[]): ReturnType<typeof run> {
  return run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE]);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function readJson<T>(p: string): T {
  return JSON.parse(fs.readFileSync(p, 'utf8')) as T;
}

function writeBlob(layout: string, data: Buffer): { digest: string; size: number } {
  const hex = sha(data);
  fs.writeFileSync(path.join(layout, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

interface Desc { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }

/** Adds an uncompressed layer (a tar made by GNU tar from `dir`) on top of image `from`, tagged `to`. */
function addLayer(layout: string, from: string, to: string, dir: string, compress: 'gzip' | 'zstd' | 'none' = 'none'): void {
  const index = readJson<{ manifests: Desc[] }>(path.join(layout, 'index.json'));
  const base = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === from);
  assert.ok(base);
  const manifest = readJson<{ config: Desc; layers: Desc[] }>(path.join(layout, 'blobs', 'sha256', base.digest.slice(7)));
  const config = readJson<{ rootfs: { diff_ids: string[] } }>(path.join(layout, 'blobs', 'sha256', manifest.config.digest.slice(7)));
  const tar = Buffer.from(must('sh', ['-c', `tar -C ${dir} --numeric-owner --owner=0 --group=0 -cf - . | base64 -w0`]), 'base64');
  fs.writeFileSync(`${dir}.tar`, tar);
  const packed = compress === 'none' ? tar
    : Buffer.from(must('sh', ['-c', `${compress === 'zstd' ? 'zstd -q -c' : 'gzip -c'} ${dir}.tar | base64 -w0`]), 'base64');
  fs.rmSync(`${dir}.tar`);
  const layer = writeBlob(layout, packed);
  config.rootfs.diff_ids.push(`sha256:${sha(tar)}`);
  const cfg = writeBlob(layout, Buffer.from(JSON.stringify(config)));
  manifest.layers.push({ mediaType: `application/vnd.oci.image.layer.v1.tar${compress === 'none' ? '' : `+${compress}`}`, ...layer });
  manifest.config = { ...manifest.config, ...cfg };
  const man = writeBlob(layout, Buffer.from(JSON.stringify(manifest)));
  index.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...man, annotations: { 'org.opencontainers.image.ref.name': to } });
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
}

describe('chosctl create --from-oci', { skip }, () => {
  before(() => {
    requireTools('bwrap', 'umoci', 'skopeo');
    ensureWorld();
    writeConfig(BASE_CONFIG);
    if (!fs.existsSync(path.join(OCI, 'ready'))) {
      fs.rmSync(OCI, { recursive: true, force: true });
      fs.mkdirSync(OCI, { recursive: true });
      const b = (n: string): string => path.join(OCI, n);
      must('umoci', ['init', '--layout', LAYOUT]);
      must('umoci', ['new', '--image', `${LAYOUT}:base`]);
      must('umoci', ['unpack', '--image', `${LAYOUT}:base`, b('b1')]);
      must('sh', ['-c', `tar -C ${TREES}/bullseye -cf - . | tar -C ${b('b1')}/rootfs -xf -`]);
      must('umoci', ['repack', '--image', `${LAYOUT}:base`, b('b1')]);
      must('umoci', ['unpack', '--image', `${LAYOUT}:base`, b('b2')]);
      // Deletions (whiteouts), a new directory, a changed file, a symlink and a hard link.
      must('sh', ['-c', `cd ${b('b2')}/rootfs && rm -rf usr/share/doc etc/motd && mkdir -p opt/app && echo v1 > opt/app/keep && echo gone > opt/app/old && echo changed > etc/issue && ln -s /usr/bin/env opt/app/env && ln opt/app/keep opt/app/hard`]);
      must('umoci', ['repack', '--image', `${LAYOUT}:v2`, b('b2')]);
      // A layer of our own with an opaque directory: opt/app's lower contents are all hidden.
      const l3 = b('l3');
      fs.mkdirSync(path.join(l3, 'opt', 'app'), { recursive: true });
      fs.writeFileSync(path.join(l3, 'opt', 'app', '.wh..wh..opq'), '');
      fs.writeFileSync(path.join(l3, 'opt', 'app', 'fresh'), 'fresh\n');
      addLayer(LAYOUT, 'v2', 'v3', l3);
      must('umoci', ['unpack', '--image', `${LAYOUT}:v3`, b('oracle')]);
      must('sh', ['-c', `tar -C ${LAYOUT} -cf ${b('layout.tar')} .`]);
      must('skopeo', ['copy', '--quiet', `oci:${LAYOUT}:v3`, `docker-archive:${b('saved.tar')}:chos/test:v3`]);
      fs.writeFileSync(path.join(OCI, 'ready'), '');
    }
  });
  after(() => {
    for (const n of ['ociv3', 'ocitar', 'dsave', 'bad', 'ocizst']) if (fs.existsSync(path.join(DROP_INS, `${n}.conf`))) chosctl(['remove', n]);
    writeConfig(BASE_CONFIG);
  });

  it('unpacks a multi-layer layout exactly as umoci does, whiteouts and opaque directory included', () => {
    const r = chosctl(['create', 'ociv3', '--from-oci', LAYOUT, '--ref', 'v3', '--keep-setuid']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /verified 3 layer\(s\)/);
    assert.match(r.stdout, /applying layer 2\/3 \(\d+ entries, [1-9]\d* whiteouts/);
    assert.match(r.stdout, /applying layer 3\/3 \(\d+ entries, 0 whiteouts, 1 opaque directories\)/);
    const tree = createdTree('ociv3');
    assert.equal(describeTree(tree), describeTree(path.join(OCI, 'oracle', 'rootfs')));
    assert.deepEqual(fs.readdirSync(path.join(tree, 'opt', 'app')), ['fresh']);
    assert.equal(fs.existsSync(path.join(tree, 'usr', 'share', 'doc')), false);
    const inside = chos(['sh', '-c', 'cat /etc/debian_version /etc/issue'], { env: userEnv({ CHOS: 'ociv3' }) });
    assert.equal(inside.stdout, `${treeFile('bullseye', 'etc/debian_version')}changed\n`, inside.stderr);
  });

  it('applies zstd- and gzip-compressed layers a test adds', () => {
    const zl = path.join(OCI, 'zlayout');
    fs.rmSync(zl, { recursive: true, force: true });
    must('cp', ['-a', LAYOUT, zl]);
    for (const [tag, from, kind] of [['z1', 'v3', 'zstd'], ['z2', 'z1', 'gzip']] as const) {
      const d = path.join(OCI, `layer-${tag}`);
      fs.rmSync(d, { recursive: true, force: true });
      fs.mkdirSync(path.join(d, 'opt', 'app'), { recursive: true });
      fs.writeFileSync(path.join(d, 'opt', 'app', `${kind}.txt`), `${kind}\n`);
      addLayer(zl, from, tag, d, kind);
    }
    const r = chosctl(['create', 'ocizst', '--from-oci', zl, '--ref', 'z2', '--keep-setuid', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(createdTree('ocizst'), 'opt', 'app')).sort(), ['fresh', 'gzip.txt', 'zstd.txt']);
    assert.equal(chosctl(['remove', 'ocizst']).status, 0);
  });

  it('takes the same image as a layout archive and as a docker save archive', () => {
    const a = chosctl(['create', 'ocitar', '--from-oci', path.join(OCI, 'layout.tar'), '--ref', 'v3', '--keep-setuid', '--quiet']);
    assert.equal(a.status, 0, a.stderr);
    const d = chosctl(['create', 'dsave', '--from-oci', path.join(OCI, 'saved.tar'), '--keep-setuid', '--quiet']);
    assert.equal(d.status, 0, d.stderr);
    const oracle = describeTree(path.join(OCI, 'oracle', 'rootfs'));
    assert.equal(describeTree(createdTree('ocitar')), oracle);
    assert.equal(describeTree(createdTree('dsave')), oracle);
  });

  it('names the tags a layout has when the asked one is missing', () => {
    const r = chosctl(['create', 'bad', '--from-oci', LAYOUT, '--ref', 'nope']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /no image tagged "nope" in the layout \(it has: base, v2, v3\)/);
  });

  it('refuses a blob whose content does not match its digest, and one of the wrong size', () => {
    const bad = path.join(OCI, 'tampered');
    fs.rmSync(bad, { recursive: true, force: true });
    must('cp', ['-a', LAYOUT, bad]);
    const index = readJson<{ manifests: Desc[] }>(path.join(bad, 'index.json'));
    const man = readJson<{ layers: Desc[] }>(path.join(bad, 'blobs', 'sha256', (index.manifests[2]?.digest ?? '').slice(7)));
    const top = path.join(bad, 'blobs', 'sha256', (man.layers[2]?.digest ?? '').slice(7));
    const data = fs.readFileSync(top);
    data[data.length - 600] = (data[data.length - 600] ?? 0) ^ 1;
    fs.writeFileSync(top, data);
    let r = chosctl(['create', 'bad', '--from-oci', bad, '--ref', 'v3']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /layer 3\/3: blob content does not match its digest/);
    fs.writeFileSync(top, data.subarray(0, data.length - 512));
    r = chosctl(['create', 'bad', '--from-oci', bad, '--ref', 'v3']);
    assert.match(r.stderr, /layer 3\/3: blob sha256:\S+ has \d+ bytes, the manifest says \d+/);
    assert.equal(fs.existsSync(path.join(DROP_INS, 'bad.conf')), false);
    // The base layer is hashed while it is extracted: a mismatch still fails the run whole.
    fs.rmSync(bad, { recursive: true, force: true });
    must('cp', ['-a', LAYOUT, bad]);
    const base = path.join(bad, 'blobs', 'sha256', (man.layers[0]?.digest ?? '').slice(7));
    const b = fs.readFileSync(base);
    b[Math.floor(b.length / 2)] = (b[Math.floor(b.length / 2)] ?? 0) ^ 1;
    fs.writeFileSync(base, b);
    r = chosctl(['create', 'bad', '--from-oci', bad, '--ref', 'v3']);
    assert.equal(r.status, 125, r.stdout);
    assert.match(r.stderr, /layer 1\/3: blob content does not match its digest|refusing layer 1\/3: /);
    assert.equal(fs.existsSync(path.join(DROP_INS, 'bad.conf')), false);
    assert.deepEqual(fs.readdirSync(path.join(STORE, '.staging')), []);
  });

  it('refuses whiteouts through a symlink of a lower layer and whiteouts of ".."', () => {
    const bad = path.join(OCI, 'wh');
    fs.rmSync(bad, { recursive: true, force: true });
    must('cp', ['-a', LAYOUT, bad]);
    const l4 = path.join(OCI, 'l4');
    fs.rmSync(l4, { recursive: true, force: true });
    fs.mkdirSync(l4);
    fs.symlinkSync('/etc', path.join(l4, 'lnk'));
    addLayer(bad, 'v3', 'v4', l4);
    const l5 = path.join(OCI, 'l5');
    fs.rmSync(l5, { recursive: true, force: true });
    fs.mkdirSync(path.join(l5, 'lnk'), { recursive: true });
    fs.writeFileSync(path.join(l5, 'lnk', '.wh.passwd'), '');
    addLayer(bad, 'v4', 'v5', l5);
    let r = chosctl(['create', 'bad', '--from-oci', bad, '--ref', 'v5']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /refusing layer 5\/5: "lnk\/\.wh\.passwd" goes through the symlink "lnk" \(to \/etc\) of a lower layer/);
    assert.ok(fs.existsSync('/etc/passwd'));
    const l6 = path.join(OCI, 'l6');
    fs.rmSync(l6, { recursive: true, force: true });
    fs.mkdirSync(path.join(l6, 'opt'), { recursive: true });
    fs.writeFileSync(path.join(l6, 'opt', '.wh...'), '');
    addLayer(bad, 'v3', 'v6', l6);
    r = chosctl(['create', 'bad', '--from-oci', bad, '--ref', 'v6']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /refusing layer 4\/4: whiteout "opt\/\.wh\.\.\." names no file it could delete/);
  });
});
