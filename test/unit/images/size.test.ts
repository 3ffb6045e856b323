// Unit tests for src/images/size.ts: sizes ("500M", "1.5T") and counts as admins write them on
// the command line. Pure: every input is a literal string.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCount, parseSize } from '../../../src/images/size.js';

const K = 2 ** 10;
const M = 2 ** 20;
const G = 2 ** 30;
const T = 2 ** 40;

/** Asserts that `r` is an error whose message quotes `text` exactly as given and says `why`. */
function assertError(r: number | { error: string }, text: string, why: RegExp): void {
  assert.equal(typeof r, 'object', `expected an error, got ${String(r)}`);
  const e = (r as { error: string }).error;
  assert.ok(e.includes(`"${text}"`), `the message names the text: ${e}`);
  assert.match(e, why);
}

describe('parseSize: accepted sizes', () => {
  const cases: ReadonlyArray<readonly [string, number]> = [
    ['4096', 4096],
    ['1', 1],
    ['007', 7],
    ['1K', K],
    ['1M', M],
    ['1G', G],
    ['1T', T],
    ['500M', 500 * M],
    ['64G', 64 * G],
    ['1k', K],
    ['1m', M],
    ['1g', G],
    ['1t', T],
    ['1B', 1],
    ['1b', 1],
    ['1KB', K],
    ['1KiB', K],
    ['1kib', K],
    ['1KIB', K],
    ['1MiB', M],
    ['2GiB', 2 * G],
    ['3TiB', 3 * T],
    ['1gb', G],
    ['1.5G', 1.5 * G],
    ['1.5T', 1.5 * T],
    ['0.5K', 512],
    ['0.125K', 128],
    ['2.25M', 2.25 * M],
    ['1 G', G],
    ['1\tG', G],
    ['  64G  ', 64 * G],
    ['\n500M\n', 500 * M],
    ['\t4096 ', 4096],
    ['8191T', 8191 * T],
    ['8388607G', 8388607 * G],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ];
  for (const [text, bytes] of cases) {
    test(`${JSON.stringify(text)} is ${bytes} bytes`, () => assert.equal(parseSize(text), bytes));
  }

  test('a fraction of a byte is rounded down', () => {
    assert.equal(parseSize('1.5'), 1);
    assert.equal(parseSize('0.1K'), 102);
    assert.equal(parseSize('1.1M'), 1153433);
  });

  test('every accepted size is a whole number', () => {
    for (const text of ['1.3K', '2.7M', '0.333G', '1.0001T', '9.99']) {
      const r = parseSize(text);
      assert.equal(typeof r, 'number', text);
      assert.ok(Number.isSafeInteger(r), `${text} gave ${String(r)}`);
    }
  });

  test('the units are binary and each is 1024 times the one below', () => {
    assert.equal(parseSize('1024'), parseSize('1K'));
    assert.equal(parseSize('1024K'), parseSize('1M'));
    assert.equal(parseSize('1024M'), parseSize('1G'));
    assert.equal(parseSize('1024G'), parseSize('1T'));
  });
});

describe('parseSize: refused texts', () => {
  const syntax = /use e\.g\./;
  const malformed: readonly string[] = [
    '',
    '   ',
    '-1',
    '-1G',
    '+1G',
    '1.5.2',
    '10X',
    '10P',
    '10E',
    'G',
    'KiB',
    'B',
    '.5G',
    '1.G',
    '1,5G',
    '1 0',
    '1_000',
    '1e3',
    '1E3',
    '0x10',
    'Infinity',
    'NaN',
    '1GG',
    '1Ki',
    '1K B',
    '1Gb ps',
    '1G2',
    'ten',
    '١٢',
  ];
  for (const text of malformed) {
    test(`${JSON.stringify(text)} is not a size`, () => assertError(parseSize(text), text, syntax));
  }

  const range = /above 0 and below 8 PiB/;
  const outOfRange: readonly string[] = [
    '0',
    '0K',
    '0.0G',
    '000',
    '0.5',
    '0.0001K',
    '8192T',
    '8388608G',
    '9007199254740992',
    '99999999999999999999',
    '1' + '0'.repeat(400),
    '99999999T',
  ];
  for (const text of outOfRange) {
    test(`${JSON.stringify(text)} is outside the allowed range`, () => assertError(parseSize(text), text, range));
  }

  test('the message quotes the text as given, surrounding whitespace included', () => {
    assertError(parseSize(' 10X '), ' 10X ', syntax);
    assertError(parseSize(' 0 '), ' 0 ', range);
  });
});

describe('parseCount', () => {
  const accepted: ReadonlyArray<readonly [string, number]> = [
    ['1', 1],
    ['42', 42],
    ['2000000', 2_000_000],
    ['007', 7],
    [' 42 ', 42],
    ['\t128\n', 128],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ];
  for (const [text, n] of accepted) {
    test(`${JSON.stringify(text)} is ${n}`, () => assert.equal(parseCount(text), n));
  }

  const refused: readonly string[] = [
    '',
    '  ',
    '0',
    '00',
    '-1',
    '+1',
    '1.5',
    '1.0',
    '1e3',
    '0x10',
    '1K',
    '1 000',
    '1,000',
    '1_000',
    'ten',
    'Infinity',
    '9007199254740992',
    '99999999999999999999',
  ];
  for (const text of refused) {
    test(`${JSON.stringify(text)} is not a count`, () => assertError(parseCount(text), text, /whole number above 0/));
  }
});
