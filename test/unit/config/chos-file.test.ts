// Unit tests for src/config/chos-file.ts: the /etc/chos parser and normalisePath. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChosFile, type EnvEntry, mergeChosFiles, normalisePath, parseChosFile } from '../../../src/config/chos-file.js';
import type { Diagnostic } from '../../../src/config/diagnostic.js';

const FILE = '/etc/chos';
const parse = (text: string): ChosFile => parseChosFile(text, FILE);
const lines = (...ls: string[]): string => ls.join('\n') + '\n';

const CHARS =
  'a name may hold only letters, digits, ".", "_", "+" and "-", and may not start with "." or "-"';
const PATH_HINT = 'write the full path of the tree, starting with "/"';

/** Builds a diagnostic of FILE the way the parser does (no `hint` key when there is none). */
function diag(line: number, severity: Diagnostic['severity'], message: string, hint?: string): Diagnostic {
  return { file: FILE, line, severity, message, ...(hint === undefined ? {} : { hint }) };
}
const err = (line: number, message: string, hint?: string): Diagnostic => diag(line, 'error', message, hint);
const warn = (line: number, message: string, hint?: string): Diagnostic => diag(line, 'warning', message, hint);
const entry = (name: string, path: string, line: number): EnvEntry => ({ name, path, line, file: FILE });

interface Case {
  readonly name: string;
  readonly text: string;
  readonly entries: readonly EnvEntry[];
  readonly diagnostics: readonly Diagnostic[];
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    test(c.name, () => {
      const got = parse(c.text);
      assert.deepEqual(got.diagnostics, c.diagnostics);
      assert.deepEqual(got.entries, c.entries);
    });
  }
}

describe('parseChosFile: layout of the file', () => {
  runCases([
    {
      name: 'an empty file has no entries and no diagnostics',
      text: '',
      entries: [],
      diagnostics: [],
    },
    {
      name: 'the example from the original documentation is read as two environments',
      text: lines('%SHELLS', 'root:/', 'debian6:/export/os/debian6'),
      entries: [entry('root', '/', 2), entry('debian6', '/export/os/debian6', 3)],
      diagnostics: [],
    },
    {
      name: 'comment lines are ignored, also when the "#" is indented',
      text: lines('# environments', '%SHELLS', '# sl7:/srv/sl7', '   # indented', '\t# tabbed', 'el9:/srv/el9'),
      entries: [entry('el9', '/srv/el9', 6)],
      diagnostics: [],
    },
    {
      name: 'blank and whitespace-only lines are ignored but still counted',
      text: lines('', '%SHELLS', '', '   ', '\t', 'el9:/srv/el9'),
      entries: [entry('el9', '/srv/el9', 6)],
      diagnostics: [],
    },
    {
      name: 'CRLF line endings are read like LF ones',
      text: '%SHELLS\r\nroot:/\r\nel9:/srv/el9\r\n',
      entries: [entry('root', '/', 2), entry('el9', '/srv/el9', 3)],
      diagnostics: [],
    },
    {
      name: 'a file without a final newline keeps its last line',
      text: '%SHELLS\nel9:/srv/el9',
      entries: [entry('el9', '/srv/el9', 2)],
      diagnostics: [],
    },
    {
      name: 'a section line may carry trailing whitespace',
      text: lines('%SHELLS \t', 'el9:/srv/el9'),
      entries: [entry('el9', '/srv/el9', 2)],
      diagnostics: [],
    },
    {
      name: 'lines before any section are ignored with a warning naming the line',
      text: lines('el8:/srv/el8', '  stray text  ', '%SHELLS', 'el9:/srv/el9'),
      entries: [entry('el9', '/srv/el9', 4)],
      diagnostics: [
        warn(1, 'line outside any section is ignored: "el8:/srv/el8"', 'put environments after a line "%SHELLS"'),
        warn(2, 'line outside any section is ignored: "stray text"', 'put environments after a line "%SHELLS"'),
      ],
    },
    {
      name: 'an unknown section is warned about and its lines are ignored, even malformed ones',
      text: lines('%SHELLS', 'el8:/srv/el8', '%MODULES', 'el9:/srv/el9', 'no colon here', 'bad name:relative'),
      entries: [entry('el8', '/srv/el8', 2)],
      diagnostics: [
        warn(3, 'unknown section "%MODULES": its lines are ignored', 'the only section chos reads in this file is %SHELLS'),
      ],
    },
    {
      name: 'a bare "%" opens an unknown, empty-named section',
      text: lines('%SHELLS', '%', 'el9:/srv/el9'),
      entries: [],
      diagnostics: [warn(2, 'unknown section "%": its lines are ignored', 'the only section chos reads in this file is %SHELLS')],
    },
    {
      name: 'section names are case-sensitive',
      text: lines('%shells', 'el9:/srv/el9'),
      entries: [],
      diagnostics: [warn(1, 'unknown section "%shells": its lines are ignored', 'the only section chos reads in this file is %SHELLS')],
    },
    {
      name: '%SHELLS may be opened again after another section',
      text: lines('%SHELLS', 'el8:/srv/el8', '%OTHER', 'x:/x', '%SHELLS', 'el9:/srv/el9'),
      entries: [entry('el8', '/srv/el8', 2), entry('el9', '/srv/el9', 6)],
      diagnostics: [warn(3, 'unknown section "%OTHER": its lines are ignored', 'the only section chos reads in this file is %SHELLS')],
    },
  ]);
});

