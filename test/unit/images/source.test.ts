// Unit tests for the pure parts of src/images/source.ts: the drop-in that registers a created
// environment (renderDropIn), the check of what the admin typed (sourceProblem), and the
// programs a source needs (toolsFor). Nothing here touches the disk or runs a program.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Source, renderDropIn, sourceProblem, toolsFor } from '../../../src/images/source.js';

const TREE = '/var/lib/chos/envs/el9/trees/1764121500000-4242';

describe('renderDropIn', () => {
  const cases: ReadonlyArray<readonly [string, string, Source, string]> = [
    ['a debootstrap environment names its suite', 'bookworm', { kind: 'debootstrap', suite: 'bookworm' },
      '# Written by chosctl create (--debootstrap bookworm); chosctl remove bookworm deletes it.\n' +
      '%SHELLS\n' +
      `bookworm:${TREE}\n`],
    ['a debootstrap environment leaves out its variant and mirror', 'deb12',
      { kind: 'debootstrap', suite: 'bookworm', variant: 'minbase', mirror: 'http://deb.debian.org/debian' },
      '# Written by chosctl create (--debootstrap bookworm); chosctl remove deb12 deletes it.\n' +
      '%SHELLS\n' +
      `deb12:${TREE}\n`],
    ['an mmdebstrap environment names its bootstrapper and suite', 'mm13', { kind: 'debootstrap', suite: 'trixie', tool: 'mmdebstrap' },
      '# Written by chosctl create (--mmdebstrap trixie); chosctl remove mm13 deletes it.\n' +
      '%SHELLS\n' +
      `mm13:${TREE}\n`],
    ['a tar environment names its archive', 'el9', { kind: 'tar', file: '/srv/images/el9-rootfs.tar.gz' },
      '# Written by chosctl create (--from-tar /srv/images/el9-rootfs.tar.gz); chosctl remove el9 deletes it.\n' +
      '%SHELLS\n' +
      `el9:${TREE}\n`],
    ['a tar environment keeps spaces in the archive path as they are', 'el9', { kind: 'tar', file: '/srv/my images/el9.tar' },
      '# Written by chosctl create (--from-tar /srv/my images/el9.tar); chosctl remove el9 deletes it.\n' +
      '%SHELLS\n' +
      `el9:${TREE}\n`],
    ['an OCI environment names its image', 'alpine', { kind: 'oci', path: '/srv/oci/alpine' },
      '# Written by chosctl create (--from-oci /srv/oci/alpine); chosctl remove alpine deletes it.\n' +
      '%SHELLS\n' +
      `alpine:${TREE}\n`],
    ['an OCI environment names its reference when there is one', 'alpine', { kind: 'oci', path: '/srv/oci/alpine', ref: '3.20' },
      '# Written by chosctl create (--from-oci /srv/oci/alpine --ref 3.20); chosctl remove alpine deletes it.\n' +
      '%SHELLS\n' +
      `alpine:${TREE}\n`],
  ];
  for (const [what, name, source, expected] of cases) {
    test(`${what}`, () => {
      assert.equal(renderDropIn(name, TREE, source), expected);
    });
  }

  test('the drop-in is three lines: a comment, the %SHELLS section and one name:path entry', () => {
    const lines = renderDropIn('el9', TREE, { kind: 'tar', file: '/srv/el9.tar' }).split('\n');
    assert.equal(lines.length, 4);
    assert.ok(lines[0]?.startsWith('# '));
    assert.equal(lines[1], '%SHELLS');
    assert.equal(lines[2], `el9:${TREE}`);
    assert.equal(lines[3], '');
  });

  test('the tree path is written exactly as given', () => {
    assert.equal(
      renderDropIn('x', '/store/x/trees/1-2', { kind: 'debootstrap', suite: 'sid' }),
      '# Written by chosctl create (--debootstrap sid); chosctl remove x deletes it.\n%SHELLS\nx:/store/x/trees/1-2\n',
    );
  });
});

