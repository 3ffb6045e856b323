// Unit tests for src/config/chos-conf.ts: a tree's own /etc/chos.conf. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_KEEP_ENV, type TreeConf, parseTreeConf } from '../../../src/config/chos-conf.js';
import type { Diagnostic } from '../../../src/config/diagnostic.js';

const FILE = '/srv/el9/etc/chos.conf';
const parse = (text: string): TreeConf => parseTreeConf(text, FILE);
const lines = (...ls: string[]): string => ls.join('\n') + '\n';

const err = (line: number, message: string): Diagnostic => ({ file: FILE, line, severity: 'error', message });
const warn = (line: number, message: string): Diagnostic => ({ file: FILE, line, severity: 'warning', message });

interface Case {
  readonly name: string;
  readonly text: string;
  readonly expected: TreeConf;
}

describe('DEFAULT_KEEP_ENV', () => {
  test('it is the original built-in %ENV list, in order', () => {
    assert.deepEqual(DEFAULT_KEEP_ENV, [
      'CHOS', 'USER', 'LOGNAME', 'HOME', 'PATH', 'MAIL', 'SHELL', 'SSH_CLIENT', 'SSH_CONNECTION',
      'SSH_TTY', 'TERM', 'DISPLAY', 'SSH_AUTH_SOCK', 'HOSTTYPE', 'VENDOR', 'OSTYPE', 'MACHTYPE',
      'SHLVL', 'PWD', 'GROUP', 'HOST', 'REMOTEHOST',
    ]);
  });
});

