// Unit tests for the pure part of src/host/facts.ts: parseOsRelease (os-release(5)). No I/O.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOsRelease } from '../../../src/host/facts.js';

describe('parseOsRelease', () => {
  const cases: ReadonlyArray<readonly [string, string, Record<string, string>]> = [
    ['an empty file has no keys', '', {}],
    ['an unquoted value is taken as it is', 'ID=debian\n', { ID: 'debian' }],
    ['a double-quoted value loses its quotes', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n', { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' }],
    ['a single-quoted value loses its quotes', "VERSION_ID='9.3'\n", { VERSION_ID: '9.3' }],
    ['an empty quoted value is empty', 'VARIANT=""\n', { VARIANT: '' }],
    ['an empty unquoted value is empty', 'VARIANT=\n', { VARIANT: '' }],
    [
      'backslash escapes of ", $, ` and \\ are undone in quoted values',
      'NAME="A \\"B\\" \\$C \\`D\\` E\\\\F"\n',
      { NAME: 'A "B" $C `D` E\\F' },
    ],
    ['other backslashes in quoted values are kept', 'NAME="a\\nb"\n', { NAME: 'a\\nb' }],
    ['escapes in unquoted values are kept as they are', 'NAME=a\\$b\n', { NAME: 'a\\$b' }],
    ['mismatched quotes are kept', 'NAME="abc\'\n', { NAME: '"abc\'' }],
    ['a lone quote is kept', 'NAME="\n', { NAME: '"' }],
    ['an "=" inside the value is part of it', 'HOME_URL="https://x/?a=b"\n', { HOME_URL: 'https://x/?a=b' }],
    ['surrounding whitespace and CRLF endings are ignored', '  ID=rocky  \r\nVERSION_ID="9"\r\n', { ID: 'rocky', VERSION_ID: '9' }],
    ['a later key replaces an earlier one', 'ID=a\nID=b\n', { ID: 'b' }],
    [
      'comments, blank lines, lowercase keys, spaced assignments and junk are skipped',
      '# comment\n\nid=lower\nNAME = spaced\nexport ID=x\njust junk\n=novalue\nLOGO=debian-logo\n',
      { LOGO: 'debian-logo' },
    ],
    [
      'a complete os-release is read',
      [
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
        'NAME="Debian GNU/Linux"',
        'VERSION_ID="12"',
        'VERSION="12 (bookworm)"',
        'VERSION_CODENAME=bookworm',
        'ID=debian',
        'HOME_URL="https://www.debian.org/"',
        '',
      ].join('\n'),
      {
        PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
        NAME: 'Debian GNU/Linux',
        VERSION_ID: '12',
        VERSION: '12 (bookworm)',
        VERSION_CODENAME: 'bookworm',
        ID: 'debian',
        HOME_URL: 'https://www.debian.org/',
      },
    ],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      assert.deepEqual({ ...parseOsRelease(text) }, expected);
    });
  }

  test('the result has no prototype, so no key can reach Object.prototype', () => {
    const got = parseOsRelease('ID=x\n');
    assert.equal(Object.getPrototypeOf(got), null);
    assert.equal(got['toString'], undefined);
    assert.equal(got['__proto__'], undefined);
  });

  test('hostile lowercase keys are skipped like any lowercase key', () => {
    const got = parseOsRelease('__proto__=x\nconstructor=y\n');
    assert.deepEqual(Object.keys(got), []);
  });
});