describe('sourceProblem: debootstrap', () => {
  const deb = (suite: string, over: { variant?: string; mirror?: string } = {}): Source =>
    ({ kind: 'debootstrap', suite, ...over });

  const valid: ReadonlyArray<readonly [string, Source]> = [
    ['a codename', deb('bookworm')],
    ['a suite name with a dash', deb('stable-backports')],
    ['a version number', deb('22.04')],
    ['a single character', deb('x')],
    ['a suite starting with a digit', deb('9stretch')],
    ['the minbase variant', deb('bookworm', { variant: 'minbase' })],
    ['the buildd variant', deb('bookworm', { variant: 'buildd' })],
    ['a variant with a dash', deb('bookworm', { variant: 'fake-chroot' })],
    ['an http mirror', deb('bookworm', { mirror: 'http://deb.debian.org/debian' })],
    ['an https mirror with a port and a trailing slash', deb('bookworm', { mirror: 'https://mirror.example.org:8443/debian/' })],
    ['a mirror with a query string', deb('bookworm', { mirror: 'https://m.example/debian?token=a&b=c' })],
    ['a mirror with user info and a percent escape', deb('bookworm', { mirror: 'http://user:p%40ss@m.example/debian' })],
    ['a variant and a mirror together', deb('jammy', { variant: 'minbase', mirror: 'http://archive.ubuntu.com/ubuntu' })],
  ];
  for (const [what, source] of valid) {
    test(`${what} is accepted`, () => {
      assert.equal(sourceProblem(source), undefined);
    });
  }

  const invalid: ReadonlyArray<readonly [string, Source, string]> = [
    ['an empty suite', deb(''), 'invalid suite ""'],
    ['an upper-case suite', deb('Bookworm'), 'invalid suite "Bookworm"'],
    ['a suite starting with a dash (an option)', deb('--help'), 'invalid suite "--help"'],
    ['a suite starting with a dot', deb('.hidden'), 'invalid suite ".hidden"'],
    ['a suite with a slash', deb('../etc'), 'invalid suite "../etc"'],
    ['a suite with an underscore', deb('my_suite'), 'invalid suite "my_suite"'],
    ['a suite with a space', deb('book worm'), 'invalid suite "book worm"'],
    ['a suite with a trailing newline', deb('bookworm\n'), 'control characters (a newline, …) are not allowed in a source'],
    ['a suite with ";"', deb('bookworm;reboot'), 'invalid suite "bookworm;reboot"'],
    ['a suite with "|"', deb('bookworm|sh'), 'invalid suite "bookworm|sh"'],
    ['a suite with "&"', deb('bookworm&'), 'invalid suite "bookworm&"'],
    ['a suite with "$(…)"', deb('$(id)'), 'invalid suite "$(id)"'],
    ['a suite with a backquote', deb('`id`'), 'invalid suite "`id`"'],
    ['a suite with a redirection', deb('a>b'), 'invalid suite "a>b"'],
    ['a suite with a glob', deb('book*'), 'invalid suite "book*"'],
    ['a suite with a quote', deb("it's"), 'invalid suite "it\'s"'],
    ['an empty variant', deb('bookworm', { variant: '' }), 'invalid variant ""'],
    ['an upper-case variant', deb('bookworm', { variant: 'Minbase' }), 'invalid variant "Minbase"'],
    ['a variant with a digit', deb('bookworm', { variant: 'minbase2' }), 'invalid variant "minbase2"'],
    ['a variant with a space', deb('bookworm', { variant: 'min base' }), 'invalid variant "min base"'],
    ['a variant with ";"', deb('bookworm', { variant: 'minbase;id' }), 'invalid variant "minbase;id"'],
    ['a variant with "$(…)"', deb('bookworm', { variant: '$(id)' }), 'invalid variant "$(id)"'],
    ['a variant with "="', deb('bookworm', { variant: 'a=b' }), 'invalid variant "a=b"'],
    ['an empty mirror', deb('bookworm', { mirror: '' }), 'invalid mirror URL ""'],
    ['a mirror without a scheme', deb('bookworm', { mirror: 'deb.debian.org/debian' }), 'invalid mirror URL "deb.debian.org/debian"'],
    ['a mirror with only a scheme', deb('bookworm', { mirror: 'http://' }), 'invalid mirror URL "http://"'],
    ['an ftp mirror', deb('bookworm', { mirror: 'ftp://ftp.debian.org/debian' }), 'invalid mirror URL "ftp://ftp.debian.org/debian"'],
    ['a file: mirror', deb('bookworm', { mirror: 'file:///srv/mirror' }), 'invalid mirror URL "file:///srv/mirror"'],
    ['an upper-case scheme', deb('bookworm', { mirror: 'HTTP://m.example/' }), 'invalid mirror URL "HTTP://m.example/"'],
    ['a mirror with a space', deb('bookworm', { mirror: 'http://m.example/de bian' }), 'invalid mirror URL "http://m.example/de bian"'],
    ['a mirror with a tab', deb('bookworm', { mirror: 'http://m.example/\tx' }), 'control characters (a newline, …) are not allowed in a source'],
    ['a mirror with a trailing newline', deb('bookworm', { mirror: 'http://m.example/\n' }), 'control characters (a newline, …) are not allowed in a source'],
    ['a mirror with a single quote', deb('bookworm', { mirror: "http://m.example/'x" }), 'invalid mirror URL "http://m.example/\'x"'],
    ['a mirror with a double quote', deb('bookworm', { mirror: 'http://m.example/"x' }), 'invalid mirror URL "http://m.example/"x"'],
    ['a mirror with a backslash', deb('bookworm', { mirror: 'http://m.example/\\x' }), 'invalid mirror URL "http://m.example/\\x"'],
    ['a mirror with a leading space', deb('bookworm', { mirror: ' http://m.example/' }), 'invalid mirror URL " http://m.example/"'],
  ];
  for (const [what, source, expected] of invalid) {
    test(`${what} is refused`, () => {
      assert.equal(sourceProblem(source), expected);
    });
  }

  test('the suite is checked before the variant and the variant before the mirror', () => {
    assert.equal(sourceProblem(deb('Bad', { variant: 'Bad', mirror: 'bad' })), 'invalid suite "Bad"');
    assert.equal(sourceProblem(deb('ok', { variant: 'Bad', mirror: 'bad' })), 'invalid variant "Bad"');
  });
});

