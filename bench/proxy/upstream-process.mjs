// One demo upstream (src/demo/demo-upstream.ts, from dist/) in its own process, for the proxy
// benchmark: `node upstream-process.mjs PORT NAME`. Prints `ready PORT` once it listens, then,
// every 20 ms, `R t1,t2,...`: the arrival times (epoch ms) of the proxied requests it got (not
// /health probes, not /admin), so the bench sees when a host gets traffic whatever the proxy
// retries. Answers with `x-demo-upstream: NAME`; exits on SIGTERM. Talks only to its clients.
import dc from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { loadDist } from '../lib/dist.mjs';

const { startDemoUpstream } = loadDist('demo/demo-upstream');
const { systemClock, systemRandom } = loadDist('clock');

const port = Number(process.argv[2]);
const name = process.argv[3] ?? `demo-${port}`;
let arrivals = [];

dc.subscribe('http.server.request.start', ({ request }) => {
  const url = request.url ?? '';
  if (url === '/health' || url.startsWith('/admin/')) return;
  arrivals.push(Math.round((performance.timeOrigin + performance.now()) * 10) / 10);
});

function flush() {
  if (arrivals.length === 0) return;
  process.stdout.write(`R ${arrivals.join(',')}\n`);
  arrivals = [];
}

const upstream = await startDemoUpstream({ port, host: '127.0.0.1', name, clock: systemClock, random: systemRandom });
process.stdout.write(`ready ${upstream.port}\n`);
setInterval(flush, 20);
process.once('SIGTERM', () => {
  flush();
  upstream.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
