// Unit tests for src/images/progress.ts: the text of the progress line, and the meter's
// throttling and rate, with a clock the test moves. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Meter, type ProgressReport, formatProgress } from '../../../src/images/progress.js';

describe('formatProgress', () => {
  test('a download with a known total shows done/total, the rate and the time left', () => {
    assert.equal(formatProgress({ what: 'downloading 1/3 layers', done: 50e6, total: 200e6, bytesPerSecond: 50e6 }),
      'downloading 1/3 layers: 50.0/200.0 MB  50 MB/s  ETA 3 s');
  });
  test('the time left is rounded up', () => {
    assert.match(formatProgress({ what: 'x', done: 0, total: 1.5e6, bytesPerSecond: 1e6 }), /ETA 2 s$/);
  });
  test('an extraction of unknown size shows entries and bytes, and no ETA', () => {
    assert.equal(formatProgress({ what: 'applying layer 1/3', done: 62.6e6, entries: 4960, bytesPerSecond: 214e6 }),
      'applying layer 1/3: 4960 entries, 62.6 MB  214 MB/s');
  });
  test('entries and a total together', () => {
    assert.equal(formatProgress({ what: 'extracting site.tar', done: 10e6, total: 20e6, entries: 7, bytesPerSecond: 10e6 }),
      'extracting site.tar: 7 entries, 10.0/20.0 MB  10 MB/s  ETA 1 s');
  });
  test('no ETA at a rate of zero', () => {
    assert.equal(formatProgress({ what: 'x', done: 0, total: 10e6, bytesPerSecond: 0 }), 'x: 0.0/10.0 MB  0 MB/s');
  });
  test('no ETA once done reaches the total, and done never shows above it', () => {
    assert.equal(formatProgress({ what: 'x', done: 12e6, total: 10e6, bytesPerSecond: 1e6 }), 'x: 10.0/10.0 MB  1 MB/s');
  });
  test('a total of zero counts as unknown', () => {
    assert.equal(formatProgress({ what: 'x', done: 1e6, total: 0, bytesPerSecond: 1e6 }), 'x: 1.0 MB  1 MB/s');
  });
});

describe('Meter', () => {
  function clocked(): { meter: Meter; reports: ProgressReport[]; at: (ms: number) => void } {
    let t = 1000;
    const reports: ProgressReport[] = [];
    return { meter: new Meter((p) => reports.push(p), () => t), reports, at: (ms) => { t = 1000 + ms; } };
  }
  test('says nothing in its first quarter of a second', () => {
    const { meter, reports, at } = clocked();
    at(10);
    meter.update('x', 100);
    at(249);
    meter.update('x', 200);
    assert.deepEqual(reports, []);
  });
  test('reports at most once per quarter of a second, with the rate since it started', () => {
    const { meter, reports, at } = clocked();
    at(250);
    meter.update('x', 1e6, 4e6, 3);
    at(400);
    meter.update('x', 2e6, 4e6, 5);
    at(500);
    meter.update('x', 3e6, 4e6, 9);
    assert.deepEqual(reports, [
      { what: 'x', done: 1e6, total: 4e6, entries: 3, bytesPerSecond: 4e6 },
      { what: 'x', done: 3e6, total: 4e6, entries: 9, bytesPerSecond: 6e6 },
    ]);
  });
  test('leaves out total and entries when not given', () => {
    const { meter, reports, at } = clocked();
    at(1000);
    meter.update('y', 5);
    assert.deepEqual(reports, [{ what: 'y', done: 5, bytesPerSecond: 5 }]);
  });
  test('without a reporter it does nothing', () => {
    assert.doesNotThrow(() => new Meter(undefined).update('x', 1));
  });
});
