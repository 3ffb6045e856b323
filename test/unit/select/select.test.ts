// Unit tests for src/select/select.ts: the CHOS selection rules. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChosError, Exit } from '../../../src/errors.js';
import { type Selection, type SelectionInput, type UserFile, decide, select, userFileChoice } from '../../../src/select/select.js';

/** Test input: ~/.chos given as its text (undefined: absent). */
interface In {
  readonly envVar?: string;
  readonly userFile?: string | undefined;
  readonly known: ReadonlySet<string>;
}
const file = (text: string | undefined): UserFile => (text === undefined ? { state: 'absent' } : { state: 'read', bytes: Buffer.from(text, 'utf8') });
const input = (i: In): SelectionInput => ({ envVar: i.envVar, userFile: file(i.userFile), known: i.known, runDir: '/run/chos' });

const HINT = "run 'chos --list' to see the environments of this host";
const CHARS =
  'a name may hold only letters, digits, ".", "_", "+" and "-", and may not start with "." or "-"';

const known = (...names: string[]): ReadonlySet<string> => new Set(names);
const KNOWN = known('el8', 'el9', 'default');

describe('select: order of the sources', () => {
  const cases: ReadonlyArray<readonly [string, In, Selection]> = [
    [
      '$CHOS wins over ~/.chos and default',
      { envVar: 'el8', userFile: 'el9\n', known: KNOWN },
      { name: 'el8', source: '$CHOS' },
    ],
    [
      'the first line of ~/.chos wins over default',
      { userFile: 'el8\n', known: KNOWN },
      { name: 'el8', source: '~/.chos' },
    ],
    [
      'default is used when no choice was made and the host knows it',
      { known: KNOWN },
      { name: 'default', source: 'default' },
    ],
    [
      'the host root is used when no choice was made and there is no default',
      { known: known('el8', 'el9') },
      { name: 'root', source: 'host' },
    ],
    [
      'the host root is used when nothing at all is configured',
      { known: known() },
      { name: 'root', source: 'host' },
    ],
    [
      'an empty $CHOS counts as unset, so ~/.chos is read',
      { envVar: '', userFile: 'el9', known: KNOWN },
      { name: 'el9', source: '~/.chos' },
    ],
    [
      'an empty $CHOS counts as unset, so default is used',
      { envVar: '', known: KNOWN },
      { name: 'default', source: 'default' },
    ],
    [
      'an absent ~/.chos means no choice',
      { userFile: undefined, known: KNOWN },
      { name: 'default', source: 'default' },
    ],
    [
      'an empty ~/.chos means no choice',
      { userFile: '', known: KNOWN },
      { name: 'default', source: 'default' },
    ],
    [
      'an empty first line of ~/.chos means no choice, whatever follows',
      { userFile: '\nel9\n', known: KNOWN },
      { name: 'default', source: 'default' },
    ],
    [
      'a whitespace-only first line of ~/.chos means no choice',
      { userFile: '  \t\nel9\n', known: known('el9') },
      { name: 'root', source: 'host' },
    ],
    [
      'the first line of ~/.chos is trimmed',
      { userFile: '  el9 \t\n', known: KNOWN },
      { name: 'el9', source: '~/.chos' },
    ],
    [
      'a ~/.chos with CRLF endings is read',
      { userFile: 'el9\r\nel8\r\n', known: KNOWN },
      { name: 'el9', source: '~/.chos' },
    ],
    [
      'only the first line of ~/.chos counts, later lines are not checked',
      { userFile: 'el8\nnot a name!\n', known: KNOWN },
      { name: 'el8', source: '~/.chos' },
    ],
    [
      'a ~/.chos without a final newline is read',
      { userFile: 'el8', known: KNOWN },
      { name: 'el8', source: '~/.chos' },
    ],
    [
      '"root" is always valid in $CHOS',
      { envVar: 'root', known: known('el9') },
      { name: 'root', source: '$CHOS' },
    ],
    [
      '"root" is always valid in ~/.chos',
      { userFile: 'root\n', known: KNOWN },
      { name: 'root', source: '~/.chos' },
    ],
    [
      'a hostile name the host knows is selected like any other',
      { envVar: '__proto__', known: known('__proto__') },
      { name: '__proto__', source: '$CHOS' },
    ],
  ];
  for (const [name, i, expected] of cases) {
    test(name, () => {
      assert.deepEqual(select(input(i)), expected);
    });
  }
});

