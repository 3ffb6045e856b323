// chosctl create --pull against a registry that misbehaves (rogue-registry.ts, started here on
// 127.0.0.1:5041 and 127.0.0.2:5041): credentials never go to a token service on another host
// over plain HTTP, a manifest that never ends is refused at its cap, and an image listing the
// same layer twice is pulled. I/O.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE_CONFIG, CHOSCTL, CONFIG, RUN_DIR, STORE, SYSCONFIG, WORLD, cannotRun, ensureWorld, run, stagingLeft, writeConfig } from './harness.js';

const missing = ['bwrap', 'tar'].filter((c) => run('sh', ['-c', `command -v ${c}`]).status !== 0);
const skip = cannotRun() ?? (missing.length ? `needs ${missing.join(', ')}` : undefined);
const PORT = 5041;
const REG = `127.0.0.1:${PORT}`;
const HERE = path.join(WORLD, 'images-registry');
const RECORD = path.join(HERE, 'record.jsonl');
const AUTH = path.join(HERE, 'auth.json');
const SECRET = Buffer.from('puller:s3cret-secimg').toString('base64');
let server: ChildProcess | undefined;
/** The hex digest of the layer the dup image lists twice. */
let dupLayer = '';

function chosctl(args: string[]): ReturnType<typeof run> {
  return run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE]);
}

interface Seen { host: string; path: string; authorization: string | null }
const seen = (): Seen[] => fs.readFileSync(RECORD, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Seen);

/** A ustar member (without the archive's end). */
function member(name: string, data: string, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number): void => { h.write(s.slice(0, len), off, 'latin1'); };
  const oct = (n: number, off: number, len: number): void => put(n.toString(8).padStart(len - 1, '0'), off, len);
  const body = Buffer.from(type === '0' ? data : '');
  put(name, 0, 100);
  oct(type === '5' ? 0o755 : 0o644, 100, 8); oct(0, 108, 8); oct(0, 116, 8); oct(body.length, 124, 12); oct(1_700_000_000, 136, 12);
  put('        ', 148, 8); put(type, 156, 1); put('ustar', 257, 6); put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

