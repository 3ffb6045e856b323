// Unit tests for src/checks/tree-check.ts: judging one OS tree from its gathered facts. Pure:
// the facts are written by hand here, nothing is read from the disk.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Finding, formatFinding, worst } from '../../../src/checks/findings.js';
import { checkTree } from '../../../src/checks/tree-check.js';
import type { ElfSummary, PathOwner, TreeCheckFacts } from '../../../src/inspect/gather.js';

const NAME = 'el9';
const TREE = '/srv/el9';
const LIBC = `${TREE}/usr/lib64/libc.so.6`;

// Directory modes as stat(2) gives them, file-type bits included.
const DIR = 0o040000;
const STICKY = 0o1000;

const owner = (path: string, uid: number, perm: number): PathOwner => ({ path, uid, mode: DIR | perm });
const elf = (machineName: string, matchesHost: boolean, minKernel?: readonly [number, number, number]): ElfSummary => ({
  machineName,
  matchesHost,
  ...(minKernel ? { minKernel } : {}),
});

const HOST_ELF = elf('x86-64', true);
const GOOD_CHAIN: readonly PathOwner[] = [owner('/', 0, 0o755), owner('/srv', 0, 0o755), owner(TREE, 0, 0o755)];

/** A healthy tree: nothing to report but tree-ok, unless overridden. */
function facts(over: Partial<TreeCheckFacts> = {}): TreeCheckFacts {
  return {
    name: NAME,
    configuredPath: TREE,
    kind: 'dir',
    chain: GOOD_CHAIN,
    hasOsRelease: true,
    sh: { state: 'ok', elf: HOST_ELF },
    shells: [{ shell: '/bin/bash', present: true }],
    identity: { passwd: { kind: 'file' }, group: { kind: 'file' } },
    setuid: 0,
    setgid: 0,
    libc: { path: LIBC, elf: elf('x86-64', true, [3, 2, 0]) },
    kernel: [6, 1, 0],
    planWarnings: [],
    ...over,
  };
}

// Finding builders, so the expected lists read like the report.
const error = (code: string, message: string, hint?: string): Finding => ({
  subject: NAME, level: 'error', code, message, ...(hint ? { hint } : {}),
});
const warning = (code: string, message: string, hint?: string): Finding => ({
  subject: NAME, level: 'warning', code, message, ...(hint ? { hint } : {}),
});
const note = (code: string, message: string, hint?: string): Finding => ({
  subject: NAME, level: 'note', code, message, ...(hint ? { hint } : {}),
});
const TREE_OK: Finding = { subject: NAME, level: 'ok', code: 'tree-ok', message: `usable (${TREE})` };

// The exact findings, one per code.
const treeMissing = (p: string): Finding =>
  error('tree-missing', `tree does not exist: ${p}`, 'create it (e.g. with debootstrap) or fix the path in /etc/chos');
const treeSymlink = (target: string): Finding =>
  error('tree-symlink', `tree path is a symlink (to ${target}): ${TREE}`,
    'write the real directory in /etc/chos: a symlink can be changed to point elsewhere between check and use');
const treeNotDirectory = (p: string): Finding => error('tree-not-directory', `tree path is not a directory: ${p}`);
const treeOwner = (p: string, uid: number): Finding =>
  error('tree-owner', `${p} is owned by uid ${uid}, not root: that user can change what everyone runs`, `run: chown root:root ${p}`);
const treeWritable = (p: string, who: string, mode: string): Finding =>
  error('tree-writable', `${p} is writable by ${who} (mode ${mode})`, `run: chmod go-w ${p}`);
const NO_OS_RELEASE = warning('no-os-release', 'the tree has no /etc/os-release (nor /usr/lib/os-release)', 'chos --list cannot name its OS');
const NO_SH = error('no-sh', 'the tree has no /bin/sh', 'install a shell in the tree (dash or bash)');
const SH_NOT_EXECUTABLE = error('sh-not-executable', "the tree's /bin/sh is not executable");
const archMismatch = (machine: string): Finding =>
  error('arch-mismatch', `the tree is built for ${machine}, which this host cannot run natively`, "use a tree for the host's architecture");
const kernelTooOld = (libc: string, needs: string, runs: string): Finding =>
  error('kernel-too-old', `the tree's C library (${libc}) needs Linux ${needs} or newer; this host runs ${runs}`,
    'programs there would fail with "FATAL: kernel too old": use an older release, or boot a newer kernel');
