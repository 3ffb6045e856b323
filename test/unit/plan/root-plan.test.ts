// Unit tests for src/plan/root-plan.ts: the prepared root of one environment as data. Pure:
// the tree and host facts are written by hand here, nothing is read from the disk.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type EntryKind,
  type HostFacts,
  IDENTITY_FILES,
  type LayerFile,
  OVERLAY_UNSAFE,
  PROVIDED,
  type RootOp,
  type RootPlan,
  type RootPlanInput,
  type TreeEntry,
  type TreeFacts,
  planRoot,
} from '../../../src/plan/root-plan.js';

const ROOT = '/run/chos/gen-1/roots/el9';
const LAYERS = '/run/chos/gen-1/layers/el9';
const TREE = '/srv/el9';
const LAUNCHER = '/usr/lib/chos/bin/chos';
// srun, sbatch, salloc: the tree's own Slurm client, else a clear message (bin/chos-slurm-shim).
const SLURM_SHIMS = ['srun', 'sbatch', 'salloc'].map((c) => ({ kind: 'copy', path: `${LAYERS}/usr-local-bin/${c}`, from: `${LAUNCHER.slice(0, LAUNCHER.lastIndexOf('/') + 1)}chos-slurm-shim` }));
const MARKER = "here='el9'\nkeep='USER'\nbashlogin=0\n";

const at = (rel: string): string => `${ROOT}/${rel}`;

// Op builders, so the expected lists read like the plan itself.
const tmpfs = (dst: string): RootOp => ({ op: 'tmpfs', dst });
const mkdir = (dst: string): RootOp => ({ op: 'mkdir', dst });
const symlink = (target: string, dst: string): RootOp => ({ op: 'symlink', target, dst });
const roBind = (src: string, dst: string): RootOp => ({ op: 'bind', src, dst, recursive: false, readOnly: true });
const rBind = (src: string, dst: string): RootOp => ({ op: 'bind', src, dst, recursive: true, readOnly: false });
const overlay = (lower: string[], dst: string): RootOp => ({ op: 'overlay', lower, dst });
const write = (dst: string, content: string): RootOp => ({ op: 'write', dst, content });
const remountRo = (dst: string): RootOp => ({ op: 'remount-ro', dst });

const dir = (name: string): TreeEntry => ({ name, kind: 'dir' });
const file = (name: string): TreeEntry => ({ name, kind: 'file' });
const link = (name: string, target: string): TreeEntry => ({ name, kind: 'symlink', target });
const other = (name: string): TreeEntry => ({ name, kind: 'other' });
const missing = (name: string): TreeEntry => ({ name, kind: 'missing' });

/** A tree with no etc identity files and no usr/local/bin, unless overridden. */
function tree(over: Partial<TreeFacts> = {}): TreeFacts {
  return { path: TREE, topLevel: [], etc: {}, usrLocalBin: 'missing', nestedDirs: {}, ...over };
}
function host(over: Partial<HostFacts> = {}): HostFacts {
  return { identityFiles: [], bindMounts: {}, ...over };
}
function input(over: Partial<RootPlanInput> = {}): RootPlanInput {
  return {
    name: 'el9',
    root: ROOT,
    layers: LAYERS,
    tree: tree(),
    host: host(),
    bindMounts: [],
    marker: MARKER,
    launcher: LAUNCHER,
    ...over,
  };
}

/** The host-integration ops every plan has, in order. */
const HOST_OPS: readonly RootOp[] = [
  mkdir(at('proc')), rBind('/proc', at('proc')),
  mkdir(at('dev')), rBind('/dev', at('dev')),
  mkdir(at('sys')), rBind('/sys', at('sys')),
  mkdir(at('home')), rBind('/home', at('home')),
  mkdir(at('tmp')), rBind('/tmp', at('tmp')),
  mkdir(at('local')), rBind('/', at('local')),
];
const MARKER_OPS: readonly RootOp[] = [mkdir(at('.chos')), write(at('.chos/env'), MARKER)];
const NO_USR_LOCAL_BIN = '"el9" has no /usr/local/bin directory: chos will not be on the PATH inside';

