/**
 * Writes the README's configuration table from scripts/config-docs.ts (`npm run docs:config`).
 * test/readme.test.ts fails when the two drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from './readme.js';

const readme = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');
writeFileSync(readme, withConfigTable(readFileSync(readme, 'utf8')));
process.stdout.write('README.md configuration table written\n');