const NO_LIBC = warning('no-libc', 'no C library found in the tree (lib*/libc.so.6)', 'a static or musl tree can work, but its kernel needs are not checked');
const shellMissing = (shell: string): Finding =>
  warning('shell-missing', `login shell ${shell} (used on this host) is not in the tree`, 'its users get /bin/sh there');
const identityMissing = (name: string): Finding =>
  warning('identity-missing', `the tree has no /etc/${name}: user and group names will not resolve inside`,
    `create it, or make it a symlink to /local/etc/${name} as CHOS trees did`);
const identitySymlink = (name: string, target: string): Finding =>
  warning('identity-symlink', `/etc/${name} is a symlink to ${target}, outside /local`,
    `chos never follows it: the host's ${name} is shown there instead; make it a symlink to /local/etc/${name}`);
const setuidFiles = (setuid: number, setgid: number): Finding =>
  note('setuid-files', `${setuid} setuid and ${setgid} setgid files: they gain no privilege inside (nosuid, user namespace)`,
    'users may be surprised that su, sudo, ping or mount fail inside');
const mountPoint = (message: string): Finding => warning('mount-point', message);

/** The findings other than tree-ok, for tests about one aspect of an otherwise healthy tree. */
const problems = (f: TreeCheckFacts): Finding[] => checkTree(f).filter((x) => x.code !== 'tree-ok');

/** Facts where everything after the kind check is wrong, to show what an early return skips. */
const ALL_WRONG: Partial<TreeCheckFacts> = {
  chain: [owner('/', 0, 0o777), owner('/srv', 1000, 0o775), owner(TREE, 1000, 0o777)],
  hasOsRelease: false,
  sh: { state: 'missing' },
  shells: [{ shell: '/bin/zsh', present: false }],
  identity: { passwd: { kind: 'symlink', target: '/etc/passwd.site' } },
  setuid: 4,
  setgid: 2,
  libc: { path: LIBC, elf: elf('AArch64', false, [9, 0, 0]) },
  planWarnings: ['"el9" has no /usr/local/bin directory: chos will not be on the PATH inside'],
};

describe('checkTree: a healthy tree', () => {
  test('a healthy tree gives exactly one tree-ok finding naming the configured path', () => {
    assert.deepEqual(checkTree(facts()), [TREE_OK]);
  });

  test('a tree whose configured path is not its chain\'s path is still named by the configured path', () => {
    assert.deepEqual(checkTree(facts({ configuredPath: '/srv/el9/' })), [
      { subject: NAME, level: 'ok', code: 'tree-ok', message: 'usable (/srv/el9/)' },
    ]);
  });

  test('the tree-ok finding has no hint, file or line', () => {
    const [ok] = checkTree(facts());
    assert.deepEqual(Object.keys(ok ?? {}).sort(), ['code', 'level', 'message', 'subject']);
  });

  test('the facts are not changed, even when frozen', () => {
    const frozen = Object.freeze(facts({ ...ALL_WRONG, kind: 'symlink', symlinkTarget: '/data/el9' }));
    const copy = JSON.parse(JSON.stringify(frozen)) as unknown;
    checkTree(frozen);
    assert.deepEqual(JSON.parse(JSON.stringify(frozen)), copy);
  });
});

