/**
 * The README's configuration table is generated from the config reader's own
 * list; this fails when someone edits one and not the other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readConfig, VARIABLE_DOCS } from '../src/config.js';
import { withConfigTable } from '../scripts/readme.js';

const README = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');
const normalize = (s: string): string => s.replace(/ *\| */g, '|').replace(/-{3,}/g, '---');

test('the README configuration table is the one src/config.ts generates (npm run docs:config)', () => {
  assert.equal(normalize(withConfigTable(README)), normalize(README));
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
