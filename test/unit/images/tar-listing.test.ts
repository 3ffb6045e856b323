// Unit tests for src/images/tar-listing.ts: reading GNU tar's verbose listing and vetting an
// archive before extraction. Pure: every listing line is hard-coded, copied from the output of
// GNU tar 1.34 `tar -tv --numeric-owner --quoting-style=c` on archives built for the purpose,
// and for the marker after the mode, of `tar -xvv --xattrs` (how the extracting tar lists).
// Also what a listing holds that needs work after extraction (device nodes, setuid or setgid).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Caps,
  DEFAULT_CAPS,
  HOLDS_NOTHING,
  limitsOf,
  readLimits,
  type Holds,
  listingHolds,
  type Member,
  normaliseName,
  parseListingLine,
  unquoteC,
  vetListing,
} from '../../../src/images/tar-listing.js';

// Line builders in GNU tar's exact layout: owner and size right-aligned in 19 columns, then
// the date and time, then the C-quoted name (passed here already quoted, without the quotes).
const DATE = '2026-11-26 02:45';
const row = (mode: string, size: string, name: string, tail = ''): string =>
  `${mode} ${'0/0'}${size.padStart(16)} ${DATE} "${name}"${tail}`;
const f = (name: string, size = 1): string => row('-rw-r--r--', String(size), name);
const d = (name: string): string => row('drwxr-xr-x', '0', name);
const l = (name: string, target: string): string => row('lrwxrwxrwx', '0', name, ` -> "${target}"`);
const h = (name: string, target: string): string => row('hrw-r--r--', '0', name, ` link to "${target}"`);
const c = (name: string, dev = '1,3'): string => row('crw-r--r--', dev, name);
const b = (name: string, dev = '8,0'): string => row('brw-r--r--', dev, name);
const p = (name: string): string => row('prw-r--r--', '0', name);
const contiguous = (name: string): string => row('Crw-r--r--', '0', name);

const ROOT = d('./');
const SMALL: Caps = { maxEntries: 3, maxBytes: 100, maxDepth: 8 };

describe('tar listing: the line builders', () => {
  test('build lines byte for byte as GNU tar prints them', () => {
    assert.equal(d('./'), 'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./"');
    assert.equal(f('./dir/file', 3), '-rw-r--r-- 0/0               3 2026-11-26 02:45 "./dir/file"');
    assert.equal(l('./dir/link', '../x'), 'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./dir/link" -> "../x"');
    assert.equal(h('./dir/hard', './dir/file'), 'hrw-r--r-- 0/0               0 2026-11-26 02:45 "./dir/hard" link to "./dir/file"');
    assert.equal(c('./big', '136,1000'), 'crw-r--r-- 0/0        136,1000 2026-11-26 02:45 "./big"');
  });
});

describe('unquoteC', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['an empty string stays empty', '', ''],
    ['plain ASCII is unchanged', 'usr/bin/env', 'usr/bin/env'],
    ['\\\\ is a backslash', String.raw`back\\slash`, 'back\\slash'],
    ['\\" is a double quote', String.raw`q\"uote`, 'q"uote'],
    ['\\n is a newline', String.raw`nl\nhere`, 'nl\nhere'],
    ['\\t is a tab', String.raw`tab\there`, 'tab\there'],
    ['\\a is a bell', String.raw`\a`, '\x07'],
    ['\\b is a backspace', String.raw`\b`, '\b'],
    ['\\f is a form feed', String.raw`\f`, '\f'],
    ['\\r is a carriage return', String.raw`\r`, '\r'],
    ['\\v is a vertical tab', String.raw`\v`, '\v'],
    ['\\? is a question mark', String.raw`\?`, '?'],
    ['a three-digit octal escape is one byte', String.raw`\101`, 'A'],
    ['\\000 is a NUL byte', String.raw`\000`, '\0'],
    ['\\177 is DEL', String.raw`\177`, '\x7f'],
    ['octal bytes form a two-byte UTF-8 character', String.raw`h\303\251llo`, 'héllo'],
    ['octal bytes form a three-byte UTF-8 character', String.raw`\342\202\254`, '€'],
    ['octal bytes form a four-byte UTF-8 character', String.raw`emoji\360\237\230\200`, 'emoji😀'],
    ['an octal escape takes exactly three digits', String.raw`\1012`, 'A2'],
    ['fewer than three octal digits are not an octal escape', String.raw`\12x`, '12x'],
    ['8 and 9 are not octal digits', String.raw`\181`, '181'],
    ['an octal byte that is not valid UTF-8 becomes U+FFFD', String.raw`bad\377`, 'bad\uFFFD'],
    ['an unknown escape keeps the escaped character', String.raw`\q\z\%`, 'qz%'],
    ['an escaped space is a space', String.raw`a\ b`, 'a b'],
    ['raw two-byte UTF-8 passes through', 'héllo', 'héllo'],
    ['raw three-byte UTF-8 passes through', '€uro', '€uro'],
    ['escapes, octal bytes and raw text mix', String.raw`a\tb\303\251\n\"c\"`, 'a\tbé\n"c"'],
    ['consecutive backslashes pair up', String.raw`\\\\\n`, '\\\\\n'],
  ];
  for (const [name, input, expected] of cases) {
    test(`${name}: ${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(unquoteC(input), expected);
    });
  }

  // GNU tar prints printable non-ASCII characters raw in a UTF-8 locale (as the sandboxed
  // `tar --list` does when chosctl runs under LANG=C.UTF-8), emoji included.
  test('raw four-byte UTF-8 (a surrogate pair in JavaScript) passes through', () => {
    assert.equal(unquoteC('emoji😀'), 'emoji😀');
  });

  // Most names have no backslash at all: they are returned as they are.
  const unchanged: ReadonlyArray<readonly [string, string]> = [
    ['a plain ASCII path', 'usr/lib/x86_64-linux-gnu/libc.so.6'],
    ['a single slash', '/'],
    ['a name with spaces and punctuation', 'a b,c;d=e+f@g#h%i~j'],
    ['a name with an unescaped double quote', 'q"uote'],
    ['accented Latin text', 'héllo wörld'],
    ['Cyrillic and Greek text', 'файл/αρχείο'],
    ['CJK text', '日本語/ファイル'],
    ['right-to-left text', 'مرحبا'],
    ['an emoji outside the BMP', 'emoji😀/🎉'],
    ['a decomposed accent, which is not normalised', 'e\u0301'],
    ['the replacement character itself', 'bad\uFFFD'],
    ['raw control characters', 'a\nb\tc\x7f'],
  ];
  for (const [what, input] of unchanged) {
    test(`${what}, with no backslash, is returned unchanged: ${JSON.stringify(input)}`, () => {
      assert.equal(unquoteC(input), input);
    });
  }

  test('without a backslash the result is what the text\'s UTF-8 bytes decode to, as on the unescaping path', () => {
    for (const [, input] of unchanged) {
      assert.equal(unquoteC(input), Buffer.from(input, 'utf8').toString('utf8'), input);
    }
  });

  test('one backslash anywhere in non-ASCII text still unescapes it, keeping the raw characters', () => {
    assert.equal(unquoteC(String.raw`日本\t語😀\303\251`), '日本\t語😀é');
    assert.equal(unquoteC(String.raw`e\314\201`), 'e\u0301');
  });
});

describe('normaliseName', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['././', ''],
    ['./.', ''],
    ['etc', 'etc'],
    ['./etc', 'etc'],
    ['././etc', 'etc'],
    ['etc/', 'etc'],
    ['etc//', 'etc'],
    ['./usr/bin/', 'usr/bin'],
    ['a/./b', 'a/b'],
    ['a//b', 'a/b'],
    ['.hidden', '.hidden'],
    ['./.hidden/', '.hidden'],
    ['..', '..'],
    ['./..', '..'],
    ['../x', '../x'],
    ['/', '/'],
    ['//', '/'],
    ['/etc/', '/etc'],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} normalises to ${JSON.stringify(expected)}`, () => {
      assert.equal(normaliseName(input), expected);
    });
  }
});