describe('checkTree: the kind of the configured path', () => {
  test('a missing tree gives exactly one tree-missing error', () => {
    assert.deepEqual(checkTree(facts({ kind: 'missing' })), [treeMissing(TREE)]);
  });

  test('a missing tree reports nothing else, however bad the other facts are', () => {
    assert.deepEqual(checkTree(facts({ ...ALL_WRONG, kind: 'missing', configuredPath: '/srv/gone' })), [treeMissing('/srv/gone')]);
  });

  test('a path that is neither a directory nor a symlink gives exactly one tree-not-directory error, without a hint', () => {
    assert.deepEqual(checkTree(facts({ kind: 'other' })), [treeNotDirectory(TREE)]);
  });

  test('a path that is not a directory reports nothing else, however bad the other facts are', () => {
    assert.deepEqual(checkTree(facts({ ...ALL_WRONG, kind: 'other', configuredPath: '/srv/el9.img' })), [treeNotDirectory('/srv/el9.img')]);
  });

  test('a symlinked tree gives a tree-symlink error naming its target, and no tree-ok', () => {
    assert.deepEqual(checkTree(facts({ kind: 'symlink', symlinkTarget: '/data/el9' })), [treeSymlink('/data/el9')]);
  });

  test('a symlinked tree whose target is unknown names it "?"', () => {
    assert.deepEqual(checkTree(facts({ kind: 'symlink' })), [treeSymlink('?')]);
  });

  test('a symlinked tree is still checked for everything else', () => {
    assert.deepEqual(
      checkTree(facts({ kind: 'symlink', symlinkTarget: '/data/el9', chain: [owner('/', 0, 0o755), owner('/data', 1000, 0o755), owner('/data/el9', 0, 0o755)], sh: { state: 'missing' }, hasOsRelease: false })),
      [treeSymlink('/data/el9'), treeOwner('/data', 1000), NO_OS_RELEASE, NO_SH],
    );
  });

  test('a symlink target is not added to any other kind\'s finding', () => {
    assert.deepEqual(checkTree(facts({ kind: 'dir', symlinkTarget: '/data/el9' })), [TREE_OK]);
  });
});

describe('checkTree: owners along the path', () => {
  test('a tree owned by another user gives a tree-owner error for it', () => {
    assert.deepEqual(checkTree(facts({ chain: [owner('/', 0, 0o755), owner('/srv', 0, 0o755), owner(TREE, 1000, 0o755)] })), [
      treeOwner(TREE, 1000),
    ]);
  });

  test('a parent owned by another user gives a tree-owner error for the parent', () => {
    assert.deepEqual(checkTree(facts({ chain: [owner('/', 0, 0o755), owner('/srv', 42, 0o755), owner(TREE, 0, 0o755)] })), [
      treeOwner('/srv', 42),
    ]);
  });

  test('every non-root component gets its own tree-owner error, in order from /', () => {
    const chain = [owner('/', 1, 0o755), owner('/srv', 0, 0o755), owner('/srv/trees', 1001, 0o755), owner('/srv/trees/el9', 1002, 0o755)];
    assert.deepEqual(checkTree(facts({ chain })), [treeOwner('/', 1), treeOwner('/srv/trees', 1001), treeOwner('/srv/trees/el9', 1002)]);
  });

  test('an empty chain is not judged at all', () => {
    assert.deepEqual(checkTree(facts({ chain: [] })), [TREE_OK]);
  });
});

describe('checkTree: write permission along the path', () => {
  // [permission bits, expected (who, printed mode) or undefined when fine]
  const modes: ReadonlyArray<readonly [number, readonly [string, string] | undefined]> = [
    [0o755, undefined],
    [0o700, undefined],
    [0o555, undefined],
    [0o705, undefined],
    [0o775, ['its group', '0775']],
    [0o770, ['its group', '0770']],
    [0o735, ['its group', '0735']],
    [0o757, ['everyone', '0757']],
    [0o777, ['everyone', '0777']],
    [0o722, ['everyone', '0722']],
    [0o2775, ['its group', '2775']],
    [0o4757, ['everyone', '4757']],
  ];
  for (const [perm, expected] of modes) {
    const mode = perm.toString(8).padStart(4, '0');
    test(`a tree with mode ${mode} ${expected ? `is writable by ${expected[0]}` : 'is not writable by others'}`, () => {
      const chain = [owner('/', 0, 0o755), owner('/srv', 0, 0o755), owner(TREE, 0, perm)];
      assert.deepEqual(checkTree(facts({ chain })), expected ? [treeWritable(TREE, ...expected)] : [TREE_OK]);
    });
    test(`a parent with mode ${mode} ${expected ? `is writable by ${expected[0]}` : 'is not writable by others'}`, () => {
      const chain = [owner('/', 0, 0o755), owner('/srv', 0, perm), owner(TREE, 0, 0o755)];
      assert.deepEqual(checkTree(facts({ chain })), expected ? [treeWritable('/srv', ...expected)] : [TREE_OK]);
    });
  }

  test('every writable component gets its own tree-writable error, in order from /', () => {
    const chain = [owner('/', 0, 0o777), owner('/srv', 0, 0o755), owner('/srv/trees', 0, 0o775), owner('/srv/trees/el9', 0, 0o757)];
    assert.deepEqual(checkTree(facts({ chain })), [
      treeWritable('/', 'everyone', '0777'),
      treeWritable('/srv/trees', 'its group', '0775'),
      treeWritable('/srv/trees/el9', 'everyone', '0757'),
    ]);
  });

  test('a component both owned by a user and writable gets the owner error first, then the writable one', () => {
    const chain = [owner('/', 0, 0o755), owner('/srv', 1000, 0o775), owner(TREE, 0, 0o755)];
    assert.deepEqual(checkTree(facts({ chain })), [treeOwner('/srv', 1000), treeWritable('/srv', 'its group', '0775')]);
  });
});

