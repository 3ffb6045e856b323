// A registry that misbehaves, for the registry tests: it records what it receives and answers
// by repository name. Runs as its own process (the tests block on spawnSync while chosctl
// pulls), listening on 127.0.0.1:PORT and 127.0.0.2:PORT (a second host of the loopback net):
//   node rogue-registry.js PORT DIR RECORD
// foreign: 401 naming a token service on http://127.0.0.2:PORT (another host, plain HTTP);
// basic: 401 Basic (credentials are for this host); endless: a manifest that never ends;
// dup, big: the images in DIR (dup-manifest.json, big-manifest.json, blobs by hex name),
// blobs answered after a pause.
// Every request's host, path and Authorization header go to RECORD, one JSON line each.
// I/O, test only.

import * as fs from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import * as path from 'node:path';

const [portText, dir, record] = process.argv.slice(2);
if (!portText || !dir || !record) {
  console.error('usage: rogue-registry PORT DIR RECORD');
  process.exit(2);
}
const port = Number(portText);
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  fs.appendFileSync(record ?? '', JSON.stringify({ host: req.headers.host, path: url.pathname, authorization: req.headers.authorization ?? null }) + '\n');
  const p = url.pathname;
  if (p === '/v2/' || p === '/v2') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    return;
  }
  if (p === '/token') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"rogue-token"}');
    return;
  }
  if (p.startsWith('/v2/foreign/')) {
    if (req.headers.authorization === 'Bearer rogue-token') {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.2:${port}/token",service="rogue",scope="repository:foreign:pull"` }).end();
    return;
  }
  if (p.startsWith('/v2/basic/')) {
    if (req.headers.authorization?.startsWith('Basic ')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="rogue"' }).end();
    return;
  }
  if (p.startsWith('/v2/endless/manifests/')) {
    // No Content-Length: only counting while reading stops this.
    res.writeHead(200, { 'Content-Type': MANIFEST });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const more = (): void => {
      while (!res.destroyed && res.write(chunk)) { /* until the socket's buffer is full */ }
    };
    res.on('drain', more);
    req.socket.on('close', () => res.removeListener('drain', more));
    more();
    return;
  }
  const manifest = /^\/v2\/(dup|big)\/manifests\/latest$/.exec(p);
  if (manifest) {
    res.writeHead(200, { 'Content-Type': MANIFEST }).end(fs.readFileSync(path.join(dir ?? '', `${manifest[1] ?? ''}-manifest.json`)));
    return;
  }
  const blob = /^\/v2\/(?:dup|big)\/blobs\/sha256:([0-9a-f]{64})$/.exec(p);
  if (blob) {
    const file = path.join(dir ?? '', blob[1] ?? '');
    if (!fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    // Both listings of a duplicated layer are asked for before either answer ends.
    setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(fs.readFileSync(file)), 500);
    return;
  }
  res.writeHead(404).end();
}

const servers = ['127.0.0.1', '127.0.0.2'].map((host) => createServer(handle).listen(port, host));
process.on('SIGTERM', () => {
  for (const s of servers) s.close();
  process.exit(0);
});
