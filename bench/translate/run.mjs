#!/usr/bin/env node
// The translate benchmark: N Gloo Upstreams and N HTTPRoutes (with the Services and EndpointSlices
// of the kube Upstreams) generated as one YAML file per namespace. Two phases, each in its own
// child process so that each RSS is its own:
//   pipeline  parse every file, then translateInputs -> toXdsResources -> buildSnapshot, R times;
//             time of each step, RSS after, peak RSS
//   change    an in-process App (`serve --config-dir` on the folder, ports 0), the SnapshotCache
//             watched: save one changed file (one Upstream's probe interval, or with --change
//             route one HTTPRoute's path prefix), time until the new snapshot is published, C
//             times; the reconciler's own share of each
// Usage: node bench/translate/run.mjs [--upstreams 10000] [--namespaces 100] [--runs 5]
//        [--changes 20] [--change upstream|route] [--holdoff MS] [--profile DIR] [--dist DIR] [--json]
//        (--dist: measure another build of src/, e.g. `tsc -p tsconfig.build.json --outDir DIR`)
// Goals (issue 3): full translation < 2 s, one change < 100 ms end to end, RSS < 500 MB.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDist, useDistDir, warnIfDistStale } from '../lib/dist.mjs';
import { mib, ms, startRssSampler, summarize } from '../lib/stats.mjs';
import { gatewayYaml, namespaceYaml } from './generate.mjs';

const HERE = fileURLToPath(import.meta.url);