describe('parseTreeConf', () => {
  const cases: readonly Case[] = [
    {
      name: 'a missing file (empty text) keeps the default list and no BASHLOGIN',
      text: '',
      expected: { keepEnv: DEFAULT_KEEP_ENV, bashLogin: false, diagnostics: [] },
    },
    {
      name: 'a file of comments and blank lines keeps the default list',
      text: lines('# chos.conf', '', '   # indented', '\t'),
      expected: { keepEnv: DEFAULT_KEEP_ENV, bashLogin: false, diagnostics: [] },
    },
    {
      name: 'a file without %ENV keeps the default list',
      text: lines('%BEH'),
      expected: { keepEnv: DEFAULT_KEEP_ENV, bashLogin: false, diagnostics: [] },
    },
    {
      name: '%ENV with one name per line replaces the default list',
      text: lines('%ENV', 'USER', 'HOME', 'TERM'),
      expected: { keepEnv: ['USER', 'HOME', 'TERM'], bashLogin: false, diagnostics: [] },
    },
    {
      name: '%ENV with several names per line, separated by any whitespace, is read in order',
      text: lines('%ENV', 'USER HOME', '  TERM\tDISPLAY   LANG  '),
      expected: { keepEnv: ['USER', 'HOME', 'TERM', 'DISPLAY', 'LANG'], bashLogin: false, diagnostics: [] },
    },
    {
      name: 'an empty %ENV section keeps nothing',
      text: lines('%ENV'),
      expected: { keepEnv: [], bashLogin: false, diagnostics: [] },
    },
    {
      name: 'duplicate names are kept once, at their first place',
      text: lines('%ENV', 'USER HOME USER', 'HOME TERM'),
      expected: { keepEnv: ['USER', 'HOME', 'TERM'], bashLogin: false, diagnostics: [] },
    },
    {
      name: 'two %ENV sections add up',
      text: lines('%ENV', 'USER', '%BEH', 'BASHLOGIN', '%ENV', 'HOME'),
      expected: { keepEnv: ['USER', 'HOME'], bashLogin: true, diagnostics: [] },
    },
    {
      name: 'invalid variable names are errors naming the line, and the valid ones are kept',
      text: lines('%ENV', 'USER 1ST', 'A-B HOME', 'x.y'),
      expected: {
        keepEnv: ['USER', 'HOME'],
        bashLogin: false,
        diagnostics: [
          err(2, '%ENV: word 2 is not a variable name'),
          err(3, '%ENV: word 1 is not a variable name'),
          err(4, '%ENV: word 1 is not a variable name'),
        ],
      },
    },
    {
      name: 'lowercase names and names with underscores are variable names',
      text: lines('%ENV', '_x lang_C LC_ALL'),
      expected: { keepEnv: ['_x', 'lang_C', 'LC_ALL'], bashLogin: false, diagnostics: [] },
    },
    {
      name: 'hostile names are ordinary variable names',
      text: lines('%ENV', '__proto__ constructor'),
      expected: { keepEnv: ['__proto__', 'constructor'], bashLogin: false, diagnostics: [] },
    },
    {
      name: '%BEH BASHLOGIN turns bash -l on',
      text: lines('%BEH', 'BASHLOGIN'),
      expected: { keepEnv: DEFAULT_KEEP_ENV, bashLogin: true, diagnostics: [] },
    },
    {
      name: 'an unknown %BEH flag is ignored with a warning, next to a known one',
      text: lines('%BEH', 'FOO BASHLOGIN', 'bashlogin'),
      expected: {
        keepEnv: DEFAULT_KEEP_ENV,
        bashLogin: true,
        diagnostics: [warn(2, '%BEH: word 1 is not a known flag and is ignored'), warn(3, '%BEH: word 1 is not a known flag and is ignored')],
      },
    },
    {
      name: 'an unknown section is warned about and its lines are ignored',
      text: lines('%ENV', 'USER', '%MODULES', 'HOME 1BAD', '%ENV', 'TERM'),
      expected: {
        keepEnv: ['USER', 'TERM'],
        bashLogin: false,
        diagnostics: [warn(3, 'unknown section: its lines are ignored')],
      },
    },
    {
      name: 'section lines may be indented and carry trailing whitespace',
      text: lines('  %ENV  ', 'USER', '\t%BEH', 'BASHLOGIN'),
      expected: { keepEnv: ['USER'], bashLogin: true, diagnostics: [] },
    },
    {
      name: 'lines before any section are ignored with a warning',
      text: lines('  USER HOME ', '%ENV', 'TERM'),
      expected: { keepEnv: ['TERM'], bashLogin: false, diagnostics: [warn(1, 'line outside any section is ignored')] },
    },
    {
      name: 'CRLF line endings are read like LF ones',
      text: '%ENV\r\nUSER HOME\r\n%BEH\r\nBASHLOGIN\r\n',
      expected: { keepEnv: ['USER', 'HOME'], bashLogin: true, diagnostics: [] },
    },
    {
      name: 'PATH may be listed: the launcher, not the parser, resets it',
      text: lines('%ENV', 'PATH USER'),
      expected: { keepEnv: ['PATH', 'USER'], bashLogin: false, diagnostics: [] },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parse(c.text), c.expected);
    });
  }

  test('the default list returned is the shared constant, not a copy that could drift', () => {
    assert.equal(parse('').keepEnv, DEFAULT_KEEP_ENV);
  });

  test('the file name given is used in every diagnostic', () => {
    const got = parseTreeConf(lines('stray', '%X', '%ENV', '1'), '/other/chos.conf');
    assert.deepEqual(got.diagnostics.map((d) => [d.file, d.line]), [
      ['/other/chos.conf', 1],
      ['/other/chos.conf', 2],
      ['/other/chos.conf', 4],
    ]);
  });

  test('no diagnostic quotes what a line holds (a chos.conf may be a link to a secret)', () => {
    const secret = 'root:$y$j9T$SECRETHASH:19000:0:99999:7:::';
    const got = parseTreeConf(lines(secret, '%' + secret, secret, '%ENV', secret, '%BEH', secret), '/t/etc/chos.conf');
    assert.equal(got.diagnostics.length, 4);
    for (const d of got.diagnostics) {
      assert.doesNotMatch(d.message, /SECRET|root|\$y/);
    }
  });
});
