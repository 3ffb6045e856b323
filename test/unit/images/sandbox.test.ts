// Unit tests for sandboxArgs in src/images/sandbox.ts: the exact bubblewrap command line that
// confines an extractor to one writable directory. Pure: nothing is run.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type SandboxOptions, sandboxArgs } from '../../../src/images/sandbox.js';

const STAGING = '/var/lib/chos/envs/.staging/el9-1764121500000-4242-4242';

/** Everything after the binds, the same for every call. */
const CONFINEMENT: readonly string[] = [
  '--unshare-pid', '--unshare-ipc', '--unshare-net', '--unshare-uts',
  '--die-with-parent', '--new-session',
  '--cap-drop', 'ALL',
  '--cap-add', 'CAP_CHOWN',
  '--cap-add', 'CAP_FOWNER',
  '--cap-add', 'CAP_FSETID',
  '--cap-add', 'CAP_DAC_OVERRIDE',
  '--cap-add', 'CAP_MKNOD',
  '--cap-add', 'CAP_SETFCAP',
];

const base = (writable: string): string[] => [
  '--ro-bind', '/', '/',
  '--dev', '/dev',
  '--proc', '/proc',
  '--tmpfs', '/tmp',
  '--bind', writable, writable,
];

describe('sandboxArgs', () => {
  const cases: ReadonlyArray<readonly [string, SandboxOptions, readonly string[], readonly string[]]> = [
    ['with no read-only binds, the root, /dev, /proc, /tmp and the writable bind come first',
      { writable: STAGING },
      ['find', `${STAGING}/tree`, '-xdev', '(', '-type', 'b', '-o', '-type', 'c', ')', '-delete'],
      [...base(STAGING), ...CONFINEMENT, '--',
        'find', `${STAGING}/tree`, '-xdev', '(', '-type', 'b', '-o', '-type', 'c', ')', '-delete']],
    ['an empty read-only list is the same as none',
      { writable: STAGING, readOnly: [] },
      ['true'],
      [...base(STAGING), ...CONFINEMENT, '--', 'true']],
    ['a read-only archive is bound under /tmp after the writable bind',
      { writable: STAGING, readOnly: [['/srv/el9.tar', '/tmp/archive']] },
      ['tar', '--list', '--verbose', '--numeric-owner', '--quoting-style=c', '-f', '/tmp/archive'],
      [...base(STAGING), '--ro-bind', '/srv/el9.tar', '/tmp/archive', ...CONFINEMENT, '--',
        'tar', '--list', '--verbose', '--numeric-owner', '--quoting-style=c', '-f', '/tmp/archive']],
    ['several read-only binds keep their order',
      { writable: STAGING, readOnly: [['/srv/oci/alpine', '/tmp/image'], ['/etc/ssl/certs', '/tmp/certs']] },
      ['ls'],
      [...base(STAGING), '--ro-bind', '/srv/oci/alpine', '/tmp/image', '--ro-bind', '/etc/ssl/certs', '/tmp/certs', ...CONFINEMENT, '--', 'ls']],
    ['an empty argv still ends with "--"',
      { writable: STAGING },
      [],
      [...base(STAGING), ...CONFINEMENT, '--']],
    ['argv words that look like bwrap options are passed after "--" unchanged',
      { writable: STAGING },
      ['sh', '-c', 'echo "$1"', '--', '--bind', '/', '/'],
      [...base(STAGING), ...CONFINEMENT, '--', 'sh', '-c', 'echo "$1"', '--', '--bind', '/', '/']],
    ['paths with spaces, quotes and newlines are single words, unquoted',
      { writable: '/srv/my store/st"aging', readOnly: [['/srv/a b\n.tar', '/tmp/archive']] },
      ['tar', '-f', '/tmp/archive'],
      [...base('/srv/my store/st"aging'), '--ro-bind', '/srv/a b\n.tar', '/tmp/archive', ...CONFINEMENT, '--', 'tar', '-f', '/tmp/archive']],
  ];
  for (const [what, options, argv, expected] of cases) {
    test(what, () => {
      assert.deepEqual(sandboxArgs(options, argv), expected);
    });
  }

  test('the whole root is read-only and bound first of all', () => {
    assert.deepEqual(sandboxArgs({ writable: STAGING }, ['true']).slice(0, 3), ['--ro-bind', '/', '/']);
  });

  test('the writable directory is the only read-write bind, at its own path', () => {
    const args = sandboxArgs({ writable: STAGING, readOnly: [['/srv/el9.tar', '/tmp/archive']] }, ['true']);
    const end = args.indexOf('--');
    const rw = args.slice(0, end).flatMap((a, i) => (a === '--bind' ? [args.slice(i, i + 3)] : []));
    assert.deepEqual(rw, [['--bind', STAGING, STAGING]]);
  });

  test('read-only binds come after /tmp is made fresh, so they are not hidden by it', () => {
    const args = sandboxArgs({ writable: STAGING, readOnly: [['/srv/el9.tar', '/tmp/archive']] }, ['true']);
    assert.ok(args.indexOf('--tmpfs') < args.lastIndexOf('--ro-bind'));
    assert.equal(args.lastIndexOf('--ro-bind'), args.indexOf('/srv/el9.tar') - 1);
  });

  test('every capability is dropped before the six an extractor needs are added back', () => {
    const args = sandboxArgs({ writable: STAGING }, ['true']);
    const drop = args.indexOf('--cap-drop');
    assert.equal(args[drop + 1], 'ALL');
    const added = args.flatMap((a, i) => (a === '--cap-add' ? [args[i + 1]] : []));
    assert.deepEqual(added, ['CAP_CHOWN', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_DAC_OVERRIDE', 'CAP_MKNOD', 'CAP_SETFCAP']);
    assert.ok(args.indexOf('--cap-add') > drop);
  });

  test('the network, pid, ipc and uts namespaces are unshared, but not the user or mount ones by flag', () => {
    const args = sandboxArgs({ writable: STAGING }, ['true']);
    const unshared = args.filter((a) => a.startsWith('--unshare-'));
    assert.deepEqual(unshared, ['--unshare-pid', '--unshare-ipc', '--unshare-net', '--unshare-uts']);
  });

  test('the options and argv are not changed', () => {
    const readOnly = Object.freeze([Object.freeze(['/srv/el9.tar', '/tmp/archive'] as const)]);
    const options: SandboxOptions = Object.freeze({ writable: STAGING, readOnly });
    const argv = Object.freeze(['tar', '-tf', '/tmp/archive']);
    sandboxArgs(options, argv);
    assert.deepEqual(readOnly, [['/srv/el9.tar', '/tmp/archive']]);
    assert.deepEqual(argv, ['tar', '-tf', '/tmp/archive']);
  });

  test('each call returns a new array', () => {
    const a = sandboxArgs({ writable: STAGING }, ['true']);
    a.push('mutated');
    assert.equal(sandboxArgs({ writable: STAGING }, ['true']).includes('mutated'), false);
  });
});