describe('checkTree: sticky directories along the path', () => {
  const TMP_TREE = '/tmp/trees/el9';
  const chainUnder = (tmp: PathOwner, tree: PathOwner = owner(TMP_TREE, 0, 0o755)): PathOwner[] => [
    owner('/', 0, 0o755), tmp, owner('/tmp/trees', 0, 0o755), tree,
  ];

  test('a root-owned sticky world-writable parent (/tmp, mode 41777) is fine', () => {
    const chain = chainUnder({ path: '/tmp', uid: 0, mode: 0o41777 });
    assert.deepEqual(checkTree(facts({ chain })), [TREE_OK]);
  });

  test('a root-owned sticky group-writable parent is fine', () => {
    const chain = chainUnder(owner('/tmp', 0, STICKY | 0o775));
    assert.deepEqual(checkTree(facts({ chain })), [TREE_OK]);
  });

  test('a root-owned sticky parent that is the tree\'s direct parent is fine', () => {
    const chain = [owner('/', 0, 0o755), owner('/tmp', 0, STICKY | 0o777), owner('/tmp/el9', 0, 0o755)];
    assert.deepEqual(checkTree(facts({ chain })), [TREE_OK]);
  });

  test('a sticky root directory is fine when it is not the tree', () => {
    const chain = [owner('/', 0, STICKY | 0o777), owner('/srv', 0, 0o755), owner(TREE, 0, 0o755)];
    assert.deepEqual(checkTree(facts({ chain })), [TREE_OK]);
  });

  test('a sticky world-writable parent owned by another user is both a tree-owner and a tree-writable error', () => {
    const chain = chainUnder(owner('/tmp', 1000, STICKY | 0o777));
    assert.deepEqual(checkTree(facts({ chain })), [treeOwner('/tmp', 1000), treeWritable('/tmp', 'everyone', '1777')]);
  });

  test('the tree itself being sticky and world-writable is still an error, even root-owned', () => {
    const chain = chainUnder({ path: '/tmp', uid: 0, mode: 0o41777 }, { path: TMP_TREE, uid: 0, mode: 0o41777 });
    assert.deepEqual(checkTree(facts({ chain })), [treeWritable(TMP_TREE, 'everyone', '1777')]);
  });

  test('the tree itself being sticky and group-writable is still an error, even root-owned', () => {
    const chain = chainUnder(owner('/tmp', 0, STICKY | 0o777), owner(TMP_TREE, 0, STICKY | 0o775));
    assert.deepEqual(checkTree(facts({ chain })), [treeWritable(TMP_TREE, 'its group', '1775')]);
  });

  test('a chain of the tree alone, sticky and world-writable, is an error', () => {
    const chain = [owner(TREE, 0, STICKY | 0o777)];
    assert.deepEqual(checkTree(facts({ chain })), [treeWritable(TREE, 'everyone', '1777')]);
  });

  test('a sticky tree that nobody else can write is fine', () => {
    const chain = [owner('/', 0, 0o755), owner('/srv', 0, 0o755), owner(TREE, 0, STICKY | 0o755)];
    assert.deepEqual(checkTree(facts({ chain })), [TREE_OK]);
  });
});

describe('checkTree: os-release', () => {
  test('a tree without os-release gets a no-os-release warning', () => {
    assert.deepEqual(checkTree(facts({ hasOsRelease: false })), [NO_OS_RELEASE]);
  });
});

