// chosctl create, update, remove and setup as root against what an archive, an OCI layout, a
// registry or the store may hold that it should not: archives that are no regular files,
// control characters in member names, layout files linked out of the layout, a store that is
// not root's. Each asserts a one-line error, no canary from a root-only file in the output,
// and nothing changed outside. I/O.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE_CONFIG, CHOSCTL, CONFIG, RUN_DIR, STORE, SYSCONFIG, WORLD, cannotRun, ensureWorld, must, run, stagingLeft, writeConfig } from './harness.js';

const missing = ['bwrap', 'tar'].filter((c) => run('sh', ['-c', `command -v ${c}`]).status !== 0);
const skip = cannotRun() ?? (missing.length ? `needs ${missing.join(', ')} (apt-get install bubblewrap tar)` : undefined);
const HERE = path.join(WORLD, 'images-hostile');
const DROP_INS = `${CONFIG}.d`;

function chosctl(args: string[], store = STORE): ReturnType<typeof run> {
  return run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', store]);
}

function registered(name: string): boolean {
  return fs.existsSync(path.join(DROP_INS, `${name}.conf`));
}

/** The error chosctl printed: exactly one error line (and at most one hint line), no stack trace. */
function oneLineError(r: ReturnType<typeof run>): string {
  assert.notEqual(r.status, null, 'it ended by itself');
  assert.notEqual(r.status, 0, r.stdout);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^chosctl: error: /, r.stderr);
  assert.ok(lines.length === 1 || (lines.length === 2 && (lines[1] ?? '').startsWith('hint: ')), r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  return lines[0] ?? '';
}

/** A one-member ustar archive whose member name is `name` (any bytes), holding `data`. */
function oneMember(name: string, data: string, type = '0', link = ''): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number): void => { h.write(s.slice(0, len), off, 'latin1'); };
  const oct = (n: number, off: number, len: number): void => put(n.toString(8).padStart(len - 1, '0'), off, len);
  const body = Buffer.from(type === '0' ? data : '');
  put(name, 0, 100);
  oct(0o644, 100, 8); oct(0, 108, 8); oct(0, 116, 8); oct(body.length, 124, 12); oct(1_700_000_000, 136, 12);
  put('        ', 148, 8); put(type, 156, 1); put(link, 157, 100); put('ustar', 257, 6); put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512), Buffer.alloc(1024)]);
}