describe('parseChosFile: alias:path lines', () => {
  runCases([
    {
      name: 'a line is split at its first colon, so the path may hold colons',
      text: lines('%SHELLS', 'el9:/srv/el9:v2:x'),
      entries: [entry('el9', '/srv/el9:v2:x', 2)],
      diagnostics: [],
    },
    {
      name: 'whitespace around the name and the path is trimmed',
      text: lines('%SHELLS', '  el9 \t:  /srv/el9 \t', '\tel8:/srv/el8'),
      entries: [entry('el9', '/srv/el9', 2), entry('el8', '/srv/el8', 3)],
      diagnostics: [],
    },
    {
      name: 'the path is normalised: repeated and trailing slashes and "." components go',
      text: lines('%SHELLS', 'el9://srv/./el9//'),
      entries: [entry('el9', '/srv/el9', 2)],
      diagnostics: [],
    },
    {
      name: 'a line without a colon is an error with the exact line number',
      text: lines('%SHELLS', 'el8:/srv/el8', '  el9 /srv/el9  '),
      entries: [entry('el8', '/srv/el8', 2)],
      diagnostics: [err(3, 'expected "name:path", found "el9 /srv/el9"', 'write each environment as alias:/absolute/path')],
    },
    {
      name: 'an empty path is an error',
      text: lines('%SHELLS', 'el9:', 'el8:   '),
      entries: [],
      diagnostics: [
        err(2, 'environment "el9" has no path', 'write it as alias:/absolute/path'),
        err(3, 'environment "el8" has no path', 'write it as alias:/absolute/path'),
      ],
    },
    {
      name: 'a relative path is an error',
      text: lines('%SHELLS', 'el9:srv/el9'),
      entries: [],
      diagnostics: [err(2, 'path of "el9" must be absolute and free of ".." components, found "srv/el9"', PATH_HINT)],
    },
    {
      name: 'a path with a ".." component is an error',
      text: lines('%SHELLS', 'el9:/srv/../etc', 'el8:/srv/el8/..'),
      entries: [],
      diagnostics: [
        err(2, 'path of "el9" must be absolute and free of ".." components, found "/srv/../etc"', PATH_HINT),
        err(3, 'path of "el8" must be absolute and free of ".." components, found "/srv/el8/.."', PATH_HINT),
      ],
    },
    {
      name: 'a path component that merely starts with ".." is accepted',
      text: lines('%SHELLS', 'el9:/srv/..el9'),
      entries: [entry('el9', '/srv/..el9', 2)],
      diagnostics: [],
    },
    {
      name: 'an empty name is an error',
      text: lines('%SHELLS', ':/srv/el9', '   :/srv/el8'),
      entries: [],
      diagnostics: [
        err(2, 'invalid environment name "": the name is empty'),
        err(3, 'invalid environment name "": the name is empty'),
      ],
    },
    {
      name: 'a name of 64 characters is accepted',
      text: lines('%SHELLS', `${'a'.repeat(64)}:/srv/long`),
      entries: [entry('a'.repeat(64), '/srv/long', 2)],
      diagnostics: [],
    },
    {
      name: 'a name of 65 characters is an error',
      text: lines('%SHELLS', `${'a'.repeat(65)}:/srv/long`),
      entries: [],
      diagnostics: [err(2, `invalid environment name "${'a'.repeat(65)}": the name is longer than 64 characters`)],
    },
    {
      name: 'names may use letters, digits, ".", "_", "+" and "-"',
      text: lines('%SHELLS', 'Deb-12.5_x+y:/srv/a', '9lives:/srv/b', '_x:/srv/c', '+plus:/srv/d'),
      entries: [
        entry('Deb-12.5_x+y', '/srv/a', 2),
        entry('9lives', '/srv/b', 3),
        entry('_x', '/srv/c', 4),
        entry('+plus', '/srv/d', 5),
      ],
      diagnostics: [],
    },
  ]);

  const badNames: readonly string[] = [
    'el 9', 'el/9', '/srv/el9', 'el$9', 'el9;rm', 'é', 'el9*', '-el9', '--help', '.el9', '.', '..', 'a\tb', 'a"b',
  ];
  for (const name of badNames) {
    test(`the name ${JSON.stringify(name)} is rejected with the character rule`, () => {
      const got = parse(lines('%SHELLS', `${name}:/srv/x`));
      assert.deepEqual(got.diagnostics, [err(2, `invalid environment name "${name}": ${CHARS}`)]);
      assert.deepEqual(got.entries, []);
    });
  }

  const hostileNames: readonly string[] = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];
  for (const name of hostileNames) {
    test(`the name "${name}" is an ordinary name and is kept as such`, () => {
      const got = parse(lines('%SHELLS', `${name}:/srv/x`, `${name}:/srv/y`, 'el9:/srv/el9'));
      assert.deepEqual(got.entries, [entry(name, '/srv/x', 2), entry('el9', '/srv/el9', 4)]);
      assert.deepEqual(got.diagnostics, [
        err(3, `duplicate environment "${name}": already defined at line 2`, 'remove or rename one of the two lines'),
      ]);
      assert.equal(Object.getPrototypeOf(got.entries[0]), Object.prototype);
    });
  }
});