describe('parseListingLine: members', () => {
  const cases: ReadonlyArray<readonly [string, string, Member]> = [
    ['a regular file',
      '-rw-r--r-- 0/0               3 2026-11-26 02:45 "./dir/file"',
      { type: 'file', mode: 'rw-r--r--', size: 3, name: 'dir/file' }],
    ['a file listed without a leading "./"',
      '-rw-r--r-- 0/0         1048576 2026-11-26 02:46 "sparse"',
      { type: 'file', mode: 'rw-r--r--', size: 1048576, name: 'sparse' }],
    ['a file larger than 4 GiB',
      '-rw-r--r-- 0/0     68719476736 2026-11-26 02:46 "./big.img"',
      { type: 'file', mode: 'rw-r--r--', size: 68719476736, name: 'big.img' }],
    ['a setuid executable owned by a numeric user',
      '-rwsr-xr-x 1000/1000     55680 2026-11-26 02:45 "./usr/bin/su"',
      { type: 'file', mode: 'rwsr-xr-x', size: 55680, name: 'usr/bin/su' }],
    ['an absolute name (tar -P), kept absolute',
      '-rwxr-xr-x 0/0               3 2025-11-25 20:24 "/etc/hostname"',
      { type: 'file', mode: 'rwxr-xr-x', size: 3, name: '/etc/hostname' }],
    ['the archive\'s own directory, as an empty name',
      'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./"',
      { type: 'dir', mode: 'rwxr-xr-x', size: 0, name: '' }],
    ['a directory, without its trailing slash',
      'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./dir/sub/"',
      { type: 'dir', mode: 'rwxr-xr-x', size: 0, name: 'dir/sub' }],
    ['a sticky world-writable directory',
      'drwxrwxrwt 0/0               0 2026-11-26 02:45 "./tmp/"',
      { type: 'dir', mode: 'rwxrwxrwt', size: 0, name: 'tmp' }],
    ['a symlink, with its target as written',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./dir/link" -> "../x"',
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'dir/link', target: '../x' }],
    ['a symlink whose target is not normalised',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./l" -> "./usr/lib/"',
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'l', target: './usr/lib/' }],
    ['a symlink to an absolute target',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./etc/mtab" -> "/proc/self/mounts"',
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'etc/mtab', target: '/proc/self/mounts' }],
    ['a symlink whose target has octal escapes',
      String.raw`lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./l" -> "caf\303\251"`,
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'l', target: 'café' }],
    ['a symlink with an empty target',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./l" -> ""',
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'l', target: '' }],
    ['a hard link, with its target normalised',
      'hrw-r--r-- 0/0               0 2026-11-26 02:45 "./dir/hard" link to "./dir/file"',
      { type: 'hardlink', mode: 'rw-r--r--', size: 0, name: 'dir/hard', target: 'dir/file' }],
    ['a hard link whose target has a trailing slash',
      'hrw-r--r-- 0/0               0 2026-11-26 02:45 "./h" link to "./d/"',
      { type: 'hardlink', mode: 'rw-r--r--', size: 0, name: 'h', target: 'd' }],
    ['a character device, whose "1,3" size field counts as 0',
      'crw-r--r-- 0/0             1,3 2026-11-26 02:45 "./null"',
      { type: 'char', mode: 'rw-r--r--', size: 0, name: 'null' }],
    ['a character device with large major and minor numbers',
      'crw-r--r-- 0/0        136,1000 2026-11-26 02:46 "./big"',
      { type: 'char', mode: 'rw-r--r--', size: 0, name: 'big' }],
    ['a block device',
      'brw-r--r-- 0/0             8,0 2026-11-26 02:45 "./sda"',
      { type: 'block', mode: 'rw-r--r--', size: 0, name: 'sda' }],
    ['a fifo',
      'prw-r--r-- 0/0               0 2026-11-26 02:45 "./fifo"',
      { type: 'fifo', mode: 'rw-r--r--', size: 0, name: 'fifo' }],
    ['a contiguous file, an "other" member',
      'Crw-r--r-- 0/0               5 2026-11-26 02:45 "./cont"',
      { type: 'other', mode: 'rw-r--r--', size: 5, name: 'cont' }],
    ['a member of a type tar prints as "?", an "other" member',
      '?rw-r--r-- 0/0               0 2026-11-26 02:45 "./odd"',
      { type: 'other', mode: 'rw-r--r--', size: 0, name: 'odd' }],
    ['a name with spaces',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./with space"',
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'with space' }],
    ['a name with a double quote',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./q\"uote"`,
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'q"uote' }],
    ['a file whose name contains " -> "',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./a -> b"',
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'a -> b' }],
    ['a file whose name contains " link to "',
      '-rw-r--r-- 0/0               0 2026-11-26 02:45 "./link to x"',
      { type: 'file', mode: 'rw-r--r--', size: 0, name: 'link to x' }],
    ['a symlink whose name contains " -> "',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./sp ace -> x" -> "dir/x"',
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'sp ace -> x', target: 'dir/x' }],
    ['a symlink whose name contains a quoted " -> "',
      String.raw`lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./a\" -> \"b" -> "c"`,
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'a" -> "b', target: 'c' }],
    ['a hard link whose name contains " link to "',
      'hrw-r--r-- 0/0               0 2026-11-26 02:45 "./x link to y" link to "./z"',
      { type: 'hardlink', mode: 'rw-r--r--', size: 0, name: 'x link to y', target: 'z' }],
    ['a name with a newline',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./nl\nhere"`,
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'nl\nhere' }],
    ['a name with a tab',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./tab\there"`,
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'tab\there' }],
    ['a name with a backslash',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./back\\slash"`,
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'back\\slash' }],
    ['a non-ASCII name in octal (C locale)',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./h\303\251llo"`,
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'héllo' }],
    ['a non-ASCII name printed raw (UTF-8 locale)',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./héllo"',
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'héllo' }],
    ['a name with a byte that is not UTF-8',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:46 "./bad\377"`,
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'bad\uFFFD' }],
    ['a name with ".." in it, kept as is',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./../escape"',
      { type: 'file', mode: 'rw-r--r--', size: 1, name: '../escape' }],
  ];
  for (const [what, line, expected] of cases) {
    test(`reads ${what}`, () => {
      assert.deepEqual(parseListingLine(line), expected);
    });
  }

  test('a member that is not a link has no target property at all', () => {
    const m = parseListingLine('-rw-r--r-- 0/0               1 2026-11-26 02:45 "./a -> b"');
    assert.equal('target' in m, false);
  });

  test('reads a name with an emoji printed raw (UTF-8 locale)', () => {
    assert.deepEqual(parseListingLine('-rw-r--r-- 0/0               1 2026-11-26 02:46 "./emoji😀"'),
      { type: 'file', mode: 'rw-r--r--', size: 1, name: 'emoji😀' });
  });
});

describe('parseListingLine: unreadable lines', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['an empty line', ''],
    ['a line of spaces', '   '],
    ['a message tar writes', "tar: Removing leading `/' from member names"],
    ['a volume header', 'V--------- 0/0               0 2026-11-26 02:46 "mylabel"--Volume Header--'],
    ['a name without quotes (the default quoting style)', '-rw-r--r-- 0/0               3 2026-11-26 02:45 ./dir/file'],
    ['a name shell-quoted (--quoting-style=shell)', "-rw-r--r-- 0/0               1 2026-11-26 02:45 './with space'"],
    ['an unterminated name', '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./open'],
    ['a name ending in an escaped quote', String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./open\"`],
    ['a stray quote inside the name', '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./a"b"'],
    ['text after the name', '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./a" extra'],
    ['an unquoted link target', 'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./l" -> target'],
    ['an unknown link relation', 'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./l" => "x"'],
    ['a line ending in a carriage return', '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./a"\r'],
    ['a mode string too short', '-rw-r--r 0/0               1 2026-11-26 02:45 "./a"'],
    ['a line with no owner field', '-rw-r--r-- 1 2026-11-26 02:45 "./a"'],
    ['a timestamp tar could not convert, printed as one number', '-rw-r--r-- 0/0               0 99999999999999999 "f"'],
  ];
  for (const [what, line] of cases) {
    test(`${what} is an error quoting the line`, () => {
      assert.deepEqual(parseListingLine(line), { error: `unreadable listing line: ${JSON.stringify(line)}` });
    });
  }

  test('the error quotes at most the first 200 characters of the line', () => {
    const line = 'x'.repeat(300);
    assert.deepEqual(parseListingLine(line), { error: `unreadable listing line: "${'x'.repeat(200)}"` });
  });
});

