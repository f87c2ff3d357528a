// The failover load generator: a bounded open-loop HTTP/1.1 client in its own process. Receives
// JSON settings in argv[2]: { url, rate (req/s), warmupMs, durationMs, timeoutMs, maxSockets, out }.
// Request i is due at start + i/rate whatever happened to earlier ones (open loop, so a slow proxy
// cannot slow the load down); latency is measured from that due time, so queueing in the client
// is charged too. Keep-alive agent. The first warmupMs of load (connections, JIT) is sent but not
// recorded. Writes every recorded request to `out` as JSON, times relative to the measured start:
//   { startedAt (epoch ms), records: [[dueMs, latencyMs, status (0 = error), upstream, error], ...] }
// Never retries; prints `started EPOCHMS` (the measured start, maybe in the future) and `done N`.
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const s = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: s.maxSockets ?? 256, maxFreeSockets: s.maxSockets ?? 256, scheduling: 'lifo' });
const url = new URL(s.url);
const warm = Math.round((s.rate * (s.warmupMs ?? 0)) / 1000);
const total = warm + Math.round((s.rate * s.durationMs) / 1000);
const records = new Array(total - warm);
const intervalMs = 1000 / s.rate;
const nowEpoch = () => performance.timeOrigin + performance.now();
let sent = 0;
let finished = 0;

function fire(i, t0) {
  const due = i * intervalMs;
  let settled = false;
  const settle = (status, upstream, error) => {
    if (settled) return;
    settled = true;
    const latency = Math.round((nowEpoch() - t0 - due) * 100) / 100;
    if (i >= warm) records[i - warm] = [Math.round((due - warm * intervalMs) * 10) / 10, latency, status, upstream, error];
    if (++finished === total) end();
  };
  const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers: { host: 'bench.local' } }, (res) => {
    const upstream = res.headers['x-demo-upstream'] ?? '';
    res.on('data', () => undefined);
    res.once('end', () => settle(res.statusCode ?? 0, upstream, ''));
    res.once('error', (err) => settle(0, upstream, err.code ?? err.message));
  });
  req.setTimeout(s.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
  req.once('error', (err) => settle(0, '', err.code ?? err.message));
  req.end();
}

const t0 = nowEpoch();
const startedAt = t0 + warm * intervalMs;

function end() {
  agent.destroy();
  fs.writeFileSync(s.out, JSON.stringify({ startedAt, rate: s.rate, records }));
  process.stdout.write(`done ${finished}\n`);
  process.exit(0);
}

process.stdout.write(`started ${startedAt}\n`);
const tick = setInterval(() => {
  const dueCount = Math.min(total, Math.floor((nowEpoch() - t0) / intervalMs) + 1);
  while (sent < dueCount) fire(sent++, t0);
  if (sent === total) clearInterval(tick);
}, 1);
// Bound: every request has settled (answered, failed or timed out) by warm-up + duration + timeout.
setTimeout(() => {
  for (let i = 0; i < records.length; i++) if (records[i] === undefined) records[i] = [i * intervalMs, Number.NaN, 0, '', 'UNFINISHED'];
  end();
}, (s.warmupMs ?? 0) + s.durationMs + s.timeoutMs + 2000).unref();