describe('checkTree: /bin/sh', () => {
  const states: ReadonlyArray<readonly [TreeCheckFacts['sh'], readonly Finding[]]> = [
    [{ state: 'missing' }, [NO_SH]],
    [{ state: 'not-executable' }, [SH_NOT_EXECUTABLE]],
    [{ state: 'script' }, []],
    [{ state: 'ok' }, []],
    [{ state: 'ok', elf: HOST_ELF }, []],
  ];
  for (const [sh, expected] of states) {
    test(`a /bin/sh that is ${sh.state}${sh.elf ? ' with an ELF summary' : ''} gives ${expected.length ? expected.map((x) => x.code).join(', ') : 'no finding'}`, () => {
      assert.deepEqual(problems(facts({ sh })), expected);
    });
  }

  test('a script or ok /bin/sh leaves the tree usable', () => {
    assert.deepEqual(checkTree(facts({ sh: { state: 'script' } })), [TREE_OK]);
    assert.deepEqual(checkTree(facts({ sh: { state: 'ok', elf: HOST_ELF } })), [TREE_OK]);
  });
});

describe('checkTree: architecture', () => {
  const arm = elf('AArch64', false);
  const cases: ReadonlyArray<readonly [string, Partial<TreeCheckFacts>, readonly Finding[]]> = [
    ['a /bin/sh for another machine is an arch-mismatch', { sh: { state: 'ok', elf: arm } }, [archMismatch('AArch64')]],
    [
      'a libc for another machine is an arch-mismatch when /bin/sh has no ELF summary',
      { sh: { state: 'script' }, libc: { path: LIBC, elf: elf('PowerPC64', false) } },
      [archMismatch('PowerPC64')],
    ],
    [
      'a /bin/sh for this host wins over a libc for another machine',
      { sh: { state: 'ok', elf: HOST_ELF }, libc: { path: LIBC, elf: arm } },
      [],
    ],
    [
      'a /bin/sh for another machine wins over a libc for this host',
      { sh: { state: 'ok', elf: elf('ARM', false) }, libc: { path: LIBC, elf: HOST_ELF } },
      [archMismatch('ARM')],
    ],
    [
      'a /bin/sh and a libc both for other machines give one arch-mismatch naming the shell\'s',
      { sh: { state: 'ok', elf: elf('ARM', false) }, libc: { path: LIBC, elf: arm } },
      [archMismatch('ARM')],
    ],
    ['no ELF summary anywhere is no arch-mismatch', { sh: { state: 'script' }, libc: { path: LIBC } }, []],
    ['a missing /bin/sh does not hide a libc for another machine', { sh: { state: 'missing' }, libc: { path: LIBC, elf: arm } }, [NO_SH, archMismatch('AArch64')]],
    [
      'a /bin/sh for another machine with no libc is an arch-mismatch and a no-libc warning',
      { sh: { state: 'ok', elf: arm }, libc: undefined },
      [archMismatch('AArch64'), NO_LIBC],
    ],
  ];
  for (const [name, over, expected] of cases) {
    test(name, () => {
      assert.deepEqual(problems(facts(over)), expected);
    });
  }
});

describe('checkTree: the kernel the C library needs', () => {
  // [libc minimum, running kernel, too old?]
  const cases: ReadonlyArray<readonly [readonly [number, number, number], readonly [number, number, number], boolean]> = [
    [[3, 2, 0], [6, 1, 0], false],
    [[6, 1, 0], [6, 1, 0], false],
    [[6, 1, 1], [6, 1, 0], true],
    [[6, 1, 0], [6, 1, 1], false],
    [[6, 2, 0], [6, 1, 99], true],
    [[6, 1, 99], [6, 2, 0], false],
    [[7, 0, 0], [6, 99, 99], true],
    [[5, 99, 99], [6, 0, 0], false],
    [[4, 18, 0], [4, 9, 0], true],
    [[4, 9, 0], [4, 18, 0], false],
    [[0, 0, 1], [0, 0, 0], true],
    [[3, 10, 0], [3, 10, 0], false],
  ];
  for (const [min, kernel, tooOld] of cases) {
    test(`a libc needing ${min.join('.')} on kernel ${kernel.join('.')} ${tooOld ? 'is kernel-too-old' : 'is fine'}`, () => {
      const f = facts({ libc: { path: LIBC, elf: elf('x86-64', true, min) }, kernel });
      assert.deepEqual(problems(f), tooOld ? [kernelTooOld(LIBC, min.join('.'), kernel.join('.'))] : []);
    });
  }

  test('the kernel-too-old message names the libc path it was given', () => {
    const f = facts({ libc: { path: '/srv/el9/lib/x86_64-linux-gnu/libc.so.6', elf: elf('x86-64', true, [9, 0, 0]) } });
    assert.deepEqual(problems(f), [kernelTooOld('/srv/el9/lib/x86_64-linux-gnu/libc.so.6', '9.0.0', '6.1.0')]);
  });

  test('a libc without an ABI tag is not checked against the kernel', () => {
    assert.deepEqual(checkTree(facts({ libc: { path: LIBC, elf: elf('x86-64', true) }, kernel: [2, 6, 32] })), [TREE_OK]);
  });

  test('a libc without an ELF summary is not checked against the kernel, nor is it a no-libc', () => {
    assert.deepEqual(checkTree(facts({ libc: { path: LIBC }, kernel: [2, 6, 32] })), [TREE_OK]);
  });

  test('a /bin/sh ABI tag is not used for the kernel check', () => {
    const f = facts({ sh: { state: 'ok', elf: elf('x86-64', true, [9, 0, 0]) }, libc: { path: LIBC, elf: elf('x86-64', true, [3, 2, 0]) } });
    assert.deepEqual(checkTree(f), [TREE_OK]);
  });
});

