import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../test/fakes/fake-clock';
import { FakeProber, http as httpResult } from '../../test/fakes/fake-prober';
import { KONG_DEFAULTS } from '../ir/defaults';
import type * as ir from '../ir/types';
import { KongClusterHealth } from '../proxy/kong/kong-cluster-health';
import { kongAdminDispatcher, kongAdminHandler, kongUpstreamsOf, parseKongAdminPath, type KongAdminOptions } from './kong-admin';

const NODE_ID = '5c5f1f3a-7d7e-4a0e-9c1e-0d3f2b7a9e10';
const UP = 'httproute.default.demo.0';
const A = '10.244.0.12:80';
const B = '10.244.0.13:80';

function kong(passiveHttpFailures: number, unhealthyIntervalMs = 0): ir.KongHealthSettings {
  return {
    policy: 'KongUpstreamPolicy/default/demo-health-checking',
    checkerEnabled: passiveHttpFailures > 0 || unhealthyIntervalMs > 0,
    threshold: 0,
    active: {
      type: 'http',
      httpPath: '/status/200',
      httpsVerifyCertificate: true,
      timeoutMs: 1000,
      concurrency: 10,
      headers: [],
      healthy: { intervalMs: 0, successes: 3, httpStatuses: [200, 302] },
      unhealthy: { intervalMs: unhealthyIntervalMs, httpFailures: 1, tcpFailures: 0, timeouts: 0, httpStatuses: [...KONG_DEFAULTS.active.unhealthyHttpStatuses] },
    },
    passive: {
      type: 'http',
      healthy: { successes: 3, httpStatuses: [...KONG_DEFAULTS.passive.healthyHttpStatuses] },
      unhealthy: { httpFailures: passiveHttpFailures, tcpFailures: 0, timeouts: 0, httpStatuses: [...KONG_DEFAULTS.passive.unhealthyHttpStatuses] },
    },
  };
}