describe('parseChosFile: duplicates', () => {
  runCases([
    {
      name: 'a duplicate name is an error naming the line of the first definition',
      text: lines('%SHELLS', '', 'el9:/srv/el9', 'el8:/srv/el8', 'el9:/srv/other', 'el9:/srv/third'),
      entries: [entry('el9', '/srv/el9', 3), entry('el8', '/srv/el8', 4)],
      diagnostics: [
        err(5, 'duplicate environment "el9": already defined at line 3', 'remove or rename one of the two lines'),
        err(6, 'duplicate environment "el9": already defined at line 3', 'remove or rename one of the two lines'),
      ],
    },
    {
      name: 'a name whose first line was rejected may be defined again',
      text: lines('%SHELLS', 'el9:relative', 'el9:/srv/el9'),
      entries: [entry('el9', '/srv/el9', 3)],
      diagnostics: [err(2, 'path of "el9" must be absolute and free of ".." components, found "relative"', PATH_HINT)],
    },
    {
      name: 'names differing only in case are different environments',
      text: lines('%SHELLS', 'el9:/srv/a', 'EL9:/srv/b'),
      entries: [entry('el9', '/srv/a', 2), entry('EL9', '/srv/b', 3)],
      diagnostics: [],
    },
    {
      name: 'a duplicate across two %SHELLS sections is still a duplicate',
      text: lines('%SHELLS', 'el9:/srv/a', '%SHELLS', 'el9:/srv/b'),
      entries: [entry('el9', '/srv/a', 2)],
      diagnostics: [err(4, 'duplicate environment "el9": already defined at line 2', 'remove or rename one of the two lines')],
    },
  ]);
});

describe('parseChosFile: root and the host', () => {
  runCases([
    {
      name: '"root:/" is accepted',
      text: lines('%SHELLS', 'root:/'),
      entries: [entry('root', '/', 2)],
      diagnostics: [],
    },
    {
      name: '"root" with a path that normalises to "/" is accepted',
      text: lines('%SHELLS', 'root://', 'host:/./'),
      entries: [entry('root', '/', 2), entry('host', '/', 3)],
      diagnostics: [],
    },
    {
      name: '"root" with any other path is an error',
      text: lines('%SHELLS', 'root:/srv/el9'),
      entries: [],
      diagnostics: [err(2, '"root" is reserved for the host\'s own root and must be "root:/", found "/srv/el9"')],
    },
    {
      name: '"root" with a relative path is reported as a bad path first',
      text: lines('%SHELLS', 'root:srv'),
      entries: [],
      diagnostics: [err(2, 'path of "root" must be absolute and free of ".." components, found "srv"', PATH_HINT)],
    },
    {
      name: 'any alias whose path is "/" is kept with path "/", meaning the host',
      text: lines('%SHELLS', 'host:/', 'local:/'),
      entries: [entry('host', '/', 2), entry('local', '/', 3)],
      diagnostics: [],
    },
  ]);
});

