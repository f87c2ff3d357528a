// Failover: a steady open-loop load (load-process.mjs, 500 req/s by default) through one proxy
// to 3 demo upstreams; after faultAtMs upstream u2 starts answering 500 (`POST /admin/fail`) or is
// killed (SIGKILL); faultMs later it recovers (`POST /admin/recover`) or is restarted on the same
// port. Every run starts fresh upstreams and a fresh proxy; each process is stopped by its pid.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { analyzeRun, badHostEvents } from './failover-analysis.mjs';
import { freePorts, spawnTracked, stopProcess } from './processes.mjs';
import { startDemoUpstream, startProxy, tempDir } from './servers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BAD = 1; // u2
const log = (msg) => process.stderr.write(`proxy bench: ${msg}\n`);

function post(port, pathAndQuery) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: pathAndQuery, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${pathAndQuery}: ${res.statusCode}`))));
    });
    req.once('timeout', () => req.destroy(new Error(`${pathAndQuery}: timeout`)));
    req.once('error', reject);
    req.end();
  });
}

function startLoad(url, o, out) {
  let started;
  const startedP = new Promise((resolve) => (started = resolve));
  const settings = { url, rate: o.rate, warmupMs: o.warmupMs, durationMs: o.faultAtMs + o.faultMs + o.afterMs, timeoutMs: o.requestTimeoutMs, maxSockets: 256, out };
  const proc = spawnTracked(process.execPath, [path.join(HERE, 'load-process.mjs'), JSON.stringify(settings)], {
    name: 'load generator',
    onLine: (line) => line.startsWith('started ') && started(Number(line.slice(8))),
  });
  return { proc, settings, started: startedP };
}

async function sleepUntil(epochMs) {
  const wait = epochMs - Date.now();
  if (wait > 0) await sleep(wait);
}

/** Injects the fault into ups[BAD]; returns its time. */
async function injectFault(fault, ups) {
  if (fault === 'fail500') {
    const at = Date.now(); // the upstream flips while this POST is in flight (< 2 ms here)
    await post(ups[BAD].port, '/admin/fail?status=500');
    return at;
  }
  const at = Date.now();
  await ups[BAD].kill();
  return at;
}

/** Undoes the fault; returns the time the bad upstream is able to answer again. */
async function recover(fault, ups, arrivals) {
  if (fault === 'fail500') {
    const at = Date.now();
    await post(ups[BAD].port, '/admin/recover');
    return at;
  }
  ups[BAD] = await startDemoUpstream(ups[BAD].port, ups[BAD].name, arrivals);
  return ups[BAD].readyAt;
}

/** One run: fresh upstreams and proxy, load, fault, recovery; returns raw data and analysis. */
export async function failoverRun(kind, fault, o) {
  const ports = await freePorts(4);
  const arrivals = [[], [], []];
  const ups = await Promise.all(ports.slice(0, 3).map((p, i) => startDemoUpstream(p, `u${i + 1}`, arrivals[i])));
  let proxy;
  let load;
  try {
    proxy = await startProxy(kind, { port: ports[3], upstreams: ports.slice(0, 3) });
    await sleep(o.settleMs);
    const out = path.join(o.workDir, `${kind}-${fault}.load.json`);
    load = startLoad(`http://127.0.0.1:${ports[3]}/get`, o, out);
    const startedAt = await load.started;
    await sleepUntil(startedAt + o.faultAtMs);
    const faultAt = await injectFault(fault, ups);
    await sleepUntil(faultAt + o.faultMs);
    const recoverAt = await recover(fault, ups, arrivals[BAD]);
    const bound = setTimeout(() => stopProcess(load.proc, { signal: 'SIGKILL' }), o.afterMs + o.requestTimeoutMs + 15_000);
    const { code } = await load.proc.exited;
    clearTimeout(bound);
    if (code !== 0 || !fs.existsSync(out)) throw new Error(`load generator failed (exit ${code}): ${load.proc.output().stderr}`);
    await sleep(100); // the upstreams flush their arrival logs every 20 ms
    const raw = JSON.parse(fs.readFileSync(out, 'utf8'));
    const badKey = `127.0.0.1:${ports[BAD]}`;
    const events = badHostEvents(proxy.events, BAD, badKey);
    const result = analyzeRun({ load: raw, badName: ups[BAD].name, badArrivals: arrivals[BAD], faultAt, recoverAt, events });
    await proxy.stop();
    // healthplane prints its cluster stats as it stops (retry counters, overflows, ejections).
    const stats = proxy.stats;
    proxy = undefined;
    return { proxy: kind, fault, result, stats, events: events.map((e) => ({ ...e, t: e.t - faultAt })), recoverAfterFaultMs: recoverAt - faultAt, loadSettings: load.settings };
  } finally {
    if (load) await stopProcess(load.proc, { signal: 'SIGKILL' });
    await proxy?.stop();
    await Promise.all(ups.map((u) => u.stop()));
  }
}

function fmt(ms) {
  return Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '-';
}

/** o: { proxies, faults, rate, faultAtMs, faultMs, afterMs, settleMs, requestTimeoutMs, repeats } */
export async function runFailover(o) {
  const workDir = tempDir('failover');
  const runs = [];
  for (let rep = 1; rep <= o.repeats; rep++) {
    for (const fault of o.faults) {
      for (const kind of o.proxies) {
        const r = await failoverRun(kind, fault, { ...o, workDir });
        r.repeat = rep;
        runs.push(r);
        const x = r.result;
        const retry = r.stats ? Object.entries(r.stats).filter(([k, v]) => /retry/.test(k) && v > 0).map(([k, v]) => `${k.replace(/^cluster\.bench\./, '')}=${v}`).join(' ') : '';
        log(`failover ${fault} ${kind}: failed ${x.failed}/${x.requests}, stop ${fmt(x.stopMs)} (leaks ${x.leaks}), proxy down ${fmt(x.proxyDownMs)} ${x.proxyDownWhat}, last failure ${fmt(x.lastFailureMs)}, return ${fmt(x.returnMs)}, p99 ${x.latency.p99.toFixed(1)} ms${retry ? `, ${retry}` : ''}`);
      }
    }
  }
  fs.rmSync(workDir, { recursive: true, force: true });
  return { settings: { ...o }, runs };
}
