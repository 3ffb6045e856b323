// Unit tests for src/images/reference.ts: parsing Docker-style image references, deciding
// whether a registry is on loopback and which base URL it has, reading WWW-Authenticate
// challenges and finding credentials in a Docker config.json, or the credential helper it
// names and what that helper answers. Pure: every input is hard-coded.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Challenge,
  DOCKER_HUB,
  type ImageRef,
  credentialHelperFor,
  credentialsFor,
  helperFoundNothing,
  helperServerAddress,
  isLoopback,
  parseHelperCredentials,
  parseChallenge,
  parseImageRef,
  registryBase,
} from '../../../src/images/reference.js';

// The sha256 of nothing: a well-formed digest.
const DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const hub = (repository: string, reference = 'latest', byDigest = false): ImageRef =>
  ({ registry: DOCKER_HUB, repository, reference, byDigest });
const at = (registry: string, repository: string, reference = 'latest', byDigest = false): ImageRef =>
  ({ registry, repository, reference, byDigest });
const badRepo = (repository: string): { error: string } =>
  ({ error: `invalid repository "${repository}" (lower-case letters, digits and separators)` });

describe('reference: constants', () => {
  test('Docker Hub is registry-1.docker.io', () => {
    assert.equal(DOCKER_HUB, 'registry-1.docker.io');
  });
});

describe('parseImageRef: Docker Hub references', () => {
  const cases: ReadonlyArray<readonly [string, string, ImageRef]> = [
    ['a single name gets "library/" and the tag "latest"', 'ubuntu', hub('library/ubuntu')],
    ['a single name keeps its tag', 'ubuntu:22.04', hub('library/ubuntu', '22.04')],
    ['an explicit "latest" tag is kept', 'alpine:latest', hub('library/alpine')],
    ['a two-part name gets no "library/"', 'team/image', hub('team/image')],
    ['a two-part name keeps its tag', 'team/image:v1', hub('team/image', 'v1')],
    ['"library/" given explicitly is not doubled', 'library/ubuntu', hub('library/ubuntu')],
    ['a three-part name stays as it is', 'a/b/c:d', hub('a/b/c', 'd')],
    ['a first component without ".", ":" or "localhost" is not a registry', 'registry/image', hub('registry/image')],
    ['a single "localhost" is a repository, not a registry', 'localhost', hub('library/localhost')],
    ['a single "host:port" is a name and a tag', 'localhost:5000', hub('library/localhost', '5000')],
    ['a single name with a numeric tag', 'foo:5000', hub('library/foo', '5000')],
    ['a single name with a dot is a repository, not a registry', 'example.com', hub('library/example.com')],
    ['a single name with a dot keeps its tag', 'example.com:1', hub('library/example.com', '1')],
  ];
  for (const [what, input, expected] of cases) {
    test(`${what}: ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseImageRef(input), expected);
    });
  }
});

describe('parseImageRef: registries', () => {
  const cases: ReadonlyArray<readonly [string, string, ImageRef]> = [
    ['a first component with a dot is a registry', 'ghcr.io/owner/image', at('ghcr.io', 'owner/image')],
    ['a registry reference keeps its tag', 'ghcr.io/owner/image:1.2.3', at('ghcr.io', 'owner/image', '1.2.3')],
    ['a single name under a registry gets no "library/"', 'example.com/foo', at('example.com', 'foo')],
    ['a deep repository under a registry', 'quay.io/org/team/repo:tag', at('quay.io', 'org/team/repo', 'tag')],
    ['a first component with a colon is a registry with a port', 'registry:5000/foo', at('registry:5000', 'foo')],
    ['a dotted registry with a port', 'registry.example.com:443/a/b:c', at('registry.example.com:443', 'a/b', 'c')],
    ['"localhost" as a first component is a registry', 'localhost/foo', at('localhost', 'foo')],
    ['"localhost" with a port', 'localhost:5000/foo', at('localhost:5000', 'foo')],
    ['"localhost" with a port and a tag', 'localhost:5000/foo:bar', at('localhost:5000', 'foo', 'bar')],
    ['an IPv4 address is a registry', '127.0.0.1/foo', at('127.0.0.1', 'foo')],
    ['an IPv4 address with a port', '127.0.0.1:5000/foo:1', at('127.0.0.1:5000', 'foo', '1')],
    ['a bracketed IPv6 address is a registry', '[::1]/foo', at('[::1]', 'foo')],
    ['a bracketed IPv6 address with a port', '[::1]:5000/foo', at('[::1]:5000', 'foo')],
    ['a full bracketed IPv6 address with a port and a tag', '[fe80::1:AB]:443/a/b:t', at('[fe80::1:AB]:443', 'a/b', 't')],
    ['a registry name keeps its upper case', 'Registry.Example.COM/foo', at('Registry.Example.COM', 'foo')],
    ['a registry name may contain hyphens', 'my-registry.example-corp.net/x', at('my-registry.example-corp.net', 'x')],
    ['a dotted first component is a registry even if meant as a namespace', 'my.team/image', at('my.team', 'image')],
    ['a five-digit port', 'localhost:65535/foo', at('localhost:65535', 'foo')],
    ['Docker Hub named explicitly is Docker Hub, with "library/" for a single name', 'registry-1.docker.io/ubuntu', hub('library/ubuntu')],
    ['Docker Hub named explicitly keeps a two-part name', 'registry-1.docker.io/team/image:t', hub('team/image', 't')],
  ];
  for (const [what, input, expected] of cases) {
    test(`${what}: ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseImageRef(input), expected);
    });
  }

  // Docker (distribution/reference, splitDockerDomain) maps "docker.io" and the legacy
  // "index.docker.io" to Docker Hub and adds "library/" to their single names. Podman-style
  // fully qualified names ("docker.io/library/alpine") are common; today they are sent to
  // https://docker.io/v2/…, which is no registry.
  const hubAliases: ReadonlyArray<readonly [string, ImageRef]> = [
    ['docker.io/ubuntu', hub('library/ubuntu')],
    ['docker.io/library/alpine:3.20', hub('library/alpine', '3.20')],
    ['index.docker.io/team/image', hub('team/image')],
  ];
  for (const [input, expected] of hubAliases) {
    test(`"docker.io" and "index.docker.io" name Docker Hub as Docker reads them: ${JSON.stringify(input)}`, () => {
        assert.deepEqual(parseImageRef(input), expected);
      });
  }
});

