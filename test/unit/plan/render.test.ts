// Unit tests for src/plan/render.ts: sh quoting, setup scripts and launcher variable files. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type LaunchVars, renderLaunchVars, renderOp, renderSetupScript, shQuote } from '../../../src/plan/render.js';
import type { RootOp } from '../../../src/plan/root-plan.js';

describe('shQuote', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['an empty string', '', "''"],
    ['a plain word', 'abc', "'abc'"],
    ['a path', '/srv/el9', "'/srv/el9'"],
    ['spaces', 'a b  c', "'a b  c'"],
    ['a single quote', "it's", "'it'\\''s'"],
    ['only a single quote', "'", "''\\'''"],
    ['two single quotes in a row', "''", "''\\'''\\'''"],
    ['double quotes', 'say "hi"', `'say "hi"'`],
    ['a newline', 'a\nb', "'a\nb'"],
    ['a tab', 'a\tb', "'a\tb'"],
    ['shell metacharacters', '$HOME `id` $(id) ;|&<>*?[]~!#', "'$HOME `id` $(id) ;|&<>*?[]~!#'"],
    ['backslashes', 'a\\b\\', "'a\\b\\'"],
    ['a leading dash', '-rf', "'-rf'"],
  ];
  for (const [what, input, expected] of cases) {
    test(`a string with ${what} is quoted as ${expected}`, () => {
      assert.equal(shQuote(input), expected);
    });
  }
});

describe('renderOp', () => {
  const cases: ReadonlyArray<readonly [string, RootOp, string]> = [
    [
      'tmpfs mounts a 0755 nosuid nodev tmpfs and makes it private',
      { op: 'tmpfs', dst: '/run/chos/r/el9' },
      "mount -t tmpfs -o mode=0755,nosuid,nodev chos '/run/chos/r/el9'\nmount --make-private '/run/chos/r/el9'",
    ],
    [
      'mkdir creates parents and ends options before the path',
      { op: 'mkdir', dst: '/r/usr' },
      "mkdir -p -- '/r/usr'",
    ],
    [
      'symlink writes the target as given',
      { op: 'symlink', target: 'usr/bin', dst: '/r/bin' },
      "ln -s -- 'usr/bin' '/r/bin'",
    ],
    [
      'write prints the content without interpretation',
      { op: 'write', dst: '/r/.chos/env', content: "here='el9'\n" },
      "printf '%s' 'here='\\''el9'\\''\n' > '/r/.chos/env'",
    ],
    [
      'write with empty content creates an empty file',
      { op: 'write', dst: '/r/vmlinuz', content: '' },
      "printf '%s' '' > '/r/vmlinuz'",
    ],
    [
      'a read-only bind is ro, nosuid, nodev and private',
      { op: 'bind', src: '/srv/el9/usr', dst: '/r/usr', recursive: false, readOnly: true },
      "mount -o bind,ro,nosuid,nodev -- '/srv/el9/usr' '/r/usr'\nmount --make-private '/r/usr'",
    ],
    [
      'a writable non-recursive bind is a plain private bind',
      { op: 'bind', src: '/scratch', dst: '/r/scratch', recursive: false, readOnly: false },
      "mount -o bind -- '/scratch' '/r/scratch'\nmount --make-private '/r/scratch'",
    ],
    [
      'a recursive bind is an rbind made a slave',
      { op: 'bind', src: '/proc', dst: '/r/proc', recursive: true, readOnly: false },
      "mount --rbind -- '/proc' '/r/proc'\nmount --make-rslave '/r/proc'",
    ],
    [
      'a recursive bind ignores readOnly (rbind is never remounted here)',
      { op: 'bind', src: '/home', dst: '/r/home', recursive: true, readOnly: true },
      "mount --rbind -- '/home' '/r/home'\nmount --make-rslave '/r/home'",
    ],
    [
      'overlay joins the lower layers with ":" into one quoted lowerdir, read-only',
      { op: 'overlay', lower: ['/l/etc', '/srv/el9/etc'], dst: '/r/etc' },
      "mount -t overlay -o ro,nosuid,nodev,lowerdir='/l/etc:/srv/el9/etc' chos '/r/etc'\nmount --make-private '/r/etc'",
    ],
    [
      'remount-ro remounts the bind read-only, nosuid and nodev',
      { op: 'remount-ro', dst: '/r' },
      "mount -o remount,bind,ro,nosuid,nodev '/r'",
    ],
    [
      'paths with spaces and quotes stay one quoted word',
      { op: 'bind', src: "/srv/it's here", dst: '/r/a b', recursive: false, readOnly: true },
      "mount -o bind,ro,nosuid,nodev -- '/srv/it'\\''s here' '/r/a b'\nmount --make-private '/r/a b'",
    ],
  ];
  for (const [name, op, expected] of cases) {
    test(name, () => {
      assert.equal(renderOp(op), expected);
    });
  }

  test('an op of an unknown kind is a bug and throws', () => {
    const bogus = { op: 'format-disk', dst: '/' } as unknown as RootOp;
    assert.throws(() => renderOp(bogus), { message: 'unhandled op {"op":"format-disk","dst":"/"}' });
  });
});