describe('parseListingLine: the marker after the mode (tar -xvv --xattrs)', () => {
  // Copied from `tar -xvv --xattrs --numeric-owner --quoting-style=c` on an archive holding a
  // file with a user.* attribute: the mode column is then 11 wide, "*" marks the member with
  // extended attributes, and members without one get a second space instead.
  const REAL = [
    'drwxr-xr-x  0/0               0 2026-11-26 04:48 "./"',
    'lrwxrwxrwx  0/0               0 2026-11-26 04:48 "./b" -> "a"',
    '-rw-r--r--* 0/0               4 2026-11-26 04:48 "./a"',
  ];
  // The 10-character mode (type and permissions), then `marker`, then the rest of the line.
  const mark = (line: string, marker: string): string => `${line.slice(0, 10)}${marker}${line.slice(10)}`;
  const plain = [
    f('./dir/file', 3), d('./dir/'), l('./dir/link', '../x'), h('./dir/hard', './dir/file'),
    c('./null'), b('./sda'), p('./fifo'), contiguous('./cont'), f(String.raw`./h\303\251llo`, 1048576),
  ];

  test('reads the real lines', () => {
    assert.deepEqual(REAL.map(parseListingLine), [
      { type: 'dir', mode: 'rwxr-xr-x', size: 0, name: '' },
      { type: 'symlink', mode: 'rwxrwxrwx', size: 0, name: 'b', target: 'a' },
      { type: 'file', mode: 'rw-r--r--', size: 4, name: 'a' },
    ]);
  });

  test('the marker helper puts the character right after the mode', () => {
    assert.equal(mark(f('./a', 4), '*'), '-rw-r--r--* 0/0               4 2026-11-26 02:45 "./a"');
  });

  const markers: ReadonlyArray<readonly [string, string]> = [
    ['*', 'extended attributes'],
    ['+', 'an ACL'],
    ['.', 'an SELinux context'],
  ];
  for (const [marker, what] of markers) {
    test(`"${marker}" (${what}) is read as the same member as without it, for every type`, () => {
      for (const line of plain) {
        const without = parseListingLine(line);
        assert.equal('error' in without, false, line);
        assert.deepEqual(parseListingLine(mark(line, marker)), without, line);
      }
    });
  }

  test('the marker is not part of the mode', () => {
    assert.equal((parseListingLine(mark(f('./a'), '*')) as Member).mode, 'rw-r--r--');
    assert.equal((parseListingLine(mark(d('./d/'), '.')) as Member).mode, 'rwxr-xr-x');
  });

  test('two spaces after the mode (an unmarked member next to marked ones) read the same as one', () => {
    for (const line of plain) assert.deepEqual(parseListingLine(mark(line, ' ')), parseListingLine(line), line);
  });

  test('tar -xvv\'s note of a directory it creates for a member is no member line', () => {
    const line = 'drwxr-xr-x                  Creating directory: "sub/dir"';
    assert.deepEqual(parseListingLine(line), { error: `unreadable listing line: ${JSON.stringify(line)}` });
  });

  const unreadable: ReadonlyArray<readonly [string, string]> = [
    ['"x" after the mode', mark(f('./a'), 'x')],
    ['"-" after the mode (an 11-character mode)', mark(f('./a'), '-')],
    ['"@" after the mode', mark(f('./a'), '@')],
    ['"?" after the mode', mark(f('./a'), '?')],
    ['two markers', mark(f('./a'), '*+')],
    ['a doubled marker', mark(f('./a'), '**')],
    ['a marker after a space, as a field of its own', mark(f('./a'), ' *')],
    ['a marker before the type', `*${f('./a')}`],
  ];
  for (const [what, line] of unreadable) {
    test(`${what} makes the line unreadable`, () => {
      assert.deepEqual(parseListingLine(line), { error: `unreadable listing line: ${JSON.stringify(line)}` });
    });
  }
});

