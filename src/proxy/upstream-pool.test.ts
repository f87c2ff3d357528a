/**
 * UpstreamPool's circuit breakers: the backend's `circuitBreakers.maxRetries` and `maxConnections`
 * (Envoy's defaults 3 and 1024 otherwise), the latter as the bound of each host's keep-alive pool,
 * over real sockets on 127.0.0.1 to a demo upstream on fake time.
 */
import type * as ir from '../ir/types';
import { silentLogger } from '../log';
import { startDemoUpstream, type DemoUpstream } from '../demo/demo-upstream';
import { FakeClock, FakeRandom } from '../../test/fakes/fake-clock';
import { FakeClusterHealth } from '../../test/fakes/fake-cluster-health';
import { send, waitFor, type TestResponse } from '../../test/fakes/http-client';
import { aBackend, anIr, aRoute, forwardTo } from '../../test/fakes/proxy-fixtures';
import { PROXY_PORT_KEY, ProxyRuntime } from './runtime';
import { Stats } from './stats';
import { UpstreamPool } from './upstream-pool';

function pool(backend: ir.Backend, maxSocketsPerHost?: number): UpstreamPool {
  return new UpstreamPool({ backend, health: new FakeClusterHealth(backend), stats: new Stats(), clock: new FakeClock(), random: new FakeRandom([0]), maxSocketsPerHost });
}

describe('UpstreamPool thresholds', () => {
  it("uses Envoy's defaults without circuitBreakers", () => {
    const p = pool(aBackend('web', [8080]));
    expect([p.maxRetries, p.maxConnectionsPerHost]).toEqual([3, 1024]);
  });

  it("uses the backend's maxRetries and maxConnections (0 connections still allows one, as Envoy's pools do)", () => {
    expect([pool(aBackend('web', [8080], { circuitBreakers: { maxRetries: 10, maxConnections: 100 } })).maxRetries, pool(aBackend('web', [8080], { circuitBreakers: { maxConnections: 100 } })).maxConnectionsPerHost]).toEqual([10, 100]);
    expect(pool(aBackend('web', [8080], { circuitBreakers: { maxConnections: 0 } })).maxConnectionsPerHost).toBe(1);
  });

  it('lets maxSocketsPerHost override maxConnections, and follows an update', () => {
    expect(pool(aBackend('web', [8080], { circuitBreakers: { maxConnections: 100 } }), 7).maxConnectionsPerHost).toBe(7);
    const p = pool(aBackend('web', [8080]));
    p.update(aBackend('web', [8080], { circuitBreakers: { maxRetries: 1, maxConnections: 2 } }));
    expect([p.maxRetries, p.maxConnectionsPerHost]).toEqual([1, 2]);
    p.close();
  });
});

describe('maxConnections bounds the connections to each host', () => {
  const upstreams: DemoUpstream[] = [];
  const runtimes: ProxyRuntime[] = [];
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.stop()));
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
  });

  async function setup(backend: ir.Backend): Promise<{ rt: ProxyRuntime; stats: Stats; port: number; upstreamClock: FakeClock; upstream: DemoUpstream }> {
    const upstreamClock = new FakeClock();
    const upstream = await startDemoUpstream({ port: 0, name: 'a', clock: upstreamClock, random: new FakeRandom([0]) });
    upstreams.push(upstream);
    const stats = new Stats();
    const rt = new ProxyRuntime({ clock: new FakeClock(), random: new FakeRandom([0]), stats, logger: silentLogger, healthFactory: (b) => new FakeClusterHealth(b), proxyPort: 0, address: '127.0.0.1' });
    runtimes.push(rt);
    await rt.apply(anIr([aRoute('r', { action: forwardTo(['web']) })], [{ ...backend, endpoints: aBackend('web', [upstream.port]).endpoints }]));
    const port = (await rt.listen()).get(PROXY_PORT_KEY) ?? 0;
    return { rt, stats, port, upstreamClock, upstream };
  }

  /** Releases the upstream's delayed answers one second at a time until every request is answered. */
  async function drain(clock: FakeClock, pending: Promise<TestResponse>[]): Promise<number[]> {
    let left = pending.length;
    const all = Promise.all(pending.map((p) => p.finally(() => left--)));
    while (left > 0) {
      await waitFor(() => clock.pendingCount > 0 || left === 0);
      clock.advance(1000);
    }
    return (await all).map((r) => r.status);
  }

  it('maxConnections 1: three concurrent requests share one connection, one at a time', async () => {
    const { stats, port, upstreamClock } = await setup(aBackend('web', [], { circuitBreakers: { maxConnections: 1 } }));
    const pending = [1, 2, 3].map(() => send(port, { path: '/delay/1' }));
    await waitFor(() => upstreamClock.pendingCount === 1);
    expect(await drain(upstreamClock, pending)).toEqual([200, 200, 200]);
    expect(stats.get('cluster.web.upstream_cx_total')).toBe(1);
  });

  it('a raised maxConnections takes effect for new requests; the old pool closes once idle', async () => {
    const { rt, stats, port, upstreamClock, upstream } = await setup(aBackend('web', [], { circuitBreakers: { maxConnections: 1 } }));
    const first = [1, 2].map(() => send(port, { path: '/delay/1' }));
    await waitFor(() => upstreamClock.pendingCount === 1);
    await rt.apply(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [upstream.port], { circuitBreakers: { maxConnections: 3 } })]));
    const second = [1, 2].map(() => send(port, { path: '/delay/1' }));
    // One request on the old pool's connection, two on two new connections.
    await waitFor(() => upstreamClock.pendingCount === 3);
    expect(await drain(upstreamClock, [...first, ...second])).toEqual([200, 200, 200, 200]);
    expect(stats.get('cluster.web.upstream_cx_total')).toBe(3);
    await waitFor(() => stats.get('cluster.web.upstream_cx_active') === 2);
  });
});
