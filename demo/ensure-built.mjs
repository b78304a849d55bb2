// Builds the package before the demo when dist/ is missing or older than a source file.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};
const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
// The demo's service loads the bundle (package.json "exports"), built after tsc's output.
const built = Math.min(mtime('dist/bundle/register.js'), mtime('dist/demo/run.js'));
const newest = Math.max(mtime('register.ts'), mtime('scripts/bundle.ts'), ...sources('src').map(mtime), ...sources('demo').map(mtime));
if (built < newest) {
  process.stderr.write('demo: building the package first\n');
  execSync('npm run build', { stdio: 'inherit' });
}
