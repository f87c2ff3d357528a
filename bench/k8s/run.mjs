#!/usr/bin/env node
// The k8s benchmark: `serve --kubernetes` on a big cluster. The stand-in API server (its own
// process, bench/k8s/stand-in.mjs) holds S Services with one EndpointSlice each and R HTTPRoutes
// referencing all of them (bench/k8s/generate.mjs). The measured process runs the real App with
// --kubernetes (informers -> KubernetesSource -> store -> reconciler -> SnapshotCache, status
// writer and Lease included; xDS and admin servers on port 0, silent logger) from dist/.
//   sync     App.start() until every kind is listed and the first snapshot is served
//   changes  C times: one EndpointSlice changes (its first endpoint moves; the stand-in writes a
//            MODIFIED event to the open watch); latency = from just before the stand-in writes the
//            event to the SnapshotCache publishing the new snapshot (both clocks are this
//            machine's epoch clock, sub-ms); split into event -> store (informer, decode, bundle)
//            and the reconcile (translate, xds, snapshot); each new snapshot is checked to change
//            exactly one ClusterLoadAssignment and nothing else
//   memory   RSS of the measured process after sync, peak, and after a full GC (heap and RSS)
// Each run is a fresh pair of processes. Exit code 0 only when every change was seen and checked.
// Usage: node bench/k8s/run.mjs [--services 5000] [--routes 1000] [--namespaces 50] [--runs 3]
//        [--changes 30] [--heap-mb N] [--profile DIR] [--dist DIR] [--json]
//        (--heap-mb: run the measured process with --max-old-space-size=N, as a Deployment could)
// Goals (issue 6): EndpointSlice change -> new snapshot < 200 ms; RSS < 500 MB.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDist, useDistDir, warnIfDistStale } from '../lib/dist.mjs';
import { mib, ms, startRssSampler, summarize } from '../lib/stats.mjs';
import { compileStandIn } from './stand-in.mjs';

const HERE = fileURLToPath(import.meta.url);
const STAND_IN = path.join(path.dirname(HERE), 'stand-in.mjs');
const GOAL_MS = 200;
const GOAL_RSS = 500 * 1024 * 1024;

