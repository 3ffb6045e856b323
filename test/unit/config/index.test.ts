// Unit tests for src/config/index.ts: the config layer exposes every parser and rule. Pure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as config from '../../../src/config/index.js';

test('the config layer re-exports its parsers, name rules and diagnostic helpers', () => {
  const expected = [
    'DEFAULT_KEEP_ENV', 'DEFAULT_NAME', 'MAX_NAME_LENGTH', 'ROOT_NAME', 'formatDiagnostic', 'hasErrors', 'isBlank',
    'isComment', 'isVariableName', 'nameProblem', 'normalisePath', 'numberedLines', 'parseChosFile', 'parseShellValue',
    'parseSysConfig', 'parseTreeConf',
  ];
  for (const name of expected) assert.ok(name in config, `${name} is exported`);
});