/** Ops taken from the tree's top level: between the tmpfs and the usr/local/bin overlay or /proc. */
function topLevelOps(plan: RootPlan): RootOp[] {
  const end = plan.ops.findIndex(
    (o) => (o.op === 'overlay' && o.dst === at('usr/local/bin')) || (o.op === 'mkdir' && o.dst === at('proc')),
  );
  return plan.ops.slice(1, end);
}

/** Ops for BINDMOUNT directories: after the /local bind, before the marker. */
function bindMountOps(plan: RootPlan): RootOp[] {
  const start = plan.ops.findIndex((o) => o.op === 'bind' && o.dst === at('local')) + 1;
  const end = plan.ops.findIndex((o) => o.op === 'mkdir' && o.dst === at('.chos'));
  return plan.ops.slice(start, end);
}

describe('planRoot: constants', () => {
  test('the identity files are passwd, group, hosts, resolv.conf, localtime and nsswitch.conf', () => {
    assert.deepEqual([...IDENTITY_FILES], ['passwd', 'group', 'hosts', 'resolv.conf', 'localtime', 'nsswitch.conf']);
  });

  test('the names the plan provides itself are proc, dev, sys, home, tmp, local and .chos', () => {
    assert.deepEqual([...PROVIDED], ['proc', 'dev', 'sys', 'home', 'tmp', 'local', '.chos']);
  });

  const unsafe: ReadonlyArray<readonly [string, boolean]> = [
    ['/srv/el9', false],
    ['/srv/el 9', false],
    ['/srv/el9:v2', true],
    ['/srv/el9,v2', true],
    ['/srv/el9\\v2', true],
    ['/srv/el9\nv2', true],
  ];
  for (const [p, expected] of unsafe) {
    test(`${JSON.stringify(p)} is ${expected ? '' : 'not '}unsafe as an overlay lower directory`, () => {
      assert.equal(OVERLAY_UNSAFE.test(p), expected);
    });
  }
});

describe('planRoot: a whole plan', () => {
  test('a typical tree gives the full list of ops, layer files and no warnings', () => {
    const plan = planRoot(
      input({
        tree: tree({
          topLevel: [link('bin', 'usr/bin'), dir('etc'), dir('proc'), dir('usr'), dir('var'), file('vmlinuz')],
          etc: {
            passwd: { kind: 'file' },
            group: { kind: 'file' },
            hosts: { kind: 'symlink', target: '/local/etc/hosts' },
            'resolv.conf': { kind: 'symlink', target: '../run/systemd/resolve/stub-resolv.conf' },
            localtime: { kind: 'symlink', target: '/usr/share/zoneinfo/UTC' },
            'nsswitch.conf': { kind: 'missing' },
          },
          usrLocalBin: 'dir',
        }),
        host: host({
          identityFiles: ['passwd', 'group', 'hosts', 'resolv.conf', 'nsswitch.conf'],
          bindMounts: { '/scratch': 'dir' },
        }),
        bindMounts: ['/scratch'],
      }),
    );
    assert.deepEqual(plan.ops, [
      tmpfs(ROOT),
      symlink('usr/bin', at('bin')),
      mkdir(at('etc')),
      overlay([`${LAYERS}/etc`, `${TREE}/etc`], at('etc')),
      mkdir(at('usr')),
      roBind(`${TREE}/usr`, at('usr')),
      mkdir(at('var')),
      roBind(`${TREE}/var`, at('var')),
      write(at('vmlinuz'), ''),
      roBind(`${TREE}/vmlinuz`, at('vmlinuz')),
      overlay([`${LAYERS}/usr-local-bin`, `${TREE}/usr/local/bin`], at('usr/local/bin')),
      ...HOST_OPS,
      mkdir(at('scratch')),
      rBind('/scratch', at('scratch')),
      ...MARKER_OPS,
      remountRo(ROOT),
    ]);
    assert.deepEqual(plan.layerFiles, [
      { kind: 'symlink', path: `${LAYERS}/etc/passwd`, target: '/local/etc/passwd' },
      { kind: 'symlink', path: `${LAYERS}/etc/group`, target: '/local/etc/group' },
      { kind: 'symlink', path: `${LAYERS}/etc/resolv.conf`, target: '/local/etc/resolv.conf' },
      { kind: 'copy', path: `${LAYERS}/usr-local-bin/chos`, from: LAUNCHER },
      { kind: 'copy', path: `${LAYERS}/usr-local-bin/chos-rules.sh`, from: '/usr/lib/chos/bin/chos-rules.sh' },
      ...SLURM_SHIMS,
    ]);
    assert.deepEqual(plan.warnings, []);
  });

  test('an empty tree still gets the skeleton, the host mounts and the marker', () => {
    const plan = planRoot(input());
    assert.deepEqual(plan.ops, [tmpfs(ROOT), ...HOST_OPS, ...MARKER_OPS, remountRo(ROOT)]);
    assert.deepEqual(plan.layerFiles, []);
    assert.deepEqual(plan.warnings, [NO_USR_LOCAL_BIN]);
  });

  test('the first op is the tmpfs skeleton and the last remounts the root read-only', () => {
    const plan = planRoot(input({ tree: tree({ topLevel: [dir('usr')], usrLocalBin: 'dir' }) }));
    assert.deepEqual(plan.ops[0], tmpfs(ROOT));
    assert.deepEqual(plan.ops[plan.ops.length - 1], remountRo(ROOT));
  });

  test('the marker is written at .chos/env just before the final remount', () => {
    const plan = planRoot(input({ marker: 'anything\n' }));
    assert.deepEqual(plan.ops.slice(-3), [mkdir(at('.chos')), write(at('.chos/env'), 'anything\n'), remountRo(ROOT)]);
  });

  test('a root given with a trailing slash does not double the slash', () => {
    const plan = planRoot(input({ root: '/r/', layers: '/l/', tree: tree({ path: '/t/', topLevel: [dir('usr')] }) }));
    assert.deepEqual(plan.ops.slice(0, 3), [tmpfs('/r/'), mkdir('/r/usr'), roBind('/t/usr', '/r/usr')]);
    assert.deepEqual(plan.ops[plan.ops.length - 2], write('/r/.chos/env', MARKER));
  });

  test('the input is not changed, even a frozen BINDMOUNT list in depth-unsorted order', () => {
    const bindMounts = Object.freeze(['/opt/site', '/opt']);
    const hostFacts = host({ bindMounts: { '/opt': 'dir', '/opt/site': 'dir' } });
    planRoot(input({ bindMounts, host: hostFacts }));
    assert.deepEqual(bindMounts, ['/opt/site', '/opt']);
  });
});

