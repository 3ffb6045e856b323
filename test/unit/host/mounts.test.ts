// Unit tests for the pure part of src/host/mounts.ts: parseMountPoints. No I/O.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountPoints } from '../../../src/host/mounts.js';

/** One mountinfo line (proc(5)) with the given mount point field, already escaped. */
const line = (id: number, mountPoint: string): string =>
  `${id} 1 0:${id} / ${mountPoint} rw,relatime shared:${id} - tmpfs tmpfs rw,mode=755`;

describe('parseMountPoints', () => {
  const cases: ReadonlyArray<readonly [string, string, readonly string[]]> = [
    ['an empty table has no mount points', '', []],
    [
      'the fifth field of each line is the mount point, in table order',
      [line(1, '/'), line(2, '/proc'), line(3, '/run/chos')].join('\n') + '\n',
      ['/', '/proc', '/run/chos'],
    ],
    [
      'a real line with optional fields and a root other than "/" gives its mount point',
      '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n',
      ['/mnt2'],
    ],
    ['"\\040" is decoded to a space', line(1, '/srv/my\\040tree') + '\n', ['/srv/my tree']],
    ['"\\011" is decoded to a tab', line(1, '/srv/a\\011b') + '\n', ['/srv/a\tb']],
    ['"\\012" is decoded to a newline', line(1, '/srv/a\\012b') + '\n', ['/srv/a\nb']],
    ['"\\134" is decoded to a backslash', line(1, '/srv/a\\134b') + '\n', ['/srv/a\\b']],
    ['several escapes in one field are all decoded', line(1, '\\040a\\040\\040b\\040') + '\n', [' a  b ']],
    [
      'a decoded backslash does not start another escape',
      line(1, '/srv/a\\134040') + '\n',
      ['/srv/a\\040'],
    ],
    ['a backslash not followed by three octal digits is kept', line(1, '/srv/a\\08b\\9') + '\n', ['/srv/a\\08b\\9']],
    ['a text without a final newline keeps its last line', line(1, '/a') + '\n' + line(2, '/b'), ['/a', '/b']],
    ['blank lines are skipped', '\n' + line(1, '/a') + '\n\n' + line(2, '/b') + '\n\n', ['/a', '/b']],
    ['lines with fewer than five fields are skipped', '1 2 3 4\n' + line(5, '/e') + '\ngarbage\n', ['/e']],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      assert.deepEqual(parseMountPoints(text), expected);
    });
  }
});