describe('renderSetupScript', () => {
  test('an empty plan is just "set -e" and a final newline', () => {
    assert.equal(renderSetupScript([]), 'set -e\n');
  });

  test('the script starts with "set -e" and has each op in order, ending with a newline', () => {
    const ops: RootOp[] = [
      { op: 'tmpfs', dst: '/r' },
      { op: 'mkdir', dst: '/r/usr' },
      { op: 'remount-ro', dst: '/r' },
    ];
    assert.equal(
      renderSetupScript(ops),
      [
        'set -e',
        "mount -t tmpfs -o mode=0755,nosuid,nodev chos '/r'",
        "mount --make-private '/r'",
        "mkdir -p -- '/r/usr'",
        "mount -o remount,bind,ro,nosuid,nodev '/r'",
        '',
      ].join('\n'),
    );
  });

  test('every op is rendered by renderOp', () => {
    const ops: RootOp[] = [
      { op: 'symlink', target: 'usr/lib', dst: '/r/lib' },
      { op: 'bind', src: '/', dst: '/r/local', recursive: true, readOnly: false },
    ];
    assert.equal(renderSetupScript(ops), `set -e\n${ops.map(renderOp).join('\n')}\n`);
  });
});

describe('renderLaunchVars', () => {
  const cases: ReadonlyArray<readonly [string, LaunchVars, string]> = [
    [
      'a host-side file has root, keep and bashlogin, and no here',
      { root: '/run/chos/r/el9', keep: ['USER', 'HOME'], bashLogin: false },
      "root='/run/chos/r/el9'\nkeep='USER HOME'\nbashlogin=0\n",
    ],
    [
      'bashlogin is 1 when BASHLOGIN is set',
      { root: '/', keep: ['USER'], bashLogin: true },
      "root='/'\nkeep='USER'\nbashlogin=1\n",
    ],
    [
      'the marker form has here and no root',
      { root: '/run/chos/r/el9', keep: ['USER'], bashLogin: false, here: 'el9' },
      "here='el9'\nkeep='USER'\nbashlogin=0\n",
    ],
    [
      'PATH is dropped from keep, since it is reset',
      { root: '/', keep: ['PATH', 'USER', 'PATH', 'TERM'], bashLogin: false },
      "root='/'\nkeep='USER TERM'\nbashlogin=0\n",
    ],
    [
      'names that are not variable names are dropped from keep',
      { root: '/', keep: ['USER', '1BAD', 'A-B', '$(id)', "x'y", '', 'a b', 'TERM'], bashLogin: false },
      "root='/'\nkeep='USER TERM'\nbashlogin=0\n",
    ],
    [
      'an empty keep list is an empty quoted value',
      { root: '/', keep: [], bashLogin: false },
      "root='/'\nkeep=''\nbashlogin=0\n",
    ],
    [
      'ENTRY=setuid adds the helper, quoted, last',
      { root: '/run/chos/r/el9', keep: ['USER'], bashLogin: false, helper: "/opt/chos's/libexec/chos-enter" },
      "root='/run/chos/r/el9'\nkeep='USER'\nbashlogin=0\nhelper='/opt/chos'\\''s/libexec/chos-enter'\n",
    ],
    [
      'a keep list of only PATH is an empty quoted value',
      { root: '/', keep: ['PATH'], bashLogin: true, here: 'root' },
      "here='root'\nkeep=''\nbashlogin=1\n",
    ],
    [
      'root and here are quoted for sh',
      { root: "/srv/it's", keep: [], bashLogin: false },
      "root='/srv/it'\\''s'\nkeep=''\nbashlogin=0\n",
    ],
    [
      'an empty here still gives the marker form',
      { root: '/r', keep: [], bashLogin: false, here: '' },
      "here=''\nkeep=''\nbashlogin=0\n",
    ],
  ];
  for (const [name, vars, expected] of cases) {
    test(name, () => {
      assert.equal(renderLaunchVars(vars), expected);
    });
  }
});