describe('vetListing: lines with the marker after the mode', () => {
  const mark = (line: string, marker: string): string => `${line.slice(0, 10)}${marker}${line.slice(10)}`;

  test('the real listing of the extracting tar with --xattrs has no problems', () => {
    assert.deepEqual(vetListing([
      'drwxr-xr-x  0/0               0 2026-11-26 04:48 "./"',
      'lrwxrwxrwx  0/0               0 2026-11-26 04:48 "./b" -> "a"',
      '-rw-r--r--* 0/0               4 2026-11-26 04:48 "./a"',
    ]), []);
  });

  test('marked members are vetted like the others', () => {
    assert.deepEqual(vetListing([mark(l('./etc', '/host/etc'), '*'), mark(f('./etc/passwd'), '+'), mark(f('/abs'), '.'), mark(h('./h', './nowhere'), '*')]), [
      'member "etc/passwd" goes through the symlink "etc" of the same archive',
      'member "/abs" would be written outside the tree (absolute or ".." in its name)',
      'hard link "h" points to "nowhere", which is not an earlier member',
    ]);
  });

  test('marked members count towards the caps', () => {
    assert.deepEqual(vetListing([mark(f('./a', 60), '*'), mark(f('./b', 41), '.')], SMALL), ['more than 100 bytes of content']);
    assert.deepEqual(vetListing([mark(f('./a'), '*'), mark(f('./b'), '+'), mark(f('./c'), '.'), mark(f('./d'), ' ')], SMALL), ['more than 3 entries']);
  });

  test('a line with another character after the mode is reported as unreadable', () => {
    const line = mark(f('./a'), 'x');
    assert.deepEqual(vetListing([line, f('./b')]), [`unreadable listing line: ${JSON.stringify(line)}`]);
  });
});

describe('vetListing: archives that may be extracted', () => {
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['an empty listing', []],
    ['a listing of blank lines only', ['', '', '']],
    ['the archive\'s own "./" alone', [ROOT]],
    ['a real listing of files, directories, links, a fifo and odd names', [
      'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./"',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./nl\nhere"`,
      'prw-r--r-- 0/0               0 2026-11-26 02:45 "./fifo"',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./q\"uote"`,
      'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./dir/"',
      '-rw-r--r-- 0/0               3 2026-11-26 02:45 "./dir/file"',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./dir/link" -> "../x"',
      'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./dir/sub/"',
      'hrw-r--r-- 0/0               0 2026-11-26 02:45 "./dir/hard" link to "./dir/file"',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./with space"',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./héllo"',
      '-rw-r--r-- 0/0               1 2026-11-26 02:45 "./a -> b"',
      '-rw-r--r-- 0/0               0 2026-11-26 02:45 "./link to x"',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./tab\there"`,
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./back\\slash"`,
      '',
    ]],
    ['a real listing with devices and a symlink named with " -> "', [
      'drwxr-xr-x 0/0               0 2026-11-26 02:45 "./"',
      'brw-r--r-- 0/0             8,0 2026-11-26 02:45 "./sda"',
      'lrwxrwxrwx 0/0               0 2026-11-26 02:45 "./sp ace -> x" -> "dir/x"',
      String.raw`-rw-r--r-- 0/0               1 2026-11-26 02:45 "./h\303\251llo"`,
      'crw-r--r-- 0/0             1,3 2026-11-26 02:45 "./null"',
    ]],
    ['a usrmerged tree whose top-level symlinks point anywhere', [
      ROOT, d('./usr/'), d('./usr/bin/'), l('./bin', 'usr/bin'), l('./lib64', '/usr/lib64'), l('./etc/mtab', '/proc/self/mounts'),
    ]],
    ['members listed without "./"', [d('usr/'), f('usr/a'), h('usr/b', 'usr/a')]],
    ['a file listed twice', [f('./a'), f('./a')]],
    ['a directory listed twice', [d('./d/'), d('./d/')]],
    ['a symlink listed twice', [l('./l', 'x'), l('./l', 'y')]],
    ['a file replaced by a directory', [f('./x'), d('./x/'), f('./x/y')]],
    ['a symlink replaced by a file of the same name', [l('./l', '/etc'), f('./l')]],
    ['a member listed before a symlink of its parent\'s name', [f('./l/f'), l('./l', '/etc')]],
    ['names that merely contain dots', [f('./a..b'), f('./..a'), f('./a/..b/c'), f('./.../x'), d('./.hidden/')]],
    ['a hard link to an earlier file', [f('./f'), h('./h', './f')]],
    ['a hard link to an earlier hard link', [f('./f'), h('./h1', './f'), h('./h2', './h1')]],
    ['a hard link to an earlier device and fifo', [c('./null'), p('./fifo'), h('./h1', './null'), h('./h2', './fifo')]],
    ['a hard link to an earlier file named without "./"', [f('f'), h('./h', 'f')]],
    ['a hard link to an earlier file by its own name', [f('./f'), h('./f', './f')]],
    ['members of every type', [ROOT, f('./f'), d('./d/'), l('./l', 'f'), h('./h', './f'), c('./c'), b('./b'), p('./p'), contiguous('./o')]],
  ];
  for (const [what, lines] of cases) {
    test(`${what} has no problems`, () => {
      assert.deepEqual(vetListing(lines), []);
    });
  }

  test('the listing is not changed', () => {
    const lines = Object.freeze([f('/abs'), f('./ok')]);
    vetListing(lines);
    assert.deepEqual(lines, [f('/abs'), f('./ok')]);
  });
});

describe('vetListing: names that escape the tree', () => {
  const outside = (name: string): string =>
    `member "${name}" would be written outside the tree (absolute or ".." in its name)`;
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['an absolute file', f('/etc/passwd'), '/etc/passwd'],
    ['an absolute directory', d('/etc/'), '/etc'],
    ['an absolute symlink name', l('/etc/x', 'y'), '/etc/x'],
    ['a name with a doubled leading slash', f('//etc/passwd'), '/etc/passwd'],
    ['the root itself', d('/'), '/'],
    ['a leading ".."', f('../x'), '../x'],
    ['a leading "./.."', f('./../x'), '../x'],
    ['a ".." in the middle', f('./a/../../x'), 'a/../../x'],
    ['a trailing ".."', d('./a/../'), 'a/..'],
    ['".." alone', d('..'), '..'],
  ];
  for (const [what, line, name] of cases) {
    test(`${what} is refused as outside the tree`, () => {
      assert.deepEqual(vetListing([line]), [outside(name)]);
    });
  }

  test('an escaping member is not remembered: a hard link to it is not to an earlier member', () => {
    assert.deepEqual(vetListing([f('/etc/shadow'), h('./h', '/etc/shadow')]), [
      outside('/etc/shadow'),
      'hard link "h" points outside the tree ("/etc/shadow")',
    ]);
  });

  test('an escaping name is reported alone, before depth and link checks', () => {
    assert.deepEqual(vetListing([h('../a/b/c', './missing')], { ...SMALL, maxDepth: 2 }), [outside('../a/b/c')]);
  });
});