describe('parseChosFile: default', () => {
  runCases([
    {
      name: '"default" may be a path like any environment',
      text: lines('%SHELLS', 'default:/srv/el9/'),
      entries: [entry('default', '/srv/el9', 2)],
      diagnostics: [],
    },
    {
      name: '"default" may name another environment defined later in the file',
      text: lines('%SHELLS', 'default:el9', 'el9:/srv/el9'),
      entries: [{ name: 'default', path: '', aliasOf: 'el9', line: 2, file: FILE }, entry('el9', '/srv/el9', 3)],
      diagnostics: [],
    },
    {
      name: '"default" may name another environment defined earlier, with whitespace around it',
      text: lines('%SHELLS', 'el9:/srv/el9', 'default :  el9  '),
      entries: [entry('el9', '/srv/el9', 2), { name: 'default', path: '', aliasOf: 'el9', line: 3, file: FILE }],
      diagnostics: [],
    },
    {
      name: '"default" may name "root" even when root is not listed',
      text: lines('%SHELLS', 'default:root'),
      entries: [{ name: 'default', path: '', aliasOf: 'root', line: 2, file: FILE }],
      diagnostics: [],
    },
    {
      name: '"default" may name an alias of the host',
      text: lines('%SHELLS', 'host:/', 'default:host'),
      entries: [entry('host', '/', 2), { name: 'default', path: '', aliasOf: 'host', line: 3, file: FILE }],
      diagnostics: [],
    },
    {
      name: '"default" naming an unknown environment is an error and the entry is dropped',
      text: lines('%SHELLS', 'el9:/srv/el9', 'default:el8'),
      entries: [entry('el9', '/srv/el9', 2)],
      diagnostics: [err(3, '"default" names "el8", which is not an environment defined by a path in this file')],
    },
    {
      name: '"default" naming an environment whose own line was rejected is an error',
      text: lines('%SHELLS', 'el9:relative', 'default:el9'),
      entries: [],
      diagnostics: [
        err(2, 'path of "el9" must be absolute and free of ".." components, found "relative"', PATH_HINT),
        err(3, '"default" names "el9", which is not an environment defined by a path in this file'),
      ],
    },
    {
      name: '"default" naming itself is an error',
      text: lines('%SHELLS', 'default:default'),
      entries: [],
      diagnostics: [err(2, '"default" names "default", which is not an environment defined by a path in this file')],
    },
    {
      name: '"default" naming something that is neither a path nor a valid name is an error',
      text: lines('%SHELLS', 'default:srv/el9', 'default:.hidden', 'default:el 9'),
      entries: [],
      diagnostics: [
        err(2, '"default" must name a path or another environment, found "srv/el9"'),
        err(3, '"default" must name a path or another environment, found ".hidden"'),
        err(4, '"default" must name a path or another environment, found "el 9"'),
      ],
    },
    {
      name: '"default" with a ".." path is an error about the path',
      text: lines('%SHELLS', 'default:/srv/../el9'),
      entries: [],
      diagnostics: [err(2, 'path of "default" must be absolute and free of ".." components, found "/srv/../el9"', PATH_HINT)],
    },
    {
      name: 'a second "default" is a duplicate naming the first',
      text: lines('%SHELLS', 'el9:/srv/el9', 'default:el9', 'default:/srv/other'),
      entries: [entry('el9', '/srv/el9', 2), { name: 'default', path: '', aliasOf: 'el9', line: 3, file: FILE }],
      diagnostics: [err(4, 'duplicate environment "default": already defined at line 3', 'remove or rename one of the two lines')],
    },
    {
      name: 'only "default" may name another environment: other names need a path',
      text: lines('%SHELLS', 'el9:/srv/el9', 'alias:el9'),
      entries: [entry('el9', '/srv/el9', 2)],
      diagnostics: [err(3, 'path of "alias" must be absolute and free of ".." components, found "el9"', PATH_HINT)],
    },
  ]);
});