function parseArgs(argv) {
  const o = { upstreams: 10000, namespaces: 100, runs: 5, changes: 20, holdoff: undefined, profile: undefined, dist: undefined, change: 'upstream', json: false, phase: undefined, dir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--upstreams') o.upstreams = Number(next());
    else if (a === '--namespaces') o.namespaces = Number(next());
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--changes') o.changes = Number(next());
    else if (a === '--change') o.change = next();
    else if (a === '--holdoff') o.holdoff = Number(next());
    else if (a === '--profile') o.profile = path.resolve(next());
    else if (a === '--phase') o.phase = next();
    else if (a === '--dir') o.dir = next();
    else if (a === '--dist') o.dist = path.resolve(next());
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(HERE, 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!(o.upstreams > 0 && o.namespaces > 0 && o.upstreams % o.namespaces === 0)) throw new Error('--upstreams must be a positive multiple of --namespaces');
  if (!['upstream', 'route'].includes(o.change)) throw new Error('--change must be upstream or route');
  return o;
}

const nsName = (k) => `ns-${String(k).padStart(3, '0')}`;

/** Writes gateway.yaml and one file per namespace; returns the folder. */
function generate(o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-bench-translate-'));
  const per = o.upstreams / o.namespaces;
  fs.writeFileSync(path.join(dir, 'gateway.yaml'), gatewayYaml(o.namespaces));
  for (let k = 0; k < o.namespaces; k++) fs.writeFileSync(path.join(dir, `${nsName(k)}.yaml`), namespaceYaml(nsName(k), k * per, per));
  return dir;
}

const now = () => performance.now();

function timed(fn) {
  const t = now();
  const value = fn();
  return [value, now() - t];
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

/** Phase 1: the pure pipeline on every object, R times. */
async function pipelinePhase(o) {
  const { parseResources } = loadDist('sources/file/parse');
  const { toInputResources } = loadDist('model/resources');
  const { translateInputs } = loadDist('translate/translate');
  const { toXdsResources } = loadDist('xds/translate/index');
  const { buildSnapshot } = loadDist('xds/snapshot-builder');
  const { listResourceFiles } = loadDist('sources/file/source');
  const rss = startRssSampler(20);
  const baseline = process.memoryUsage.rss();
  const files = await listResourceFiles(o.dir);
  const [parsed, parseMs] = timed(() => files.map((f) => parseResources(fs.readFileSync(f, 'utf8'), f)));
  const objects = parsed.flatMap((p) => p.objects);
  const inputs = toInputResources(objects);
  const runs = [];
  let last;
  await withProfile(o, 'pipeline', async () => {
    for (let r = 0; r < o.runs; r++) {
      const [result, translateMs] = timed(() => translateInputs(inputs));
      const [xds, xdsMs] = timed(() => toXdsResources(result.ir));
      const [snapshot, snapshotMs] = timed(() => buildSnapshot(xds));
      runs.push({ translateMs, xdsMs, snapshotMs, totalMs: translateMs + xdsMs + snapshotMs });
      last = { result, xds, snapshot };
    }
  });
  const counts = {
    files: files.length,
    objects: objects.length,
    parseProblems: parsed.reduce((n, p) => n + p.problems.length, 0),
    failures: last.result.failures.length,
    errors: last.result.failures.filter((f) => f.severity === 'error').length,
    clusters: last.xds.clusters.length,
    endpoints: last.xds.endpoints.length,
    listeners: last.xds.listeners.length,
    routes: last.xds.routes.length,
    virtualHosts: last.xds.routes.reduce((n, r) => n + (r.virtual_hosts?.length ?? 0), 0),
    snapshotResources: last.snapshot.size(),
  };
  const rssAfter = rss.now();
  const peak = rss.peak();
  globalThis.gc?.();
  return { phase: 'pipeline', counts, parseMs, runs, rssBaseline: baseline, rssAfter, rssPeak: peak, heapLive: process.memoryUsage().heapUsed, rssLive: process.memoryUsage.rss() };
}

/** Phase 2: the real folder source + reconciler in an App; C saves of one changed file. */
async function changePhase(o) {
  const { App } = loadDist('app');
  const { parseOptions } = loadDist('options');
  const { silentLogger } = loadDist('log');
  const { DEFAULT_GROUP } = loadDist('xds/cache/node-hash');
  const rss = startRssSampler(20);
  const options = parseOptions(['serve', '--config-dir', o.dir, '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0'], {});
  const app = new App(options, { logger: silentLogger, ...(o.holdoff !== undefined ? { folderDelayMs: o.holdoff } : {}) });
  const [, startMs] = await (async () => {
    const t = now();
    await app.start();
    return [undefined, now() - t];
  })();
  let onPublish = () => undefined;
  const cancel = app.cache.watch(DEFAULT_GROUP, () => onPublish());
  const per = o.upstreams / o.namespaces;
  const samples = [];
  await withProfile(o, 'change', async () => {
    for (let c = 0; c < o.changes; c++) {
      const k = (c * 37) % o.namespaces;
      const file = path.join(o.dir, `${nsName(k)}.yaml`);
      const base = namespaceYaml(nsName(k), k * per, per);
      // one object changes: the first Upstream's probe interval, or the first HTTPRoute's path prefix
      const text = o.change === 'route' ? base.replace('value: /api}', `value: /api${c}}`) : base.replace('interval: 2s', `interval: ${3 + c}s`);
      const published = new Promise((resolve) => (onPublish = () => resolve(now())));
      const t0 = now();
      fs.writeFileSync(file, text);
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no snapshot within 10 s of the save')), 10_000).unref());
      const t1 = await Promise.race([published, timeout]);
      const report = app.reconciler.lastReport();
      samples.push({ endToEndMs: t1 - t0, reconcileMs: report.timings.totalMs, translateMs: report.timings.translateMs, xdsMs: report.timings.xdsMs });
      await new Promise((r) => setTimeout(r, 150));
    }
  });
  cancel();
  const rssAfter = rss.now();
  const peak = rss.peak();
  globalThis.gc?.();
  const live = { heapLive: process.memoryUsage().heapUsed, rssLive: process.memoryUsage.rss() };
  await app.stop(0);
  return { phase: 'change', startMs, holdoffMs: o.holdoff ?? 50, changed: o.change, samples, rssAfter, rssPeak: peak, ...live };
}

function runPhase(o, phase) {
  const args = [HERE, '--phase', phase, '--dir', o.dir, '--upstreams', String(o.upstreams), '--namespaces', String(o.namespaces), '--runs', String(o.runs), '--changes', String(o.changes), '--change', o.change];
  if (o.holdoff !== undefined) args.push('--holdoff', String(o.holdoff));
  if (o.profile) args.push('--profile', o.profile);
  if (o.dist) args.push('--dist', o.dist);
  const r = spawnSync(process.execPath, ['--expose-gc', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`phase ${phase} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function report(o, pipeline, change) {
  const med = (xs) => summarize(xs).p50;
  const p = pipeline.runs;
  const translate = med(p.map((r) => r.translateMs));
  const xds = med(p.map((r) => r.xdsMs));
  const snap = med(p.map((r) => r.snapshotMs));
  const e2e = summarize(change.samples.map((s) => s.endToEndMs));
  const rec = summarize(change.samples.map((s) => s.reconcileMs));
  const lines = [
    `translate benchmark: ${o.upstreams} Upstreams + ${o.upstreams} HTTPRoutes in ${o.namespaces} namespaces (${pipeline.counts.objects} objects, ${pipeline.counts.files} files)`,
    `node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${mib(os.totalmem())} RAM`,
    `output: ${pipeline.counts.clusters} clusters, ${pipeline.counts.endpoints} endpoints, ${pipeline.counts.listeners} listener(s), ${pipeline.counts.routes} route config(s) with ${pipeline.counts.virtualHosts} virtual hosts; ${pipeline.counts.failures} failures (${pipeline.counts.errors} errors)`,
    '',
    `pipeline (median of ${p.length}): parse ${ms(pipeline.parseMs)} (once) | translateInputs ${ms(translate)} | toXdsResources ${ms(xds)} | buildSnapshot ${ms(snap)} | full translation ${ms(translate + xds)} (+ snapshot ${ms(translate + xds + snap)})`,
    `  runs (translate+xds+snapshot): ${p.map((r) => ms(r.totalMs)).join(', ')}`,
    `  RSS: baseline ${mib(pipeline.rssBaseline)}, after ${mib(pipeline.rssAfter)}, peak ${mib(pipeline.rssPeak)}; after a full GC: heap ${mib(pipeline.heapLive)}, RSS ${mib(pipeline.rssLive)}`,
    `change (${change.samples.length} saves of one ${change.changed === 'route' ? 'HTTPRoute' : 'Upstream'}, folder holdoff ${change.holdoffMs} ms): save -> snapshot p50 ${ms(e2e.p50)}, p90 ${ms(e2e.p90)}, max ${ms(e2e.max)}; of which reconcile p50 ${ms(rec.p50)} (translate ${ms(med(change.samples.map((s) => s.translateMs)))}, xds+snapshot ${ms(med(change.samples.map((s) => s.xdsMs)))})`,
    `  App start (first load of the folder): ${ms(change.startMs)}; RSS after ${mib(change.rssAfter)}, peak ${mib(change.rssPeak)}; after a full GC: heap ${mib(change.heapLive)}, RSS ${mib(change.rssLive)}`,
    '',
    `goals: full translation < 2 s: ${translate + xds < 2000 ? 'met' : 'MISSED'} | one change < 100 ms: ${e2e.p50 < 100 ? 'met' : 'MISSED'} (p50) | RSS < 500 MB: ${Math.max(pipeline.rssPeak, change.rssPeak) < 500 * 1024 * 1024 ? 'met' : 'MISSED'} (peak)`,
  ];
  return lines.join('\n') + '\n';
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.dist) useDistDir(o.dist);
  if (o.phase) {
    const result = o.phase === 'pipeline' ? await pipelinePhase(o) : await changePhase(o);
    process.stdout.write(JSON.stringify(result));
    return;
  }
  warnIfDistStale(['translate', 'xds/translate', 'sources', 'reconcile', 'ir', 'model']);
  o.dir = generate(o);
  try {
    const pipeline = runPhase(o, 'pipeline');
    const change = runPhase(o, 'change');
    process.stdout.write(o.json ? `${JSON.stringify({ pipeline, change }, null, 2)}\n` : report(o, pipeline, change));
    if (o.profile) process.stdout.write(`profiles written to ${o.profile} (summarise with: node bench/lib/profile-summary.mjs FILE)\n`);
  } finally {
    fs.rmSync(o.dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
