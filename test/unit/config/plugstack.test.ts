// Unit tests of the pure part of chosctl slurm-config. No I/O.

import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isChosLine, mergePlugstack, parseMode, plugstackPath, renderPlugstackLine } from '../../../src/config/plugstack.js';

describe('slurm-config', () => {
  test('the line is required, names the plugin and the mode; run_dir only when not the default', () => {
    assert.equal(renderPlugstackLine({ mode: 'user', plugin: '/usr/local/lib/chos/chos_spank.so' }), 'required /usr/local/lib/chos/chos_spank.so mode=user\n');
    assert.equal(renderPlugstackLine({ mode: 'root', plugin: '/p/chos_spank.so', runDir: '/run/chos' }), 'required /p/chos_spank.so mode=root\n');
    assert.equal(renderPlugstackLine({ mode: 'root', plugin: '/p/chos_spank.so', runDir: '/run/x' }), 'required /p/chos_spank.so mode=root run_dir=/run/x\n');
  });
  test('unsafe paths and modes are refused', () => {
    assert.throws(() => renderPlugstackLine({ mode: 'user', plugin: 'rel/chos_spank.so' }), /absolute/);
    assert.throws(() => renderPlugstackLine({ mode: 'user', plugin: '/a b/chos_spank.so' }), /plain/);
    assert.throws(() => renderPlugstackLine({ mode: 'user', plugin: '/p.so\nrequired /evil.so' }), /plain/);
    assert.throws(() => parseMode('setuid'), /--mode/);
    assert.equal(parseMode(undefined), 'user');
  });
  test('an earlier chos line is replaced in place, other plugins kept; otherwise the line is added', () => {
    const line = 'required /n/chos_spank.so mode=root\n';
    assert.equal(mergePlugstack('', line), line);
    assert.equal(mergePlugstack('optional /x/other.so\n', line), `optional /x/other.so\n${line}`);
    assert.equal(
      mergePlugstack('# c\noptional /old/chos_spank.so mode=user\noptional /x/other.so\nrequired /older/chos_spank.so\n', line),
      `# c\n${line}optional /x/other.so\n`,
    );
    assert.ok(!isChosLine('# required /p/chos_spank.so'));
    assert.ok(!isChosLine('required /p/not_chos_spank.so.bak'));
  });
  test('plugstack.conf is beside SLURM_CONF, else in /etc/slurm', () => {
    assert.equal(plugstackPath({ SLURM_CONF: '/opt/slurm/etc/slurm.conf' }), '/opt/slurm/etc/plugstack.conf');
    assert.equal(plugstackPath({}), '/etc/slurm/plugstack.conf');
  });
});
