/**
 * `npm run demo` does the whole job: it must exit 0 with everything expected
 * arriving, print the summary, and write a self-contained HTML report.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('the demo runs the example service under the preload and everything expected arrives', async () => {
  const report = join(mkdtempSync(join(tmpdir(), 'sentry-register-demo-')), 'report.html');
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'demo', 'run.js'), '--requests', '200', '--report', report], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `the demo failed; reproduce with: node dist/demo/run.js --requests 200\n${out}`);
  assert.match(out, /✔ everything expected arrived/);
  assert.match(out, /release lightspeed-stack@1\.4\.2, environment demo/);
  assert.match(out, /GET \/readiness +\d+ +0 +0% +\(never traced\)/);
  assert.match(out, /exit code 143/);
  assert.match(out, /privacy: no IP address, header, cookie or body value/);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<svg[^>]*>.*<rect/s);
  assert.doesNotMatch(html, /<script|src="http|href="http/, 'the report must be self-contained');
});