describe('chosctl create: archives that are not regular files', { skip }, () => {
  let server: net.Server | undefined;
  before(() => {
    ensureWorld();
    writeConfig(BASE_CONFIG);
    fs.rmSync(HERE, { recursive: true, force: true });
    fs.mkdirSync(HERE, { recursive: true });
    must('mkfifo', [path.join(HERE, 'fifo')]);
    fs.mkdirSync(path.join(HERE, 'dir'));
  });
  after(() => {
    server?.close();
  });

  const cases: ReadonlyArray<readonly [string, () => string, RegExp]> = [
    ['a directory', () => path.join(HERE, 'dir'), /is a directory, not an archive/],
    ['a FIFO', () => path.join(HERE, 'fifo'), /is a FIFO, not an archive/],
    ['/dev/zero', () => '/dev/zero', /\/dev\/zero is a character device, not an archive/],
    ['a block device', () => must('sh', ['-c', 'ls /dev/loop0 /dev/sda /dev/vda /dev/nvme0n1 2>/dev/null | head -1']).trim() || '/dev/loop0', /is a block device, not an archive/],
    ['a link to a FIFO', () => {
      const l = path.join(HERE, 'to-fifo');
      fs.rmSync(l, { force: true });
      fs.symlinkSync(path.join(HERE, 'fifo'), l);
      return l;
    }, /to-fifo is a FIFO, not an archive/],
  ];
  for (const [what, file, message] of cases) {
    for (const option of ['--from-tar', '--from-oci']) {
      if (option === '--from-oci' && what === 'a directory') continue;
      it(`${option} ${what}: a one-line error naming it, at once, nothing registered`, () => {
        const f = file();
        const r = chosctl(['create', 'notanarchive', option, f]);
        assert.match(oneLineError(r), option === '--from-tar' ? message : new RegExp(message.source.replace('not an archive', 'not an image archive')));
        assert.ok(r.stderr.includes(f), r.stderr);
        assert.equal(r.status, 2);
        assert.equal(registered('notanarchive'), false);
        assert.deepEqual(stagingLeft(), []);
      });
    }
  }

  it('--from-tar a socket: a one-line error naming it', async () => {
    const sock = path.join(HERE, 'sock');
    fs.rmSync(sock, { force: true });
    server = net.createServer();
    await new Promise<void>((r) => server?.listen(sock, r));
    const r = chosctl(['create', 'notanarchive', '--from-tar', sock]);
    assert.match(oneLineError(r), /sock is a socket, not an archive/);
  });

  it('escapes control characters of member names in what it prints', () => {
    // An absolute member name is refused and named; it carries a terminal title escape,
    // a carriage return and a right-to-left override.
    const file = path.join(HERE, 'escapes.tar');
    fs.writeFileSync(file, oneMember('/x\x1b]0;owned\x07\r\u202efake', 'data\n'));
    const r = chosctl(['create', 'escapes', '--from-tar', file]);
    const line = oneLineError(r);
    assert.match(line, /outside the tree/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.stderr + r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no raw control character');
    assert.ok(line.includes('\\x1b]0;owned\\x07\\x0d'), line);
    assert.equal(registered('escapes'), false);
  });
});

describe('the store must be root\'s', { skip }, () => {
  const base = path.join(WORLD, 'images-hostile-store');
  const target = path.join(base, 'target');
  const record = (): string => JSON.stringify({ source: { kind: 'tar', file: '/nonexistent.tar' }, keepSetuid: false, chosFile: CONFIG }) + '\n';
  const targetContent = (): string[] => fs.readdirSync(target).sort();

  /** A store at `store` holding environment "evil" whose trees directory is a link to the root-owned `target`. */
  function plant(store: string): void {
    fs.mkdirSync(path.join(store, 'evil'), { recursive: true });
    fs.writeFileSync(path.join(store, 'evil', 'source.json'), record());
    fs.symlinkSync(target, path.join(store, 'evil', 'trees'));
  }

  before(() => {
    ensureWorld();
    writeConfig(BASE_CONFIG);
    fs.rmSync(base, { recursive: true, force: true });
    fs.mkdirSync(path.join(target, 'old-tree'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(target, 'old-tree', 'keep'), 'root data\n');
    fs.writeFileSync(path.join(target, 'keep.txt'), 'root data\n');
  });
  after(() => {
    fs.rmSync(path.join(DROP_INS, 'evil.conf'), { force: true });
    writeConfig(BASE_CONFIG);
    chosctl(['setup']);
  });

  const setupWith = (store: string): ReturnType<typeof run> => chosctl(['setup'], store);

  it('refuses a user-owned store holding a link where a tree directory should be: setup, update, remove and create touch nothing', () => {
    const store = path.join(base, 'user-store');
    plant(store);
    const uid = Number(must('id', ['-u', process.env['CHOS_E2E_USER'] ?? 'chos-e2e']).trim());
    must('chown', ['-hR', `${uid}:${uid}`, store]);
    const r = setupWith(store);
    assert.match(oneLineError(r), new RegExp(`refusing the store ${store}: ${store} is owned by uid ${uid}, not root`));
    assert.doesNotMatch(r.stdout, /deleted/);
    assert.deepEqual(targetContent(), ['keep.txt', 'old-tree']);
    const u = chosctl(['update', 'evil'], store);
    assert.match(oneLineError(u), /refusing the store/);
    fs.mkdirSync(DROP_INS, { recursive: true });
    fs.writeFileSync(path.join(DROP_INS, 'evil.conf'), `%SHELLS\nevil:${path.join(store, 'evil', 'trees', 'old-tree')}\n`);
    try {
      const rm = chosctl(['remove', 'evil'], store);
      assert.match(oneLineError(rm), /refusing the store/);
      assert.ok(registered('evil'), 'the registration is left as it was');
    } finally {
      fs.rmSync(path.join(DROP_INS, 'evil.conf'), { force: true });
    }
    const c = chosctl(['create', 'evil2', '--from-tar', path.join(HERE, 'escapes.tar')], store);
    assert.match(oneLineError(c), /refusing the store/);
    assert.equal(fs.existsSync(path.join(store, '.staging')), false, 'nothing was written into it');
    assert.deepEqual(targetContent(), ['keep.txt', 'old-tree']);
    assert.equal(fs.readFileSync(path.join(target, 'old-tree', 'keep'), 'utf8'), 'root data\n');
  });

  it('refuses a root-owned store that group or others may enter, and one reached through a link', () => {
    const open = path.join(base, 'open-store');
    plant(open);
    fs.chmodSync(open, 0o755);
    assert.match(oneLineError(setupWith(open)), /open-store has mode 0755: group and others must have no access/);
    const real = path.join(base, 'real-store');
    plant(real);
    fs.chmodSync(real, 0o700);
    const link = path.join(base, 'linked-store');
    fs.symlinkSync(real, link);
    assert.match(oneLineError(setupWith(link)), /linked-store is a symbolic link/);
    // A link on the way, not only at the end.
    const viaLink = path.join(base, 'via');
    fs.symlinkSync(base, viaLink);
    assert.match(oneLineError(setupWith(path.join(viaLink, 'real-store'))), /via is a symbolic link/);
    assert.deepEqual(targetContent(), ['keep.txt', 'old-tree']);
  });

  it('in a store that is root\'s, never follows a link planted where a tree should be', () => {
    const store = path.join(base, 'real-store');
    const r = setupWith(store);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /deleted/);
    assert.deepEqual(targetContent(), ['keep.txt', 'old-tree']);
    // A link as one tree among real ones: the unused real one goes, the link and its target stay.
    fs.rmSync(path.join(store, 'evil', 'trees'));
    fs.mkdirSync(path.join(store, 'evil', 'trees', 'unused'), { recursive: true });
    fs.symlinkSync(target, path.join(store, 'evil', 'trees', 'planted'));
    const again = setupWith(store);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /deleted unused tree .*\/unused/);
    assert.match(again.stdout, /left .*planted alone/);
    assert.ok(fs.lstatSync(path.join(store, 'evil', 'trees', 'planted')).isSymbolicLink());
    assert.deepEqual(targetContent(), ['keep.txt', 'old-tree']);
  });
});

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Writes a one-layer OCI layout (a file etc/marker) at `dir`; returns the digests. */
function writeLayout(dir: string): { manifest: string; config: string; layer: string } {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer | string): string => {
    const h = sha(b);
    fs.writeFileSync(path.join(blobs, h), b);
    return h;
  };
  const layerBytes = Buffer.concat([oneMember('etc/', '', '5'), oneMember('etc/marker', 'secimg layout\n')].map((b, i, all) => (i < all.length - 1 ? b.subarray(0, b.length - 1024) : b)));
  const layer = put(layerBytes);
  const config = put(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${layer}`] } }));
  const manifestText = JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${config}`, size: fs.statSync(path.join(blobs, config)).size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layer}`, size: layerBytes.length }],
  });
  const manifest = put(manifestText);
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifest}`, size: manifestText.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  return { manifest, config, layer };
}

