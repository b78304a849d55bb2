/**
 * The Node binaries other than the one running npm: the official builds pinned
 * in scripts/nodes/package.json (kept out of the root package: each links a
 * `node` bin that would shadow the system node in every npm script), installed
 * from that folder's lock file when missing or stale. `npm run test:matrix`
 * runs the integration suite under each; `npm run bench -- --node 24` runs the
 * benchmark under one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODES_DIR = join(ROOT, 'scripts', 'nodes');

export interface NodeBinary {
  /** The major version, as the matrix and the bench name it: `24`. */
  readonly label: string;
  readonly bin: string;
}

/** The Node running this script first, then the pinned ones, each checked (and installed if need be). */
export function nodesUnderTest(): NodeBinary[] {
  const pkg = JSON.parse(readFileSync(join(NODES_DIR, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const pinned = Object.entries(pkg.devDependencies).map(([alias, spec]) => ({
    label: alias.replace(/^node/, ''),
    bin: join(NODES_DIR, 'node_modules', alias, 'bin', 'node'),
    version: `v${spec.slice(spec.lastIndexOf('@') + 1)}`,
  }));
  if (pinned.some((n) => versionOf(n.bin) !== n.version)) {
    process.stdout.write(`installing ${pinned.map((n) => `node ${n.version}`).join(', ')} into ${relative(ROOT, NODES_DIR)}\n`);
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NODES_DIR, stdio: 'inherit' });
    if (npm.status !== 0) throw new Error(`npm ci in ${NODES_DIR} failed (${npm.status ?? npm.signal})`);
  }
  for (const n of pinned) {
    const found = versionOf(n.bin);
    if (found !== n.version) throw new Error(`${n.bin} is ${found ?? 'missing'}, expected ${n.version}`);
  }
  return [{ label: process.versions.node.split('.')[0] ?? '', bin: process.execPath }, ...pinned];
}

export function versionOf(bin: string): string | undefined {
  if (!existsSync(bin)) return undefined;
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}
