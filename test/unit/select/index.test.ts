// Unit tests for src/select/index.ts: the selection layer exposes its rules. Pure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as selectLayer from '../../../src/select/index.js';
import { select, userFileChoice } from '../../../src/select/select.js';

test('the selection layer re-exports select and userFileChoice', () => {
  assert.equal(selectLayer.select, select);
  assert.equal(selectLayer.userFileChoice, userFileChoice);
});
