// Unit tests for src/config/names.ts: environment and variable name rules. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_NAME,
  MAX_NAME_LENGTH,
  ROOT_NAME,
  isVariableName,
  nameProblem,
} from '../../../src/config/names.js';

const CHARS =
  'a name may hold only letters, digits, ".", "_", "+" and "-", and may not start with "." or "-"';

describe('name constants', () => {
  test('the host is called "root" and the fallback "default"', () => {
    assert.equal(ROOT_NAME, 'root');
    assert.equal(DEFAULT_NAME, 'default');
  });

  test('names are at most 64 characters long', () => {
    assert.equal(MAX_NAME_LENGTH, 64);
  });
});

describe('nameProblem', () => {
  const valid: readonly string[] = [
    'root', 'default', 'el9', 'EL9', 'debian-12', 'deb12.5', 'sl_7', 'c++', '+x', '_x', '9', 'a.',
    'a-', 'a..b', '__proto__', 'constructor', 'a'.repeat(64),
  ];
  for (const name of valid) {
    test(`${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)} is a valid name`, () => {
      assert.equal(nameProblem(name), undefined);
    });
  }

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['', 'the name is empty'],
    ['a'.repeat(65), 'the name is longer than 64 characters'],
    ['-x', CHARS],
    ['--help', CHARS],
    ['-', CHARS],
    ['.x', CHARS],
    ['.', CHARS],
    ['..', CHARS],
    ['a b', CHARS],
    [' a', CHARS],
    ['a ', CHARS],
    ['a/b', CHARS],
    ['/srv/el9', CHARS],
    ['a:b', CHARS],
    ['a$b', CHARS],
    ['a;b', CHARS],
    ['a\nb', CHARS],
    ['a\u0000b', CHARS],
    ['é', CHARS],
    ['a*', CHARS],
    ['a"b', CHARS],
    ["a'b", CHARS],
    ['a\\b', CHARS],
  ];
  for (const [name, why] of invalid) {
    test(`${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)} is refused: ${why}`, () => {
      assert.equal(nameProblem(name), why);
    });
  }

  test('the character rule is checked before the length rule (a valid name is ASCII, its length its bytes)', () => {
    assert.equal(nameProblem('-'.repeat(65)), CHARS);
    assert.equal(nameProblem('é'.repeat(40)), CHARS);
  });
});

describe('isVariableName', () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['PATH', true],
    ['path', true],
    ['_', true],
    ['_X1', true],
    ['LC_ALL', true],
    ['A1', true],
    ['__proto__', true],
    ['', false],
    ['1A', false],
    ['A-B', false],
    ['A.B', false],
    ['A B', false],
    [' A', false],
    ['A=', false],
    ['$A', false],
    ['A\n', false],
    ['É', false],
  ];
  for (const [name, expected] of cases) {
    test(`${JSON.stringify(name)} ${expected ? 'is' : 'is not'} a variable name`, () => {
      assert.equal(isVariableName(name), expected);
    });
  }
});
