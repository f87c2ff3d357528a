// One xds-fanout measurement for one protocol (sotw or delta), in this process: runs the real
// AdsServer + SnapshotCache on 127.0.0.1:0, forks the client process, waits for convergence, then
// publishes K single-endpoint changes and times each client's ACK of each one (FanoutTracker).
// Receives the parsed options; returns a plain result object. Every wait is bounded; the client
// process is always stopped (by its pid) before returning.
import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadDist, useDistDir, warnIfDistStale } from '../lib/dist.mjs';
import { startRssSampler, summarize } from '../lib/stats.mjs';
import { checkCodec } from './ads-codec.mjs';
import { FanoutTracker } from './fanout-tracker.mjs';
import { startProfiler } from './profiler.mjs';
import { changedClusterIndex, clusterName, fanoutResources } from './resources.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function loadProject(distDir) {
  if (distDir) useDistDir(distDir);
  else warnIfDistStale(['xds', 'clock.ts', 'log.ts', 'errors.ts']);
  const hp = {
    ...loadDist('xds/server/ads-server'),
    ...loadDist('xds/server/hooks'),
    ...loadDist('xds/server/client-registry'),
    ...loadDist('xds/cache/snapshot-cache'),
    ...loadDist('xds/cache/node-hash'),
    ...loadDist('xds/snapshot-builder'),
    ...loadDist('clock'),
    ...loadDist('log'),
  };
  checkCodec({ proto: loadDist('xds/proto'), wire: loadDist('xds/cache/wire') });
  return hp;
}