describe('checkTree: the C library', () => {
  test('a tree without a C library gets a no-libc warning', () => {
    assert.deepEqual(checkTree(facts({ libc: undefined })), [NO_LIBC]);
  });
});

describe('checkTree: login shells', () => {
  const cases: ReadonlyArray<readonly [string, TreeCheckFacts['shells'], readonly Finding[]]> = [
    ['no host shells give no finding', [], []],
    ['present shells give no finding', [{ shell: '/bin/bash', present: true }, { shell: '/bin/zsh', present: true }], []],
    ['one missing shell gives one shell-missing warning', [{ shell: '/bin/zsh', present: false }], [shellMissing('/bin/zsh')]],
    [
      'each missing shell gets its own shell-missing warning, in the given order, and present ones none',
      [
        { shell: '/usr/bin/zsh', present: false },
        { shell: '/bin/bash', present: true },
        { shell: '/usr/bin/fish', present: false },
      ],
      [shellMissing('/usr/bin/zsh'), shellMissing('/usr/bin/fish')],
    ],
  ];
  for (const [name, shells, expected] of cases) {
    test(name, () => {
      assert.deepEqual(problems(facts({ shells })), expected);
    });
  }
});

describe('checkTree: identity files present', () => {
  const cases: ReadonlyArray<readonly [string, TreeCheckFacts['identity'], readonly Finding[]]> = [
    ['passwd and group as files give no finding', { passwd: { kind: 'file' }, group: { kind: 'file' } }, []],
    [
      'passwd and group as symlinks to /local/etc give no finding',
      { passwd: { kind: 'symlink', target: '/local/etc/passwd' }, group: { kind: 'symlink', target: '/local/etc/group' } },
      [],
    ],
    ['a passwd not in the facts is identity-missing', { group: { kind: 'file' } }, [identityMissing('passwd')]],
    ['a passwd of kind missing is identity-missing', { passwd: { kind: 'missing' }, group: { kind: 'file' } }, [identityMissing('passwd')]],
    ['a group not in the facts is identity-missing', { passwd: { kind: 'file' } }, [identityMissing('group')]],
    ['a group of kind missing is identity-missing', { passwd: { kind: 'file' }, group: { kind: 'missing' } }, [identityMissing('group')]],
    ['no identity files at all give identity-missing for passwd, then group', {}, [identityMissing('passwd'), identityMissing('group')]],
    [
      'passwd and group both missing give two warnings, passwd first whatever the facts\' order',
      { group: { kind: 'missing' }, passwd: { kind: 'missing' } },
      [identityMissing('passwd'), identityMissing('group')],
    ],
    [
      'other identity files missing are not reported',
      { passwd: { kind: 'file' }, group: { kind: 'file' }, hosts: { kind: 'missing' }, 'nsswitch.conf': { kind: 'missing' } },
      [],
    ],
    ['a passwd of another kind (a directory) is not identity-missing', { passwd: { kind: 'other' }, group: { kind: 'file' } }, []],
  ];
  for (const [name, identity, expected] of cases) {
    test(name, () => {
      assert.deepEqual(problems(facts({ identity })), expected);
    });
  }
});

