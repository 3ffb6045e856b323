// The selection constants of the two languages agree: bin/chos-rules.sh (sourced by sh) and
// src/config/names.ts, src/select/select.ts, src/config/chos-conf.ts; and the C header's. I/O (runs sh).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_KEEP_ENV } from '../../../src/config/chos-conf.js';
import { MAX_NAME_LENGTH, NAME_BAD_FIRST, NAME_CHARS } from '../../../src/config/names.js';
import { USER_FILE_MAX } from '../../../src/select/select.js';

const RULES = path.resolve(__dirname, '..', '..', '..', '..', 'bin', 'chos-rules.sh');

function shConstants(): Record<string, string> {
  const names = ['chos_name_max', 'chos_name_chars', 'chos_name_bad_first', 'chos_file_max', 'chos_default_keep'];
  const r = spawnSync('sh', ['-c', `. "$1" && printf '%s\\0' ${names.map((n) => `"$${n}"`).join(' ')}`, 'sh', RULES], { encoding: 'utf8', env: {} });
  assert.equal(r.status, 0, r.stderr);
  const values = r.stdout.split('\0');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

test('bin/chos-rules.sh and the TypeScript side hold the same name rules, file limit and keep list', () => {
  assert.deepEqual(shConstants(), {
    chos_name_max: String(MAX_NAME_LENGTH),
    chos_name_chars: NAME_CHARS,
    chos_name_bad_first: NAME_BAD_FIRST,
    chos_file_max: String(USER_FILE_MAX),
    // PATH is never kept but reset, in both (src/plan/render.ts drops it from every keep list).
    chos_default_keep: DEFAULT_KEEP_ENV.filter((v) => v !== 'PATH').join(' '),
  });
});

test('sourcing the rules file only defines (no output, no command run, status 0)', () => {
  const r = spawnSync('/bin/sh', ['-c', '. "$1"; echo "status $?"', 'sh', RULES], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
  assert.equal(r.stdout, 'status 0\n');
  assert.equal(r.stderr, '');
});

test('the C side (native/common/chos-common.h) holds the same name length and file limit', () => {
  const header = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'native', 'common', 'chos-common.h'), 'utf8');
  const define = (name: string): string | undefined => new RegExp(`^#define ${name} (.+)$`, 'm').exec(header)?.[1];
  assert.equal(define('CHOS_NAME_MAX'), String(MAX_NAME_LENGTH));
  assert.equal(define('CHOS_FILE_MAX'), String(USER_FILE_MAX));
  assert.equal(define('CHOS_WHY_LONG'), JSON.stringify(`the name is longer than ${MAX_NAME_LENGTH} characters`));
});