describe('vetListing: depth', () => {
  const caps: Caps = { ...SMALL, maxDepth: 3 };
  const deep = (name: string, max: number): string => `member "${name.length > 100 ? `${name.slice(0, 100)}…` : name}" is nested deeper than ${max} levels`;

  test('a member exactly at the depth cap is accepted', () => {
    assert.deepEqual(vetListing([f('./a/b/c')], caps), []);
  });

  test('a directory at the cap, with its trailing slash, is accepted', () => {
    assert.deepEqual(vetListing([d('./a/b/c/')], caps), []);
  });

  test('a member one level deeper than the cap is refused', () => {
    assert.deepEqual(vetListing([f('./a/b/c/d')], caps), [deep('a/b/c/d', 3)]);
  });

  test('a long deep name is cut to 100 characters in the message', () => {
    const name = Array.from({ length: 40 }, (_, i) => `dir${i}`).join('/');
    assert.ok(name.length > 100);
    assert.deepEqual(vetListing([f(name)], caps), [`member "${name.slice(0, 100)}…" is nested deeper than 3 levels`]);
  });

  test('a short deep name is quoted whole, without an ellipsis', () => {
    assert.deepEqual(vetListing([f('./a/b/c/d')], caps), ['member "a/b/c/d" is nested deeper than 3 levels']);
  });

  test('the default cap is 128 levels', () => {
    const at = (n: number): string => Array.from({ length: n }, () => 'd').join('/');
    assert.deepEqual(vetListing([f(at(128))]), []);
    assert.deepEqual(vetListing([f(at(129))]), [deep(at(129), 128)]);
  });

  test('a too-deep member is not checked further nor remembered', () => {
    assert.deepEqual(vetListing([l('./a', '/etc'), h('./a/b/c/d', './missing'), h('./h', './a/b/c/d')], caps), [
      deep('a/b/c/d', 3),
      'hard link "h" points to "a/b/c/d", which is not an earlier member',
    ]);
  });
});

describe('vetListing: members through an earlier symlink', () => {
  const through = (name: string, link: string): string =>
    `member "${name}" goes through the symlink "${link}" of the same archive`;
  const cases: ReadonlyArray<readonly [string, readonly string[], readonly string[]]> = [
    ['a file under a top-level symlink', [l('./etc', '/host/etc'), f('./etc/passwd')], [through('etc/passwd', 'etc')]],
    ['a file under a symlink with a harmless target', [d('./real/'), l('./l', 'real'), f('./l/f')], [through('l/f', 'l')]],
    ['a directory under a symlink', [l('./l', '/tmp'), d('./l/sub/')], [through('l/sub', 'l')]],
    ['a symlink under a symlink', [l('./l', '/'), l('./l/m', 'x')], [through('l/m', 'l')]],
    ['a hard link under a symlink', [f('./f'), l('./l', '/'), h('./l/h', './f')], [through('l/h', 'l')]],
    ['a member several levels below the symlink', [l('./l', '/'), f('./l/a/b/c')], [through('l/a/b/c', 'l')]],
    ['a member under a deep symlink', [d('./a/'), d('./a/b/'), l('./a/b/l', '../..'), f('./a/b/l/c/d')], [through('a/b/l/c/d', 'a/b/l')]],
    ['a member named without "./" under a symlink named with it', [l('./l', '/'), f('l/f')], [through('l/f', 'l')]],
    ['a member under a symlink listed twice', [l('./l', 'x'), l('./l', 'y'), f('./l/f')], [through('l/f', 'l')]],
    ['each member under a symlink', [l('./l', '/'), f('./l/a'), f('./l/b')], [through('l/a', 'l'), through('l/b', 'l')]],
    ['nested symlinks, each reported at the shortest', [l('./a', '/'), l('./a/b', '/'), f('./a/b/c')], [through('a/b', 'a'), through('a/b/c', 'a')]],
  ];
  for (const [what, lines, expected] of cases) {
    test(`${what} is refused`, () => {
      assert.deepEqual(vetListing(lines), expected);
    });
  }

  test('a symlink whose name merely starts like another member is not a parent', () => {
    assert.deepEqual(vetListing([l('./lib', 'usr/lib'), f('./lib64/x'), f('./libx')]), []);
  });

  test('a member under a symlink, reached by a "." component, is refused', () => {
    assert.notDeepEqual(vetListing([d('./a/'), l('./a/b', '/etc'), f('./a/./b/passwd')]), []);
  });

  test('a member under a symlink, reached through a doubled slash, is refused', () => {
    assert.notDeepEqual(vetListing([d('./a/'), l('./a/b', '/etc'), f('./a//b/passwd')]), []);
  });

  // GNU tar replaces the symlink with the directory it then extracts (checked with tar 1.34,
  // without --keep-directory-symlink), so members below are written into that directory.
  test('a symlink the archive then lists as a directory no longer counts as a symlink', () => {
    assert.deepEqual(vetListing([d('./real/'), l('./a', 'real'), d('./a/'), f('./a/f')]), []);
  });
});

describe('vetListing: a directory replaced by a non-directory', () => {
  const replaced = (name: string, kind: string): string =>
    `member "${name}" replaces a directory of the same archive with a ${kind}`;
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['file', f('./d'), 'd'],
    ['symlink', l('./d', '/etc'), 'd'],
    ['hardlink', h('./d', './f'), 'd'],
    ['char', c('./d'), 'd'],
    ['block', b('./d'), 'd'],
    ['fifo', p('./d'), 'd'],
    ['other', contiguous('./d'), 'd'],
  ];
  for (const [kind, line, name] of cases) {
    test(`a directory replaced by a ${kind} is refused`, () => {
      assert.deepEqual(vetListing([f('./f'), d('./d/'), line]), [replaced(name, kind)]);
    });
  }

  test('a nested directory replaced by a symlink is refused, and so is a member through it', () => {
    assert.deepEqual(vetListing([d('./a/'), d('./a/b/'), l('./a/b', '/'), f('./a/b/c')]), [
      replaced('a/b', 'symlink'),
      'member "a/b/c" goes through the symlink "a/b" of the same archive',
    ]);
  });

  test('a directory listed without "./" is the same directory', () => {
    assert.deepEqual(vetListing([d('d/'), f('./d')]), [replaced('d', 'file')]);
  });

  test('a member both through a symlink and replacing a directory gets both messages, symlink first', () => {
    assert.deepEqual(vetListing([d('./l/'), d('./l/d/'), l('./l', '/'), f('./l/d')]), [
      replaced('l', 'symlink'),
      'member "l/d" goes through the symlink "l" of the same archive',
      replaced('l/d', 'file'),
    ]);
  });

  test('a directory created only implicitly by its members is not guarded', () => {
    assert.deepEqual(vetListing([f('./d/f'), f('./d')]), []);
  });
});

