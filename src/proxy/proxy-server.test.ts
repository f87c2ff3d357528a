/**
 * The native proxy over real sockets on 127.0.0.1 in front of real demo upstreams. Time is fake
 * (FakeClock on both sides), so timeouts fire when the test advances the clock, never by sleeping.
 */
import http from 'node:http';
import net from 'node:net';
import type * as ir from '../ir/types';
import { silentLogger } from '../log';
import { startDemoUpstream, type DemoUpstream } from '../demo/demo-upstream';
import { FakeClock, FakeRandom, seededRandom } from '../../test/fakes/fake-clock';
import { FakeClusterHealth } from '../../test/fakes/fake-cluster-health';
import { closedPort, send, waitFor } from '../../test/fakes/http-client';
import { aBackend, aMatch, anIr, aRoute, forwardTo } from '../../test/fakes/proxy-fixtures';
import { HostFlag } from './health/cluster-health';
import { PROXY_PORT_KEY, ProxyRuntime } from './runtime';
import { Stats } from './stats';
import type { Random } from '../clock';

interface Harness {
  readonly runtime: ProxyRuntime;
  readonly port: number;
  readonly stats: Stats;
  readonly clock: FakeClock;
  readonly health: Map<string, FakeClusterHealth>;
}

let upstreamClock = new FakeClock();
const upstreams: DemoUpstream[] = [];
const runtimes: ProxyRuntime[] = [];

async function upstream(name: string): Promise<DemoUpstream> {
  const u = await startDemoUpstream({ port: 0, name, clock: upstreamClock, random: new FakeRandom([0]) });
  upstreams.push(u);
  return u;
}

async function proxy(config: ir.Ir, options: { random?: Random; routeTimeoutMs?: number } = {}): Promise<Harness> {
  const stats = new Stats();
  const clock = new FakeClock();
  const health = new Map<string, FakeClusterHealth>();
  const runtime = new ProxyRuntime({
    clock,
    random: options.random ?? new FakeRandom([0]),
    stats,
    logger: silentLogger,
    healthFactory: (backend) => {
      const h = new FakeClusterHealth(backend);
      health.set(backend.name, h);
      return h;
    },
    proxyPort: 0,
    address: '127.0.0.1',
    routeTimeoutMs: options.routeTimeoutMs,
  });
  runtimes.push(runtime);
  await runtime.apply(config);
  const ports = await runtime.listen();
  return { runtime, port: ports.get(PROXY_PORT_KEY) ?? 0, stats, clock, health };
}

beforeEach(() => {
  upstreamClock = new FakeClock();
});

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

