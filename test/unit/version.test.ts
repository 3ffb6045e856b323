// Unit test for src/version.ts: the release number matches package.json. Reads package.json.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERSION } from '../../src/version.js';

// Compiled to build/test/unit/version.test.js: the project root is three levels up.
const PACKAGE_JSON = path.resolve(__dirname, '../../../package.json');

describe('VERSION', () => {
  test('it equals the "version" of package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    assert.equal(VERSION, pkg.version);
  });

  test('it is a semantic version number', () => {
    assert.match(VERSION, /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/);
  });
});
