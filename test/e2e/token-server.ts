// A token service for the registry tests, as Docker's registry token authentication expects
// one: GET /token?service=…&scope=repository:NAME:ACTIONS with Basic credentials answers
// {"token": JWT}, an RS256 JWT whose x5c header carries the certificate the registry was told
// to trust (its rootcertbundle), granting the scopes asked for. Wrong or missing credentials get
// 401. Runs as its own process (the tests block on spawnSync while chosctl pulls):
//   node token-server.js PORT KEY.pem CERT.pem ISSUER USER:PASSWORD
// I/O, test only.

import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer } from 'node:http';

const [port, keyFile, certFile, issuer, userPass] = process.argv.slice(2);
if (!port || !keyFile || !certFile || !issuer || !userPass) {
  console.error('usage: token-server PORT KEY.pem CERT.pem ISSUER USER:PASSWORD');
  process.exit(2);
}
const key = createPrivateKey(fs.readFileSync(keyFile));
const certDer = new X509Certificate(fs.readFileSync(certFile)).raw.toString('base64');
const expected = `Basic ${Buffer.from(userPass).toString('base64')}`;

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function jwt(service: string, subject: string, scopes: readonly string[]): string {
  const now = Math.floor(Date.now() / 1000);
  const access = scopes.map((s) => {
    // repository:NAME:ACTIONS, where NAME may itself hold colons (a port) only in theory.
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    return { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter((a) => a !== '') };
  });
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer] }));
  const claims = b64url(JSON.stringify({ iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), key);
  return `${header}.${claims}.${b64url(signature)}`;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/token') {
    res.writeHead(404).end();
    return;
  }
  if (req.headers.authorization !== expected) {
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"wrong or missing credentials"}]}');
    return;
  }
  const token = jwt(url.searchParams.get('service') ?? '', userPass.split(':')[0] ?? '', url.searchParams.getAll('scope'));
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
