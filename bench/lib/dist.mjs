// Loads healthplane's compiled modules from dist/ for the benchmarks. dist/ is produced by
// `npm ci` (prepare script) or `npm run build`; a missing or stale dist/ is reported, not guessed at.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(REPO_ROOT, 'package.json'));
let DIST = path.join(REPO_ROOT, 'dist');

/** Measures another build of the project (e.g. a patched copy of dist/) instead of ./dist. */
export function useDistDir(dir) {
  DIST = path.resolve(dir);
}

/** require() of a module under dist/, e.g. loadDist('xds/server/ads-server'). */
export function loadDist(relative) {
  const file = path.join(DIST, `${relative}.js`);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`npm run build\` (or \`npm ci\`) first`);
  }
  return require(file);
}

/**
 * Warns on stderr when a source under one of `srcPaths` (relative to src/, files or folders) is
 * newer than its compiled counterpart in dist/, i.e. the benchmark would measure stale code.
 */
export function warnIfDistStale(srcPaths) {
  const src = path.join(REPO_ROOT, 'src');
  const stale = [];
  for (const rel of srcPaths) {
    for (const file of tsFiles(path.join(src, rel))) {
      const js = path.join(DIST, path.relative(src, file).replace(/\.ts$/, '.js'));
      if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(file).mtimeMs) stale.push(path.relative(REPO_ROOT, file));
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`bench: warning: dist/ is older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}; run \`npm run build\` to measure the current code\n`);
  }
}

function tsFiles(target) {
  if (!fs.existsSync(target)) return [];
  if (fs.statSync(target).isFile()) return [target];
  return fs.readdirSync(target, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** Resolves a dependency the way the project does (e.g. '@grpc/grpc-js'). */
export function requireDependency(name) {
  return require(name);
}