describe('planRoot: the tree\'s top level', () => {
  const cases: ReadonlyArray<readonly [string, readonly TreeEntry[], readonly RootOp[]]> = [
    [
      'a directory becomes a mkdir and a read-only, non-recursive bind of the tree\'s',
      [dir('opt')],
      [mkdir(at('opt')), roBind(`${TREE}/opt`, at('opt'))],
    ],
    [
      'a relative symlink is recreated with the same target',
      [link('lib', 'usr/lib')],
      [symlink('usr/lib', at('lib'))],
    ],
    [
      'an absolute symlink is recreated with the same target, not resolved',
      [link('lib64', '/usr/lib64')],
      [symlink('/usr/lib64', at('lib64'))],
    ],
    [
      'a dangling or escaping symlink is recreated as it is (it resolves inside the new root)',
      [link('initrd.img', '../../boot/initrd.img-6.1')],
      [symlink('../../boot/initrd.img-6.1', at('initrd.img'))],
    ],
    [
      'a regular file becomes an empty file with a read-only bind of the tree\'s on it',
      [file('vmlinuz')],
      [write(at('vmlinuz'), ''), roBind(`${TREE}/vmlinuz`, at('vmlinuz'))],
    ],
    ['a socket, device or fifo ("other") is skipped', [other('sock')], []],
    ['a missing entry is skipped', [missing('gone')], []],
    [
      'entries keep the order of the tree\'s listing',
      [dir('var'), link('bin', 'usr/bin'), dir('boot')],
      [
        mkdir(at('var')), roBind(`${TREE}/var`, at('var')),
        symlink('usr/bin', at('bin')),
        mkdir(at('boot')), roBind(`${TREE}/boot`, at('boot')),
      ],
    ],
    [
      'etc is a plain read-only bind when there is nothing to replace in it',
      [dir('etc')],
      [mkdir(at('etc')), roBind(`${TREE}/etc`, at('etc'))],
    ],
    [
      'an etc that is a symlink in the tree is recreated as a symlink',
      [link('etc', 'usr/etc')],
      [symlink('usr/etc', at('etc'))],
    ],
    [
      'names that only start like a provided name are taken from the tree',
      [dir('procs'), dir('devel'), dir('homes'), dir('tmp2'), dir('localdata'), dir('.chosen')],
      [
        mkdir(at('procs')), roBind(`${TREE}/procs`, at('procs')),
        mkdir(at('devel')), roBind(`${TREE}/devel`, at('devel')),
        mkdir(at('homes')), roBind(`${TREE}/homes`, at('homes')),
        mkdir(at('tmp2')), roBind(`${TREE}/tmp2`, at('tmp2')),
        mkdir(at('localdata')), roBind(`${TREE}/localdata`, at('localdata')),
        mkdir(at('.chosen')), roBind(`${TREE}/.chosen`, at('.chosen')),
      ],
    ],
    [
      'hostile names are ordinary entries',
      [dir('__proto__'), file('constructor')],
      [
        mkdir(at('__proto__')), roBind(`${TREE}/__proto__`, at('__proto__')),
        write(at('constructor'), ''), roBind(`${TREE}/constructor`, at('constructor')),
      ],
    ],
  ];
  for (const [name, topLevel, expected] of cases) {
    test(name, () => {
      const plan = planRoot(input({ tree: tree({ topLevel }) }));
      assert.deepEqual(topLevelOps(plan), expected);
      assert.deepEqual(plan.layerFiles, []);
    });
  }

  const kinds: readonly EntryKind[] = ['dir', 'symlink', 'file', 'other', 'missing'];
  for (const name of PROVIDED) {
    for (const kind of kinds) {
      test(`the tree's "${name}" (${kind}) is never used: the plan provides ${name} itself`, () => {
        const entry: TreeEntry = kind === 'symlink' ? link(name, `/somewhere/${name}`) : { name, kind };
        const plan = planRoot(input({ tree: tree({ topLevel: [entry, dir('usr')] }) }));
        assert.deepEqual(topLevelOps(plan), [mkdir(at('usr')), roBind(`${TREE}/usr`, at('usr'))]);
        assert.ok(!plan.ops.some((o) => 'src' in o && o.src === `${TREE}/${name}`), 'no bind from the tree');
        assert.ok(!plan.ops.some((o) => o.op === 'symlink' && o.dst === at(name)), 'no symlink from the tree');
      });
    }
  }
});