describe('parseImageRef: digests', () => {
  const cases: ReadonlyArray<readonly [string, string, ImageRef]> = [
    ['a digest alone', `ubuntu@${DIGEST}`, hub('library/ubuntu', DIGEST, true)],
    ['a digest wins over a tag', `ubuntu:22.04@${DIGEST}`, hub('library/ubuntu', DIGEST, true)],
    ['a digest under a registry', `ghcr.io/o/i@${DIGEST}`, at('ghcr.io', 'o/i', DIGEST, true)],
    ['a digest and a tag under a registry', `ghcr.io/o/i:t@${DIGEST}`, at('ghcr.io', 'o/i', DIGEST, true)],
    ['a digest under a registry with a port', `localhost:5000/foo@${DIGEST}`, at('localhost:5000', 'foo', DIGEST, true)],
    ['a digest, a tag and a registry with a port', `localhost:5000/foo:bar@${DIGEST}`, at('localhost:5000', 'foo', DIGEST, true)],
    ['a digest under a bracketed IPv6 address', `[::1]:5000/a/b@${DIGEST}`, at('[::1]:5000', 'a/b', DIGEST, true)],
  ];
  for (const [what, input, expected] of cases) {
    test(`${what}: ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseImageRef(input), expected);
    });
  }

  test('a reference without a digest is not by digest', () => {
    assert.deepEqual(parseImageRef('ubuntu:22.04'), hub('library/ubuntu', '22.04', false));
  });
});

describe('parseImageRef: tags', () => {
  const good: ReadonlyArray<readonly [string, string]> = [
    ['a one-character tag', 'a'],
    ['a tag of one digit', '1'],
    ['a tag starting with an underscore', '_tag'],
    ['a tag with dots, hyphens and underscores', 'v1.0-rc_1'],
    ['a tag with upper case', 'Latest'],
    ['a tag of 128 characters, the most allowed', 'x'.repeat(128)],
  ];
  for (const [what, tag] of good) {
    test(`accepts ${what}`, () => {
      assert.deepEqual(parseImageRef(`ubuntu:${tag}`), hub('library/ubuntu', tag));
    });
  }

  const bad: ReadonlyArray<readonly [string, string, string]> = [
    ['an empty tag', 'ubuntu:', ''],
    ['a tag of 129 characters', `ubuntu:${'x'.repeat(129)}`, 'x'.repeat(129)],
    ['a tag starting with a dot', 'ubuntu:.tag', '.tag'],
    ['a tag starting with a hyphen', 'ubuntu:-tag', '-tag'],
    ['a tag with a character outside [A-Za-z0-9_.-]', 'ubuntu:tag!', 'tag!'],
    ['a tag with a plus sign', 'ubuntu:1.0+build', '1.0+build'],
    ['a second colon, which becomes part of the tag', 'ubuntu:a:b', 'a:b'],
    ['an empty tag under a registry', 'localhost:5000/foo:', ''],
    ['an empty tag before a digest', `ubuntu:@${DIGEST}`, ''],
  ];
  for (const [what, input, tag] of bad) {
    test(`rejects ${what}`, () => {
      assert.deepEqual(parseImageRef(input), { error: `invalid tag "${tag}"` });
    });
  }
});

describe('parseImageRef: repositories', () => {
  const good: ReadonlyArray<readonly [string, string, string]> = [
    ['digits only', '123', 'library/123'],
    ['a dot between parts', 'a.b', 'library/a.b'],
    ['an underscore between parts', 'a_b', 'library/a_b'],
    ['a double underscore', 'a__b', 'library/a__b'],
    ['a hyphen', 'a-b', 'library/a-b'],
    ['several hyphens in a row', 'a---b', 'library/a---b'],
    ['mixed separators', 'a.b_c-d__e', 'library/a.b_c-d__e'],
  ];
  for (const [what, input, repository] of good) {
    test(`accepts ${what}: ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseImageRef(input), hub(repository));
    });
  }

  const bad: ReadonlyArray<readonly [string, string, string]> = [
    ['an upper-case single name (reported with "library/")', 'Ubuntu', 'library/Ubuntu'],
    ['an upper-case first component without "." or ":"', 'Team/image', 'Team/image'],
    ['an upper-case last component', 'team/Image', 'team/Image'],
    ['an upper-case component under a registry', 'ghcr.io/Owner/image', 'Owner/image'],
    ['a triple underscore', 'a___b', 'library/a___b'],
    ['two dots in a row', 'a..b', 'library/a..b'],
    ['a dot and a hyphen in a row', 'a.-b', 'library/a.-b'],
    ['a leading separator', '-a', 'library/-a'],
    ['a trailing separator', 'a_', 'library/a_'],
    ['a leading dot', '.a', 'library/.a'],
    ['an empty reference', '', 'library/'],
    ['a tag without a name', ':tag', 'library/'],
    ['a leading slash', '/foo', '/foo'],
    ['a trailing slash', 'team/', 'team/'],
    ['an empty component', 'a//b', 'a//b'],
    ['a registry without a repository', 'example.com/', ''],
    ['a registry and a tag without a repository', 'example.com/:tag', ''],
    ['a character outside the alphabet', 'team/im$ge', 'team/im$ge'],
  ];
  for (const [what, input, repository] of bad) {
    test(`rejects ${what}: ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseImageRef(input), badRepo(repository));
    });
  }
});

describe('parseImageRef: invalid digests', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['an empty digest', 'ubuntu@', ''],
    ['63 hex digits', `ubuntu@sha256:${HEX64.slice(1)}`, `sha256:${HEX64.slice(1)}`],
    ['65 hex digits', `ubuntu@sha256:${HEX64}0`, `sha256:${HEX64}0`],
    ['upper-case hex digits', `ubuntu@sha256:${HEX64.toUpperCase()}`, `sha256:${HEX64.toUpperCase()}`],
    ['an upper-case algorithm', `ubuntu@SHA256:${HEX64}`, `SHA256:${HEX64}`],
    ['another algorithm', `ubuntu@sha512:${HEX64}${HEX64}`, `sha512:${HEX64}${HEX64}`],
    ['no algorithm', `ubuntu@${HEX64}`, HEX64],
    ['a second "@", kept in the digest', `ubuntu@${DIGEST}@x`, `${DIGEST}@x`],
    ['a tag written after the digest', `ubuntu@${DIGEST}:tag`, `${DIGEST}:tag`],
    ['a digest that is not hex', 'ubuntu@sha256:latest', 'sha256:latest'],
  ];
  for (const [what, input, digest] of cases) {
    test(`rejects ${what}`, () => {
      assert.deepEqual(parseImageRef(input), { error: `invalid digest "${digest}" (expected sha256:<64 hex>)` });
    });
  }
});

describe('parseImageRef: invalid registries', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['an underscore in the host name', 'exa_mple.com/foo', 'exa_mple.com'],
    ['an empty label', 'example..com/foo', 'example..com'],
    ['a leading dot', '.example.com/foo', '.example.com'],
    ['a trailing dot', 'example.com./foo', 'example.com.'],
    ['a colon without a port', 'example.com:/foo', 'example.com:'],
    ['a port of six digits', 'localhost:123456/foo', 'localhost:123456'],
    ['a port that is not a number', 'registry:http/foo', 'registry:http'],
    ['a tag-like suffix read as a port', 'team:tag/x', 'team:tag'],
    ['a slash inside a tag, which makes the rest a registry', 'foo:ta/g', 'foo:ta'],
    ['an IPv6 address without its closing bracket', '[::1/foo', '[::1'],
    ['an IPv6 address with a non-hex digit', '[::g]/foo', '[::g]'],
    ['empty brackets', '[]/foo', '[]'],
    ['an unbracketed IPv6 address', '::1/foo', '::1'],
  ];
  for (const [what, input, registry] of cases) {
    test(`rejects ${what}: ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseImageRef(input), { error: `invalid registry address "${registry}"` });
    });
  }
});

