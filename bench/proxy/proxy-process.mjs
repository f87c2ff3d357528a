// healthplane's native proxy (NativeProxy from dist/: ProxyRuntime + Envoy's health engine, and
// proxy workers with `workers` > 1) in its own process, so the load generator never shares its
// event loop. Receives its settings as JSON in argv[2]:
//   { port, upstreams: [port...], healthCheck: bool, outlier: bool, retry?: bool, maxRetries?: N, workers?: N, dist?: dir }
//   (retry: Envoy-style retry policy, as `--retry-on connect-failure,5xx --num-retries 1`)
//   (workers: as `--proxy-workers N`; the health engine stays in this process)
//   (dist: another build to measure instead of ./dist, e.g. a patched copy)
// Builds one route `/` -> cluster `bench` (round robin, the 3 upstreams on 127.0.0.1), waits
// until every host passed its first probe, prints `ready PORT`, then one JSON line per health
// change: {"t": epoch ms, "hosts": {"127.0.0.1:9001": "healthy" | "/failed_active_hc" ...}}.
// Stops on SIGTERM (so `node --cpu-prof` writes its profile). Never changes its config.
import { loadDist, useDistDir, warnIfDistStale } from '../lib/dist.mjs';

const settings = JSON.parse(process.argv[2]);
if (settings.dist) useDistDir(settings.dist);
else warnIfDistStale(['proxy', 'clock.ts']);
const { NativeProxy } = loadDist('native-proxy');
const { systemClock, systemRandom } = loadDist('clock');
const { silentLogger } = loadDist('log');

/** The health settings of the benchmark (docs/benchmarks.md, "proxy"). */
function benchBackend(s) {
  return {
    name: 'bench',
    origins: ['Service/default/bench'],
    engine: 'envoy',
    connectTimeoutMs: 1000,
    loadBalancing: 'round-robin',
    endpoints: s.upstreams.map((port) => ({ address: '127.0.0.1', port, weight: 1, health: 'healthy' })),
    ...(s.healthCheck && {
      healthCheck: {
        intervalMs: 1000,
        timeoutMs: 1000,
        // Envoy's 60 s no_traffic_interval would govern the probes scheduled before the first request.
        noTrafficIntervalMs: 1000,
        healthyThreshold: 1,
        unhealthyThreshold: 2,
        probe: { type: 'http', path: '/health' },
      },
    }),
    ...(s.outlier && {
      outlierDetection: { consecutive5xx: 5, intervalMs: 1000, baseEjectionTimeMs: 5000, maxEjectionPercent: 50 },
    }),
    // The peers' retries (HAProxy `retries 3` + redispatch, nginx proxy_next_upstream) have no
    // concurrency budget; Envoy's default max_retries breaker of 3 would be the only thing
    // deciding the failed count. `maxRetries` sets it like an Upstream's circuitBreakers.maxRetries.
    ...(s.retry && s.maxRetries !== undefined && { circuitBreakers: { maxRetries: s.maxRetries } }),
  };
}

function benchIr(backend) {
  const route = {
    name: 'bench',
    origin: 'HTTPRoute/default/bench',
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    action: { type: 'forward', backends: [{ name: 'bench', weight: 1 }], unresolvedWeight: 0 },
  };
  const listener = { name: 'http_80', address: '127.0.0.1', port: 80, protocol: 'HTTP', sources: ['Gateway/default/bench/http'], virtualHosts: [{ name: 'http_80/*', hostname: '*', routes: [route] }] };
  return { listeners: [listener], backends: [backend] };
}

function hostsLine(health) {
  const hosts = {};
  for (const h of health.hosts()) hosts[h.key] = h.healthFlags ?? (h.flags === 0 ? 'healthy' : `flags=${h.flags}`);
  return hosts;
}

async function main() {
  const proxy = new NativeProxy({
    proxy: {
      port: settings.port,
      address: '127.0.0.1',
      ...(settings.retry && {
        retry: { retryOn: ['connect-failure', '5xx'], numRetries: 1, perTryTimeoutMs: 0, previousHosts: true, backoffBaseMs: 25, backoffMaxMs: 250 },
      }),
      ...(settings.workers > 1 && { workers: settings.workers }),
    },
    clock: systemClock,
    random: systemRandom,
    logger: silentLogger,
  });
  proxy.apply(benchIr(benchBackend(settings)));
  const [port] = await proxy.listen();
  const health = proxy.runtime.clusters()[0].health;
  await waitHealthy(health, 10_000);
  let last = JSON.stringify(hostsLine(health));
  health.onChange?.(() => {
    const now = JSON.stringify(hostsLine(health));
    if (now === last) return;
    last = now;
    process.stdout.write(`${JSON.stringify({ t: Date.now(), hosts: JSON.parse(now) })}\n`);
  });
  process.stdout.write(`ready ${port}\n`);
  process.once('SIGTERM', () => {
    const stop = setTimeout(() => process.exit(0), 4000);
    const workerStats = proxy.workers ? proxy.workers.status() : Promise.resolve([]);
    workerStats
      .then((statuses) => {
        const all = [...proxy.stats.all().map((s) => [s.name, s.value]), ...statuses.flatMap((w) => w.stats.map(([name, , value]) => [name, value]))];
        const sums = {};
        for (const [name, value] of all) if (name.startsWith('cluster.bench.')) sums[name] = (sums[name] ?? 0) + value;
        return proxy.stop().then(() => sums);
      })
      .then((sums) => {
        clearTimeout(stop);
        process.stdout.write(`${JSON.stringify({ stats: sums })}\n`);
        process.exit(0);
      });
  });
}

async function waitHealthy(health, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!health.hosts().every((h) => h.flags === 0)) {
    if (Date.now() > deadline) throw new Error(`hosts not healthy after ${timeoutMs} ms: ${JSON.stringify(hostsLine(health))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err) => {
  process.stderr.write(`proxy-process: ${err?.stack ?? err}\n`);
  process.exit(1);
});