describe('forwarding', () => {
  it('forwards to the upstream and adds what Envoy adds', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]));
    const r = await send(h.port, { path: '/headers', headers: { host: 'example.com', 'x-forwarded-for': '203.0.113.7', connection: 'keep-alive, x-hop', 'x-hop': '1' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-demo-upstream']).toBe('a');
    expect(r.headers['x-envoy-upstream-service-time']).toBe('0');
    const seen = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
    expect(seen['Host']).toBe('example.com');
    expect(seen['X-Forwarded-For']).toBe('203.0.113.7,127.0.0.1');
    expect(seen['X-Forwarded-Proto']).toBe('http');
    expect(seen['X-Envoy-Expected-Rq-Timeout-Ms']).toBe('15000');
    expect(seen['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen['X-Hop']).toBeUndefined();
    expect(h.stats.get('cluster.web.upstream_rq_total')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_200')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_2xx')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_active')).toBe(0);
    expect(h.health.get('web')?.outcomesOf(`127.0.0.1:${a.port}`)).toEqual([{ type: 'response', status: 200, latencyMs: 0, immediateHealthCheckFail: false }]);
  });

  it('answers 404 with an empty body when no route matches', async () => {
    const h = await proxy(anIr([aRoute('r', { match: aMatch({ path: { type: 'Exact', value: '/only' } }) })], []));
    const r = await send(h.port, { path: '/other' });
    expect(r).toMatchObject({ status: 404, body: '' });
    expect(r.headers['content-length']).toBe('0');
    expect(h.stats.get('http.http_0.no_route')).toBe(1);
  });

  it('reports 5xx responses and the immediate-health-check-fail signal', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]));
    expect((await send(h.port, { path: '/status/503' })).status).toBe(503);
    const reports = h.health.get('web')?.reports.map((r) => r.outcome.type);
    expect(reports).toEqual(['connect-success', 'response']);
    expect(h.health.get('web')?.outcomesOf(`127.0.0.1:${a.port}`)).toEqual([{ type: 'response', status: 503, latencyMs: 0, immediateHealthCheckFail: false }]);
    expect(h.stats.get('cluster.web.upstream_rq_5xx')).toBe(1);
  });

  it('round-robins across hosts and reuses kept-alive upstream connections', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port, b.port])]));
    const served: string[] = [];
    for (let i = 0; i < 6; i++) served.push(String((await send(h.port, { path: '/get' })).headers['x-demo-upstream']));
    expect(served).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    const [view] = h.runtime.clusters();
    expect(view?.traffic(`127.0.0.1:${a.port}`)).toMatchObject({ cx_total: 1, rq_total: 3, rq_success: 3, rq_active: 0 });
    expect(h.stats.get('cluster.web.upstream_cx_total')).toBe(2);
  });

  it('streams bodies both ways without buffering', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]));
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/echo', agent: false, headers: { 'transfer-encoding': 'chunked' } });
      req.on('error', reject);
      req.on('response', (res) => {
        let got = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          got += chunk;
          // The first chunk came back while the request is still open: send the rest.
          if (got === 'first|') req.end('second');
        });
        res.on('end', () => resolve(got));
      });
      req.write('first|');
      req.flushHeaders();
    });
    expect(body).toBe('first|second');
  });

  it('applies strip-path, host rewrite and request/response header modifiers', async () => {
    const a = await upstream('a');
    const route = aRoute('r', {
      match: aMatch({ path: { type: 'PathPrefix', value: '/test' } }),
      action: forwardTo(['web'], { rewrite: { type: 'ReplacePrefixMatch', prefix: '/test', replacement: '/' }, hostRewrite: 'internal.svc' }),
      requestHeaders: { set: [{ name: 'x-set', value: 's' }], add: [{ name: 'x-add', value: 'a' }], remove: ['x-drop'] },
      responseHeaders: { set: [{ name: 'x-resp', value: 'r' }], add: [], remove: ['x-demo-upstream'] },
    });
    const h = await proxy(anIr([route], [aBackend('web', [a.port])]));
    const r = await send(h.port, { path: '/test/anything/x?q=1', headers: { 'x-drop': 'gone', 'x-set': 'old' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-resp']).toBe('r');
    expect(r.headers['x-demo-upstream']).toBeUndefined();
    const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('http://internal.svc/anything/x?q=1');
    expect(seen.headers).toMatchObject({ 'X-Set': 's', 'X-Add': 'a' });
    expect(seen.headers['X-Drop']).toBeUndefined();
  });

  it('answers redirects and direct responses locally', async () => {
    const routes = [
      aRoute('redir', { match: aMatch({ path: { type: 'PathPrefix', value: '/old' } }), action: { type: 'redirect', statusCode: 301, scheme: 'https', path: { type: 'ReplacePrefixMatch', prefix: '/old', replacement: '/new' } } }),
      aRoute('direct', { match: aMatch({ path: { type: 'Exact', value: '/teapot' } }), action: { type: 'directResponse', status: 418, body: 'short and stout' } }),
    ];
    const h = await proxy(anIr(routes, []));
    const r = await send(h.port, { path: '/old/page?x=1', headers: { host: 'example.com:8080' } });
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe('https://example.com/new/page?x=1');
    const d = await send(h.port, { path: '/teapot' });
    expect(d).toMatchObject({ status: 418, body: 'short and stout' });
    expect(d.headers['content-type']).toBe('text/plain');
  });
});

describe('health and failures', () => {
  it("answers Envoy's 503 `no healthy upstream` when nothing can be picked", async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port], { healthyPanicThresholdPercent: 0 })]));
    h.health.get('web')?.setFlags(`127.0.0.1:${a.port}`, HostFlag.FAILED_ACTIVE_HC);
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(503);
    expect(r.body).toBe('no healthy upstream');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['content-length']).toBe('19');
    expect(h.stats.get('cluster.web.upstream_cx_none_healthy')).toBe(1);
    expect(h.health.get('web')?.reports).toEqual([]);
    expect(h.stats.get('cluster.web.upstream_rq_total')).toBe(0);
  });

  it('in panic (default threshold) routes to unhealthy hosts and counts lb_healthy_panic', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]));
    h.health.get('web')?.setFlags(`127.0.0.1:${a.port}`, HostFlag.FAILED_OUTLIER_CHECK);
    expect((await send(h.port, { path: '/get' })).status).toBe(200);
    expect(h.stats.get('cluster.web.lb_healthy_panic')).toBe(1);
    expect(h.stats.get('cluster.web.membership_healthy')).toBe(0);
  });

  it("Kong-engine clusters answer Kong's 503 body", async () => {
    const a = await upstream('a');
    const kong = aBackend('kong-web', [a.port], { engine: 'kong', kong: { threshold: 0 } as ir.KongHealthSettings });
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['kong-web']) })], [kong]));
    h.health.get('kong-web')?.setFlags(`127.0.0.1:${a.port}`, HostFlag.FAILED_ACTIVE_HC);
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(503);
    expect(r.headers['content-length']).toBe('62');
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['x-kong-response-latency']).toBe('0');
    expect(JSON.parse(r.body)).toEqual({ message: 'failure to get a peer from the ring-balancer' });
  });

  it("adds Kong's latency headers to responses proxied for Kong-engine clusters only", async () => {
    const a = await upstream('a');
    const kong = aBackend('kong-web', [a.port], { engine: 'kong', kong: { threshold: 0 } as ir.KongHealthSettings });
    const routes = [aRoute('k', { match: aMatch({ path: { type: 'PathPrefix', value: '/k' } }), action: forwardTo(['kong-web']) }), aRoute('e', { action: forwardTo(['web']) })];
    const h = await proxy(anIr(routes, [kong, aBackend('web', [a.port])]));
    const viaKong = await send(h.port, { path: '/k' });
    expect(viaKong.status).toBe(404);
    expect([viaKong.headers['x-kong-upstream-latency'], viaKong.headers['x-kong-proxy-latency']]).toEqual(['0', '0']);
    expect(viaKong.headers['x-envoy-upstream-service-time']).toBeUndefined();
    expect(viaKong.headers['x-kong-response-latency']).toBeUndefined();
    const viaEnvoy = await send(h.port, { path: '/get' });
    expect(viaEnvoy.status).toBe(200);
    expect(Object.keys(viaEnvoy.headers).filter((k) => k.startsWith('x-kong-'))).toEqual([]);
  });

  it('answers 503 `connection failure` when the host refuses, and reports it', async () => {
    const port = await closedPort();
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [port])]));
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(503);
    expect(r.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    expect(h.health.get('web')?.reports).toEqual([{ hostKey: `127.0.0.1:${port}`, outcome: { type: 'connect-failure' } }]);
    expect(h.stats.get('cluster.web.upstream_cx_connect_fail')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_503')).toBe(1);
    expect(h.runtime.clusters()[0]?.traffic(`127.0.0.1:${port}`)).toMatchObject({ cx_connect_fail: 1, rq_error: 1, rq_active: 0 });
  });

  it('answers 503 `connection timeout` when the connect timeout passes, counts it and reports a timeout', async () => {
    const port = await closedPort();
    const backend = aBackend('web', [port], { connectTimeoutMs: 250 });
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [backend]));
    // A connection attempt that never completes (a host that drops SYNs): a socket nobody connects.
    const hanging: net.Socket[] = [];
    const connect = jest.spyOn(net, 'connect').mockImplementation(() => {
      const socket = new net.Socket();
      hanging.push(socket);
      return socket;
    });
    try {
      const pending = send(h.port, { path: '/get' });
      await waitFor(() => hanging.length === 1 && h.clock.pendingCount > 0);
      h.clock.advance(249);
      expect(hanging[0]?.destroyed).toBe(false);
      h.clock.advance(1);
      const r = await pending;
      expect(r.status).toBe(503);
      expect(r.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection timeout');
      expect(hanging[0]?.destroyed).toBe(true);
      expect(h.health.get('web')?.reports).toEqual([{ hostKey: `127.0.0.1:${port}`, outcome: { type: 'timeout' } }]);
      expect(h.stats.get('cluster.web.upstream_cx_connect_timeout')).toBe(1);
      expect(h.stats.get('cluster.web.upstream_cx_connect_fail')).toBe(1);
    } finally {
      connect.mockRestore();
    }
  });

  it('answers 503 `overflow` past circuitBreakers.maxRequests, without a report to health', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port], { circuitBreakers: { maxRequests: 1 } })]));
    const slow = send(h.port, { path: '/delay/1' });
    await waitFor(() => upstreamClock.pendingCount > 0);
    const refused = await send(h.port, { path: '/get' });
    expect(refused).toMatchObject({ status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow' });
    expect(h.stats.get('cluster.web.upstream_rq_pending_overflow')).toBe(1);
    upstreamClock.advance(1000);
    expect((await slow).status).toBe(200);
    expect(h.health.get('web')?.outcomesOf(`127.0.0.1:${a.port}`).map((o) => o.type)).toEqual(['response']);
    expect((await send(h.port, { path: '/get' })).status).toBe(200); // the slot is free again
  });

  it('queues up to circuitBreakers.maxPendingRequests requests for a busy connection, refuses the next', async () => {
    const a = await upstream('a');
    const backend = aBackend('web', [a.port], { circuitBreakers: { maxConnections: 1, maxPendingRequests: 1 } });
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [backend]));
    const first = send(h.port, { path: '/delay/1' });
    await waitFor(() => upstreamClock.pendingCount > 0);
    const queued = send(h.port, { path: '/get' }); // waits for the one connection
    await waitFor(() => h.runtime.clusters()[0]?.traffic(`127.0.0.1:${a.port}`).rq_active === 2);
    const refused = await send(h.port, { path: '/get' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/reset reason: overflow$/);
    expect(h.stats.get('cluster.web.upstream_rq_pending_overflow')).toBe(1);
    upstreamClock.advance(1000);
    expect([(await first).status, (await queued).status]).toEqual([200, 200]);
  });

  it('answers 504 `upstream request timeout` when the route timeout passes first', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]), { routeTimeoutMs: 2000 });
    const pending = send(h.port, { path: '/delay/5' });
    await waitFor(() => h.clock.pendingCount > 0 && upstreamClock.pendingCount > 0);
    h.clock.advance(1999);
    expect(h.stats.get('cluster.web.upstream_rq_timeout')).toBe(0);
    h.clock.advance(1);
    const r = await pending;
    expect(r).toMatchObject({ status: 504, body: 'upstream request timeout' });
    expect(h.health.get('web')?.outcomesOf(`127.0.0.1:${a.port}`)).toEqual([{ type: 'timeout' }]);
    expect(h.stats.get('cluster.web.upstream_rq_timeout')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_504')).toBe(1);
    // The proxy abandoned the upstream request: the upstream saw its client go away.
    await waitFor(() => upstreamClock.pendingCount === 0, 10_000);
  });

  it('a response inside the timeout clears it', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]), { routeTimeoutMs: 2000 });
    const pending = send(h.port, { path: '/delay/1' });
    await waitFor(() => upstreamClock.pendingCount > 0);
    upstreamClock.advance(1000);
    expect((await pending).status).toBe(200);
    // Only the connections' keep-alive idle timers (seconds away) are left.
    expect(h.clock.pendingWithin(2000)).toBe(0);
  });

  it('follows the demo upstream into failure and back (admin fail/recover)', async () => {
    const a = await upstream('a');
    const h = await proxy(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [a.port])]));
    await send(a.port, { method: 'POST', path: '/admin/fail?status=500' });
    expect((await send(h.port, { path: '/get' })).status).toBe(500);
    await send(a.port, { method: 'POST', path: '/admin/recover' });
    expect((await send(h.port, { path: '/get' })).status).toBe(200);
    expect(h.stats.get('cluster.web.upstream_rq_500')).toBe(1);
  });
});

describe('weighted backends', () => {
  it('splits traffic by weight and gives the unresolved share a 500', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const action = forwardTo([{ name: 'wa', weight: 2 }, { name: 'wb', weight: 1 }], { unresolvedWeight: 1 });
    const h = await proxy(anIr([aRoute('r', { action })], [aBackend('wa', [a.port]), aBackend('wb', [b.port])]), { random: seededRandom(7) });
    const counts: Record<string, number> = { a: 0, b: 0, 500: 0 };
    for (let i = 0; i < 200; i++) {
      const r = await send(h.port, { path: '/get' });
      const key = r.status === 500 ? '500' : String(r.headers['x-demo-upstream']);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts['a']).toBeGreaterThan(80);
    expect(counts['a']).toBeLessThan(120);
    expect(counts['b']).toBeGreaterThan(30);
    expect(counts['b']).toBeLessThan(70);
    expect(counts['500']).toBeGreaterThan(30);
    expect(counts['500']).toBeLessThan(70);
  });
});