describe('parseImageRef: text that is no reference at all', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['a space', 'ubuntu latest', 'ubuntu latest'],
    ['a leading space', ' ubuntu', ' ubuntu'],
    ['a trailing newline', 'ubuntu\n', 'ubuntu\n'],
    ['a tab', 'ubuntu:\t22.04', 'ubuntu:\t22.04'],
    ['a carriage return', 'ubuntu\r', 'ubuntu\r'],
    ['a no-break space', 'ubuntu\u00a0', 'ubuntu\u00a0'],
    ['whitespace alone', ' ', ' '],
    ['long text with whitespace, quoted up to 80 characters', `${'a'.repeat(100)} b`, 'a'.repeat(80)],
    ['513 characters, quoted up to 80', 'a'.repeat(513), 'a'.repeat(80)],
    ['over-long text with a digest', `${'a'.repeat(450)}@${DIGEST}`, 'a'.repeat(80)],
  ];
  for (const [what, input, quoted] of cases) {
    test(`rejects ${what}`, () => {
      assert.deepEqual(parseImageRef(input), { error: `invalid image reference "${quoted}"` });
    });
  }

  test('accepts 512 characters, the most allowed', () => {
    assert.deepEqual(parseImageRef('a'.repeat(512)), hub(`library/${'a'.repeat(512)}`));
  });

  test('accepts a 512-character reference with a registry, a tag and a digest', () => {
    const input = `ghcr.io/${'a'.repeat(512 - 'ghcr.io/'.length - ':t@'.length - DIGEST.length)}:t@${DIGEST}`;
    assert.equal(input.length, 512);
    const parsed = parseImageRef(input);
    assert.ok(!('error' in parsed));
    assert.equal(parsed.reference, DIGEST);
  });
});

