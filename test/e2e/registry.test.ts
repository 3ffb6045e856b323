// chosctl create --pull against a real registry on loopback (Debian's docker-registry, started
// here: one anonymous, one with htpasswd Basic auth, one with token auth and the test's token
// service, token-server.ts), holding images pushed by skopeo from the layout the OCI test
// builds. umoci's unpack of the same image is the oracle. I/O.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { type KeyObject, createHash, generateKeyPairSync, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING, signatureTag } from '../../src/images/signature.js';
import {
  BASE_CONFIG, CHOSCTL, CONFIG, RUN_DIR, STORE, SYSCONFIG, WORLD, cannotRun, chos, createdTree, describeTree, ensureWorld, must,
  run, stagingLeft, treeFile, userEnv, writeConfig, requireTools,
} from './harness.js';

const skip = cannotRun();
const REG = path.join(WORLD, 'registry');
const OCI = path.join(WORLD, 'oci');
const OPEN = '127.0.0.1:5011';
const LOCKED = '127.0.0.1:5012';
const TOKEN = '127.0.0.1:5013';
const TOKEN_SERVICE = '127.0.0.1:5033';
const PROXY = '127.0.0.1:5034';
const AUTH_PROXY = '127.0.0.1:5035'; // wants credentials
const registries: ChildProcess[] = [];

