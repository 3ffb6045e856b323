// The layers of src/ (README.md, Development): each folder is one job and imports only the
// folders below it, so no two folders import each other. Checked on the sources' import
// lines, static and dynamic. I/O (reads src/).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');

/** What each folder may import, besides itself and the top-level errors.ts and version.ts. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  text: [],
  config: ['text'],
  select: ['config', 'text'],
  plan: ['config', 'text'],
  host: ['config', 'select', 'plan', 'text'],
  state: ['host', 'config', 'text'],
  inspect: ['host', 'config', 'plan', 'text'],
  checks: ['inspect', 'state', 'host', 'select', 'config', 'plan', 'text'],
  images: ['state', 'host', 'config', 'text'],
  prepare: ['checks', 'inspect', 'state', 'host', 'config', 'plan', 'text'],
  cli: ['prepare', 'images', 'checks', 'inspect', 'state', 'host', 'select', 'plan', 'config', 'text'],
};

function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The folder of a file under src/ ('' for the top-level files). */
const folderOf = (file: string): string => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] ?? '' : '';
};

/** [importing file, imported file] for every relative import of the sources. */
function imports(): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const f of sources()) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      out.push([f, path.resolve(path.dirname(f), (m[1] ?? '').replace(/\.js$/, '.ts'))]);
    }
  }
  return out;
}

test('every folder of src/ has a place in the layers', () => {
  const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(folders, Object.keys(MAY_IMPORT).sort());
});

test('the layers have no cycle: each folder may only import folders listed before it', () => {
  const order = Object.keys(MAY_IMPORT);
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    for (const a of allowed) assert.ok(order.indexOf(a) < order.indexOf(folder), `${folder} may import ${a}, which comes later`);
  }
});

test('every import of src/ goes down the layers', () => {
  const wrong = imports().flatMap(([from, to]) => {
    const a = folderOf(from);
    const b = folderOf(to);
    if (!fs.existsSync(to)) return [`${path.relative(SRC, from)} imports ${path.relative(SRC, to)}, which does not exist`];
    if (b === '' || a === b) return [];
    if (a === '') return [`${path.relative(SRC, from)} (top level) imports ${path.relative(SRC, to)}`];
    return (MAY_IMPORT[a] ?? []).includes(b) ? [] : [`${path.relative(SRC, from)} imports ${path.relative(SRC, to)}`];
  });
  assert.deepEqual(wrong, []);
});

test('the check sees real imports (it would find a folder importing another)', () => {
  const found = imports().filter(([from, to]) => folderOf(from) === 'cli' && folderOf(to) === 'prepare');
  assert.ok(found.length > 0, 'cli imports prepare somewhere: the scan must see it');
});