describe('vetListing: hard links', () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], readonly string[]]> = [
    ['to an absolute path', [h('./h', '/etc/shadow')], ['hard link "h" points outside the tree ("/etc/shadow")']],
    ['to a path with ".."', [f('./f'), h('./h', './a/../f')], ['hard link "h" points outside the tree ("a/../f")']],
    ['to a path above the tree', [h('./h', './../../etc/shadow')], ['hard link "h" points outside the tree ("../../etc/shadow")']],
    ['to a member listed later', [h('./h', './f'), f('./f')], ['hard link "h" points to "f", which is not an earlier member']],
    ['to a member never listed', [h('./h', './nowhere')], ['hard link "h" points to "nowhere", which is not an earlier member']],
    ['to a directory known only from its members', [f('./d/f'), h('./h', './d')], ['hard link "h" points to "d", which is not an earlier member']],
    ['to the archive\'s own "./"', [ROOT, h('./h', './')], ['hard link "h" points to "", which is not an earlier member']],
    ['to itself, not listed before', [h('./h', './h')], ['hard link "h" points to "h", which is not an earlier member']],
    ['to a symlink', [l('./l', '/etc/shadow'), h('./h', './l')], ['hard link "h" points to a symlink ("l")']],
    ['to a directory', [d('./d/'), h('./h', './d/')], ['hard link "h" points to a dir ("d")']],
    ['to a file later replaced by a symlink', [f('./f'), l('./f', '/etc/shadow'), h('./h', './f')], ['hard link "h" points to a symlink ("f")']],
  ];
  for (const [what, lines, expected] of cases) {
    test(`a hard link ${what} is refused`, () => {
      assert.deepEqual(vetListing(lines), expected);
    });
  }

  test('a refused hard link is still remembered, so a link to it is accepted', () => {
    assert.deepEqual(vetListing([h('./h1', './missing'), h('./h2', './h1')]), [
      'hard link "h1" points to "missing", which is not an earlier member',
    ]);
  });
});

describe('vetListing: caps on entries and bytes', () => {
  test('the default caps are 2 million entries, 64 GiB and 128 levels', () => {
    assert.deepEqual(DEFAULT_CAPS, { maxEntries: 2_000_000, maxBytes: 68_719_476_736, maxDepth: 128 });
  });

  test('exactly the entry cap is accepted', () => {
    assert.deepEqual(vetListing([f('./a'), f('./b'), f('./c')], SMALL), []);
  });

  test('one entry more than the cap is refused', () => {
    assert.deepEqual(vetListing([f('./a'), f('./b'), f('./c'), f('./d')], SMALL), ['more than 3 entries']);
  });

  test('the archive\'s own "./" counts as an entry', () => {
    assert.deepEqual(vetListing([ROOT, f('./a'), f('./b'), f('./c')], SMALL), ['more than 3 entries']);
  });

  test('blank and unreadable lines are not entries', () => {
    assert.deepEqual(vetListing(['', f('./a'), 'junk', '', f('./b'), f('./c')], SMALL), [
      'unreadable listing line: "junk"',
    ]);
  });

  test('reading stops at the entry cap: later problems are not reported', () => {
    assert.deepEqual(vetListing([f('/x'), f('./a'), f('./b'), f('./c'), f('/y'), 'junk'], SMALL), [
      'member "/x" would be written outside the tree (absolute or ".." in its name)',
      'more than 3 entries',
    ]);
  });

  test('the entry that passes the cap is not itself checked', () => {
    assert.deepEqual(vetListing([f('./a'), f('./b'), f('./c'), f('/x')], SMALL), ['more than 3 entries']);
  });

  test('exactly the byte cap is accepted', () => {
    assert.deepEqual(vetListing([f('./a', 60), f('./b', 40)], SMALL), []);
  });

  test('one byte more than the cap is refused', () => {
    assert.deepEqual(vetListing([f('./a', 60), f('./b', 41)], SMALL), ['more than 100 bytes of content']);
  });

  test('a single member larger than the cap is refused', () => {
    assert.deepEqual(vetListing([f('./big', 101)], SMALL), ['more than 100 bytes of content']);
  });

  test('reading stops at the byte cap: later problems are not reported', () => {
    assert.deepEqual(vetListing([f('./a', 101), f('/x')], SMALL), ['more than 100 bytes of content']);
  });

  test('device numbers are not counted as bytes', () => {
    const caps: Caps = { ...SMALL, maxBytes: 0 };
    assert.deepEqual(vetListing([c('./null', '1,3'), b('./sda', '8,0'), c('./big', '136,1000')], caps), []);
  });

  test('the entry cap is reported before the byte cap when one member passes both', () => {
    const caps: Caps = { maxEntries: 1, maxBytes: 10, maxDepth: 8 };
    assert.deepEqual(vetListing([f('./a', 5), f('./b', 50)], caps), ['more than 1 entries']);
  });
});

describe('vetListing: reporting', () => {
  test('unreadable lines are reported and reading goes on', () => {
    assert.deepEqual(vetListing(['junk', f('/x')]), [
      'unreadable listing line: "junk"',
      'member "/x" would be written outside the tree (absolute or ".." in its name)',
    ]);
  });

  test('problems come in listing order', () => {
    assert.deepEqual(vetListing([h('./h', './f'), f('../x'), d('./d/'), f('./d')]), [
      'hard link "h" points to "f", which is not an earlier member',
      'member "../x" would be written outside the tree (absolute or ".." in its name)',
      'member "d" replaces a directory of the same archive with a file',
    ]);
  });

  test('a member replacing a directory with a bad hard link gets both messages', () => {
    assert.deepEqual(vetListing([d('./d/'), h('./d', './missing')]), [
      'member "d" replaces a directory of the same archive with a hardlink',
      'hard link "d" points to "missing", which is not an earlier member',
    ]);
  });

  test('at most 20 problems are kept, the first 20', () => {
    const lines = Array.from({ length: 25 }, (_, i) => f(`/abs${i}`));
    const problems = vetListing(lines);
    assert.equal(problems.length, 20);
    assert.equal(problems[0], 'member "/abs0" would be written outside the tree (absolute or ".." in its name)');
    assert.equal(problems[19], 'member "/abs19" would be written outside the tree (absolute or ".." in its name)');
  });

  test('exactly 20 problems are all kept', () => {
    assert.equal(vetListing(Array.from({ length: 20 }, (_, i) => f(`/abs${i}`))).length, 20);
  });

  test('a cap passed after 20 problems is not added', () => {
    const caps: Caps = { maxEntries: 21, maxBytes: 1000, maxDepth: 8 };
    const lines = [...Array.from({ length: 21 }, (_, i) => f(`/abs${i}`)), f('./one-too-many')];
    const problems = vetListing(lines, caps);
    assert.equal(problems.length, 20);
    assert.equal(problems.includes('more than 21 entries'), false);
  });
});