describe('parseImageRef: which error comes first', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['whitespace before a bad digest', 'Bad Ref@sha256:x', 'invalid image reference "Bad Ref@sha256:x"'],
    ['a bad digest before a bad registry', 'exa_mple.com/Foo:!@sha256:x', 'invalid digest "sha256:x" (expected sha256:<64 hex>)'],
    ['a bad registry before a bad tag', 'exa_mple.com/foo:!', 'invalid registry address "exa_mple.com"'],
    ['a bad tag before a bad repository', 'Foo:!', 'invalid tag "!"'],
  ];
  for (const [what, input, error] of cases) {
    test(`reports ${what}`, () => {
      assert.deepEqual(parseImageRef(input), { error });
    });
  }
});

describe('isLoopback', () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.1.2.3', true],
    ['127.255.255.255:443', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    ['10.0.0.1', false],
    ['10.0.0.1:5000', false],
    ['192.168.1.1', false],
    ['0.0.0.0', false],
    ['128.0.0.1', false],
    ['1127.0.0.1', false],
    ['127.0.0', false],
    ['127.1', false],
    ['127.0.0.1.nip.io', false],
    ['127.0.0.1.evil.com:5000', false],
    ['127.evil.com', false],
    ['127.0.0.1evil', false],
    ['localhost.example', false],
    ['localhost.example:5000', false],
    ['mylocalhost', false],
    ['localhost:abc', false],
    ['[::2]', false],
    ['[::2]:5000', false],
    ['[fe80::1]', false],
    ['::1', false],
    ['[::1', false],
    ['example.com', false],
    ['registry-1.docker.io', false],
    ['', false],
  ];
  for (const [registry, expected] of cases) {
    test(`${JSON.stringify(registry)} is ${expected ? '' : 'not '}loopback`, () => {
      assert.equal(isLoopback(registry), expected);
    });
  }
});

describe('registryBase', () => {
  const cases: ReadonlyArray<readonly [string, boolean, string]> = [
    ['example.com', false, 'https://example.com'],
    ['example.com:5000', false, 'https://example.com:5000'],
    ['registry-1.docker.io', false, 'https://registry-1.docker.io'],
    ['10.0.0.1:5000', false, 'https://10.0.0.1:5000'],
    ['127.evil.com', false, 'https://127.evil.com'],
    ['localhost.example', false, 'https://localhost.example'],
    ['example.com', true, 'http://example.com'],
    ['10.0.0.1:5000', true, 'http://10.0.0.1:5000'],
    ['localhost', false, 'http://localhost'],
    ['localhost:5000', false, 'http://localhost:5000'],
    ['127.0.0.1:5000', false, 'http://127.0.0.1:5000'],
    ['[::1]:5000', false, 'http://[::1]:5000'],
    ['[::1]', false, 'http://[::1]'],
    ['localhost:5000', true, 'http://localhost:5000'],
  ];
  for (const [registry, insecure, expected] of cases) {
    test(`${registry}${insecure ? ' with --insecure' : ''} is reached at ${expected}`, () => {
      assert.equal(registryBase(registry, insecure), expected);
    });
  }
});

// Challenges carry a null-prototype params object; copy it into a plain one to compare.
const plain = (c: Challenge | undefined): { scheme: string; params: Record<string, string> } | undefined =>
  c === undefined ? undefined : { scheme: c.scheme, params: { ...c.params } };