describe('planRoot: identity files in etc', () => {
  type EtcEntry = { kind: EntryKind; target?: string } | undefined;
  const cases: ReadonlyArray<readonly [string, EtcEntry, boolean, boolean]> = [
    ['a regular file the host also has is replaced', { kind: 'file' }, true, true],
    ['a regular file the host lacks is kept', { kind: 'file' }, false, false],
    ['a symlink into the tree the host also has is replaced', { kind: 'symlink', target: '/etc/alternatives/passwd' }, true, true],
    ['a relative symlink the host also has is replaced', { kind: 'symlink', target: 'passwd.real' }, true, true],
    ['a symlink to a path merely starting with "/local" is replaced', { kind: 'symlink', target: '/localx/etc/passwd' }, true, true],
    ['a symlink the host lacks is kept', { kind: 'symlink', target: '/etc/alternatives/passwd' }, false, false],
    ['a symlink already into /local/ (prepared the original way) is kept', { kind: 'symlink', target: '/local/etc/passwd' }, true, false],
    ['a symlink into /local/ elsewhere is kept', { kind: 'symlink', target: '/local/srv/passwd' }, true, false],
    ['a directory is kept', { kind: 'dir' }, true, false],
    ['an "other" entry is kept', { kind: 'other' }, true, false],
    ['a file missing from the tree is not added', { kind: 'missing' }, true, false],
    ['a file the facts do not mention is not added', undefined, true, false],
  ];
  for (const [name, etcEntry, hostHas, replaced] of cases) {
    test(`passwd: ${name}`, () => {
      const plan = planRoot(
        input({
          tree: tree({ topLevel: [dir('etc')], etc: etcEntry === undefined ? {} : { passwd: etcEntry } }),
          host: host({ identityFiles: hostHas ? ['passwd'] : [] }),
        }),
      );
      if (replaced) {
        assert.deepEqual(topLevelOps(plan), [mkdir(at('etc')), overlay([`${LAYERS}/etc`, `${TREE}/etc`], at('etc'))]);
        assert.deepEqual(plan.layerFiles, [{ kind: 'symlink', path: `${LAYERS}/etc/passwd`, target: '/local/etc/passwd' }]);
      } else {
        assert.deepEqual(topLevelOps(plan), [mkdir(at('etc')), roBind(`${TREE}/etc`, at('etc'))]);
        assert.deepEqual(plan.layerFiles, []);
      }
    });
  }

  for (const f of IDENTITY_FILES) {
    test(`${f} is replaced by a symlink to /local/etc/${f} when the tree and the host both have it`, () => {
      const plan = planRoot(
        input({ tree: tree({ topLevel: [dir('etc')], etc: { [f]: { kind: 'file' } } }), host: host({ identityFiles: [f] }) }),
      );
      assert.deepEqual(plan.layerFiles, [{ kind: 'symlink', path: `${LAYERS}/etc/${f}`, target: `/local/etc/${f}` }]);
    });
  }

  test('identity files are laid out in the fixed order, whatever the host\'s order', () => {
    const etc: Record<string, { kind: EntryKind }> = {};
    for (const f of IDENTITY_FILES) etc[f] = { kind: 'file' };
    const plan = planRoot(
      input({ tree: tree({ topLevel: [dir('etc')], etc }), host: host({ identityFiles: [...IDENTITY_FILES].reverse() }) }),
    );
    assert.deepEqual(
      plan.layerFiles.map((l: LayerFile) => l.path),
      IDENTITY_FILES.map((f) => `${LAYERS}/etc/${f}`),
    );
  });

  test('files outside the identity list are never replaced', () => {
    const plan = planRoot(
      input({
        tree: tree({ topLevel: [dir('etc')], etc: { shadow: { kind: 'file' }, motd: { kind: 'file' } } }),
        host: host({ identityFiles: ['shadow', 'motd'] }),
      }),
    );
    assert.deepEqual(plan.layerFiles, []);
    assert.deepEqual(topLevelOps(plan), [mkdir(at('etc')), roBind(`${TREE}/etc`, at('etc'))]);
  });

  test('no identity layer is made when the tree has no etc directory', () => {
    const plan = planRoot(
      input({ tree: tree({ topLevel: [dir('usr')], etc: { passwd: { kind: 'file' } } }), host: host({ identityFiles: ['passwd'] }) }),
    );
    assert.deepEqual(plan.layerFiles, []);
    assert.ok(!plan.ops.some((o) => o.op === 'overlay'));
  });

  test('no identity layer is made when etc is a symlink in the tree', () => {
    const plan = planRoot(
      input({
        tree: tree({ topLevel: [link('etc', 'usr/etc')], etc: { passwd: { kind: 'file' } } }),
        host: host({ identityFiles: ['passwd'] }),
      }),
    );
    assert.deepEqual(plan.layerFiles, []);
    assert.deepEqual(topLevelOps(plan), [symlink('usr/etc', at('etc'))]);
  });
});