describe('listingHolds', () => {
  // Modes as GNU tar prints them: "s" where the execute bit is set with setuid or setgid, "S"
  // where it is not, "t" and "T" likewise for the sticky bit in the others' triplet.
  const withMode = (mode: string, name = './x'): string => row(mode, '0', name);
  const mark = (line: string, marker: string): string => `${line.slice(0, 10)}${marker}${line.slice(10)}`;
  const DEVICES: Holds = { devices: true, setuid: false };
  const SETUID: Holds = { devices: false, setuid: true };
  const BOTH: Holds = { devices: true, setuid: true };

  test('HOLDS_NOTHING holds neither devices nor setuid files', () => {
    assert.deepEqual(HOLDS_NOTHING, { devices: false, setuid: false });
  });

  test('an empty listing holds nothing', () => {
    assert.deepEqual(listingHolds([]), HOLDS_NOTHING);
  });

  const devices: ReadonlyArray<readonly [string, string]> = [
    ['a character device', c('./dev/null', '1,3')],
    ['a block device', b('./dev/sda', '8,0')],
    ['a character device with a large minor number', c('./dev/pts/1000', '136,1000')],
  ];
  for (const [what, line] of devices) {
    test(`${what} is a device, and no setuid file`, () => {
      assert.deepEqual(listingHolds([line]), DEVICES);
    });
  }

  const plain: ReadonlyArray<readonly [string, string]> = [
    ['a plain file', f('./etc/passwd')],
    ['an executable', withMode('-rwxr-xr-x', './usr/bin/env')],
    ['a directory', d('./etc/')],
    ['a symlink', l('./bin', 'usr/bin')],
    ['a hard link', h('./h', './etc/passwd')],
    ['a fifo', p('./run/fifo')],
    ['a contiguous file (another type)', contiguous('./cont')],
    ['the archive\'s own "./"', ROOT],
    ['a file with every permission bit but no special one', withMode('-rwxrwxrwx')],
    ['a file with no permission bit at all', withMode('----------')],
  ];
  for (const [what, line] of plain) {
    test(`${what} holds nothing`, () => {
      assert.deepEqual(listingHolds([line]), HOLDS_NOTHING);
    });
  }

  const setuid: ReadonlyArray<readonly [string, string]> = [
    ['setuid and executable (-rwsr-xr-x)', '-rwsr-xr-x'],
    ['setgid and executable (-rwxr-sr-x)', '-rwxr-sr-x'],
    ['setuid without the owner\'s execute bit (-rwSr--r--)', '-rwSr--r--'],
    ['setgid without the group\'s execute bit (-rw-r-Sr--)', '-rw-r-Sr--'],
    ['setuid and setgid (-rwsr-sr-x)', '-rwsr-sr-x'],
    ['setuid with the sticky bit too (-rwsr-xr-t)', '-rwsr-xr-t'],
    ['setuid and nothing else (---S------)', '---S------'],
  ];
  for (const [what, mode] of setuid) {
    test(`a file ${what} is setuid, and no device`, () => {
      assert.deepEqual(listingHolds([withMode(mode, './usr/bin/su')]), SETUID);
    });
  }

  test('a setgid directory (drwxr-sr-x) counts as setuid: the bit is read whatever the type', () => {
    assert.deepEqual(listingHolds([withMode('drwxr-sr-x', './var/mail/')]), SETUID);
  });

  test('a hard link listed with a setuid mode counts as setuid', () => {
    assert.deepEqual(listingHolds([withMode('-rwsr-xr-x', './usr/bin/su'), row('hrwsr-xr-x', '0', './usr/bin/su2', ' link to "./usr/bin/su"')]), SETUID);
  });

  test('a device with a setgid mode is both', () => {
    assert.deepEqual(listingHolds([withMode('crw-r-Sr--', './dev/odd')]), BOTH);
  });

  const sticky: ReadonlyArray<readonly [string, string]> = [
    ['a sticky directory (drwxrwxrwt)', 'drwxrwxrwt'],
    ['a sticky directory without the others\' execute bit (drwxrwxr-T)', 'drwxrwxr-T'],
    ['a sticky file (-rw-r--r-T)', '-rw-r--r-T'],
  ];
  for (const [what, mode] of sticky) {
    test(`${what} is not setuid`, () => {
      assert.deepEqual(listingHolds([withMode(mode, './tmp/')]), HOLDS_NOTHING);
    });
  }

  test('a listing with a device and a setuid file holds both, in either order', () => {
    const dev = c('./dev/null');
    const su = withMode('-rwsr-xr-x', './usr/bin/su');
    assert.deepEqual(listingHolds([ROOT, dev, f('./a'), su, f('./b')]), BOTH);
    assert.deepEqual(listingHolds([ROOT, su, f('./a'), dev, f('./b')]), BOTH);
  });

  test('devices and setuid files are found anywhere in a long listing', () => {
    const many = Array.from({ length: 1000 }, (_, i) => f(`./f${i}`));
    assert.deepEqual(listingHolds([...many, b('./dev/sda')]), DEVICES);
    assert.deepEqual(listingHolds([...many, withMode('-rwxr-sr-x', './usr/bin/wall')]), SETUID);
  });

  test('empty lines are ignored', () => {
    assert.deepEqual(listingHolds(['', '', f('./a'), '']), HOLDS_NOTHING);
    assert.deepEqual(listingHolds(['', c('./dev/null'), '']), DEVICES);
  });

  const unreadable: ReadonlyArray<readonly [string, string]> = [
    ['a message tar writes', "tar: Removing leading `/' from member names"],
    ['a device line with its name unquoted', 'crw-r--r-- 0/0             1,3 2026-11-26 02:45 ./dev/null'],
    ['a setuid line with its name unquoted', '-rwsr-xr-x 0/0               0 2026-11-26 02:45 ./usr/bin/su'],
    ['a block device line with text after the name', `${b('./dev/sda')} extra`],
    ['tar -xvv\'s note of a setgid directory it creates', 'drwxr-sr-x                  Creating directory: "var/mail"'],
    ['a device line with an unknown marker after the mode', mark(c('./dev/null'), 'x')],
  ];
  for (const [what, line] of unreadable) {
    test(`${what} is unreadable, and ignored`, () => {
      assert.ok('error' in parseListingLine(line), 'the line is unreadable');
      assert.deepEqual(listingHolds([line]), HOLDS_NOTHING);
    });
  }

  test('an unreadable line does not stop the reading: members after it count', () => {
    assert.deepEqual(listingHolds(['junk', c('./dev/null'), 'more junk', withMode('-rwsr-xr-x')]), BOTH);
  });

  const markers: ReadonlyArray<readonly [string, string]> = [
    ['*', 'extended attributes'],
    ['+', 'an ACL'],
    ['.', 'an SELinux context'],
  ];
  for (const [marker, what] of markers) {
    test(`a member marked "${marker}" (${what}) after the mode is read as without the marker`, () => {
      assert.deepEqual(listingHolds([mark(c('./dev/null'), marker)]), DEVICES);
      assert.deepEqual(listingHolds([mark(b('./dev/sda'), marker)]), DEVICES);
      assert.deepEqual(listingHolds([mark(withMode('-rwsr-xr-x', './usr/bin/su'), marker)]), SETUID);
      assert.deepEqual(listingHolds([mark(withMode('-rwxr-sr-x', './usr/bin/wall'), marker)]), SETUID);
      assert.deepEqual(listingHolds([mark(f('./a'), marker), mark(withMode('drwxrwxrwt', './tmp/'), marker)]), HOLDS_NOTHING);
    });
  }

  test('the real listing of the extracting tar with --xattrs holds nothing', () => {
    assert.deepEqual(listingHolds([
      'drwxr-xr-x  0/0               0 2026-11-26 04:48 "./"',
      'lrwxrwxrwx  0/0               0 2026-11-26 04:48 "./b" -> "a"',
      '-rw-r--r--* 0/0               4 2026-11-26 04:48 "./a"',
    ]), HOLDS_NOTHING);
  });

  test('two spaces after the mode (an unmarked member next to marked ones) read the same', () => {
    assert.deepEqual(listingHolds([mark(c('./dev/null'), ' '), mark(withMode('-rwSr--r--'), ' ')]), BOTH);
  });

  test('without a second argument, nothing is assumed held before', () => {
    assert.deepEqual(listingHolds([f('./a')]), listingHolds([f('./a')], HOLDS_NOTHING));
  });

  const befores: readonly Holds[] = [HOLDS_NOTHING, DEVICES, SETUID, BOTH];
  for (const before of befores) {
    test(`what was held before (${JSON.stringify(before)}) is carried over a listing that holds nothing`, () => {
      assert.deepEqual(listingHolds([], before), before);
      assert.deepEqual(listingHolds([ROOT, f('./a'), d('./d/'), l('./l', 'a'), 'junk', ''], before), before);
    });
  }

  test('what a listing holds is added to what was held before', () => {
    assert.deepEqual(listingHolds([withMode('-rwsr-xr-x')], DEVICES), BOTH);
    assert.deepEqual(listingHolds([c('./dev/null')], SETUID), BOTH);
    assert.deepEqual(listingHolds([c('./dev/null')], DEVICES), DEVICES);
    assert.deepEqual(listingHolds([withMode('-rwsr-xr-x')], SETUID), SETUID);
  });

  test('true stays true: a later listing without devices or setuid files does not clear them', () => {
    let holds = HOLDS_NOTHING;
    for (const layer of [[c('./dev/null')], [f('./a')], [withMode('-rwxr-sr-x')], [d('./d/')], []]) holds = listingHolds(layer, holds);
    assert.deepEqual(holds, BOTH);
  });

  test('neither the listing, what was held before, nor HOLDS_NOTHING is changed', () => {
    const lines = Object.freeze([c('./dev/null'), withMode('-rwsr-xr-x')]);
    const before: Holds = Object.freeze({ devices: false, setuid: false });
    assert.deepEqual(listingHolds(lines, before), BOTH);
    assert.deepEqual(before, { devices: false, setuid: false });
    assert.deepEqual(lines, [c('./dev/null'), withMode('-rwsr-xr-x')]);
    assert.deepEqual(listingHolds(lines), BOTH);
    assert.deepEqual(HOLDS_NOTHING, { devices: false, setuid: false });
  });
});

