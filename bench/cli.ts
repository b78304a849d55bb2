/**
 * The benchmarks' command line: `--runs N`, and `--node 24` (or
 * `--node /path/to/node`) to run a benchmark under another Node.
 * The pinned binaries are the ones `npm run test:matrix` uses (scripts/nodes).
 * The benchmark re-runs itself under that Node, as the matrix runs its test
 * runner under each: the harness, the load generator, the sink and every
 * variant then run on one Node, and bare node is that Node too, so each ratio
 * is between processes of one Node version.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { nodesUnderTest } from '../scripts/nodes.js';

/** The major version of the Node running this process: results are written per major. */
export const NODE_MAJOR = process.versions.node.split('.')[0] ?? 'unknown';

/** The value after `--name` on the command line; undefined when the option is absent. */
function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} takes a value`);
  return value;
}

/** `--runs N`: a whole number of at least 1, or the default. */
export function runsOption(args: readonly string[], fallback: number): number {
  const value = option(args, '--runs');
  if (value === undefined) return fallback;
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of at least 1, not ${value}`);
  return runs;
}

function binaryFor(value: string): string {
  if (value.includes('/')) return value;
  if (value === NODE_MAJOR) return process.execPath;
  const found = nodesUnderTest().find((n) => n.label === value);
  if (!found) throw new Error(`--node ${value}: not one of the Node lines in scripts/nodes/package.json`);
  return found.bin;
}

/**
 * Re-runs this script under the requested Node, with the same arguments, and
 * returns its exit status; undefined when this already is that Node, so the
 * caller goes on.
 */
export function rerunUnderRequestedNode(script: string, args: readonly string[]): number | undefined {
  // A major version of the matrix (20, 22, 24, 26), or the path of a node binary.
  const value = option(args, '--node');
  if (value === undefined) return undefined;
  const bin = binaryFor(value);
  if (realpathSync(bin) === realpathSync(process.execPath)) return undefined;
  console.error(`re-running under ${bin}`);
  const run = spawnSync(bin, [script, ...args], { stdio: 'inherit' });
  if (run.error) throw run.error;
  return run.status ?? 1;
}