describe('checkTree: identity files as symlinks', () => {
  // [file name, kind, target, flagged?]
  const cases: ReadonlyArray<readonly [string, string, string | undefined, boolean]> = [
    ['hosts', 'symlink', '/etc/hosts.site', true],
    ['resolv.conf', 'symlink', '/run/systemd/resolve/stub-resolv.conf', true],
    ['nsswitch.conf', 'symlink', '/usr/share/defaults/nsswitch.conf', true],
    ['hosts', 'symlink', '/localhost/hosts', true],
    ['hosts', 'symlink', '/local/etc/hosts', false],
    ['resolv.conf', 'symlink', '/local/run/systemd/resolve/resolv.conf', false],
    ['resolv.conf', 'symlink', '../run/systemd/resolve/stub-resolv.conf', false],
    ['hosts', 'symlink', 'hosts.site', false],
    ['hosts', 'symlink', '../local/etc/hosts', false],
    ['hosts', 'symlink', undefined, false],
    ['hosts', 'file', undefined, false],
    ['hosts', 'file', '/etc/hosts.site', false],
    ['localtime', 'symlink', '/usr/share/zoneinfo/Europe/Paris', false],
    ['localtime', 'symlink', '/usr/share/zoneinfo/UTC', false],
    ['localtime', 'symlink', '/usr/lib/zoneinfo/UTC', false],
    ['localtime', 'symlink', '../usr/share/zoneinfo/UTC', false],
    ['localtime', 'symlink', '/local/etc/localtime', false],
    ['localtime', 'symlink', '/etc/timezone.real', true],
    ['hosts', 'symlink', '/usr/share/zoneinfo/hosts', true],
  ];
  for (const [name, kind, target, flagged] of cases) {
    test(`/etc/${name} as a ${kind}${target === undefined ? '' : ` to ${target}`} is ${flagged ? '' : 'not '}an identity-symlink`, () => {
      const identity = { passwd: { kind: 'file' }, group: { kind: 'file' }, [name]: { kind, ...(target === undefined ? {} : { target }) } };
      assert.deepEqual(problems(facts({ identity })), flagged ? [identitySymlink(name, target ?? '')] : []);
    });
  }

  test('passwd and group symlinked outside /local are identity-symlink warnings, not identity-missing', () => {
    const identity = { passwd: { kind: 'symlink', target: '/etc/passwd.site' }, group: { kind: 'symlink', target: '/var/lib/group' } };
    assert.deepEqual(problems(facts({ identity })), [identitySymlink('passwd', '/etc/passwd.site'), identitySymlink('group', '/var/lib/group')]);
  });

  test('several symlinks are reported in the facts\' order, after the missing files', () => {
    const identity = {
      resolv: { kind: 'symlink', target: '/run/resolv' },
      group: { kind: 'file' },
      hosts: { kind: 'symlink', target: '/srv/hosts' },
      localtime: { kind: 'symlink', target: '/usr/share/zoneinfo/UTC' },
    };
    assert.deepEqual(problems(facts({ identity })), [
      identityMissing('passwd'),
      identitySymlink('resolv', '/run/resolv'),
      identitySymlink('hosts', '/srv/hosts'),
    ]);
  });
});

describe('checkTree: setuid and setgid files', () => {
  const cases: ReadonlyArray<readonly [number, number, boolean]> = [
    [0, 0, false],
    [1, 0, true],
    [0, 1, true],
    [12, 3, true],
  ];
  for (const [setuid, setgid, reported] of cases) {
    test(`${setuid} setuid and ${setgid} setgid files ${reported ? 'give a setuid-files note, and the tree is still usable' : 'give no finding'}`, () => {
      assert.deepEqual(checkTree(facts({ setuid, setgid })), reported ? [setuidFiles(setuid, setgid), TREE_OK] : [TREE_OK]);
    });
  }

  test('a note is no warning: a stock tree (setuid files only) is "ok" as a whole, and notes are shown as such', () => {
    const found = checkTree(facts({ setuid: 9, setgid: 4 }));
    assert.equal(worst(found), 'ok');
    assert.match(formatFinding(found[0] as Finding), /^note el9: 9 setuid and 4 setgid files/);
  });
});

describe('checkTree: warnings from planning', () => {
  test('no plan warnings give no finding', () => {
    assert.deepEqual(checkTree(facts({ planWarnings: [] })), [TREE_OK]);
  });

  test('each plan warning becomes a mount-point warning without a hint, in order', () => {
    const planWarnings = ['"el9" has no /usr/local/bin directory: chos will not be on the PATH inside', '"el9" has no /scratch: it is not mounted'];
    assert.deepEqual(checkTree(facts({ planWarnings })), planWarnings.map(mountPoint));
  });
});

