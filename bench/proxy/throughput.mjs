// Throughput and latency: wrk against direct-to-upstream, healthplane's proxy, HAProxy and nginx,
// all in front of the same 3 upstreams on 127.0.0.1 (round robin, keep-alive, active /health
// check every 1 s where the proxy has one). First measures which upstream is faster (static nginx
// or demo upstream processes) and uses it. Runs are interleaved (run 1 of every target, then run
// 2, ...) so machine noise spreads over all targets. Optionally profiles healthplane's proxy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarizeProfile } from '../lib/profile-summary.mjs';
import { freePorts } from './processes.mjs';
import { startDemoUpstreams, startNginxUpstreams, startProxy } from './servers.mjs';
import { cpuPerRequest, runWrk, treeCpu, wrkCommand } from './wrk.mjs';

const log = (msg) => process.stderr.write(`proxy bench: ${msg}\n`);

async function startUpstreams(kind) {
  const ports = await freePorts(3);
  if (kind === 'nginx') {
    const u = await startNginxUpstreams(ports);
    return { kind, ports, stop: () => u.stop(), pids: [u.proc.pid] };
  }
  const us = await startDemoUpstreams(ports);
  return { kind, ports, stop: () => Promise.all(us.map((u) => u.stop())), pids: us.map((u) => u.proc.pid) };
}

/** wrk straight at upstream 1 of each kind; returns { nginx: rps, demo: rps }. */
async function compareUpstreams(o) {
  const out = {};
  for (const kind of ['nginx', 'demo']) {
    const up = await startUpstreams(kind);
    try {
      const r = await runWrk({ ...o.wrk, url: `http://127.0.0.1:${up.ports[0]}/get` });
      out[kind] = r;
      log(`direct ${kind} upstream: ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms`);
    } finally {
      await up.stop();
    }
  }
  return out;
}

/** One measured wrk run against `target` ('direct' or a proxy kind). */
async function measure(target, up, o, extra = {}) {
  const [port] = await freePorts(1);
  const proxy = target === 'direct' ? undefined : await startProxy(target, { port, upstreams: up.ports, ...extra });
  const url = `http://127.0.0.1:${proxy ? port : up.ports[0]}/get`;
  try {
    if (o.warmupS > 0) await runWrk({ ...o.wrk, durationS: o.warmupS, url });
    await sleep(200);
    const cpu0 = proxy ? treeCpu(proxy.proc.pid) : undefined;
    const load = os.loadavg()[0];
    const r = await runWrk({ ...o.wrk, url });
    r.proxyCpu = proxy ? cpuPerRequest(cpu0, treeCpu(proxy.proc.pid), r.requests) : { userUs: 0, sysUs: 0 };
    r.loadavg1 = load;
    r.command = wrkCommand({ ...o.wrk, url });
    return r;
  } finally {
    await proxy?.stop();
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)];
}

function summarizeTarget(runs) {
  return {
    runs,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.latencyMs.p50)),
    p99: median(runs.map((r) => r.latencyMs.p99)),
    userUs: median(runs.map((r) => r.proxyCpu.userUs)),
    sysUs: median(runs.map((r) => r.proxyCpu.sysUs)),
    errors: runs.reduce((s, r) => s + r.errors, 0),
  };
}

/** One run of a node target ('healthplane' or 'node-bare') under `node --cpu-prof`. */
async function profileTarget(target, up, o) {
  const dir = path.resolve(o.profileDir);
  fs.mkdirSync(dir, { recursive: true });
  const before = new Set(fs.readdirSync(dir));
  const r = await measure(target, up, o, { cpuProfDir: dir });
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (!file) throw new Error(`no .cpuprofile appeared in ${dir}`);
  const saved = path.join(dir, `${target}-proxy.cpuprofile`);
  fs.renameSync(path.join(dir, file), saved);
  const summary = summarizeProfile(JSON.parse(fs.readFileSync(saved, 'utf8')));
  log(`profile written to ${saved} (${r.rps.toFixed(0)} req/s under the profiler)`);
  return { file: saved, rpsUnderProfiler: r.rps, requests: r.requests, cpu: r.proxyCpu, totalMs: summary.totalMs, top: summary.functions.slice(0, 40) };
}

/**
 * o: { wrk: { threads, connections, durationS }, warmupS, runs, upstream ('auto'|'nginx'|'demo'),
 *      targets: ['direct', 'healthplane', 'haproxy', 'nginx'], profileDir? }
 */
export async function runThroughput(o) {
  const comparison = o.upstream === 'auto' ? await compareUpstreams(o) : undefined;
  const kind = o.upstream !== 'auto' ? o.upstream : comparison.nginx.rps >= comparison.demo.rps ? 'nginx' : 'demo';
  log(`throughput upstreams: ${kind}`);
  const up = await startUpstreams(kind);
  const byTarget = Object.fromEntries(o.targets.map((t) => [t, []]));
  try {
    for (let run = 1; run <= o.runs; run++) {
      for (const t of o.targets) {
        const r = await measure(t, up, o);
        byTarget[t].push(r);
        log(`run ${run} ${t}: ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, proxy CPU/req ${r.proxyCpu.userUs.toFixed(1)} us user + ${r.proxyCpu.sysUs.toFixed(1)} us sys, errors ${r.errors}, load ${r.loadavg1.toFixed(1)}`);
      }
    }
    const profiles = {};
    if (o.profileDir) for (const t of ['healthplane', 'node-bare']) profiles[t] = await profileTarget(t, up, o);
    const targets = Object.fromEntries(Object.entries(byTarget).map(([t, runs]) => [t, summarizeTarget(runs)]));
    return { upstream: kind, comparison, settings: { wrk: o.wrk, warmupS: o.warmupS, runs: o.runs }, targets, profiles };
  } finally {
    await up.stop();
  }
}