function parseArgs(argv) {
  const o = { services: 5000, routes: 1000, namespaces: 50, runs: 3, changes: 30, profile: undefined, dist: undefined, json: false, role: undefined, url: undefined, heapMb: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--services') o.services = Number(next());
    else if (a === '--routes') o.routes = Number(next());
    else if (a === '--namespaces') o.namespaces = Number(next());
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--changes') o.changes = Number(next());
    else if (a === '--profile') o.profile = path.resolve(next());
    else if (a === '--heap-mb') o.heapMb = Number(next());
    else if (a === '--dist') o.dist = path.resolve(next());
    else if (a === '--json') o.json = true;
    else if (a === '--role') o.role = next();
    else if (a === '--url') o.url = next();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(HERE, 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Rejects after `t` ms (unref'd) with `what`. */
function deadline(t, what) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} (no answer within ${t} ms)`)), t).unref());
}

async function withProfile(o, name, fn) {
  if (!o.profile) return fn();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(o.profile, { recursive: true });
    fs.writeFileSync(path.join(o.profile, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

// ---- the measured process ---------------------------------------------------------------------

/** Asks the parent (which relays to the stand-in) to change Service i's slice; resolves the event time. */
function requestChange(i, variant) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.type !== 'changed' || m.i !== i) return;
      process.off('message', on);
      resolve(m.at);
    };
    process.on('message', on);
    process.send({ type: 'change', i, variant });
  });
}

async function measure(o) {
  if (o.dist) useDistDir(o.dist);
  const { App } = loadDist('app');
  const { parseOptions } = loadDist('options');
  const { silentLogger } = loadDist('log');
  const { DEFAULT_GROUP } = loadDist('xds/cache/node-hash');
  const { TypeUrl } = loadDist('xds/type-urls');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-bench-k8s-kc-'));
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster: {server: "${o.url}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: bench}\ncontexts:\n- name: c\n  context: {cluster: s, user: u}\ncurrent-context: c\n`);
  const rss = startRssSampler(20);
  const baseline = process.memoryUsage.rss();
  const options = parseOptions(['serve', '--kubernetes', '--kubeconfig', kubeconfig, '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0'], {});
  const app = new App(options, { logger: silentLogger, env: {} });
  const t0 = performance.now();
  await app.start();
  const syncMs = performance.now() - t0;
  const first = app.reconciler.lastReport();
  const startup = { syncMs, objects: first.objects.length, problems: first.problems.length, resources: first.snapshot.resources, rssAfterSync: rss.now(), rssPeakSync: rss.reset() };
  await sleep(500); // let the leader's first status writes settle
  let onPublish = () => undefined;
  let onStore = () => undefined;
  const offCache = app.cache.watch(DEFAULT_GROUP, (p) => onPublish(p));
  const offStore = app.store.on('changed', () => onStore());
  const samples = [];
  const perNs = o.services / o.namespaces;
  await withProfile(o, 'changes', async () => {
    for (let c = 0; c < o.changes; c++) {
      const i = (c * 977 + 13) % o.services;
      const stored = new Promise((resolve) => (onStore = () => resolve(epochNow())));
      const published = new Promise((resolve) => (onPublish = (p) => resolve({ at: epochNow(), p })));
      const eventAt = await requestChange(i, c + 1);
      const [{ at, p }, storedAt] = await Promise.race([Promise.all([published, stored]), deadline(10_000, `change ${c}: no snapshot`)]);
      const changed = Object.fromEntries([...p.changed].map(([t, names]) => [t, [...names]]));
      const eds = changed[TypeUrl.Endpoint] ?? [];
      const others = Object.entries(changed).filter(([t, names]) => t !== TypeUrl.Endpoint && names.length > 0);
      if (eds.length !== 1 || others.length > 0) throw new Error(`change ${c} (svc ${i}, ns ${Math.floor(i / perNs)}): expected exactly one changed ClusterLoadAssignment, got ${JSON.stringify(changed)}`);
      const report = app.reconciler.lastReport();
      samples.push({ endToEndMs: at - eventAt, toStoreMs: storedAt - eventAt, reconcileMs: report.timings.totalMs, translateMs: report.timings.translateMs, xdsMs: report.timings.xdsMs, cla: eds[0] });
      await sleep(100);
    }
  });
  offCache();
  offStore();
  const rssAfter = rss.now();
  const rssPeak = rss.peak();
  globalThis.gc?.();
  const live = { heapLive: process.memoryUsage().heapUsed, rssLive: process.memoryUsage.rss() };
  const informers = app.kube.source.stats();
  const lists = Object.values(informers).reduce((n, s) => n + s.lists, 0);
  const relists = Object.values(informers).reduce((n, s) => n + s.relists, 0);
  await app.stop(0);
  fs.rmSync(dir, { recursive: true, force: true });
  return { baseline, startup, samples, rssAfter, rssPeak, ...live, lists, relists, publishes: app.kube.source.publishCount };
}

// ---- the parent: one stand-in and one measured process per run ------------------------------

function childMessage(child, type, what, timeoutMs) {
  return Promise.race([
    new Promise((resolve, reject) => {
      const on = (m) => m.type === type && (child.off('message', on), resolve(m));
      child.on('message', on);
      child.once('exit', (code) => reject(new Error(`${what}: the process exited (${code})`)));
    }),
    deadline(timeoutMs, what),
  ]);
}

async function oneRun(o, standInDir) {
  const standIn = fork(STAND_IN, [standInDir, String(o.services), String(o.routes), String(o.namespaces)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let measured;
  try {
    const { url } = await childMessage(standIn, 'ready', 'the stand-in API server', 120_000);
    const args = ['--role', 'measure', '--url', url, '--services', String(o.services), '--routes', String(o.routes), '--namespaces', String(o.namespaces), '--changes', String(o.changes)];
    if (o.profile) args.push('--profile', o.profile);
    if (o.dist) args.push('--dist', o.dist);
    const execArgv = ['--expose-gc', ...(o.heapMb ? [`--max-old-space-size=${o.heapMb}`] : [])];
    measured = fork(HERE, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    measured.on('message', (m) => m.type === 'change' && standIn.send(m));
    standIn.on('message', (m) => m.type === 'changed' && measured.send(m));
    const { result, error } = await childMessage(measured, 'result', 'the measured process', 300_000);
    if (error) throw new Error(error);
    return result;
  } finally {
    for (const child of [measured, standIn]) if (child && child.exitCode === null) child.kill('SIGKILL');
  }
}

function report(o, runs) {
  const all = runs.flatMap((r) => r.samples);
  const lines = [
    `k8s benchmark: ${o.services} Services with one EndpointSlice each, ${o.routes} HTTPRoutes (${o.services / o.routes} backendRefs each) in ${o.namespaces} namespaces; ${o.runs} runs x ${o.changes} changes${o.heapMb ? `; measured process with --max-old-space-size=${o.heapMb}` : ''}`,
    `node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${mib(os.totalmem())} RAM`,
    '',
  ];
  runs.forEach((r, k) => {
    const e2e = summarize(r.samples.map((s) => s.endToEndMs));
    const store = summarize(r.samples.map((s) => s.toStoreMs));
    const rec = summarize(r.samples.map((s) => s.reconcileMs));
    lines.push(
      `run ${k + 1}: sync ${ms(r.startup.syncMs)} (${r.startup.objects} objects in the store, ${r.startup.resources} xDS resources, ${r.lists} lists, ${r.relists} relists)`,
      `  EndpointSlice MODIFIED -> snapshot: p50 ${ms(e2e.p50)}, p90 ${ms(e2e.p90)}, max ${ms(e2e.max)}; event -> store p50 ${ms(store.p50)}; reconcile p50 ${ms(rec.p50)} (translate ${ms(summarize(r.samples.map((s) => s.translateMs)).p50)}, xds+snapshot ${ms(summarize(r.samples.map((s) => s.xdsMs)).p50)})`,
      `  RSS: before ${mib(r.baseline)}, after sync ${mib(r.startup.rssAfterSync)} (peak during sync ${mib(r.startup.rssPeakSync)}), after the changes ${mib(r.rssAfter)}, peak ${mib(Math.max(r.rssPeak, r.startup.rssPeakSync))}; after a full GC: heap ${mib(r.heapLive)}, RSS ${mib(r.rssLive)}`,
    );
  });
  const e2e = summarize(all.map((s) => s.endToEndMs));
  const peak = Math.max(...runs.map((r) => Math.max(r.rssPeak, r.startup.rssPeakSync)));
  lines.push(
    '',
    `all runs: change -> snapshot p50 ${ms(e2e.p50)}, p90 ${ms(e2e.p90)}, p99 ${ms(e2e.p99)}, max ${ms(e2e.max)} (goal < ${GOAL_MS} ms: ${e2e.max < GOAL_MS ? 'met' : 'MISSED'}); peak RSS ${mib(peak)} (goal < 500 MB: ${peak < GOAL_RSS ? 'met' : 'MISSED'})`,
  );
  return lines.join('\n') + '\n';
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.role === 'measure') {
    let message;
    try {
      message = { type: 'result', result: await measure(o) };
    } catch (err) {
      message = { type: 'result', error: err.stack ?? String(err) };
    }
    process.send(message, () => process.disconnect());
    return;
  }
  if (!(o.services > 0 && o.routes > 0 && o.namespaces > 0 && o.runs > 0 && o.changes > 0)) throw new Error('every count must be positive');
  if (o.dist) useDistDir(o.dist);
  loadDist('app');
  warnIfDistStale(['app.ts', 'sources', 'reconcile', 'translate', 'xds']);
  const standInDir = compileStandIn();
  try {
    const runs = [];
    for (let r = 0; r < o.runs; r++) {
      runs.push(await oneRun(o, standInDir));
      if (!o.json) process.stderr.write(`run ${r + 1}/${o.runs} done\n`);
    }
    process.stdout.write(o.json ? JSON.stringify({ options: o, runs }, null, 2) + '\n' : report(o, runs));
  } finally {
    fs.rmSync(standInDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench k8s: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