describe('planRoot: chos at /usr/local/bin', () => {
  const cases: ReadonlyArray<readonly [string, readonly TreeEntry[], EntryKind, boolean]> = [
    ['a tree with usr and a usr/local/bin directory gets the launcher overlay', [dir('usr')], 'dir', true],
    ['a missing usr/local/bin gives a warning instead', [dir('usr')], 'missing', false],
    ['a usr/local/bin that is a symlink gives a warning instead', [dir('usr')], 'symlink', false],
    ['a usr/local/bin that is a file gives a warning instead', [dir('usr')], 'file', false],
    ['a usr/local/bin below a symlink ("other") gives a warning instead', [dir('usr')], 'other', false],
    ['a usr that is a symlink gives a warning, whatever usr/local/bin is', [link('usr', '/opt/usr')], 'dir', false],
    ['a tree without usr gives a warning', [dir('opt')], 'dir', false],
  ];
  for (const [name, topLevel, usrLocalBin, overlaid] of cases) {
    test(name, () => {
      const plan = planRoot(input({ tree: tree({ topLevel, usrLocalBin }) }));
      const lbOps = plan.ops.filter((o) => o.op === 'overlay' && o.dst === at('usr/local/bin'));
      if (overlaid) {
        assert.deepEqual(lbOps, [overlay([`${LAYERS}/usr-local-bin`, `${TREE}/usr/local/bin`], at('usr/local/bin'))]);
        assert.deepEqual(plan.layerFiles, [
          { kind: 'copy', path: `${LAYERS}/usr-local-bin/chos`, from: LAUNCHER },
          { kind: 'copy', path: `${LAYERS}/usr-local-bin/chos-rules.sh`, from: '/usr/lib/chos/bin/chos-rules.sh' },
          ...SLURM_SHIMS,
        ]);
        assert.deepEqual(plan.warnings, []);
        // After the tree's usr is mounted, before the host mounts.
        const i = plan.ops.indexOf(lbOps[0] as RootOp);
        assert.deepEqual(plan.ops[i - 1], roBind(`${TREE}/usr`, at('usr')));
        assert.deepEqual(plan.ops[i + 1], mkdir(at('proc')));
      } else {
        assert.deepEqual(lbOps, []);
        assert.deepEqual(plan.layerFiles, []);
        assert.deepEqual(plan.warnings, [NO_USR_LOCAL_BIN]);
      }
    });
  }

  test('the warning names the environment', () => {
    const plan = planRoot(input({ name: 'debian-12' }));
    assert.deepEqual(plan.warnings, ['"debian-12" has no /usr/local/bin directory: chos will not be on the PATH inside']);
  });

  test('a top-level BINDMOUNT of /usr gets no launcher overlay, which would need the tree\'s /usr', () => {
    const plan = planRoot(
      input({
        tree: tree({ topLevel: [dir('usr')], usrLocalBin: 'dir' }),
        host: host({ bindMounts: { '/usr': 'dir' } }),
        bindMounts: ['/usr'],
      }),
    );
    assert.ok(!plan.ops.some((o) => o.op === 'overlay'), 'no overlay on a mount point that does not exist yet');
    assert.deepEqual(plan.layerFiles, []);
    assert.deepEqual(bindMountOps(plan), [mkdir(at('usr')), rBind('/usr', at('usr'))]);
    assert.deepEqual(plan.warnings, [NO_USR_LOCAL_BIN]);
  });
});