function backend(name: string, settings: ir.KongHealthSettings | undefined, addresses = ['10.244.0.12', '10.244.0.13']): ir.Backend {
  return {
    name,
    origins: [],
    engine: 'kong',
    connectTimeoutMs: 5000,
    loadBalancing: 'round-robin',
    endpoints: addresses.map((address) => ({ address, port: 80, weight: 100, health: 'healthy' as const, healthCheckHostname: address })),
    ...(settings ? { kong: settings } : {}),
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('Kong Admin API health endpoints (resources.md §2.6), over a real socket', () => {
  let server: http.Server;
  let port = 0;
  let clock: FakeClock;
  let prober: FakeProber;
  let demo: KongClusterHealth;
  let off: KongClusterHealth;

  const call = (method: string, path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(method === 'GET' ? undefined : '{}');
    });
  const json = async (method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const a = await call(method, path);
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    return { status: a.status, body: JSON.parse(a.body) as Record<string, unknown> };
  };
  const healthOf = async (): Promise<unknown[]> => ((await json('GET', `/upstreams/${UP}/health`)).body['data'] as { health: string }[]).map((t) => t.health);

  beforeEach(async () => {
    clock = new FakeClock(1_700_000_000_000);
    prober = new FakeProber(clock);
    demo = new KongClusterHealth(backend(UP, kong(3)), { clock, probers: () => prober });
    off = new KongClusterHealth(backend('httpbin.default.80.svc', undefined, ['10.244.0.20']), { clock });
    const clusters = [{ health: demo }, { health: off }];
    const options: KongAdminOptions = { registry: kongUpstreamsOf(() => clusters), nodeId: NODE_ID };
    const dispatch = kongAdminDispatcher(options);
    const fallback = kongAdminHandler(options);
    server = http.createServer((req, res) => {
      if (req.url === '/clusters') {
        res.end('not kong');
        return;
      }
      if (!dispatch(req, res)) fallback(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    demo.stop();
    off.stop();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('lists targets with Kong’s shape: HEALTHY, then UNHEALTHY after the passive breaker trips', async () => {
    const first = await json('GET', `/upstreams/${UP}/health`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      data: [
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          target: A,
          weight: 100,
          upstream: { id: demo.id },
          created_at: 1_700_000_000,
          health: 'HEALTHY',
          data: {
            host: '10.244.0.12',
            port: 80,
            dns: 'A',
            nodeWeight: 100,
            weight: { total: 100, unavailable: 0, available: 100 },
            addresses: [{ ip: '10.244.0.12', port: 80, weight: 100, health: 'HEALTHY' }],
          },
        },
        expect.objectContaining({ target: B, health: 'HEALTHY' }),
      ],
      next: null,
      node_id: NODE_ID,
    });
    for (let i = 0; i < 3; i++) demo.reportResult(A, { type: 'response', status: 500, latencyMs: 1 });
    const after = await json('GET', `/upstreams/${demo.id}/health`);
    const t = (after.body['data'] as Record<string, unknown>[])[0];
    expect(t?.['health']).toBe('UNHEALTHY');
    expect(t?.['data']).toMatchObject({ weight: { total: 100, unavailable: 100, available: 0 }, addresses: [{ health: 'UNHEALTHY' }] });
  });

  it('shows HEALTHCHECKS_OFF for an upstream without a checker', async () => {
    const r = await json('GET', '/upstreams/httpbin.default.80.svc/health');
    expect((r.body['data'] as Record<string, unknown>[]).map((t) => t['health'])).toEqual(['HEALTHCHECKS_OFF']);
  });

  it('PUT and POST .../healthy|unhealthy answer 204 and set the state, which holds until the checks change it', async () => {
    const put = await call('PUT', `/upstreams/${UP}/targets/${A}/unhealthy`);
    expect(put.status).toBe(204);
    expect(put.body).toBe('');
    expect(await healthOf()).toEqual(['UNHEALTHY', 'HEALTHY']);
    expect(demo.hosts()[0]?.healthFlags).toBe('/failed_eds_health');
    clock.advance(3_600_000);
    expect(await healthOf()).toEqual(['UNHEALTHY', 'HEALTHY']);
    expect((await call('POST', `/upstreams/${UP}/targets/${A}/healthy`)).status).toBe(204);
    expect(await healthOf()).toEqual(['HEALTHY', 'HEALTHY']);
    // The passive checks may take it down again: the manual state does not pin it.
    for (let i = 0; i < 3; i++) demo.reportResult(A, { type: 'response', status: 500, latencyMs: 1 });
    expect(await healthOf()).toEqual(['UNHEALTHY', 'HEALTHY']);
  });

  it('zeroes the counters when setting a state', async () => {
    demo.reportResult(B, { type: 'response', status: 500, latencyMs: 1 });
    demo.reportResult(B, { type: 'response', status: 500, latencyMs: 1 });
    expect((await call('PUT', `/upstreams/${UP}/targets/${B}/healthy`)).status).toBe(204);
    expect(demo.kongTargets()[1]?.counters).toEqual({ success: 0, http: 0, tcp: 0, timeout: 0 });
    demo.reportResult(B, { type: 'response', status: 500, latencyMs: 1 });
    expect(demo.kongTargets()[1]?.state).toBe('mostly_healthy');
  });

  it('active checks bring back a target set unhealthy by hand', async () => {
    demo.update(backend(UP, kong(3, 5000)));
    prober.respondWith(A, httpResult(200));
    await call('PUT', `/upstreams/${UP}/targets/${A}/unhealthy`);
    clock.advance(15_000);
    expect(await healthOf()).toEqual(['HEALTHY', 'HEALTHY']);
  });

  it('accepts the target id and the address form', async () => {
    const id = demo.kongTargets()[0]?.id ?? '';
    expect((await call('PUT', `/upstreams/${UP}/targets/${id}/unhealthy`)).status).toBe(204);
    expect((await call('PUT', `/upstreams/${UP}/targets/${A}/${A}/healthy`)).status).toBe(204);
    expect(await healthOf()).toEqual(['HEALTHY', 'HEALTHY']);
    expect((await call('PUT', `/upstreams/${UP}/targets/${A}/10.9.9.9:80/healthy`)).status).toBe(404);
  });

  it('answers Kong’s 404 JSON for an unknown upstream or target', async () => {
    for (const [method, path] of [
      ['GET', '/upstreams/nope/health'],
      ['PUT', '/upstreams/nope/targets/10.244.0.12:80/healthy'],
      ['PUT', `/upstreams/${UP}/targets/10.9.9.9:80/unhealthy`],
    ] as const) {
      const r = await json(method, path);
      expect([path, r.status, r.body]).toEqual([path, 404, { message: 'Not found' }]);
    }
  });

  it('refuses wrong methods with 405 and setting health when checks are off with 400', async () => {
    const r = await call('GET', `/upstreams/${UP}/targets/${A}/healthy`);
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('PUT, POST');
    expect((await call('DELETE', `/upstreams/${UP}/health`)).status).toBe(405);
    const offSet = await json('PUT', '/upstreams/httpbin.default.80.svc/targets/10.244.0.20:80/unhealthy');
    expect(offSet).toEqual({ status: 400, body: { message: 'no healthchecker found for httpbin.default.80.svc' } });
  });

  it('reports the balancer as a whole with ?balancer_health=1', async () => {
    const r = await json('GET', `/upstreams/${UP}/health?balancer_health=1`);
    expect(r.body).toMatchObject({
      data: { id: demo.id, health: 'HEALTHY', balancer_health: 'HEALTHY', details: { healthy: true, weight: { total: 200, unavailable: 0, available: 200 } } },
      next: null,
      node_id: NODE_ID,
    });
    await call('PUT', `/upstreams/${UP}/targets/${A}/unhealthy`);
    await call('PUT', `/upstreams/${UP}/targets/${B}/unhealthy`);
    const down = await json('GET', `/upstreams/${UP}/health?balancer_health=1`);
    expect(down.body['data']).toMatchObject({ health: 'UNHEALTHY', balancer_health: 'UNHEALTHY', details: { healthy: false, weight: { available: 0 } } });
    const offB = await json('GET', '/upstreams/httpbin.default.80.svc/health?balancer_health=1');
    expect(offB.body['data']).toMatchObject({ health: 'HEALTHCHECKS_OFF', balancer_health: 'HEALTHY' });
  });

  it('pages with size and offset', async () => {
    const p1 = await json('GET', `/upstreams/${UP}/health?size=1`);
    expect((p1.body['data'] as { target: string }[]).map((t) => t.target)).toEqual([A]);
    expect(p1.body['next']).toBe(`/upstreams/${UP}/health?offset=1&size=1`);
    const p2 = await json('GET', p1.body['next'] as string);
    expect((p2.body['data'] as { target: string }[]).map((t) => t.target)).toEqual([B]);
    expect(p2.body['next']).toBeNull();
    expect((await call('GET', `/upstreams/${UP}/health?size=0`)).status).toBe(400);
  });

  it('leaves other paths to the admin server', async () => {
    expect((await call('GET', '/clusters')).body).toBe('not kong');
    const other = await json('GET', '/upstreams');
    expect(other).toEqual({ status: 404, body: { message: 'Not found' } });
  });
});

describe('parseKongAdminPath', () => {
  it('splits Kong’s health paths and nothing else', () => {
    expect(parseKongAdminPath('/upstreams/u/health')).toEqual({ kind: 'health', upstream: 'u' });
    expect(parseKongAdminPath('/upstreams/u/health/')).toEqual({ kind: 'health', upstream: 'u' });
    expect(parseKongAdminPath('/upstreams/u/targets/1.2.3.4:80/healthy')).toEqual({ kind: 'set', upstream: 'u', target: '1.2.3.4:80', healthy: true });
    expect(parseKongAdminPath('/upstreams/u/targets/t/1.2.3.4:80/unhealthy')).toEqual({ kind: 'set', upstream: 'u', target: 't', address: '1.2.3.4:80', healthy: false });
    expect(parseKongAdminPath('/upstreams/u/targets/%5B%3A%3A1%5D%3A80/healthy')).toMatchObject({ target: '[::1]:80' });
    for (const p of ['/upstreams', '/upstreams/u', '/upstreams/u/targets', '/upstreams/u/targets/t', '/upstreams/u/targets/t/sick', '/clusters', '/upstreams//health', '/upstreams/%E0/health']) {
      expect([p, parseKongAdminPath(p)]).toEqual([p, undefined]);
    }
  });
});