/** Polls `done` every pollMs until true (-> true) or timeoutMs passes (-> false); `abort` ends early. */
async function waitFor(done, timeoutMs, pollMs, abort = () => undefined) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    const why = abort();
    if (why) throw new Error(why);
    if (performance.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

export async function measureMode(opts) {
  const hp = loadProject(opts.distDir);
  const rss = startRssSampler(25);
  const baselineRss = rss.now();
  const tracker = new FanoutTracker(opts.clusters);
  const setup = await startServer(hp, opts, tracker);
  const clients = startClients(opts, setup.port);
  try {
    const convergence = await converge(opts, tracker, clients);
    await settle(opts.settleMs);
    const afterConvergence = process.memoryUsage();
    const peakRssConvergence = rss.reset();
    const { changes, profile } = convergence.complete ? await runChanges(opts, hp, tracker, setup) : { changes: [] };
    const peakRssChanges = rss.peak();
    const afterChanges = process.memoryUsage();
    const streamsClosed = tracker.closed.length; // before the clients leave
    const client = await clients.stop();
    return {
      mode: opts.mode,
      params: { clients: opts.clients, clusters: opts.clusters, endpoints: opts.endpoints, changes: opts.changes, withRegistry: opts.withRegistry },
      snapshotBuildMs: setup.buildMs,
      convergence,
      changes,
      latency: summarize(changes.flatMap((c) => c.latencies)),
      server: { baselineRss, peakRssConvergence, peakRssChanges, peakRss: Math.max(peakRssConvergence, peakRssChanges), afterConvergence, afterChanges, nacks: tracker.nacks, streamsClosed, profile },
      client,
      ok: convergence.complete && changes.length === opts.changes && changes.every((c) => !c.timedOut),
    };
  } finally {
    clients.kill();
    rss.stop();
    await setup.server.stop(1000);
  }
}

/** The cache with the initial snapshot, and the AdsServer listening on 127.0.0.1:<any port>. */
async function startServer(hp, opts, tracker) {
  const generations = new Map();
  const build = () => hp.buildSnapshot(fanoutResources(opts.clusters, opts.endpoints, generations));
  const cache = new hp.SnapshotCache({ clock: hp.systemClock, logger: hp.silentLogger });
  const t0 = performance.now();
  const first = cache.setSnapshot(hp.DEFAULT_GROUP, build());
  if (first.status !== 'published') throw new Error(`initial snapshot not published: ${JSON.stringify(first)}`);
  const buildMs = performance.now() - t0;
  const hooks = opts.withRegistry
    ? hp.composeHooks(new hp.ClientRegistry({ clock: hp.systemClock }), tracker.hooks)
    : tracker.hooks;
  const server = new hp.AdsServer({ cache, nodeHash: hp.byCluster, hooks, clock: hp.systemClock, logger: hp.silentLogger, epoch: Date.now().toString(36) });
  const port = await server.listen('127.0.0.1', 0);
  return { cache, server, port, buildMs, build, generations };
}

/** K changes one after another (stopping at the first that times out), optionally profiled. */
async function runChanges(opts, hp, tracker, setup) {
  const profiler = opts.profileDir ? await startProfiler() : null;
  const changes = [];
  for (let k = 1; k <= opts.changes; k++) {
    const change = await measureChange(k, { opts, hp, tracker, ...setup });
    changes.push(change);
    if (change.timedOut) break;
    await settle(opts.settleMs);
  }
  const profile = profiler ? await profiler.stop(opts.profileDir, `xds-fanout-${opts.mode}-server`) : undefined;
  return { changes, profile };
}

async function settle(ms) {
  await sleep(ms);
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

async function converge(opts, tracker, clients) {
  const start = performance.now();
  const complete = await waitFor(() => tracker.convergedCount() >= opts.clients, opts.convergeTimeoutMs, 50, clients.failure);
  const stats = await clients.stats();
  return {
    complete,
    ms: performance.now() - start,
    converged: tracker.convergedCount(),
    streams: tracker.streams.size,
    clientStats: stats,
  };
}

async function measureChange(k, { opts, hp, cache, tracker, generations, build }) {
  const index = changedClusterIndex(k, opts.clusters);
  generations.set(index, k);
  const b0 = performance.now();
  const snapshot = build();
  const buildMs = performance.now() - b0;
  const cpu0 = process.cpuUsage();
  const c = tracker.beginChange(clusterName(index));
  const result = cache.setSnapshot(hp.DEFAULT_GROUP, snapshot);
  const setSnapshotMs = performance.now() - c.t0;
  if (result.status !== 'published') throw new Error(`change ${k} not published: ${JSON.stringify(result)}`);
  const complete = await waitFor(() => tracker.changeComplete(), opts.changeTimeoutMs, 5);
  const cpu = process.cpuUsage(cpu0);
  tracker.endChange();
  const latencies = [...c.latency.values()];
  return {
    k,
    cluster: c.name,
    buildMs,
    setSnapshotMs,
    timedOut: !complete,
    expected: c.expected,
    acked: c.latency.size,
    carrying: c.carrying.size,
    responses: c.responses,
    edsResponses: c.edsResponses,
    otherResponses: c.otherResponses,
    bytes: c.bytes,
    sent: summarize(c.sentAt),
    latency: summarize(latencies),
    latencies,
    serverCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** Forks the client process and offers stats(), stop(), kill() and failure() (why it is unusable). */
function startClients(opts, port) {
  const settings = { port, mode: opts.mode, clients: opts.clients, clusters: opts.clusters, maxReceiveBytes: opts.maxReceiveBytes, connectBatch: opts.connectBatch, connectIntervalMs: opts.connectIntervalMs };
  const execArgv = opts.profileDir && opts.profileClients ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir, '--cpu-prof-name', `xds-fanout-${opts.mode}-clients.cpuprofile`] : [];
  const child = fork(path.join(HERE, 'client-process.mjs'), [JSON.stringify(settings)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const errors = [];
  let exited = null;
  let waiting = null;
  child.on('message', (msg) => {
    if (msg.type === 'error') errors.push(msg);
    if (msg.type === 'stats' && waiting) waiting(msg);
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    if (waiting) waiting(null);
  });
  const ask = (cmd) =>
    new Promise((resolve) => {
      if (exited) return resolve(null);
      const timer = setTimeout(() => resolve(null), 10_000);
      waiting = (msg) => {
        clearTimeout(timer);
        waiting = null;
        resolve(msg);
      };
      child.send({ cmd });
    });
  return {
    stats: () => ask('stats'),
    stop: async () => {
      const final = await ask('stop');
      await waitFor(() => exited !== null, 5000, 20);
      return { ...final, errors, errorCount: final?.errors ?? errors.length };
    },
    kill: () => {
      if (exited === null && child.pid) process.kill(child.pid, 'SIGKILL');
    },
    /** Why waiting is pointless: the client process died, or a stream failed (no convergence possible). */
    failure: () => {
      if (exited) return `client process exited early (${JSON.stringify(exited)}); errors: ${JSON.stringify(errors.slice(0, 3))}`;
      if (errors.length > 0) return `client streams failed (${errors.length} reported so far), first: ${JSON.stringify(errors[0])}`;
      return undefined;
    },
  };
}