describe('parseChosFile: diagnostics', () => {
  test('every problem of a file is collected, in line order, with the file name given', () => {
    const got = parseChosFile(lines('stray', '%SHELLS', 'a', 'b:', '-c:/x', 'd:/x'), '/site/chos');
    assert.deepEqual(
      got.diagnostics.map((d) => [d.file, d.line, d.severity]),
      [
        ['/site/chos', 1, 'warning'],
        ['/site/chos', 3, 'error'],
        ['/site/chos', 4, 'error'],
        ['/site/chos', 5, 'error'],
      ],
    );
    assert.deepEqual(got.entries, [{ ...entry('d', '/x', 6), file: '/site/chos' }]);
  });
});

describe('normalisePath', () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ['/', '/'],
    ['//', '/'],
    ['///', '/'],
    ['/.', '/'],
    ['/./', '/'],
    ['/srv', '/srv'],
    ['/srv/', '/srv'],
    ['/srv//el9', '/srv/el9'],
    ['//srv/./el9//', '/srv/el9'],
    ['/srv/el9/.', '/srv/el9'],
    ['/srv/..el9', '/srv/..el9'],
    ['/srv/el9..', '/srv/el9..'],
    ['/srv/...', '/srv/...'],
    ['/srv/a b', '/srv/a b'],
    ['/srv/a:b', '/srv/a:b'],
    ['', undefined],
    ['.', undefined],
    ['srv', undefined],
    ['srv/el9', undefined],
    ['./srv', undefined],
    ['~/srv', undefined],
    [' /srv', undefined],
    ['/..', undefined],
    ['/../srv', undefined],
    ['/srv/..', undefined],
    ['/srv/../el9', undefined],
    ['/srv/./../el9', undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} normalises to ${expected === undefined ? 'nothing (unsafe)' : JSON.stringify(expected)}`, () => {
      assert.equal(normalisePath(input), expected);
    });
  }
});

describe('section lines', () => {
  test('opens a section at any line starting with "%", named by its first word', () => {
    const r = parse('%SHELLS\nel8:/srv/el8\n%OTHER stuff\nx:/x\n%SHELLS  trailing\nel9:/srv/el9\n');
    assert.deepEqual(r.entries.map((e) => e.name), ['el8', 'el9']);
    assert.deepEqual(r.diagnostics.map((d) => [d.line, d.message]), [[3, 'unknown section "%OTHER": its lines are ignored']]);
  });
});

describe('mergeChosFiles: /etc/chos and its drop-ins', () => {
  const main = parseChosFile('%SHELLS\nroot:/\ndefault:made\nel9:/srv/el9\n', '/etc/chos', { checkAliases: false });
  const dropIn = parseChosFile('%SHELLS\nmade:/var/lib/chos/envs/made/tree\n', '/etc/chos.d/made.conf', { checkAliases: false });

  test('lets "default" in /etc/chos name an environment from a drop-in', () => {
    const m = mergeChosFiles([main, dropIn]);
    assert.deepEqual(m.diagnostics, []);
    assert.deepEqual(m.entries.map((e) => [e.name, e.file]), [['root', '/etc/chos'], ['default', '/etc/chos'], ['el9', '/etc/chos'], ['made', '/etc/chos.d/made.conf']]);
  });

  test('refuses a name defined twice across files, naming both places, and keeps the first', () => {
    const twice = parseChosFile('%SHELLS\nel9:/other\n', '/etc/chos.d/el9.conf', { checkAliases: false });
    const m = mergeChosFiles([main, dropIn, twice]);
    assert.deepEqual(m.diagnostics, [{
      file: '/etc/chos.d/el9.conf', line: 2, severity: 'error',
      message: 'duplicate environment "el9": already defined at /etc/chos:4', hint: 'remove or rename one of the two',
    }]);
    assert.equal(m.entries.find((e) => e.name === 'el9')?.path, '/srv/el9');
  });

  test('refuses "default" naming an environment no file defines', () => {
    const m = mergeChosFiles([main]);
    assert.deepEqual(m.diagnostics, [{
      file: '/etc/chos', line: 3, severity: 'error',
      message: '"default" names "made", which is not an environment defined by a path in the configuration',
    }]);
    assert.equal(m.entries.some((e) => e.name === 'default'), false);
  });
});
