// Unit tests of the doctor's Slurm judgement (pure). No I/O.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeSlurm } from '../../../src/checks/slurm-doctor.js';

const F = '/etc/slurm/plugstack.conf';
const codes = (text: string | undefined, exists = true): string[] => judgeSlurm(F, text, () => exists).map((f) => f.code);

test('slurm doctor: required and present is ok; missing, optional, absent plugin and doubles are reported', () => {
  assert.deepEqual(codes('required /p/chos_spank.so mode=user\n'), ['slurm-ok']);
  assert.deepEqual(codes(undefined), ['slurm-no-plugin']);
  assert.deepEqual(codes('optional /x/other.so\n'), ['slurm-no-plugin']);
  assert.deepEqual(codes('optional /p/chos_spank.so\n'), ['slurm-optional']);
  assert.deepEqual(codes('required /p/chos_spank.so\n', false), ['slurm-plugin-missing']);
  assert.deepEqual(codes('required /p/chos_spank.so\nrequired /q/chos_spank.so\n'), ['slurm-twice']);
  assert.equal(judgeSlurm(F, 'optional /p/chos_spank.so\n', () => true)[0]?.level, 'error');
});