describe('parseChallenge', () => {
  const cases: ReadonlyArray<readonly [string, string, { scheme: string; params: Record<string, string> }]> = [
    ['Docker Hub\'s Bearer challenge',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' } }],
    ['a Bearer challenge with only a realm',
      'Bearer realm="https://ghcr.io/token"',
      { scheme: 'bearer', params: { realm: 'https://ghcr.io/token' } }],
    ['parameters separated by a comma and a space',
      'Bearer realm="r", service="s", scope="c"',
      { scheme: 'bearer', params: { realm: 'r', service: 's', scope: 'c' } }],
    ['spaces around "="',
      'Bearer realm = "r" , service= "s"',
      { scheme: 'bearer', params: { realm: 'r', service: 's' } }],
    ['a comma inside a quoted value',
      'Bearer realm="r",scope="repository:team/image:pull,push",service="s"',
      { scheme: 'bearer', params: { realm: 'r', scope: 'repository:team/image:pull,push', service: 's' } }],
    ['a space inside a quoted value',
      'Bearer scope="repository:a:pull repository:b:pull"',
      { scheme: 'bearer', params: { scope: 'repository:a:pull repository:b:pull' } }],
    ['"=" inside a quoted value',
      'Bearer realm="https://auth.example/token?a=b",service="s"',
      { scheme: 'bearer', params: { realm: 'https://auth.example/token?a=b', service: 's' } }],
    ['an escaped double quote',
      String.raw`Basic realm="say \"hi\""`,
      { scheme: 'basic', params: { realm: 'say "hi"' } }],
    ['an escaped quote followed by a comma, still inside the value',
      String.raw`Bearer realm="a\",b",service="s"`,
      { scheme: 'bearer', params: { realm: 'a",b', service: 's' } }],
    ['an escaped backslash',
      String.raw`Basic realm="a\\b"`,
      { scheme: 'basic', params: { realm: 'a\\b' } }],
    ['an escaped ordinary character',
      String.raw`Basic realm="\a\b"`,
      { scheme: 'basic', params: { realm: 'ab' } }],
    ['a Basic challenge',
      'Basic realm="Registry Realm"',
      { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    ['a Basic challenge with a charset',
      'Basic realm="r", charset="UTF-8"',
      { scheme: 'basic', params: { realm: 'r', charset: 'UTF-8' } }],
    ['unquoted values',
      'Bearer realm=https://auth.example/token,service=registry.example',
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example' } }],
    ['quoted and unquoted values mixed',
      'Bearer realm="https://a/token", service=reg,scope="x:y:pull"',
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg', scope: 'x:y:pull' } }],
    ['an empty quoted value',
      'Bearer realm="",service="s"',
      { scheme: 'bearer', params: { realm: '', service: 's' } }],
    ['an empty unquoted value',
      'Bearer realm=,service=s',
      { scheme: 'bearer', params: { realm: '', service: 's' } }],
    ['an error parameter',
      'Bearer realm="r",error="insufficient_scope"',
      { scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope' } }],
    ['the scheme and parameter names in upper case, lower-cased; values kept',
      'BEARER Realm="R", SERVICE="Svc", sCoPe="A:B"',
      { scheme: 'bearer', params: { realm: 'R', service: 'Svc', scope: 'A:B' } }],
    ['leading whitespace',
      '   Bearer realm="r"',
      { scheme: 'bearer', params: { realm: 'r' } }],
    ['a repeated parameter, the last one kept',
      'Bearer realm="a",realm="b"',
      { scheme: 'bearer', params: { realm: 'b' } }],
    ['a repeated parameter in another case, the last one kept',
      'Bearer realm="a",REALM="b"',
      { scheme: 'bearer', params: { realm: 'b' } }],
    ['a scheme alone',
      'Bearer',
      { scheme: 'bearer', params: {} }],
    ['a scheme alone with trailing whitespace',
      'Negotiate  ',
      { scheme: 'negotiate', params: {} }],
    ['a scheme followed by text without "="',
      'Bearer garbage',
      { scheme: 'bearer', params: {} }],
    ['a scheme followed by a token68 value without padding',
      'Negotiate YIIBhwYGKwYBBQUC',
      { scheme: 'negotiate', params: {} }],
    ['a scheme followed by words and a parameter',
      'Bearer some words realm="r"',
      { scheme: 'bearer', params: { realm: 'r' } }],
    ['an unterminated quote, read as an unquoted value',
      'Bearer realm="abc,service=s',
      { scheme: 'bearer', params: { realm: '"abc', service: 's' } }],
  ];
  for (const [what, header, expected] of cases) {
    test(`reads ${what}`, () => {
      assert.deepEqual(plain(parseChallenge(header)), expected);
    });
  }

  const garbage: ReadonlyArray<readonly [string, string]> = [
    ['an empty header (no WWW-Authenticate)', ''],
    ['whitespace only', '   '],
    ['a header starting with a digit', '123 realm="r"'],
    ['a header starting with a quote', '"Bearer" realm="r"'],
    ['a header starting with "="', '=realm'],
    ['a lone comma', ','],
  ];
  for (const [what, header] of garbage) {
    test(`gives undefined for ${what}`, () => {
      assert.equal(parseChallenge(header), undefined);
    });
  }

  test('gives params with no prototype, so inherited names are not parameters', () => {
    const c = parseChallenge('Bearer realm="r"');
    assert.ok(c);
    assert.equal(Object.getPrototypeOf(c.params), null);
    assert.equal(c.params['constructor'], undefined);
    assert.equal(c.params['toString'], undefined);
  });

  test('keeps parameters named like Object.prototype members as plain parameters', () => {
    assert.deepEqual(plain(parseChallenge('Bearer constructor="x",hasOwnProperty="y"')),
      { scheme: 'bearer', params: { constructor: 'x', hasownproperty: 'y' } });
  });

  // RFC 7235 auth-param names are tokens, which may contain "_" and "-"; RFC 6750 defines
  // error_description and error_uri for Bearer.
  test('reads a parameter name with an underscore whole', () => {
      assert.deepEqual(plain(parseChallenge('Bearer error="invalid_token",error_description="expired"')),
        { scheme: 'bearer', params: { error: 'invalid_token', error_description: 'expired' } });
    });

  // fetch joins several WWW-Authenticate headers with ", "; a second challenge must not
  // overwrite the first one's parameters.
  test('keeps the first challenge\'s parameters when a second challenge follows', () => {
      assert.deepEqual(plain(parseChallenge('Bearer realm="https://auth.example/token",service="s", Basic realm="Registry"')),
        { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 's' } });
    });
});

describe('credentialsFor', () => {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const config = (auths: Record<string, unknown>): string => JSON.stringify({ auths });
  const UP = { user: 'u', password: 'p' };

  const found: ReadonlyArray<readonly [string, string, string, { user: string; password: string }]> = [
    ['an entry keyed by the host', config({ 'ghcr.io': { auth: b64('u:p') } }), 'ghcr.io', UP],
    ['an entry keyed by https://host', config({ 'https://ghcr.io': { auth: b64('u:p') } }), 'ghcr.io', UP],
    ['an entry keyed by http://host', config({ 'http://ghcr.io': { auth: b64('u:p') } }), 'ghcr.io', UP],
    ['an entry keyed by host:port', config({ 'localhost:5000': { auth: b64('u:p') } }), 'localhost:5000', UP],
    ['an entry keyed by http://host:port', config({ 'http://localhost:5000': { auth: b64('u:p') } }), 'localhost:5000', UP],
    ['an entry keyed by a bracketed IPv6 address', config({ '[::1]:5000': { auth: b64('u:p') } }), '[::1]:5000', UP],
    ['a password with ":" in it, split at the first ":"', config({ 'ghcr.io': { auth: b64('user:pa:ss:word') } }), 'ghcr.io',
      { user: 'user', password: 'pa:ss:word' }],
    ['an empty password', config({ 'ghcr.io': { auth: b64('user:') } }), 'ghcr.io', { user: 'user', password: '' }],
    ['a password that is a token with base64 padding', config({ 'ghcr.io': { auth: b64('oauth2accesstoken:ya29.a0Af==') } }), 'ghcr.io',
      { user: 'oauth2accesstoken', password: 'ya29.a0Af==' }],
    ['UTF-8 in the user and the password', config({ 'ghcr.io': { auth: b64('jürgen:pässwörd') } }), 'ghcr.io',
      { user: 'jürgen', password: 'pässwörd' }],
    ['username and password fields', config({ 'ghcr.io': { username: 'u', password: 'p' } }), 'ghcr.io', UP],
    ['username and password fields with ":" in the password', config({ 'ghcr.io': { username: 'u', password: 'a:b' } }), 'ghcr.io',
      { user: 'u', password: 'a:b' }],
    ['empty username and password fields', config({ 'ghcr.io': { username: '', password: '' } }), 'ghcr.io', { user: '', password: '' }],
    ['auth preferred to username and password fields', config({ 'ghcr.io': { auth: b64('a:b'), username: 'u', password: 'p' } }), 'ghcr.io',
      { user: 'a', password: 'b' }],
    ['username and password fields when auth has no ":"', config({ 'ghcr.io': { auth: b64('nocolon'), username: 'u', password: 'p' } }), 'ghcr.io', UP],
    ['username and password fields when auth has an empty user', config({ 'ghcr.io': { auth: b64(':p'), username: 'u', password: 'p' } }), 'ghcr.io', UP],
    ['username and password fields when auth is empty', config({ 'ghcr.io': { auth: '', username: 'u', password: 'p' } }), 'ghcr.io', UP],
    ['the host key before the https:// key', config({ 'https://ghcr.io': { auth: b64('https:x') }, 'ghcr.io': { auth: b64('host:y') } }), 'ghcr.io',
      { user: 'host', password: 'y' }],
    ['the https:// key before the http:// key', config({ 'http://ghcr.io': { auth: b64('http:x') }, 'https://ghcr.io': { auth: b64('https:y') } }), 'ghcr.io',
      { user: 'https', password: 'y' }],
    ['the next key when the host entry has no credentials', config({ 'ghcr.io': {}, 'https://ghcr.io': { auth: b64('u:p') } }), 'ghcr.io', UP],
    ['the next key when the host entry is null', config({ 'ghcr.io': null, 'http://ghcr.io': { auth: b64('u:p') } }), 'ghcr.io', UP],
    ['the right one among several registries', config({ 'quay.io': { auth: b64('q:q') }, 'ghcr.io': { auth: b64('u:p') } }), 'ghcr.io', UP],
    ['an entry among other config.json settings',
      JSON.stringify({ auths: { 'ghcr.io': { auth: b64('u:p'), email: 'x@example.com' } }, credsStore: 'desktop', HttpHeaders: { 'User-Agent': 'x' } }), 'ghcr.io', UP],
    ['Docker Hub under its own host', config({ [DOCKER_HUB]: { auth: b64('u:p') } }), DOCKER_HUB, UP],
    ['Docker Hub under https://index.docker.io/v1/ (what docker login writes)', config({ 'https://index.docker.io/v1/': { auth: b64('u:p') } }), DOCKER_HUB, UP],
    ['Docker Hub under docker.io', config({ 'docker.io': { auth: b64('u:p') } }), DOCKER_HUB, UP],
    ['Docker Hub\'s own host before its aliases',
      config({ 'https://index.docker.io/v1/': { auth: b64('alias:x') }, [DOCKER_HUB]: { auth: b64('host:y') } }), DOCKER_HUB,
      { user: 'host', password: 'y' }],
    ['https://index.docker.io/v1/ before docker.io',
      config({ 'docker.io': { auth: b64('short:x') }, 'https://index.docker.io/v1/': { auth: b64('v1:y') } }), DOCKER_HUB,
      { user: 'v1', password: 'y' }],
  ];
  for (const [what, json, registry, expected] of found) {
    test(`finds ${what}`, () => {
      assert.deepEqual(credentialsFor(json, registry), expected);
    });
  }

  const none: ReadonlyArray<readonly [string, string, string]> = [
    ['invalid JSON', '{"auths":', 'ghcr.io'],
    ['an empty file', '', 'ghcr.io'],
    ['text that is not JSON', 'user:password', 'ghcr.io'],
    ['a config without auths', '{}', 'ghcr.io'],
    ['a config with a credential store only', '{"credsStore":"desktop"}', 'ghcr.io'],
    ['a config with credential helpers only', '{"credHelpers":{"ghcr.io":"gh"}}', 'ghcr.io'],
    ['empty auths', config({}), 'ghcr.io'],
    ['null auths', '{"auths":null}', 'ghcr.io'],
    ['a JSON array', '[]', 'ghcr.io'],
    ['a JSON string', '"ghcr.io"', 'ghcr.io'],
    ['a JSON number', '42', 'ghcr.io'],
    ['no entry for the registry', config({ 'quay.io': { auth: b64('u:p') } }), 'ghcr.io'],
    ['an entry for the host without its port', config({ localhost: { auth: b64('u:p') } }), 'localhost:5000'],
    ['an entry for another port', config({ 'localhost:5001': { auth: b64('u:p') } }), 'localhost:5000'],
    ['an entry for a sub-domain', config({ 'eu.ghcr.io': { auth: b64('u:p') } }), 'ghcr.io'],
    ['an entry keyed by a URL with a path', config({ 'https://ghcr.io/v2/': { auth: b64('u:p') } }), 'ghcr.io'],
    ['an entry in another case', config({ 'GHCR.IO': { auth: b64('u:p') } }), 'ghcr.io'],
    ['an entry with no credentials', config({ 'ghcr.io': {} }), 'ghcr.io'],
    ['an entry with only an identity token', config({ 'ghcr.io': { identitytoken: 't' } }), 'ghcr.io'],
    ['an auth without ":"', config({ 'ghcr.io': { auth: b64('nocolon') } }), 'ghcr.io'],
    ['an auth with an empty user', config({ 'ghcr.io': { auth: b64(':p') } }), 'ghcr.io'],
    ['an empty auth', config({ 'ghcr.io': { auth: '' } }), 'ghcr.io'],
    ['a username without a password', config({ 'ghcr.io': { username: 'u' } }), 'ghcr.io'],
    ['a password without a username', config({ 'ghcr.io': { password: 'p' } }), 'ghcr.io'],
    ['an entry that is a string', config({ 'ghcr.io': 'u:p' }), 'ghcr.io'],
    ['Docker Hub\'s aliases for another registry', config({ 'docker.io': { auth: b64('u:p') }, 'https://index.docker.io/v1/': { auth: b64('u:p') } }), 'ghcr.io'],
  ];
  for (const [what, json, registry] of none) {
    test(`gives undefined for ${what}`, () => {
      assert.equal(credentialsFor(json, registry), undefined);
    });
  }

  test('index.docker.io is one of Docker Hub\'s aliases', () => {
    assert.deepEqual(credentialsFor(config({ 'index.docker.io': { auth: b64('u:p') } }), DOCKER_HUB), { user: 'u', password: 'p' });
  });

  // The file is the user's; JSON of an unexpected shape reads as "no credentials", like
  // invalid JSON does, never as a TypeError out of the registry client's constructor.
  const oddShapes: ReadonlyArray<readonly [string, string]> = [
    ['a config that is JSON null', 'null'],
    ['an auth that is not a string', config({ 'ghcr.io': { auth: 123 } })],
  ];
  for (const [what, json] of oddShapes) {
    test(`gives undefined for ${what}`, () => {
      assert.equal(credentialsFor(json, 'ghcr.io'), undefined);
    });
  }
});

describe('credentialHelperFor', () => {
  const cases: ReadonlyArray<readonly [string, unknown, string, ReturnType<typeof credentialHelperFor>]> = [
    ['credHelpers for the registry', { credHelpers: { 'ghcr.io': 'gh' } }, 'ghcr.io', { helper: 'gh' }],
    ['credHelpers for host:port', { credHelpers: { 'localhost:5000': 'local' } }, 'localhost:5000', { helper: 'local' }],
    ['credHelpers before credsStore', { credsStore: 'pass', credHelpers: { 'ghcr.io': 'gh' } }, 'ghcr.io', { helper: 'gh' }],
    ['credsStore for a registry credHelpers does not name', { credsStore: 'pass', credHelpers: { 'ghcr.io': 'gh' } }, 'quay.io', { helper: 'pass' }],
    ['credsStore before auths', { credsStore: 'secretservice', auths: { 'ghcr.io': { auth: 'dTpw' } } }, 'ghcr.io', { helper: 'secretservice' }],
    ['only auths: no helper', { auths: { 'ghcr.io': { auth: 'dTpw' } } }, 'ghcr.io', undefined],
    ['an empty credsStore: no helper', { credsStore: '' }, 'ghcr.io', undefined],
    ['Docker Hub by docker.io', { credHelpers: { 'docker.io': 'hub' } }, DOCKER_HUB, { helper: 'hub' }],
    ['Docker Hub by index.docker.io', { credHelpers: { 'index.docker.io': 'hub' } }, DOCKER_HUB, { helper: 'hub' }],
    ['a helper name with dots, dashes and underscores', { credsStore: 'ecr-login_v2.1' }, 'x.io', { helper: 'ecr-login_v2.1' }],
    ['a name with a slash is refused', { credsStore: '../../bin/sh' }, 'x.io', { error: 'invalid credential helper name "../../bin/sh"' }],
    ['a name with a space is refused', { credHelpers: { 'x.io': 'a b' } }, 'x.io', { error: 'invalid credential helper name "a b"' }],
    ['a name starting with a dash is refused', { credsStore: '-v' }, 'x.io', { error: 'invalid credential helper name "-v"' }],
    ['a name that is no string is refused', { credsStore: 5 }, 'x.io', { error: 'invalid credential helper name 5' }],
    ['a credHelpers entry inherited from Object is not one', { credHelpers: {} }, 'constructor', undefined],
  ];
  for (const [what, cfg, registry, expected] of cases) {
    test(what, () => assert.deepEqual(credentialHelperFor(JSON.stringify(cfg), registry), expected));
  }
  test('a file that is not JSON, or not an object, names no helper', () => {
    assert.equal(credentialHelperFor('{', 'x.io'), undefined);
    assert.equal(credentialHelperFor('null', 'x.io'), undefined);
    assert.equal(credentialHelperFor('"credsStore"', 'x.io'), undefined);
  });
});

describe('helperServerAddress', () => {
  test('Docker Hub is asked about by its v1 index URL, as docker login stores it', () => {
    assert.equal(helperServerAddress(DOCKER_HUB), 'https://index.docker.io/v1/');
  });
  test('another registry by its address', () => {
    assert.equal(helperServerAddress('registry.example.org:5000'), 'registry.example.org:5000');
  });
});

describe('parseHelperCredentials', () => {
  test('Username and Secret', () => {
    assert.deepEqual(parseHelperCredentials('{"ServerURL":"ghcr.io","Username":"u","Secret":"p"}\n'), { user: 'u', password: 'p' });
  });
  test('an identity token is refused by name', () => {
    assert.deepEqual(parseHelperCredentials('{"Username":"<token>","Secret":"refresh"}'), { error: 'it gave an identity token, which chos does not use' });
  });
  const bad: ReadonlyArray<readonly [string, string, string]> = [
    ['not JSON', 'credentials not found', 'its answer is not JSON'],
    ['no Secret', '{"Username":"u"}', 'its answer has no Username and Secret'],
    ['an empty Secret', '{"Username":"u","Secret":""}', 'its answer has no Username and Secret'],
    ['a Secret that is no string', '{"Username":"u","Secret":5}', 'its answer has no Username and Secret'],
    ['JSON that is no object', '[1]', 'its answer has no Username and Secret'],
    ['null', 'null', 'its answer has no Username and Secret'],
  ];
  for (const [what, out, error] of bad) {
    test(`${what}: an error`, () => assert.deepEqual(parseHelperCredentials(out), { error }));
  }
});

describe('helperFoundNothing', () => {
  test('the helpers\' "credentials not found" message means no credentials', () => {
    assert.equal(helperFoundNothing('credentials not found in native keychain\n'), true);
    assert.equal(helperFoundNothing('Credentials not found'), true);
  });
  test('another failure is one', () => {
    assert.equal(helperFoundNothing('exec: "pass": executable file not found in $PATH'), false);
    assert.equal(helperFoundNothing(''), false);
  });
});
