/**
 * The shape of src/ that lint cannot see: no import cycles between modules
 * (type-only and dynamic imports count too: a cycle through types still ties
 * two modules' meanings together). The folder layering itself is the lint rule
 * in eslint.config.js.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './support/runner.js';

const IMPORT = /(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

function sources(): string[] {
  const src = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, 'src', f));
  return [join(ROOT, 'register.ts'), ...src];
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => resolve(dirname(file), (m[1] ?? m[2] ?? '').replace(/\.js$/, '.ts')));
}

/** Every cycle a depth-first walk meets, each as `a -> b -> a`. */
function cyclesIn(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

test('the cycle finder finds a cycle, and none in a chain', () => {
  assert.deepEqual(
    cyclesIn(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
      ]),
    ),
    ['a -> b -> c -> a'],
  );
  assert.deepEqual(
    cyclesIn(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', []],
      ]),
    ),
    [],
  );
});

test('src/ has no import cycles, and every relative import resolves to a source file', () => {
  const files = sources();
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const unresolved = [...graph].flatMap(([f, targets]) =>
    targets.filter((t) => !graph.has(t)).map((t) => `${relative(ROOT, f)} -> ${relative(ROOT, t)}`),
  );
  assert.deepEqual(unresolved, []);
  assert.ok(graph.size > 40, `only ${graph.size} files read`);
  const show = (cycle: string): string => cycle.replaceAll(`${ROOT}/`, '');
  assert.deepEqual(cyclesIn(graph).map(show), []);
});