describe('checkTree: tree-ok and the whole report', () => {
  const warningOnly: ReadonlyArray<readonly [string, Partial<TreeCheckFacts>]> = [
    ['no-os-release', { hasOsRelease: false }],
    ['no-libc', { libc: undefined }],
    ['shell-missing', { shells: [{ shell: '/bin/zsh', present: false }] }],
    ['identity-missing', { identity: { passwd: { kind: 'file' } } }],
    ['identity-symlink', { identity: { passwd: { kind: 'file' }, group: { kind: 'file' }, hosts: { kind: 'symlink', target: '/etc/h' } } }],
    ['mount-point', { planWarnings: ['no /scratch'] }],
  ];
  for (const [code, over] of warningOnly) {
    test(`a ${code} warning alone means no tree-ok`, () => {
      const found = checkTree(facts(over));
      assert.deepEqual(found.map((x) => [x.level, x.code]), [['warning', code]]);
    });
  }

  const errorOnly: ReadonlyArray<readonly [string, Partial<TreeCheckFacts>]> = [
    ['tree-symlink', { kind: 'symlink', symlinkTarget: '/x' }],
    ['tree-owner', { chain: [owner(TREE, 5, 0o755)] }],
    ['tree-writable', { chain: [owner(TREE, 0, 0o777)] }],
    ['no-sh', { sh: { state: 'missing' } }],
    ['sh-not-executable', { sh: { state: 'not-executable' } }],
    ['arch-mismatch', { sh: { state: 'ok', elf: elf('ARM', false) } }],
    ['kernel-too-old', { kernel: [3, 1, 0] }],
  ];
  for (const [code, over] of errorOnly) {
    test(`a ${code} error alone means no tree-ok`, () => {
      const found = checkTree(facts(over));
      assert.deepEqual(found.map((x) => [x.level, x.code]), [['error', code]]);
    });
  }

  test('everything wrong at once gives every finding, in a fixed order, and no tree-ok', () => {
    const f = facts({
      ...ALL_WRONG,
      kind: 'symlink',
      symlinkTarget: '/data/el9',
      sh: { state: 'not-executable' },
      libc: { path: LIBC, elf: elf('AArch64', false, [9, 0, 0]) },
      identity: { passwd: { kind: 'missing' }, hosts: { kind: 'symlink', target: '/etc/hosts.site' } },
    });
    assert.deepEqual(checkTree(f), [
      treeSymlink('/data/el9'),
      treeWritable('/', 'everyone', '0777'),
      treeOwner('/srv', 1000),
      treeWritable('/srv', 'its group', '0775'),
      treeOwner(TREE, 1000),
      treeWritable(TREE, 'everyone', '0777'),
      NO_OS_RELEASE,
      SH_NOT_EXECUTABLE,
      archMismatch('AArch64'),
      kernelTooOld(LIBC, '9.0.0', '6.1.0'),
      shellMissing('/bin/zsh'),
      identityMissing('passwd'),
      identityMissing('group'),
      identitySymlink('hosts', '/etc/hosts.site'),
      setuidFiles(4, 2),
      mountPoint('"el9" has no /usr/local/bin directory: chos will not be on the PATH inside'),
    ]);
  });

  const subjects: ReadonlyArray<readonly [string, Partial<TreeCheckFacts>]> = [
    ['a healthy tree', {}],
    ['a missing tree', { kind: 'missing' }],
    ['a tree that is not a directory', { kind: 'other' }],
    ['a tree with every problem', { ...ALL_WRONG, kind: 'symlink' }],
    ['a tree with every problem and no libc', { ...ALL_WRONG, libc: undefined }],
  ];
  for (const [what, over] of subjects) {
    test(`every finding for ${what} has the tree name as its subject`, () => {
      const found = checkTree(facts({ ...over, name: 'sl7-legacy' }));
      assert.ok(found.length > 0);
      for (const x of found) assert.equal(x.subject, 'sl7-legacy');
    });
  }

  test('the subject is the tree name, not its path', () => {
    assert.deepEqual(checkTree(facts({ name: 'default' })), [{ ...TREE_OK, subject: 'default' }]);
  });
});
