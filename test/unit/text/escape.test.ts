// Tests of escapeControl: controls and bidi overrides become visible, ordinary text does not change. Pure.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeControl } from '../../../src/text/escape.js';
import { jsonForTerminal } from '../../../src/text/json.js';

describe('escapeControl', () => {
  it('leaves ordinary text, accents and non-Latin scripts alone', () => {
    for (const s of ['Debian GNU/Linux 12 (bookworm)', 'Ünïcödé — ok', '日本語', 'a\\b', '']) assert.equal(escapeControl(s), s);
  });
  it('escapes ESC, BEL, CR, LF, TAB and NUL as \\xNN', () => {
    assert.equal(escapeControl('\x1b[2J\x07'), '\\x1b[2J\\x07');
    assert.equal(escapeControl('a\r\nb\tc\0'), 'a\\x0d\\x0ab\\x09c\\x00');
  });
  it('escapes DEL and C1 controls (CSI U+009B)', () => {
    assert.equal(escapeControl('\x7f\u009b31m\u0085'), '\\x7f\\x9b31m\\x85');
  });
  it('escapes bidirectional overrides and isolates, and line separators', () => {
    assert.equal(escapeControl('a\u202eb\u2066c\u2069\u200f\u061c\u2028'), 'a\\u{202e}b\\u{2066}c\\u{2069}\\u{200f}\\u{61c}\\u{2028}');
  });
  it('its output holds no control character at all', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) all += String.fromCodePoint(c);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(escapeControl(all), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('jsonForTerminal', () => {
  it('writes C1 and bidi controls as \\u escapes, and parses back to the same data', () => {
    const v = { name: 'Evil\u009b31m\u202eOS\x1b[2J\x7f' };
    const text = jsonForTerminal(v);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.deepEqual(JSON.parse(text), v);
  });
});