describe('sourceProblem: tar', () => {
  const tar = (file: string): Source => ({ kind: 'tar', file });
  const cases: ReadonlyArray<readonly [string, string, string | undefined]> = [
    ['an absolute path', '/srv/images/el9.tar.gz', undefined],
    ['an absolute path with spaces', '/srv/my images/el9.tar', undefined],
    ['the root directory (checked later, when read)', '/', undefined],
    ['a bare file name', 'el9.tar', 'the archive path must be absolute, found "el9.tar"'],
    ['a "./" path', './el9.tar', 'the archive path must be absolute, found "./el9.tar"'],
    ['a "../" path', '../el9.tar', 'the archive path must be absolute, found "../el9.tar"'],
    ['a "~/" path the shell did not expand', '~/el9.tar', 'the archive path must be absolute, found "~/el9.tar"'],
    ['an empty path', '', 'the archive path must be absolute, found ""'],
    ['a path with a leading space', ' /srv/el9.tar', 'the archive path must be absolute, found " /srv/el9.tar"'],
  ];
  for (const [what, file, expected] of cases) {
    test(`${what} is ${expected === undefined ? 'accepted' : 'refused'}`, () => {
      assert.equal(sourceProblem(tar(file)), expected);
    });
  }

  // renderDropIn writes the path into the drop-in's first-line comment, so a newline in it
  // would start a new line of /etc/chos configuration (here: a second environment).
  test('an archive path with a newline is refused', () => {
    const file = '/srv/x.tar\n%SHELLS\nevil:/tmp/evil\n#';
    assert.notEqual(sourceProblem(tar(file)), undefined);
  });
});

describe('sourceProblem: pull', () => {
  const cases: ReadonlyArray<readonly [string, Source, string | undefined]> = [
    ['a reference', { kind: 'pull', ref: 'reg.example.org:5000/team/img:1' }, undefined],
    ['a reference with absolute credentials and key files', { kind: 'pull', ref: 'reg/img:1', authFile: '/root/auth.json', verifyKey: '/etc/chos/cosign.pub' }, undefined],
    ['a relative credentials file', { kind: 'pull', ref: 'reg/img:1', authFile: 'auth.json' }, 'the credentials file path must be absolute, found "auth.json"'],
    ['a relative key file', { kind: 'pull', ref: 'reg/img:1', verifyKey: 'cosign.pub' }, 'the key path must be absolute, found "cosign.pub"'],
    ['a key path with a newline', { kind: 'pull', ref: 'reg/img:1', verifyKey: '/k.pub\nevil:/tmp' }, 'control characters (a newline, …) are not allowed in a source'],
  ];
  for (const [what, source, expected] of cases) {
    test(`${what} is ${expected === undefined ? 'accepted' : 'refused'}`, () => assert.equal(sourceProblem(source), expected));
  }
  test('an invalid reference is refused with the reason', () => {
    assert.match(sourceProblem({ kind: 'pull', ref: 'UPPER/Case' }) ?? '', /./);
  });
});