function chosctl(args: string[]): ReturnType<typeof run> {
  return run(CHOSCTL, [...args, '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE]);
}

function waitForPort(addr: string, what: string): void {
  for (let i = 0; i < 100; i++) {
    if (run('bash', ['-c', `exec 3<>/dev/tcp/${addr.replace(':', '/')}`]).status === 0) return;
    run('sleep', ['0.1']);
  }
  throw new Error(`${what} on ${addr} did not start`);
}

function startRegistry(addr: string, dir: string, auth: 'none' | 'basic' | 'token'): void {
  fs.mkdirSync(dir, { recursive: true });
  const config = [
    'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`,
    'http:', `  addr: ${addr}`,
    ...(auth === 'basic' ? ['auth:', '  htpasswd:', '    realm: chos-e2e', `    path: ${dir}/htpasswd`] : []),
    ...(auth === 'token' ? ['auth:', '  token:', `    realm: http://${TOKEN_SERVICE}/token`, '    service: chos-e2e-registry',
      '    issuer: chos-e2e-tokens', `    rootcertbundle: ${dir}/cert.pem`] : []),
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'config.yml'), config + '\n');
  if (auth === 'basic') must('htpasswd', ['-Bbc', path.join(dir, 'htpasswd'), 'puller', 's3cret']);
  if (auth === 'token') {
    // The token service signs with this key; the registry trusts its certificate.
    must('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=chos-e2e-tokens',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    const t = spawn('node', [path.join(__dirname, 'token-server.js'), TOKEN_SERVICE.split(':')[1] ?? '', path.join(dir, 'key.pem'),
      path.join(dir, 'cert.pem'), 'chos-e2e-tokens', 'tokenuser:t0ken'], { stdio: 'ignore' });
    registries.push(t);
    waitForPort(TOKEN_SERVICE, 'the token service');
  }
  const p = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  registries.push(p);
  waitForPort(addr, 'registry');
}

/** Uploads a blob to the anonymous registry (one monolithic PUT); returns its digest. */
async function pushBlob(repo: string, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const started = await fetch(`http://${OPEN}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(started.status, 202);
  const at = new URL(started.headers.get('location') ?? '', `http://${OPEN}`);
  at.searchParams.set('digest', digest);
  const put = await fetch(at, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  assert.equal(put.status, 201, await put.text());
  return digest;
}

/** Stores a cosign-style signature (simple signing) of the manifest `signed` under the tag of `under`, as cosign sign does. */
async function pushSignature(repo: string, under: string, signed: string, key: KeyObject): Promise<void> {
  const payload = Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': `${OPEN}/${repo}` }, image: { 'docker-manifest-digest': signed }, type: 'cosign container image signature' },
    optional: null,
  }));
  const config = Buffer.from('{"architecture":"","config":{},"os":"","rootfs":{"type":"layers","diff_ids":[]}}');
  const manifest = {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushBlob(repo, config), size: config.length },
    layers: [{
      mediaType: SIMPLE_SIGNING, digest: await pushBlob(repo, payload), size: payload.length,
      annotations: { [SIGNATURE_ANNOTATION]: sign('sha256', payload, key).toString('base64') },
    }],
  };
  const put = await fetch(`http://${OPEN}/v2/${repo}/manifests/${signatureTag(under)}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: JSON.stringify(manifest),
  });
  assert.equal(put.status, 201, await put.text());
}

function push(tag: string, to: string, creds?: string): void {
  must('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []), `oci:${OCI}/layout:${tag}`, `docker://${to}/chos/test:${tag}`]);
}

describe('chosctl create --pull', { skip }, () => {
  before(() => {
    requireTools('docker-registry', 'skopeo', 'umoci', 'htpasswd', 'bwrap', 'openssl');
    ensureWorld();
    writeConfig(BASE_CONFIG);
    // The image layout and its umoci oracle come from the OCI test's set-up; build them if absent.
    if (!fs.existsSync(path.join(OCI, 'ready'))) must('node', ['--test', path.join(__dirname, 'oci.test.js')]);
    fs.rmSync(REG, { recursive: true, force: true });
    fs.rmSync(path.join(STORE, '.blobs'), { recursive: true, force: true });
    startRegistry(OPEN, path.join(REG, 'open'), 'none');
    startRegistry(LOCKED, path.join(REG, 'locked'), 'basic');
    startRegistry(TOKEN, path.join(REG, 'token'), 'token');
    push('v2', OPEN);
    push('v3', OPEN);
    push('v3', LOCKED, 'puller:s3cret');
    push('v3', TOKEN, 'tokenuser:t0ken');
  });
  after(() => {
    for (const p of registries) p.kill();
    for (const n of ['pulled2', 'pulled3', 'bydigest', 'authed', 'tokened', 'proxied', 'recached', 'bad']) if (fs.existsSync(path.join(`${CONFIG}.d`, `${n}.conf`))) chosctl(['remove', n]);
    writeConfig(BASE_CONFIG);
  });

  it('pulls an image over plain HTTP from loopback and unpacks it exactly as umoci does', () => {
    const r = chosctl(['create', 'pulled3', '--pull', `${OPEN}/chos/test:v3`, '--keep-setuid']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(describeTree(createdTree('pulled3')), describeTree(path.join(OCI, 'oracle', 'rootfs')));
    const inside = chos(['cat', '/etc/issue'], { env: userEnv({ CHOS: 'pulled3' }) });
    assert.equal(inside.stdout, 'changed\n', inside.stderr);
  });

  it('downloads only the layers it does not have (content-addressed cache)', () => {
    fs.rmSync(path.join(STORE, '.blobs'), { recursive: true, force: true });
    const first = chosctl(['create', 'pulled2', '--pull', `${OPEN}/chos/test:v2`]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal((first.stdout.match(/already in the cache/g) ?? []).length, 0);
    assert.equal(chosctl(['remove', 'pulled3']).status, 0);
    const second = chosctl(['create', 'pulled3', '--pull', `${OPEN}/chos/test:v3`]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /layer 1\/3: \w+ already in the cache/);
    assert.match(second.stdout, /layer 2\/3: \w+ already in the cache/);
    assert.match(second.stdout, /layer 3\/3: [\d.]+ MB in/);
  });

  it('updates a pulled environment when its tag names another image, and leaves it be when not', () => {
    const retag = (from: string): void => {
      must('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${OPEN}/chos/test:${from}`, `docker://${OPEN}/chos/test:moving`]);
    };
    const trees = (): string[] => fs.readdirSync(path.join(STORE, 'moving', 'trees')).sort();
    retag('v2');
    const made = chosctl(['create', 'moving', '--pull', `${OPEN}/chos/test:moving`, '--keep-setuid', '--quiet']);
    assert.equal(made.status, 0, made.stderr);
    try {
      const first = createdTree('moving');
      assert.notEqual(describeTree(first), describeTree(path.join(OCI, 'oracle', 'rootfs')), 'v2 lacks v3\'s top layer');
      const same = chosctl(['update', 'moving']);
      assert.equal(same.status, 0, same.stderr);
      assert.match(same.stdout, new RegExp(`chosctl: "moving" is up to date: ${OPEN.replace(/\./g, '\\.')}/chos/test:moving still names the image it was made from\n$`));
      assert.equal(createdTree('moving'), first);
      assert.deepEqual(trees(), [path.basename(first)], 'no tree was built');
      assert.deepEqual(stagingLeft(), []);
      retag('v3');
      const moved = chosctl(['update', 'moving', '--json']);
      assert.equal(moved.status, 0, moved.stderr);
      const second = createdTree('moving');
      assert.notEqual(second, first);
      assert.deepEqual(JSON.parse(moved.stdout), { name: 'moving', tree: second, dropIn: path.join(`${CONFIG}.d`, 'moving.conf') });
      assert.equal(describeTree(second), describeTree(path.join(OCI, 'oracle', 'rootfs')));
      assert.equal(chos(['cat', '/etc/issue'], { env: userEnv({ CHOS: 'moving' }) }).stdout, 'changed\n');
      const again = chosctl(['update', 'moving', '--json']);
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(JSON.parse(again.stdout), { name: 'moving', tree: second, dropIn: path.join(`${CONFIG}.d`, 'moving.conf'), upToDate: true });
      // --keep-setuid recorded, so an update without it builds the same; asking for other caps builds again.
      const capped = chosctl(['update', 'moving', '--max-entries', '100000', '--quiet']);
      assert.equal(capped.status, 0, capped.stderr);
      assert.notEqual(createdTree('moving'), second);
    } finally {
      chosctl(['remove', 'moving']);
    }
  });

  it('with --verify-key, pulls only an image whose cosign signature verifies with the key and names its digest', async () => {
    const keys = path.join(WORLD, 'keys');
    fs.rmSync(keys, { recursive: true, force: true });
    fs.mkdirSync(keys, { mode: 0o700 });
    const ours = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const theirs = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ourKey = path.join(keys, 'cosign.pub');
    const theirKey = path.join(keys, 'other.pub');
    fs.writeFileSync(ourKey, ours.publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(theirKey, theirs.publicKey.export({ type: 'spki', format: 'pem' }));
    const digestOf = (tag: string): string => must('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${OPEN}/chos/test:${tag}`]).trim();
    const v2 = digestOf('v2');
    const v3 = digestOf('v3');
    const unsigned = chosctl(['create', 'signed', '--pull', `${OPEN}/chos/test:v2`, '--verify-key', ourKey]);
    assert.equal(unsigned.status, 125);
    assert.match(unsigned.stderr, new RegExp(`is not signed: the registry has no signature tag ${signatureTag(v2)}\nhint: sign it`));
    await pushSignature('chos/test', v3, v3, ours.privateKey);
    // Signed, but for another image: a signature of v3 stored as v2's.
    await pushSignature('chos/test', v2, v3, ours.privateKey);
    const elsewhere = chosctl(['create', 'signed', '--pull', `${OPEN}/chos/test:v2`, '--verify-key', ourKey]);
    assert.equal(elsewhere.status, 125);
    assert.match(elsewhere.stderr, new RegExp(`no signature verifies: the signature is for ${v3}, not ${v2}`));
    const wrongKey = chosctl(['create', 'signed', '--pull', `${OPEN}/chos/test:v3`, '--verify-key', theirKey]);
    assert.equal(wrongKey.status, 125);
    assert.match(wrongKey.stderr, /no signature verifies: its signature does not verify with \S+other\.pub/);
    assert.equal(fs.existsSync(path.join(`${CONFIG}.d`, 'signed.conf')), false);
    assert.deepEqual(stagingLeft(), []);
    const r = chosctl(['create', 'signed', '--pull', `${OPEN}/chos/test:v3`, '--verify-key', ourKey, '--keep-setuid']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`verified the signature of ${OPEN.replace(/\./g, '\\.')}/chos/test:v3 \\(${v3.slice(0, 19)}…\\) with ${ourKey}`));
    assert.equal(describeTree(createdTree('signed')), describeTree(path.join(OCI, 'oracle', 'rootfs')));
    try {
      // Recorded: update checks the signature again, and the listing shows it.
      const u = chosctl(['update', 'signed']);
      assert.equal(u.status, 0, u.stderr);
      assert.match(u.stdout, /verified the signature of/);
      assert.match(chosctl(['list']).stdout, new RegExp(`^signed .* pull ${OPEN.replace(/\./g, '\\.')}/chos/test:v3 \\(signed: ${ourKey}\\)$`, 'm'));
    } finally {
      chosctl(['remove', 'signed']);
    }
  });

  it('pulls by digest', () => {
    const digest = must('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${OPEN}/chos/test:v3`]).trim();
    const r = chosctl(['create', 'bydigest', '--pull', `${OPEN}/chos/test@${digest}`, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'bydigest' }) }).stdout, treeFile('bullseye', 'etc/debian_version'));
  });

  it('uses Basic credentials from an auth file, and says when they are needed', () => {
    const none = chosctl(['create', 'authed', '--pull', `${LOCKED}/chos/test:v3`]);
    assert.equal(none.status, 125);
    assert.match(none.stderr, /127\.0\.0\.1:5012 wants credentials\nhint: give them with --auth-file/);
    const file = path.join(WORLD, 'auth.json');
    fs.writeFileSync(file, JSON.stringify({ auths: { [LOCKED]: { auth: Buffer.from('puller:s3cret').toString('base64') } } }), { mode: 0o600 });
    const r = chosctl(['create', 'authed', '--pull', `${LOCKED}/chos/test:v3`, '--auth-file', file, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
  });

  it('asks the credential helper the auth file names (credsStore), only when the registry wants credentials', () => {
    const helpers = path.join(WORLD, 'helpers');
    const asked = path.join(helpers, 'asked.log');
    // Afresh: a file left by an earlier run keeps its mode when written again.
    fs.rmSync(helpers, { recursive: true, force: true });
    fs.mkdirSync(helpers, { recursive: true, mode: 0o755 });
    fs.writeFileSync(asked, '');
    // A helper that knows the locked registry only, as docker-credential-* helpers answer.
    fs.writeFileSync(path.join(helpers, 'docker-credential-chos-e2e'), [
      '#!/bin/sh',
      '[ "$1" = get ] || exit 2',
      'read -r server',
      `echo "$server" >> ${asked}`,
      `if [ "$server" = "${LOCKED}" ]; then printf '{"ServerURL":"%s","Username":"puller","Secret":"s3cret"}\\n' "$server"; exit 0; fi`,
      'echo "credentials not found in native keychain"; exit 1',
      '',
    ].join('\n'), { mode: 0o755 });
    const file = path.join(helpers, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ credsStore: 'chos-e2e' }), { mode: 0o600 });
    const env = { ...process.env, PATH: `${helpers}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
    const pull = (name: string, ref: string, authFile = file): ReturnType<typeof run> => run(CHOSCTL, ['create', name, '--pull', ref, '--auth-file', authFile,
      '--no-setup', '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE], { env });
    try {
      const r = pull('helped', `${LOCKED}/chos/test:v3`);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /using the credentials of docker-credential-chos-e2e/);
      assert.equal(fs.readFileSync(asked, 'utf8'), `${LOCKED}\n`);
      // An open registry never asks, so the helper is not run.
      const open = pull('helpedopen', `${OPEN}/chos/test:v2`);
      assert.equal(open.status, 0, open.stderr);
      assert.equal(fs.readFileSync(asked, 'utf8'), `${LOCKED}\n`);
      // A file others may write could name any program: refused before anything runs.
      fs.chmodSync(file, 0o666);
      const writable = pull('helped2', `${LOCKED}/chos/test:v3`);
      assert.equal(writable.status, 125);
      assert.match(writable.stderr, /names the credential helper docker-credential-chos-e2e, but others may write it; refusing to run it/);
      assert.equal(fs.readFileSync(asked, 'utf8'), `${LOCKED}\n`);
      const missing = path.join(helpers, 'missing.json');
      fs.writeFileSync(missing, JSON.stringify({ credHelpers: { [LOCKED]: 'not-installed' } }), { mode: 0o600 });
      const absent = pull('helped2', `${LOCKED}/chos/test:v3`, missing);
      assert.equal(absent.status, 125);
      assert.match(absent.stderr, /names the credential helper docker-credential-not-installed, which is not on the PATH/);
      assert.equal(fs.existsSync(path.join(`${CONFIG}.d`, 'helped2.conf')), false);
    } finally {
      for (const n of ['helped', 'helpedopen']) chosctl(['remove', n]);
    }
  });

  it('gets a Bearer token from the token service with the credentials of an auth file', () => {
    const none = chosctl(['create', 'tokened', '--pull', `${TOKEN}/chos/test:v3`, '--auth-file', path.join(WORLD, 'no-auths.json')]);
    assert.equal(none.status, 125);
    assert.match(none.stderr, /cannot read the credentials file .*no-auths\.json \(ENOENT\)/);
    const empty = path.join(WORLD, 'empty-auth.json');
    fs.writeFileSync(empty, '{"auths":{}}', { mode: 0o600 });
    const anonymous = chosctl(['create', 'tokened', '--pull', `${TOKEN}/chos/test:v3`, '--auth-file', empty]);
    assert.equal(anonymous.status, 125);
    assert.match(anonymous.stderr, /the token service http:\/\/127\.0\.0\.1:5033 refused \(401\)\nhint: give credentials with --auth-file/);
    const wrong = path.join(WORLD, 'wrong-auth.json');
    fs.writeFileSync(wrong, JSON.stringify({ auths: { [TOKEN]: { auth: Buffer.from('tokenuser:nope').toString('base64') } } }), { mode: 0o600 });
    const refused = chosctl(['create', 'tokened', '--pull', `${TOKEN}/chos/test:v3`, '--auth-file', wrong]);
    assert.equal(refused.status, 125);
    assert.match(refused.stderr, /refused \(401\)\nhint: check the credentials/);
    const file = path.join(WORLD, 'token-auth.json');
    fs.writeFileSync(file, JSON.stringify({ auths: { [TOKEN]: { auth: Buffer.from('tokenuser:t0ken').toString('base64') } } }), { mode: 0o600 });
    fs.rmSync(path.join(STORE, '.blobs'), { recursive: true, force: true });
    const r = chosctl(['create', 'tokened', '--pull', `${TOKEN}/chos/test:v3`, '--auth-file', file, '--keep-setuid']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(describeTree(createdTree('tokened')), describeTree(path.join(OCI, 'oracle', 'rootfs')));
    assert.equal(fs.existsSync(path.join(`${CONFIG}.d`, 'tokened.conf')), true);
  });

  it('goes through the proxy of HTTP_PROXY, unless NO_PROXY names the registry', () => {
    const log = path.join(REG, 'proxy.log');
    fs.writeFileSync(log, '');
    const proxy = spawn('node', [path.join(__dirname, 'proxy-server.js'), PROXY.split(':')[1] ?? '', log], { stdio: 'ignore' });
    registries.push(proxy);
    waitForPort(PROXY, 'the proxy');
    const env = { ...process.env, HTTP_PROXY: `http://${PROXY}`, NO_PROXY: '' };
    const r = run(CHOSCTL, ['create', 'proxied', '--pull', `${OPEN}/chos/test:v2`, '--config', CONFIG, '--sysconfig', SYSCONFIG,
      '--run-dir', RUN_DIR, '--store', STORE], { env });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /using the proxy of HTTP_PROXY/);
    assert.match(fs.readFileSync(log, 'utf8'), /^CONNECT 127\.0\.0\.1:5011$/m);
    assert.equal(chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'proxied' }) }).stdout, treeFile('bullseye', 'etc/debian_version'));
    assert.equal(chosctl(['remove', 'proxied']).status, 0);
    fs.writeFileSync(log, '');
    const direct = run(CHOSCTL, ['create', 'proxied', '--pull', `${OPEN}/chos/test:v2`, '--quiet', '--config', CONFIG, '--sysconfig', SYSCONFIG,
      '--run-dir', RUN_DIR, '--store', STORE], { env: { ...env, NO_PROXY: '127.0.0.1' } });
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(fs.readFileSync(log, 'utf8'), '', 'NO_PROXY keeps the registry direct');
    assert.equal(chosctl(['remove', 'proxied']).status, 0);
  });

  it('gives a proxy that wants credentials those of the proxy URL, and never prints them', () => {
    const log = path.join(REG, 'auth-proxy.log');
    fs.writeFileSync(log, '');
    const proxy = spawn('node', [path.join(__dirname, 'proxy-server.js'), AUTH_PROXY.split(':')[1] ?? '', log, 'proxyuser:s3cret'], { stdio: 'ignore' });
    registries.push(proxy);
    waitForPort(AUTH_PROXY, 'the proxy that wants credentials');
    const pull = (proxyUrl: string): ReturnType<typeof run> => run(CHOSCTL, ['create', 'authproxied', '--pull', `${OPEN}/chos/test:v2`,
      '--config', CONFIG, '--sysconfig', SYSCONFIG, '--run-dir', RUN_DIR, '--store', STORE], { env: { ...process.env, HTTP_PROXY: proxyUrl, NO_PROXY: '' } });
    const denied = pull(`http://proxyuser:wrong@${AUTH_PROXY}`);
    assert.equal(denied.status, 125, denied.stdout);
    assert.equal(denied.stderr, 'chosctl: error: cannot reach http://127.0.0.1:5011 (Proxy response (407) !== 200 when HTTP Tunneling)\n'
      + 'hint: the proxy wants credentials: give them in its URL, http://USER:PASSWORD@HOST:PORT\n');
    assert.doesNotMatch(denied.stdout + denied.stderr, /wrong|s3cret/);
    assert.match(fs.readFileSync(log, 'utf8'), /^DENIED CONNECT 127\.0\.0\.1:5011$/m);
    assert.equal(fs.existsSync(path.join(`${CONFIG}.d`, 'authproxied.conf')), false);
    const r = pull(`http://proxyuser:s3cret@${AUTH_PROXY}`);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /using the proxy of HTTP_PROXY/);
    assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
    assert.match(fs.readFileSync(log, 'utf8'), /^CONNECT 127\.0\.0\.1:5011$/m);
    assert.equal(chos(['cat', '/etc/debian_version'], { env: userEnv({ CHOS: 'authproxied' }) }).stdout, treeFile('bullseye', 'etc/debian_version'));
    assert.equal(chosctl(['remove', 'authproxied']).status, 0);
  });

  it('checks cached blobs on each use, and keeps in the cache only what registered environments were pulled from', () => {
    const cache = path.join(STORE, '.blobs', 'sha256');
    const manifest = JSON.parse(must('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${OPEN}/chos/test:v3`])) as { layers: Array<{ digest: string }> };
    const top = manifest.layers[2]?.digest.slice(7) ?? '';
    const bytes = fs.readFileSync(path.join(cache, top));
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    fs.writeFileSync(path.join(cache, top), bytes);
    const r = chosctl(['create', 'recached', '--pull', `${OPEN}/chos/test:v3`, '--keep-setuid']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`layer 3/3: the cached copy of ${top.slice(0, 12)} is damaged; downloading it again`));
    assert.equal(describeTree(createdTree('recached')), describeTree(path.join(OCI, 'oracle', 'rootfs')));
    fs.writeFileSync(path.join(cache, `${top}.tmp-999999999`), 'a download a dead run left');
    let said = '';
    for (const n of ['pulled2', 'pulled3', 'bydigest', 'authed', 'tokened']) {
      const rm = chosctl(['remove', n]);
      assert.equal(rm.status, 0, rm.stderr);
      said += rm.stdout;
    }
    assert.match(said, /removed \d+ unused file\(s\) from the blob cache/);
    // What is left is exactly the image "recached" was pulled from: its config and 3 layers.
    assert.deepEqual(fs.readdirSync(cache).sort(), [...manifest.layers.map((l) => l.digest.slice(7)), JSON.parse(
      must('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${OPEN}/chos/test:v3`])).config.digest.slice(7)].sort());
    const last = chosctl(['remove', 'recached']);
    assert.equal(last.status, 0, last.stderr);
    assert.deepEqual(fs.readdirSync(cache), []);
  });

  it('refuses a blob the registry serves with other content than its digest, and a missing tag', () => {
    const missingTag = chosctl(['create', 'bad', '--pull', `${OPEN}/chos/test:nope`]);
    assert.equal(missingTag.status, 125);
    assert.match(missingTag.stderr, /chos\/test:nope: not found in the registry/);
    // Corrupt the top layer in the registry's own storage; clear the cache so it is fetched.
    const manifest = JSON.parse(must('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${OPEN}/chos/test:v3`])) as { layers: Array<{ digest: string }> };
    const top = manifest.layers[2]?.digest.slice(7) ?? '';
    const data = path.join(REG, 'open', 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', top.slice(0, 2), top, 'data');
    const bytes = fs.readFileSync(data);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    fs.writeFileSync(data, bytes);
    fs.rmSync(path.join(STORE, '.blobs'), { recursive: true, force: true });
    const r = chosctl(['create', 'bad', '--pull', `${OPEN}/chos/test:v3`]);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /layer 3\/3: content does not match its digest/);
    assert.equal(fs.existsSync(path.join(`${CONFIG}.d`, 'bad.conf')), false);
    assert.deepEqual(fs.readdirSync(path.join(STORE, '.blobs', 'sha256')).filter((f) => f.includes('.tmp-')), []);
  });
});