describe('chosctl create --from-oci: files of a layout are read inside it', { skip }, () => {
  const base = path.join(WORLD, 'images-hostile-oci');
  const good = path.join(base, 'good');
  // A root-only file whose content must never show: not JSON, so a parser's message would quote it.
  const canary = path.join(base, 'canary');
  const CANARY = 'CANARY-secimg-7f3a';
  let d = { manifest: '', config: '', layer: '' };
  before(() => {
    ensureWorld();
    writeConfig(BASE_CONFIG);
    fs.rmSync(base, { recursive: true, force: true });
    fs.mkdirSync(base, { recursive: true });
    fs.writeFileSync(canary, `${CANARY} root:secret\n`, { mode: 0o600 });
    d = writeLayout(good);
  });
  after(() => {
    if (registered('okoci')) chosctl(['remove', 'okoci']);
  });

  /** A copy of the good layout changed by `change`; returns its path. */
  function variant(name: string, change: (dir: string) => void): string {
    const dir = path.join(base, name);
    fs.rmSync(dir, { recursive: true, force: true });
    must('cp', ['-a', good, dir]);
    change(dir);
    return dir;
  }

  it('takes the layout the test writes (the baseline)', () => {
    const r = chosctl(['create', 'okoci', '--from-oci', good, '--no-setup']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(registered('okoci'));
  });

  const blob = (dir: string, h: string): string => path.join(dir, 'blobs', 'sha256', h);
  const cases: ReadonlyArray<readonly [string, (dir: string) => void, RegExp]> = [
    ['index.json a link to a root-only file (absolute)', (x) => { fs.rmSync(path.join(x, 'index.json')); fs.symlinkSync(canary, path.join(x, 'index.json')); }, /index\.json is missing/],
    ['index.json a link to a root-only file (relative, climbing)', (x) => { fs.rmSync(path.join(x, 'index.json')); fs.symlinkSync('../../../../../../../..' + canary, path.join(x, 'index.json')); }, /index\.json is missing/],
    ['oci-layout a link to a root-only file', (x) => { fs.rmSync(path.join(x, 'oci-layout')); fs.symlinkSync(canary, path.join(x, 'oci-layout')); }, /no oci-layout file/],
    ['index.json whose content is not JSON', (x) => { fs.copyFileSync(canary, path.join(x, 'index.json')); }, /index\.json: not valid JSON \(expected an image index\)/],
    ['blobs a link to a directory outside (a middle component)', (x) => {
      const outside = path.join(base, `outside-${path.basename(x)}`);
      fs.rmSync(outside, { recursive: true, force: true });
      fs.renameSync(path.join(x, 'blobs'), outside);
      fs.symlinkSync(outside, path.join(x, 'blobs'));
    }, /image manifest: blob sha256:[0-9a-f]{64} is missing/],
    ['the manifest blob a link to a root-only file', (x) => { fs.rmSync(blob(x, d.manifest)); fs.symlinkSync(canary, blob(x, d.manifest)); }, /image manifest: blob sha256:[0-9a-f]{64} is missing/],
    ['a layer blob a link to a root-only file', (x) => { fs.rmSync(blob(x, d.layer)); fs.symlinkSync(canary, blob(x, d.layer)); }, /layer 1\/1: .* is missing/],
    ['index.json a FIFO', (x) => { fs.rmSync(path.join(x, 'index.json')); must('mkfifo', [path.join(x, 'index.json')]); }, /index\.json is not a regular file/],
    ['index.json a link to /dev/zero', (x) => { fs.rmSync(path.join(x, 'index.json')); fs.symlinkSync('/dev/zero', path.join(x, 'index.json')); }, /index\.json is missing/],
    ['index.json a device node', (x) => { fs.rmSync(path.join(x, 'index.json')); must('mknod', [path.join(x, 'index.json'), 'c', '1', '5']); }, /index\.json is not a regular file/],
    ['index.json a sparse file of 2 GiB', (x) => { fs.truncateSync(path.join(x, 'index.json'), 2 * 2 ** 30); }, /index\.json is larger than 4194304 bytes/],
    ['a layer blob a FIFO', (x) => { fs.rmSync(blob(x, d.layer)); must('mkfifo', [blob(x, d.layer)]); }, /layer 1\/1: .* is not a regular file/],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses a layout with ${what}: named, no content shown, nothing registered`, () => {
      const dir = variant(`v${cases.findIndex((c) => c[0] === what)}`, change);
      const r = chosctl(['create', 'badoci', '--from-oci', dir]);
      assert.match(oneLineError(r), message);
      assert.equal(r.status, 125);
      assert.ok(!(r.stdout + r.stderr).includes(CANARY), 'nothing of the root-only file is shown');
      assert.equal(registered('badoci'), false);
      assert.deepEqual(stagingLeft(), []);
    });
  }

  it('refuses the same in a layout archive: index.json linked to a root-only file', () => {
    const dir = variant('archived', (x) => { fs.rmSync(path.join(x, 'index.json')); fs.symlinkSync(canary, path.join(x, 'index.json')); });
    const file = path.join(base, 'layout.tar');
    must('tar', ['-C', dir, '-cf', file, '.']);
    const r = chosctl(['create', 'badoci', '--from-oci', file]);
    assert.match(oneLineError(r), /index\.json is missing/);
    assert.ok(!(r.stdout + r.stderr).includes(CANARY));
    assert.equal(registered('badoci'), false);
  });

  it('reads a docker save manifest.json inside the archive: a link to a root-only file is refused', () => {
    const dir = path.join(base, 'docker');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    fs.symlinkSync(canary, path.join(dir, 'manifest.json'));
    const file = path.join(base, 'docker.tar');
    must('tar', ['-C', dir, '-cf', file, '.']);
    const r = chosctl(['create', 'badoci', '--from-oci', file]);
    assert.match(oneLineError(r), /neither an OCI image layout .* nor a docker save archive/);
    assert.ok(!(r.stdout + r.stderr).includes(CANARY));
  });
});
