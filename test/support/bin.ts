/** Runs a built CLI script to its end, with exactly `env` (plus PATH), so the test's own SENTRY_* cannot leak in. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from './runner.js';

export interface BinRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runBin(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<BinRun> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
