// The stand-in API server for the benchmark, in its own process (so that the measured process's
// RSS is healthplane's alone): test/k8s/fake-api-server.ts compiled with @swc/core (a dev
// dependency) into a temporary folder, loaded, filled with the generated objects. Talks to the
// parent over IPC: {type:'ready', url} once listening; on {type:'change', i, variant} it applies
// Service i's changed EndpointSlice and answers {type:'changed', i, at} (at: epoch ms, sub-ms
// precision, taken just before the MODIFIED event is written to the watches).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { REPO_ROOT, requireDependency } from '../lib/dist.mjs';
import { clusterObjects, endpointSlice, namespaceOf } from './generate.mjs';

const FILES = ['fake-api-server', 'fake-api-store', 'fake-api-routes', 'fake-api-types'];

/** Compiles the stand-in's TypeScript to CommonJS in a new temporary folder; returns the folder. */
export function compileStandIn() {
  const swc = requireDependency('@swc/core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-bench-k8s-'));
  for (const f of FILES) {
    const out = swc.transformFileSync(path.join(REPO_ROOT, 'test/k8s', `${f}.ts`), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      sourceMaps: false,
    });
    fs.writeFileSync(path.join(dir, `${f}.js`), out.code);
  }
  return dir;
}

export const epochNow = () => performance.timeOrigin + performance.now();

async function main() {
  const [dir, services, routes, namespaces] = process.argv.slice(2);
  const counts = { services: Number(services), routes: Number(routes), namespaces: Number(namespaces) };
  const { FakeApiServer } = createRequire(path.join(dir, 'x.js'))('./fake-api-server.js');
  const server = await FakeApiServer.start();
  for (const o of clusterObjects(counts)) server.apply(o);
  // The request log grows with every status write and watch; the benchmark does not read it.
  server.on('request', () => (server.requests.length = 0));
  process.on('message', (m) => {
    if (m.type !== 'change') return;
    const slice = endpointSlice(namespaceOf(m.i, counts), m.i, m.variant);
    const at = epochNow();
    server.apply(slice);
    process.send({ type: 'changed', i: m.i, at });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', url: server.url, objects: server.store.resourceVersion });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((err) => {
    process.stderr.write(`stand-in: ${err.stack}\n`);
    process.exit(1);
  });
}
