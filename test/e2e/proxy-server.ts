// A forward HTTP proxy for the registry tests: CONNECT tunnels (what undici's proxy agent asks
// for, whatever the scheme) and plain-HTTP requests in absolute form, each appended to a log
// file ("CONNECT HOST:PORT", "METHOD URL"), so a test can tell whether chosctl went through it.
// Given USER:PASSWORD, it wants them in Proxy-Authorization (Basic), answers 407 without them,
// and logs "DENIED …" instead. Runs as its own process (the tests block on spawnSync):
//   node proxy-server.js PORT LOGFILE [USER:PASSWORD]
// I/O, test only.

import * as fs from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';

const [port, logFile, credentials] = process.argv.slice(2);
if (!port || !logFile) {
  console.error('usage: proxy-server PORT LOGFILE [USER:PASSWORD]');
  process.exit(2);
}
const wanted = credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`;

/** Whether the request may pass; logs the refusal when not. */
function allowed(what: string, header: string | undefined): boolean {
  if (wanted === undefined || header === wanted) return true;
  fs.appendFileSync(logFile ?? '', `DENIED ${what}\n`);
  return false;
}
const CHALLENGE = 'Proxy-Authenticate: Basic realm="chos-e2e-proxy"';

const server = createServer((req, res) => {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    res.writeHead(400).end('absolute URL expected\n');
    return;
  }
  if (!allowed(`${req.method ?? ''} ${target.href}`, req.headers['proxy-authorization'])) {
    res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="chos-e2e-proxy"' }).end();
    return;
  }
  fs.appendFileSync(logFile, `${req.method ?? ''} ${target.href}\n`);
  const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', (e) => res.writeHead(502).end(`${e.message}\n`));
  req.pipe(up);
});
server.on('connect', (req, client, head) => {
  const [host, p] = (req.url ?? '').split(':');
  if (!allowed(`CONNECT ${req.url ?? ''}`, req.headers['proxy-authorization'])) {
    client.end(`HTTP/1.1 407 Proxy Authentication Required\r\n${CHALLENGE}\r\nContent-Length: 0\r\n\r\n`);
    return;
  }
  fs.appendFileSync(logFile, `CONNECT ${req.url ?? ''}\n`);
  const up = connect(Number(p), host ?? '', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    up.write(head);
    up.pipe(client);
    client.pipe(up);
  });
  up.on('error', () => client.destroy());
  client.on('error', () => up.destroy());
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