describe('planRoot: host integration', () => {
  test('proc, dev, sys, home, tmp and local are recursive, writable binds of the host\'s, in that order', () => {
    const plan = planRoot(input({ tree: tree({ topLevel: [dir('usr')] }) }));
    const i = plan.ops.findIndex((o) => o.op === 'mkdir' && o.dst === at('proc'));
    assert.deepEqual(plan.ops.slice(i, i + HOST_OPS.length), HOST_OPS);
  });

  test('the host root is bound at /local', () => {
    const plan = planRoot(input());
    assert.ok(plan.ops.some((o) => o.op === 'bind' && o.src === '/' && o.dst === at('local') && o.recursive));
  });
});

describe('planRoot: BINDMOUNT', () => {
  interface Case {
    readonly name: string;
    readonly bindMounts: readonly string[];
    readonly hostKinds: Readonly<Record<string, EntryKind>>;
    readonly nestedDirs?: Readonly<Record<string, boolean>>;
    readonly topLevel?: readonly TreeEntry[];
    readonly ops: readonly RootOp[];
    readonly warnings: readonly string[];
  }
  const notDir = (d: string): string => `BINDMOUNT ${d} skipped: it is not a directory on the host`;
  const noMountPoint = (d: string): string =>
    `BINDMOUNT ${d} skipped in "el9": the tree has no directory there to mount on`;

  const cases: readonly Case[] = [
    {
      name: 'a top-level directory is made and recursively bound from the host',
      bindMounts: ['/scratch'],
      hostKinds: { '/scratch': 'dir' },
      ops: [mkdir(at('scratch')), rBind('/scratch', at('scratch'))],
      warnings: [],
    },
    {
      name: 'built-in mounts and anything below them are skipped silently',
      bindMounts: ['/proc', '/dev', '/dev/shm', '/dev/pts', '/sys', '/sys/fs/cgroup', '/home', '/home/shared', '/tmp', '/tmp/x'],
      hostKinds: {},
      ops: [],
      warnings: [],
    },
    {
      name: 'names that only start like a built-in mount are not built-in',
      bindMounts: ['/homes', '/tmpfs', '/devel'],
      hostKinds: { '/homes': 'dir', '/tmpfs': 'dir', '/devel': 'dir' },
      ops: [
        mkdir(at('homes')), rBind('/homes', at('homes')),
        mkdir(at('tmpfs')), rBind('/tmpfs', at('tmpfs')),
        mkdir(at('devel')), rBind('/devel', at('devel')),
      ],
      warnings: [],
    },
    {
      name: 'a nested directory the tree has is bound on the tree\'s directory, without a mkdir',
      bindMounts: ['/opt/site'],
      hostKinds: { '/opt/site': 'dir' },
      nestedDirs: { '/opt/site': true },
      topLevel: [dir('opt')],
      ops: [rBind('/opt/site', at('opt/site'))],
      warnings: [],
    },
    {
      name: 'a nested directory the tree lacks is skipped with a warning',
      bindMounts: ['/opt/site'],
      hostKinds: { '/opt/site': 'dir' },
      nestedDirs: { '/opt/site': false },
      ops: [],
      warnings: [noMountPoint('/opt/site')],
    },
    {
      name: 'a nested directory the tree facts do not mention is skipped with a warning',
      bindMounts: ['/opt/site/a'],
      hostKinds: { '/opt/site/a': 'dir' },
      ops: [],
      warnings: [noMountPoint('/opt/site/a')],
    },
    {
      name: 'a directory nested under another BINDMOUNT is skipped silently, whatever the order given',
      bindMounts: ['/opt/site/a', '/opt/site', '/opt'],
      hostKinds: { '/opt': 'dir', '/opt/site': 'dir', '/opt/site/a': 'dir' },
      nestedDirs: { '/opt/site': true, '/opt/site/a': true },
      ops: [mkdir(at('opt')), rBind('/opt', at('opt'))],
      warnings: [],
    },
    {
      name: 'a sibling that only starts like another BINDMOUNT is not nested under it',
      bindMounts: ['/opt', '/optical'],
      hostKinds: { '/opt': 'dir', '/optical': 'dir' },
      ops: [mkdir(at('opt')), rBind('/opt', at('opt')), mkdir(at('optical')), rBind('/optical', at('optical'))],
      warnings: [],
    },
    {
      name: 'a directory whose parent BINDMOUNT was skipped is considered on its own',
      bindMounts: ['/opt', '/opt/site'],
      hostKinds: { '/opt': 'missing', '/opt/site': 'dir' },
      nestedDirs: { '/opt/site': true },
      ops: [rBind('/opt/site', at('opt/site'))],
      warnings: [notDir('/opt')],
    },
    {
      name: 'host paths that are not directories are skipped with a warning each',
      bindMounts: ['/a', '/b', '/c', '/d', '/e'],
      hostKinds: { '/a': 'file', '/b': 'missing', '/c': 'other', '/d': 'symlink' },
      ops: [],
      warnings: [notDir('/a'), notDir('/b'), notDir('/c'), notDir('/d'), notDir('/e')],
    },
    {
      name: 'the host check comes before the tree check for nested directories',
      bindMounts: ['/opt/site'],
      hostKinds: { '/opt/site': 'missing' },
      nestedDirs: { '/opt/site': false },
      ops: [],
      warnings: [notDir('/opt/site')],
    },
    {
      name: 'parents are bound before nested directories, and equal depths keep their order',
      bindMounts: ['/srv/data', '/scratch', '/project', '/opt/site'],
      hostKinds: { '/srv/data': 'dir', '/scratch': 'dir', '/project': 'dir', '/opt/site': 'dir' },
      nestedDirs: { '/srv/data': true, '/opt/site': true },
      ops: [
        mkdir(at('scratch')), rBind('/scratch', at('scratch')),
        mkdir(at('project')), rBind('/project', at('project')),
        rBind('/srv/data', at('srv/data')),
        rBind('/opt/site', at('opt/site')),
      ],
      warnings: [],
    },
    {
      name: 'the original default BINDMOUNT list keeps /var, /root and /boot and warns about a missing /selinux',
      bindMounts: ['/dev', '/dev/shm', '/dev/pts', '/sys', '/proc', '/var', '/var/log', '/root', '/boot', '/selinux'],
      hostKinds: { '/var': 'dir', '/var/log': 'dir', '/root': 'dir', '/boot': 'dir', '/selinux': 'missing' },
      nestedDirs: { '/var/log': true },
      ops: [
        mkdir(at('var')), rBind('/var', at('var')),
        mkdir(at('root')), rBind('/root', at('root')),
        mkdir(at('boot')), rBind('/boot', at('boot')),
      ],
      warnings: [notDir('/selinux')],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planRoot(
        input({
          tree: tree({ topLevel: c.topLevel ?? [], nestedDirs: c.nestedDirs ?? {} }),
          host: host({ bindMounts: c.hostKinds }),
          bindMounts: c.bindMounts,
        }),
      );
      assert.deepEqual(bindMountOps(plan), c.ops);
      assert.deepEqual(plan.warnings, [...c.warnings, NO_USR_LOCAL_BIN]);
    });
  }

  const replaced: ReadonlyArray<readonly [string, TreeEntry]> = [
    ['directory', dir('var')],
    ['symlink', link('var', 'usr/var')],
    ['file', file('var')],
  ];
  for (const [what, entry] of replaced) {
    test(`a top-level BINDMOUNT replaces the tree's own entry (a ${what})`, () => {
      const plan = planRoot(
        input({
          tree: tree({ topLevel: [dir('usr'), entry] }),
          host: host({ bindMounts: { '/var': 'dir' } }),
          bindMounts: ['/var'],
        }),
      );
      assert.deepEqual(topLevelOps(plan), [mkdir(at('usr')), roBind(`${TREE}/usr`, at('usr'))]);
      assert.deepEqual(bindMountOps(plan), [mkdir(at('var')), rBind('/var', at('var'))]);
      assert.ok(!plan.ops.some((o) => 'src' in o && o.src === `${TREE}/var`), 'nothing from the tree\'s var');
    });
  }

  test('a top-level BINDMOUNT of etc replaces the tree\'s etc and its identity layer', () => {
    const plan = planRoot(
      input({
        tree: tree({ topLevel: [dir('etc')], etc: { passwd: { kind: 'file' } } }),
        host: host({ identityFiles: ['passwd'], bindMounts: { '/etc': 'dir' } }),
        bindMounts: ['/etc'],
      }),
    );
    assert.deepEqual(topLevelOps(plan), []);
    assert.deepEqual(plan.layerFiles, []);
    assert.deepEqual(bindMountOps(plan), [mkdir(at('etc')), rBind('/etc', at('etc'))]);
  });

  test('a top-level BINDMOUNT that is skipped leaves the tree\'s own entry in place', () => {
    const plan = planRoot(
      input({ tree: tree({ topLevel: [dir('var')] }), host: host({ bindMounts: { '/var': 'file' } }), bindMounts: ['/var'] }),
    );
    assert.deepEqual(topLevelOps(plan), [mkdir(at('var')), roBind(`${TREE}/var`, at('var'))]);
    assert.deepEqual(bindMountOps(plan), []);
  });

  test('a nested BINDMOUNT below the tree\'s etc is bound on top of the identity overlay', () => {
    const plan = planRoot(
      input({
        tree: tree({ topLevel: [dir('etc')], etc: { hosts: { kind: 'file' } }, nestedDirs: { '/etc/site': true } }),
        host: host({ identityFiles: ['hosts'], bindMounts: { '/etc/site': 'dir' } }),
        bindMounts: ['/etc/site'],
      }),
    );
    const overlayAt = plan.ops.findIndex((o) => o.op === 'overlay' && o.dst === at('etc'));
    const bindAt = plan.ops.findIndex((o) => o.op === 'bind' && o.dst === at('etc/site'));
    assert.ok(overlayAt > 0 && bindAt > overlayAt, 'the bind comes after the overlay it sits on');
  });
});

describe('reserved BINDMOUNT destinations', () => {
  test('skips /local and /.chos with a warning, since chos provides them itself', () => {
    const plan = planRoot(input({
      bindMounts: ['/local', '/local/x', '/.chos'],
      host: host({ bindMounts: { '/local': 'dir', '/local/x': 'dir', '/.chos': 'dir' } }),
    }));
    assert.equal(plan.warnings.filter((w) => w.includes('provides /local')).length, 3);
    assert.equal(plan.ops.filter((o) => o.op === 'bind' && (o.src === '/.chos' || o.src.startsWith('/local'))).length, 0);
  });
});