describe('select: refusals', () => {
  const cases: ReadonlyArray<readonly [string, In, ChosError['code'], string]> = [
    [
      'an unknown $CHOS is refused, naming $CHOS',
      { envVar: 'el7', userFile: 'el9', known: KNOWN },
      'unknown-environment',
      'unknown environment "el7" (from $CHOS)',
    ],
    [
      'an unknown name in ~/.chos is refused, naming ~/.chos, and does not fall back to default',
      { userFile: 'el7\n', known: KNOWN },
      'unknown-environment',
      'unknown environment "el7" (from ~/.chos)',
    ],
    [
      'names are case-sensitive',
      { envVar: 'EL9', known: KNOWN },
      'unknown-environment',
      'unknown environment "EL9" (from $CHOS)',
    ],
    [
      'a path in $CHOS is an invalid name',
      { envVar: '/srv/el9', known: KNOWN },
      'invalid-name',
      `invalid environment name from $CHOS: ${CHARS}`,
    ],
    [
      'an option-like name in ~/.chos is an invalid name',
      { userFile: '--help\n', known: KNOWN },
      'invalid-name',
      `invalid environment name from ~/.chos: ${CHARS}`,
    ],
    [
      '".." in ~/.chos is an invalid name',
      { userFile: '..', known: KNOWN },
      'invalid-name',
      `invalid environment name from ~/.chos: ${CHARS}`,
    ],
    [
      'a $CHOS with surrounding spaces is not trimmed and so is invalid',
      { envVar: ' el9', known: KNOWN },
      'invalid-name',
      `invalid environment name from $CHOS: ${CHARS}`,
    ],
    [
      'an invalid name is reported as invalid before being looked up',
      { envVar: 'el 9', known: known() },
      'invalid-name',
      `invalid environment name from $CHOS: ${CHARS}`,
    ],
  ];
  for (const [name, i, code, message] of cases) {
    test(name, () => {
      assert.throws(
        () => select(input(i)),
        (e: unknown) => {
          assert.ok(e instanceof ChosError, 'a ChosError is thrown');
          assert.equal(e.code, code);
          assert.equal(e.message, message);
          assert.equal(e.hint, HINT);
          assert.equal(e.exitCode, Exit.failed);
          return true;
        },
      );
    });
  }
});

describe('userFileChoice', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['', ''],
    ['\n', ''],
    ['el9', 'el9'],
    ['el9\n', 'el9'],
    ['el9\nel8\n', 'el9'],
    ['  el9  \n', 'el9'],
    ['\tel9\r\n', 'el9'],
    ['\nel9\n', ''],
    ['   \nel9', ''],
    ['el 9\n', 'el 9'],
  ];
  for (const [text, expected] of cases) {
    test(`the choice written in ${JSON.stringify(text)} is ${JSON.stringify(expected)}`, () => {
      assert.equal(userFileChoice(Buffer.from(text, 'utf8')), expected);
    });
  }
});

describe('decide: refusals that are not about the name', () => {
  const KNOWN2 = new Set(['el9', 'default']);
  const cases: ReadonlyArray<readonly [string, SelectionInput, string, string]> = [
    ['a ~/.chos that is not a regular file', { userFile: { state: 'not-a-file' }, known: KNOWN2, runDir: '/run/chos' }, 'user-file', '~/.chos is not a regular file'],
    ['a ~/.chos that cannot be read', { userFile: { state: 'unreadable', code: 'EACCES' }, known: KNOWN2, runDir: '/run/chos' }, 'user-file', '~/.chos cannot be read'],
    ['no choice on a host not set up', { userFile: { state: 'absent' }, known: undefined, runDir: '/run/x' }, 'not-set-up', 'chos is not set up on this host (/run/x/current is missing)'],
    ['a name on a host not set up', { envVar: 'el9', userFile: { state: 'absent' }, known: undefined, runDir: '/run/x' }, 'not-set-up', 'chos is not set up on this host (/run/x/current is missing)'],
  ];
  for (const [name, i, problem, message] of cases) {
    test(`${name} is refused: ${message}`, () => {
      assert.deepEqual(decide(i), { ...decide(i), problem, message });
      assert.ok('problem' in decide(i));
    });
  }

  test('"root" needs no setup, and $CHOS is not read from a file that cannot be read', () => {
    assert.deepEqual(decide({ envVar: 'root', userFile: { state: 'not-a-file' }, known: undefined, runDir: '/run/x' }), { name: 'root', source: '$CHOS' });
  });

  test('a NUL byte in ~/.chos makes the name invalid; a byte order mark is not trimmed', () => {
    assert.equal(userFileChoice(Buffer.from('el\u00009\n')), 'el\u00009');
    assert.equal(userFileChoice(Buffer.from('\ufeffel9\n')), '\u00ef\u00bb\u00bfel9');
    assert.equal(userFileChoice(Buffer.from(`${' '.repeat(250)}el9abcdef`)), 'el9abc');
  });
});