describe('limitsOf and readLimits: the caps create records for update', () => {
  test('the defaults record nothing', () => {
    assert.deepEqual(limitsOf(DEFAULT_CAPS), {});
  });
  test('a changed cap is recorded, the default one is not', () => {
    assert.deepEqual(limitsOf({ ...DEFAULT_CAPS, maxBytes: 2 ** 20 }), { maxBytes: 2 ** 20 });
    assert.deepEqual(limitsOf({ ...DEFAULT_CAPS, maxEntries: 10 }), { maxEntries: 10 });
    assert.deepEqual(limitsOf({ ...DEFAULT_CAPS, maxBytes: 5, maxEntries: 10 }), { maxBytes: 5, maxEntries: 10 });
  });
  test('the depth cap, which no option sets, is never recorded', () => {
    assert.deepEqual(limitsOf({ ...DEFAULT_CAPS, maxDepth: 3 }), {});
  });
  test('what limitsOf records reads back the same', () => {
    const limits = limitsOf({ ...DEFAULT_CAPS, maxBytes: 20 * 2 ** 30, maxEntries: 1000 });
    assert.deepEqual(readLimits(JSON.parse(JSON.stringify(limits))), limits);
  });
  const ignored: ReadonlyArray<[string, unknown]> = [
    ['nothing recorded', undefined],
    ['null', null],
    ['a number', 5],
    ['a string', '1G'],
    ['an array', [1, 2]],
  ];
  for (const [what, v] of ignored) {
    test(`${what} reads as no limits`, () => assert.deepEqual(readLimits(v), {}));
  }
  test('only positive whole numbers count', () => {
    assert.deepEqual(readLimits({ maxBytes: '1G', maxEntries: 10 }), { maxEntries: 10 });
    assert.deepEqual(readLimits({ maxBytes: 0, maxEntries: -1 }), {});
    assert.deepEqual(readLimits({ maxBytes: 1.5, maxEntries: 2 ** 60 }), {});
    assert.deepEqual(readLimits({ maxBytes: 7, other: 3 }), { maxBytes: 7 });
  });
});
