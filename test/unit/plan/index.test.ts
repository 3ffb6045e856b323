// Unit tests for src/plan/index.ts: the planning layer exposes plans and renderings. Pure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as plan from '../../../src/plan/index.js';

test('the planning layer re-exports planRoot, its constants and the renderers', () => {
  const expected = [
    'IDENTITY_FILES', 'OVERLAY_UNSAFE', 'PROVIDED', 'planRoot', 'renderLaunchVars', 'renderOp', 'renderSetupScript',
    'shQuote',
  ];
  for (const name of expected) assert.ok(name in plan, `${name} is exported`);
});