describe('sourceProblem: oci', () => {
  const oci = (p: string, ref?: string): Source => (ref === undefined ? { kind: 'oci', path: p } : { kind: 'oci', path: p, ref });
  const cases: ReadonlyArray<readonly [string, Source, string | undefined]> = [
    ['an absolute layout path', oci('/srv/oci/alpine'), undefined],
    ['a tag reference', oci('/srv/oci/alpine', '3.20'), undefined],
    ['a full reference with registry, port and tag', oci('/srv/oci/x', 'registry.example:5000/library/alpine:3.20'), undefined],
    ['a digest reference', oci('/srv/oci/x', `alpine@sha256:${'a'.repeat(64)}`), undefined],
    ['a 255-character reference', oci('/srv/oci/x', 'a'.repeat(255)), undefined],
    ['a relative layout path', oci('oci/alpine'), 'the image path must be absolute, found "oci/alpine"'],
    ['an empty layout path', oci(''), 'the image path must be absolute, found ""'],
    ['an empty reference', oci('/srv/oci/x', ''), 'invalid image reference ""'],
    ['a 256-character reference', oci('/srv/oci/x', 'a'.repeat(256)), `invalid image reference "${'a'.repeat(256)}"`],
    ['a reference with a space', oci('/srv/oci/x', 'alpine 3'), 'invalid image reference "alpine 3"'],
    ['a reference with ";"', oci('/srv/oci/x', 'alpine;id'), 'invalid image reference "alpine;id"'],
    ['a reference with "$(…)"', oci('/srv/oci/x', '$(id)'), 'invalid image reference "$(id)"'],
    ['a reference with a newline', oci('/srv/oci/x', 'alpine\n'), 'control characters (a newline, …) are not allowed in a source'],
    ['a relative path with a bad reference (the path first)', oci('x', 'bad ref'), 'the image path must be absolute, found "x"'],
  ];
  for (const [what, source, expected] of cases) {
    test(`${what} is ${expected === undefined ? 'accepted' : 'refused'}`, () => {
      assert.equal(sourceProblem(source), expected);
    });
  }

  test('an image path with a newline is refused', () => {
    assert.notEqual(sourceProblem(oci('/srv/x\n%SHELLS\nevil:/tmp/evil\n#')), undefined);
  });
});

describe('toolsFor', () => {
  const sandbox = [['bwrap', 'bubblewrap'], ['tar', 'tar']];
  test('an archive, an image and a pull need bubblewrap and tar', () => {
    assert.deepEqual(toolsFor({ kind: 'tar', file: '/a.tar' }), sandbox);
    assert.deepEqual(toolsFor({ kind: 'oci', path: '/img' }), sandbox);
    assert.deepEqual(toolsFor({ kind: 'pull', ref: 'reg/img:1' }), sandbox);
  });
  test('debootstrap first, then the sandbox\'s tools', () => {
    assert.deepEqual(toolsFor({ kind: 'debootstrap', suite: 'bookworm' }), [['debootstrap', 'debootstrap'], ...sandbox]);
  });
  test('an archive\'s decompressor: zstd, or xz from xz-utils; gzip and plain need none', () => {
    const tar: Source = { kind: 'tar', file: '/a.tar' };
    assert.deepEqual(toolsFor(tar, 'zstd'), [...sandbox, ['zstd', 'zstd']]);
    assert.deepEqual(toolsFor(tar, 'xz'), [...sandbox, ['xz', 'xz-utils']]);
    assert.deepEqual(toolsFor(tar, 'gzip'), sandbox);
    assert.deepEqual(toolsFor(tar, 'plain'), sandbox);
    assert.deepEqual(toolsFor({ kind: 'oci', path: '/img.tar.zst' }, 'zstd'), [...sandbox, ['zstd', 'zstd']]);
  });
  test('mmdebstrap when it is the tool', () => {
    assert.deepEqual(toolsFor({ kind: 'debootstrap', suite: 'trixie', tool: 'mmdebstrap' }), [['mmdebstrap', 'mmdebstrap'], ...sandbox]);
  });
});
