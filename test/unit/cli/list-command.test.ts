// Unit tests for the pure parts of src/cli/list-command.ts: a created environment's source in a
// few words, and the table chosctl list prints.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ListRow, describeSource, renderList } from '../../../src/cli/list-command.js';
import type { Source } from '../../../src/images/source.js';

describe('describeSource', () => {
  const cases: ReadonlyArray<[Source, string]> = [
    [{ kind: 'debootstrap', suite: 'bookworm' }, 'debootstrap bookworm'],
    [{ kind: 'debootstrap', suite: 'trixie', tool: 'mmdebstrap', variant: 'minbase' }, 'mmdebstrap trixie (minbase)'],
    [{ kind: 'debootstrap', suite: 'bullseye', variant: 'minbase', mirror: 'http://mirror.example.org/debian' }, 'debootstrap bullseye (minbase, http://mirror.example.org/debian)'],
    [{ kind: 'debootstrap', suite: 'bullseye', mirror: 'http://m/debian' }, 'debootstrap bullseye (http://m/debian)'],
    [{ kind: 'tar', file: '/srv/images/site.tar.zst' }, 'tar /srv/images/site.tar.zst'],
    [{ kind: 'oci', path: '/srv/images/app-oci' }, 'oci /srv/images/app-oci'],
    [{ kind: 'oci', path: '/srv/images/app-oci', ref: '1.4' }, 'oci /srv/images/app-oci (ref 1.4)'],
    [{ kind: 'pull', ref: 'registry.example.org/base/rocky:9' }, 'pull registry.example.org/base/rocky:9'],
    [{ kind: 'pull', ref: 'lab:5000/x:1', insecure: true, authFile: '/root/auth.json' }, 'pull lab:5000/x:1 (insecure)'],
    [{ kind: 'pull', ref: 'reg/x:1', verifyKey: '/etc/chos/cosign.pub' }, 'pull reg/x:1 (signed: /etc/chos/cosign.pub)'],
    [{ kind: 'pull', ref: 'lab:5000/x:1', insecure: true, verifyKey: '/k.pub' }, 'pull lab:5000/x:1 (insecure, signed: /k.pub)'],
  ];
  for (const [source, text] of cases) {
    test(text, () => assert.equal(describeSource(source), text));
  }
});

describe('renderList', () => {
  const admin: ListRow[] = [
    { name: 'root', path: '/', file: '/etc/chos', line: 3 },
    { name: 'debian12', path: '/srv/trees/bookworm', file: '/etc/chos', line: 4 },
    { name: 'default', path: '-> debian12', aliasOf: 'debian12', file: '/etc/chos', line: 5 },
  ];
  test('without created environments: NAME, PATH and DEFINED IN, padded to the longest cell', () => {
    assert.equal(renderList(admin), [
      'NAME      PATH                 DEFINED IN',
      'root      /                    /etc/chos',
      'debian12  /srv/trees/bookworm  /etc/chos',
      'default   -> debian12          /etc/chos',
      '',
    ].join('\n'));
  });
  test('with one: a SOURCE column, empty for the others', () => {
    const rows: ListRow[] = [...admin, { name: 'el9', path: '/var/lib/chos/envs/el9/trees/1-2.3', file: '/etc/chos.d/el9.conf', line: 1, source: 'pull reg/el:9' }];
    assert.equal(renderList(rows), [
      'NAME      PATH                                DEFINED IN            SOURCE',
      'root      /                                   /etc/chos',
      'debian12  /srv/trees/bookworm                 /etc/chos',
      'default   -> debian12                         /etc/chos',
      'el9       /var/lib/chos/envs/el9/trees/1-2.3  /etc/chos.d/el9.conf  pull reg/el:9',
      '',
    ].join('\n'));
  });
  test('no environments: the heading alone', () => {
    assert.equal(renderList([]), 'NAME  PATH  DEFINED IN\n');
  });
});
