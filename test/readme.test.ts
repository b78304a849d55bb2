/**
 * The README's configuration table is generated from scripts/config-docs.ts;
 * this fails when someone edits the table, the docs or the reader's own list
 * of variables and not the others.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readConfig, VARIABLES } from '../src/preload/config.js';
import { VARIABLE_DOCS } from '../scripts/config-docs.js';
import { withConfigTable } from '../scripts/readme.js';

const README = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');
const normalize = (s: string): string => s.replace(/ *\| */g, '|').replace(/-{3,}/g, '---');

test('the README configuration table is the one scripts/config-docs.ts generates (npm run docs:config)', () => {
  assert.equal(normalize(withConfigTable(README)), normalize(README));
});

test('the documented variables are exactly the ones the reader knows, in the same order', () => {
  assert.deepEqual(
    VARIABLE_DOCS.map((v) => v.name),
    VARIABLES,
  );
});

test('every documented variable is one the reader knows: none warns as unknown', () => {
  const warnings: string[] = [];
  readConfig(Object.fromEntries(VARIABLE_DOCS.map((v) => [v.name, ''])), (w) => warnings.push(w));
  assert.deepEqual(warnings, []);
  assert.ok(VARIABLE_DOCS.length >= 10);
});

test('a table without its markers is refused, not silently appended', () => {
  assert.throws(() => withConfigTable('# no markers'), /markers/);
});
