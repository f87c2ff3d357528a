#!/usr/bin/env node
// Runs healthplane's benchmarks: `node bench/run.mjs NAME [options]` runs bench/NAME/run.mjs with
// the options; without a name it runs every benchmark with its defaults, one after another.
// Results and exact commands are recorded in docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = fs.readdirSync(HERE, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(HERE, e.name, 'run.mjs')))
  .map((e) => e.name)
  .sort();

function run(name, args) {
  const result = spawnSync(process.execPath, [path.join(HERE, name, 'run.mjs'), ...args], { stdio: 'inherit' });
  return result.status ?? 1;
}

const [name, ...args] = process.argv.slice(2);
if (name === '--help' || name === '-h') {
  process.stdout.write(`usage: node bench/run.mjs [NAME [options]]\nbenchmarks: ${BENCHMARKS.join(', ')}\n`);
} else if (name === undefined) {
  process.exitCode = BENCHMARKS.reduce((code, b) => run(b, []) || code, 0);
} else if (!BENCHMARKS.includes(name)) {
  process.stderr.write(`unknown benchmark "${name}"; available: ${BENCHMARKS.join(', ')}\n`);
  process.exitCode = 2;
} else {
  process.exitCode = run(name, args);
}