describe('chosctl create --pull from a registry that misbehaves', { skip }, () => {
  before(async () => {
    ensureWorld();
    writeConfig(BASE_CONFIG);
    fs.rmSync(HERE, { recursive: true, force: true });
    fs.mkdirSync(HERE, { recursive: true });
    fs.writeFileSync(RECORD, '');
    fs.writeFileSync(AUTH, JSON.stringify({ auths: { [REG]: { auth: SECRET } } }), { mode: 0o600 });
    // The image with one layer listed twice.
    const hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
    const layer = Buffer.concat([member('etc/', '', '5'), member('etc/dup-marker', 'pulled twice\n'), Buffer.alloc(1024)]);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${hex(layer)}`, `sha256:${hex(layer)}`] } });
    dupLayer = hex(layer);
    fs.writeFileSync(path.join(HERE, hex(layer)), layer);
    fs.writeFileSync(path.join(HERE, hex(config)), config);
    const l = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex(layer)}`, size: layer.length };
    fs.writeFileSync(path.join(HERE, 'dup-manifest.json'), JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${hex(config)}`, size: config.length }, layers: [l, l],
    }));
    // An image of one 8 MiB layer, for a store that cannot hold it.
    const big = Buffer.concat([member('big', 'x'.repeat(8 * 2 ** 20)), Buffer.alloc(1024)]);
    const bigConfig = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${hex(big)}`] } });
    fs.writeFileSync(path.join(HERE, hex(big)), big);
    fs.writeFileSync(path.join(HERE, hex(bigConfig)), bigConfig);
    fs.writeFileSync(path.join(HERE, 'big-manifest.json'), JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${hex(bigConfig)}`, size: bigConfig.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex(big)}`, size: big.length }],
    }));
    server = spawn('node', [path.join(__dirname, 'rogue-registry.js'), String(PORT), HERE, RECORD], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://${REG}/v2/`)).ok && (await fetch(`http://127.0.0.2:${PORT}/v2/`)).ok) break;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    server?.kill('SIGTERM');
    if (fs.existsSync(path.join(`${CONFIG}.d`, 'dup.conf'))) chosctl(['remove', 'dup']);
  });

  it('sends Basic credentials to the registry\'s own host when it asks (the control)', () => {
    fs.writeFileSync(RECORD, '');
    const r = chosctl(['create', 'rogue', '--pull', `${REG}/basic:latest`, '--auth-file', AUTH]);
    assert.match(r.stderr, /not found in the registry/);
    assert.ok(seen().some((s) => s.host === REG && s.authorization === `Basic ${SECRET}`), 'the registry itself got them');
  });

  it('never sends the credentials to a token service on another host over plain HTTP, even one named with --auth-realm', () => {
    for (const extra of [[], ['--auth-realm', `127.0.0.2:${PORT}`], ['--auth-realm', '127.0.0.2']]) {
      fs.writeFileSync(RECORD, '');
      const r = chosctl(['create', 'rogue', '--pull', `${REG}/foreign:latest`, '--auth-file', AUTH, ...extra]);
      assert.equal(r.status, 125, r.stdout);
      assert.match(r.stderr, /not found in the registry/, 'it went on without them (an anonymous token)');
      assert.match(r.stdout, /not sending credentials to the token service http:\/\/127\.0\.0\.2:5041: plain HTTP to another host/);
      const token = seen().filter((s) => s.path === '/token');
      assert.equal(token.length, 1, JSON.stringify(seen()));
      assert.equal(token[0]?.host, `127.0.0.2:${PORT}`);
      assert.equal(token[0]?.authorization, null, 'the token service got no credentials');
      assert.ok(!fs.readFileSync(RECORD, 'utf8').includes(SECRET), 'the secret reached no one here');
    }
  });

  it('refuses a manifest as soon as it passes 4 MiB (one that never ends)', () => {
    const r = chosctl(['create', 'rogue', '--pull', `${REG}/endless:latest`]);
    assert.notEqual(r.status, null, 'it ended');
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^chosctl: error: .*endless:latest: the answer is longer than the 4194304 bytes allowed$/m);
    assert.deepEqual(stagingLeft(), []);
  });

  it('names the file when the store fills up during a download, in one line', () => {
    const small = path.join(HERE, 'small-store');
    fs.mkdirSync(small, { recursive: true });
    // A small store in a mount namespace of its own: the mount propagates nowhere else.
    const script = 'mount -t tmpfs -o size=2m,mode=0700 chos-e2e-secimg-small "$0" || exit 99; "$@"; s=$?; echo "staging:[$(ls -A "$0/.staging")]"; exit $s';
    const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, small,
      CHOSCTL, 'create', 'full', '--pull', `${REG}/big:latest`, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', small]);
    assert.equal(r.status, 125, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`^chosctl: error: write ${small}/\\.blobs/sha256/[0-9a-f]{64}\\.tmp-[0-9.]+: no space left on the device \\(ENOSPC\\)\nhint: free space there`));
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.match(r.stdout, /staging:\[\]$/m, 'staging is empty');
    assert.equal(fs.existsSync(path.join(`${CONFIG}.d`, 'full.conf')), false);
  });

  it('pulls an image that lists the same layer twice', () => {
    const r = chosctl(['create', 'dup', '--pull', `${REG}/dup:latest`, '--no-setup']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /layer 2\/2: the same as an earlier layer/);
    const tree = fs.readFileSync(path.join(`${CONFIG}.d`, 'dup.conf'), 'utf8').match(/^dup:(.*)$/m)?.[1] ?? '';
    assert.equal(fs.readFileSync(path.join(tree, 'etc', 'dup-marker'), 'utf8'), 'pulled twice\n');
    assert.equal(seen().filter((s) => s.path === `/v2/dup/blobs/sha256:${dupLayer}`).length, 1, 'downloaded once');
  });
});
