// Unit tests for the pure parts of src/cli/sshd-config.ts: the sshd configuration text that
// sends logins through chos-login, the names and paths it refuses, and how sshd's complaint
// is put on one line.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSshdConfig, sshdComplaint } from '../../../src/cli/sshd-config.js';
import { ChosError, Exit } from '../../../src/errors.js';

const LOGIN = '/usr/local/bin/chos-login';

/** The configuration lines of a rendered text: comments and blank lines dropped. */
function directives(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

describe('renderSshdConfig', () => {
  test('moves every user when no group is named (root is left to chos-login)', () => {
    assert.deepEqual(directives(renderSshdConfig({ login: LOGIN })), [
      'AcceptEnv CHOS',
      'Match all',
      `    ForceCommand ${LOGIN} ssh`,
      'Match all',
    ]);
  });

  test('moves only the members of a named group', () => {
    assert.deepEqual(directives(renderSshdConfig({ group: 'hpc-users', login: LOGIN })), [
      'AcceptEnv CHOS',
      'Match Group hpc-users',
      `    ForceCommand ${LOGIN} ssh`,
      'Match all',
    ]);
  });

  test('AcceptEnv comes before the Match block, so that it adds to the global list', () => {
    const lines = directives(renderSshdConfig({ group: 'g', login: LOGIN }));
    assert.ok(lines.indexOf('AcceptEnv CHOS') < lines.findIndex((l) => l.startsWith('Match')));
  });

  test('ends with "Match all" and a newline, so that what an admin appends stays global', () => {
    const text = renderSshdConfig({ login: LOGIN });
    assert.ok(text.endsWith('Match all\n'));
  });

  test('every comment line starts with #, so sshd reads none of them as a keyword', () => {
    const text = renderSshdConfig({ group: 'g', login: LOGIN });
    for (const l of text.split('\n')) {
      if (l === '' || directives(l).length === 1) continue;
      assert.match(l, /^#/);
    }
  });

  const goodGroups: readonly string[] = ['users', '_ssh', 'hpc.users', 'team-a', 'g1', 'A_B'];
  for (const group of goodGroups) {
    test(`accepts the group name "${group}"`, () => {
      assert.match(renderSshdConfig({ group, login: LOGIN }), new RegExp(`^Match Group ${group.replace('.', '\\.')}$`, 'm'));
    });
  }

  const badGroups: readonly string[] = ['', '1users', '-users', 'a b', 'a,b', 'a\nForceCommand /bin/sh', '!wheel', 'a*', '"g"'];
  for (const group of badGroups) {
    test(`refuses the group name ${JSON.stringify(group)} as a usage error`, () => {
      assert.throws(() => renderSshdConfig({ group, login: LOGIN }), (e: unknown) => {
        assert.ok(e instanceof ChosError);
        assert.equal(e.code, 'usage');
        assert.equal(e.exitCode, Exit.usage);
        assert.match(e.message, /^invalid group name "/);
        return true;
      });
    });
  }

  const badLogins: readonly string[] = ['chos-login', './chos-login', '', '/opt/my chos/chos-login', '/bin/chos-login; sh', '/a\nb', '/usr/bin/$HOME', '/x/"y"'];
  for (const login of badLogins) {
    test(`refuses the chos-login path ${JSON.stringify(login)}`, () => {
      assert.throws(() => renderSshdConfig({ login }), (e: unknown) => {
        assert.ok(e instanceof ChosError);
        assert.equal(e.code, 'usage');
        assert.match(e.message, /^chos-login path must be absolute and plain/);
        return true;
      });
    });
  }

  test('accepts a plain absolute path with dots, dashes, plus and underscores', () => {
    const login = '/opt/chos-1.2_3+x/bin/chos-login';
    assert.match(renderSshdConfig({ login }), new RegExp(`^    ForceCommand ${login.replace(/[.+]/g, '\\$&')} ssh$`, 'm'));
  });
});

describe('sshdComplaint', () => {
  test('puts sshd\'s lines on one line, joined by "; "', () => {
    const stderr = '/etc/ssh/sshd_config.d/zz.conf: line 1: Bad configuration option: NoSuchKeyword\n'
      + '/etc/ssh/sshd_config.d/zz.conf: terminating, 1 bad configuration options\n';
    assert.equal(sshdComplaint(stderr),
      '/etc/ssh/sshd_config.d/zz.conf: line 1: Bad configuration option: NoSuchKeyword; /etc/ssh/sshd_config.d/zz.conf: terminating, 1 bad configuration options');
  });

  test('drops blank lines and surrounding white space', () => {
    assert.equal(sshdComplaint('\n  sshd: no hostkeys available -- exiting.  \n\n'), 'sshd: no hostkeys available -- exiting.');
  });

  test('says so when sshd gave no reason', () => {
    assert.equal(sshdComplaint(''), 'no reason given');
    assert.equal(sshdComplaint(' \n\n'), 'no reason given');
  });
});
