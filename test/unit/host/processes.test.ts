// Unit tests for the parsers of src/host/processes.ts: the start time in /proc/PID/stat, a
// variable in /proc/PID/environ, and the pid a run tag names. Pure: nothing is read from /proc.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SCRATCH_PREFIX, environHas, statStartTime, tagOfName, tagOfScratch, tagOfTemporary, tagPid } from '../../../src/host/processes.js';

/** A /proc/PID/stat line with `comm` as the command name and 1234567 as the start time. */
function stat(comm: string): string {
  const after = ['S', '1', '4242', '4242', '0', '-1', '4194560', '100', '0', '0', '0', '5', '3', '0', '0', '20', '0', '1', '0', '1234567', '2306048', '150'];
  return `4243 (${comm}) ${after.join(' ')} 0 0\n`;
}

describe('statStartTime', () => {
  test('reads field 22 of a plain line', () => {
    assert.equal(statStartTime(stat('bwrap')), '1234567');
  });
  test('a command name with spaces does not shift the fields', () => {
    assert.equal(statStartTime(stat('tar x y')), '1234567');
  });
  test('a command name with parentheses is read up to the last one', () => {
    assert.equal(statStartTime(stat('a) 9 9 (b')), '1234567');
  });
  test('a line without a command name has no start time', () => {
    assert.equal(statStartTime('4243 S 1 4242'), undefined);
  });
  test('a line cut short has no start time', () => {
    assert.equal(statStartTime('4243 (sh) S 1 4242 4242'), undefined);
  });
  test('a non-numeric field 22 is no start time', () => {
    assert.equal(statStartTime(stat('sh').replace('1234567', 'x')), undefined);
  });
  test('an empty text has no start time', () => {
    assert.equal(statStartTime(''), undefined);
  });
});

describe('environHas', () => {
  const env = 'PATH=/usr/bin\0CHOS_RUN_TAG=4242.99\0LC_ALL=C\0';
  test('finds the exact KEY=VALUE', () => {
    assert.equal(environHas(env, 'CHOS_RUN_TAG', '4242.99'), true);
  });
  test('another value does not match', () => {
    assert.equal(environHas(env, 'CHOS_RUN_TAG', '4242.9'), false);
  });
  test('a value that merely starts the same does not match', () => {
    assert.equal(environHas('CHOS_RUN_TAG=4242.990\0', 'CHOS_RUN_TAG', '4242.99'), false);
  });
  test('the key must start an entry', () => {
    assert.equal(environHas('XCHOS_RUN_TAG=4242.99\0', 'CHOS_RUN_TAG', '4242.99'), false);
  });
  test('the last entry needs no trailing NUL', () => {
    assert.equal(environHas('A=1\0CHOS_RUN_TAG=7.8', 'CHOS_RUN_TAG', '7.8'), true);
  });
  test('an empty environment has nothing', () => {
    assert.equal(environHas('', 'CHOS_RUN_TAG', '7.8'), false);
  });
});

describe('tagPid', () => {
  const cases: Array<[string, number | undefined]> = [
    ['4242.1234567', 4242],
    ['4242', 4242],
    ['1.0', 1],
    ['0.5', undefined],
    ['0', undefined],
    ['', undefined],
    ['-4242', undefined],
    ['4242.', undefined],
    ['.4242', undefined],
    ['4242.12.3', undefined],
    ['42x', undefined],
    ['99999999999999999999', undefined],
  ];
  for (const [tag, pid] of cases) {
    test(`"${tag}" names ${String(pid)}`, () => assert.equal(tagPid(tag), pid));
  }
});

describe('tagOfName and tagOfTemporary', () => {
  test('a staging directory ends in its run\'s tag, whatever dashes its name holds', () => {
    assert.equal(tagOfName('my-env-1795667973204-23920.2971482'), '23920.2971482');
  });
  test('a tree id ends in its run\'s tag', () => {
    assert.equal(tagOfName('1795667973204-23920.2971482'), '23920.2971482');
  });
  test('an older name ends in a bare pid', () => {
    assert.equal(tagOfName('site-1795661249766-4860-4860'), '4860');
  });
  test('a temporary file names its run', () => {
    assert.equal(tagOfTemporary('site.conf.tmp-23920.2971482'), '23920.2971482');
    assert.equal(tagOfTemporary(`${'a'.repeat(64)}.tmp-4242`), '4242');
  });
  test('other names are no temporary files', () => {
    assert.equal(tagOfTemporary('site.conf'), undefined);
    assert.equal(tagOfTemporary('site.conf.tmp-'), undefined);
    assert.equal(tagOfTemporary('site.conf.tmp-12x'), undefined);
    assert.equal(tagOfTemporary('site.tmp-1.conf'), undefined);
  });
});

describe('tagOfScratch', () => {
  test('a scratch directory made by mkdtemp names its run', () => {
    assert.equal(tagOfScratch(`${SCRATCH_PREFIX}23920.2971482-aB3xY9`), '23920.2971482');
  });
  const others: readonly string[] = [
    'chos-import-aB3xY9', // an older run's name, without a tag
    'chos-import-23920-aB3xY9', // a bare pid: not made by this version
    'chos-import-23920.2971482-aB3xY', // the random part too short
    'chos-import-23920.2971482-aB3xY9/x', // a path, not a name
    'xchos-import-23920.2971482-aB3xY9',
    'chos-import-23920.2971482-aB3x.9',
    'chos-import-23920.2971482-aB3xY9-',
    'pulse-shm-1234',
  ];
  for (const name of others) {
    test(`"${name}" is not a scratch directory of a tagged run`, () => assert.equal(tagOfScratch(name), undefined));
  }
});
