/**
 * Retries of the native proxy (Envoy's route retry_policy and Kong's default) over real sockets on
 * 127.0.0.1 in front of demo upstreams, on fake time. Every failed attempt must still reach the
 * health engine; a retry goes to a host not tried yet.
 */
import type { Random } from '../clock';
import type * as ir from '../ir/types';
import { silentLogger } from '../log';
import { startDemoUpstream, type DemoUpstream } from '../demo/demo-upstream';
import { FakeClock, FakeRandom } from '../../test/fakes/fake-clock';
import { FakeClusterHealth } from '../../test/fakes/fake-cluster-health';
import { closedPort, send, waitFor } from '../../test/fakes/http-client';
import { aBackend, anIr, aRoute, forwardTo } from '../../test/fakes/proxy-fixtures';
import { PROXY_PORT_KEY, ProxyRuntime } from './runtime';
import type { RetryPolicy } from './retry-policy';
import { Stats } from './stats';

interface Harness {
  readonly port: number;
  readonly stats: Stats;
  readonly clock: FakeClock;
  readonly health: Map<string, FakeClusterHealth>;
}

let upstreamClock = new FakeClock();
const upstreams: DemoUpstream[] = [];
const runtimes: ProxyRuntime[] = [];

async function upstream(name: string, clock = upstreamClock): Promise<DemoUpstream> {
  const u = await startDemoUpstream({ port: 0, name, clock, random: new FakeRandom([0]) });
  upstreams.push(u);
  return u;
}

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { retryOn: ['5xx'], numRetries: 1, perTryTimeoutMs: 0, previousHosts: true, backoffBaseMs: 0, backoffMaxMs: 0, ...overrides };
}

async function proxy(backends: ir.Backend[], retry: RetryPolicy | undefined, random: Random = new FakeRandom([0])): Promise<Harness> {
  const stats = new Stats();
  const clock = new FakeClock();
  const health = new Map<string, FakeClusterHealth>();
  const runtime = new ProxyRuntime({
    clock,
    random,
    stats,
    logger: silentLogger,
    healthFactory: (backend) => {
      const h = new FakeClusterHealth(backend);
      health.set(backend.name, h);
      return h;
    },
    proxyPort: 0,
    address: '127.0.0.1',
    retry,
  });
  runtimes.push(runtime);
  await runtime.apply(anIr([aRoute('r', { action: forwardTo([backends[0]?.name ?? 'web']) })], backends));
  const ports = await runtime.listen();
  return { port: ports.get(PROXY_PORT_KEY) ?? 0, stats, clock, health };
}

/** Failed attempts the health engine saw, per host, without the connect-success notes. */
function outcomes(h: Harness, cluster = 'web'): string[] {
  return (h.health.get(cluster)?.reports ?? [])
    .filter((r) => r.outcome.type !== 'connect-success')
    .map((r) => `${r.hostKey.split(':')[1]} ${r.outcome.type === 'response' ? r.outcome.status : r.outcome.type}`);
}

beforeEach(() => {
  upstreamClock = new FakeClock();
});

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

describe('retry_on connect-failure', () => {
  it('retries a refused connection on the other host and reports both attempts', async () => {
    const dead = await closedPort();
    const b = await upstream('b');
    const h = await proxy([aBackend('web', [dead, b.port])], policy({ retryOn: ['connect-failure'] }));
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(200);
    expect(r.headers['x-demo-upstream']).toBe('b');
    expect(outcomes(h)).toEqual([`${dead} connect-failure`, `${b.port} 200`]);
    expect(h.stats.get('cluster.web.upstream_rq_retry')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_retry_success')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_total')).toBe(2);
    expect(h.stats.get('cluster.web.upstream_cx_connect_fail')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_active')).toBe(0);
  });

  it('without a policy the refusal is the answer (Envoy retries nothing by default)', async () => {
    const dead = await closedPort();
    const b = await upstream('b');
    const h = await proxy([aBackend('web', [dead, b.port])], undefined);
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/reset reason: connection failure$/);
    expect(h.stats.get('cluster.web.upstream_rq_retry')).toBe(0);
  });

  it('stops after num_retries and answers the last failure', async () => {
    const [d1, d2, d3] = [await closedPort(), await closedPort(), await closedPort()];
    const h = await proxy([aBackend('web', [d1, d2, d3])], policy({ retryOn: ['connect-failure'], numRetries: 1 }));
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/connection failure$/);
    expect(outcomes(h)).toEqual([`${d1} connect-failure`, `${d2} connect-failure`]);
    expect(h.stats.get('cluster.web.upstream_rq_retry_limit_exceeded')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_503')).toBe(1);
  });

  it("Kong-engine clusters retry connection failures on other targets without any flag (Kong's retries: 5)", async () => {
    const dead = await closedPort();
    const b = await upstream('b');
    const kong = aBackend('web', [dead, b.port], { engine: 'kong', kong: { threshold: 0 } as ir.KongHealthSettings });
    const h = await proxy([kong], undefined);
    const r = await send(h.port, { path: '/status/500' });
    // The TCP failure is retried; the HTTP 500 is not (Kong never retries statuses).
    expect(r.status).toBe(500);
    expect(outcomes(h)).toEqual([`${dead} connect-failure`, `${b.port} 500`]);
  });
});

describe('retry_on 5xx / gateway-error', () => {
  it('retries a 500 on another host; outlier detection still sees the 500', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    await send(a.port, { method: 'POST', path: '/admin/fail?status=500' });
    const h = await proxy([aBackend('web', [a.port, b.port])], policy({ retryOn: ['5xx'] }));
    const r = await send(h.port, { path: '/get' });
    expect(r.status).toBe(200);
    expect(r.headers['x-demo-upstream']).toBe('b');
    expect(outcomes(h)).toEqual([`${a.port} 500`, `${b.port} 200`]);
    expect(h.stats.get('cluster.web.upstream_rq_500')).toBe(1);
    expect(h.stats.get('cluster.web.upstream_rq_200')).toBe(1);
    // The retried 500's connection stays usable: the next request to a reuses it.
    expect((await send(h.port, { path: '/get' })).status).toBe(200);
    expect(h.stats.get('cluster.web.upstream_cx_total')).toBe(2);
  });

  it('gateway-error retries 502-504 only; a 500 is answered as is', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const h = await proxy([aBackend('web', [a.port, b.port])], policy({ retryOn: ['gateway-error'] }));
    expect((await send(h.port, { path: '/status/500' })).status).toBe(500);
    expect((await send(h.port, { path: '/status/503' })).status).toBe(503);
    expect(outcomes(h)).toEqual([`${a.port} 500`, `${b.port} 503`, `${a.port} 503`]);
    expect(h.stats.get('cluster.web.upstream_rq_retry')).toBe(1);
  });

  it('retries a small buffered POST body, but never a chunked (streamed) one', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    await send(a.port, { method: 'POST', path: '/admin/fail?status=503' });
    const h = await proxy([aBackend('web', [a.port, b.port])], policy({ retryOn: ['5xx'] }));
    const sized = await send(h.port, { method: 'POST', path: '/echo', body: 'hello', headers: { 'content-length': '5' } });
    expect(sized).toMatchObject({ status: 200, body: 'hello' });
    const chunked = await send(h.port, { method: 'POST', path: '/echo', body: 'hello', headers: { 'transfer-encoding': 'chunked' } });
    // Round robin: this one goes to b first... so send one more to land on a.
    const third = await send(h.port, { method: 'POST', path: '/echo', body: 'hello', headers: { 'transfer-encoding': 'chunked' } });
    expect([chunked.status, third.status].sort()).toEqual([200, 503]);
    expect(h.stats.get('cluster.web.upstream_rq_retry')).toBe(1);
  });
});

describe('per-try timeout and back-off', () => {
  it('a try that outlasts per_try_timeout is reported as a timeout and retried elsewhere', async () => {
    const a = await upstream('a');
    const bClock = new FakeClock();
    const b = await upstream('b', bClock);
    const h = await proxy([aBackend('web', [a.port, b.port])], policy({ retryOn: ['5xx'], perTryTimeoutMs: 1000 }));
    const pending = send(h.port, { path: '/delay/2' });
    await waitFor(() => upstreamClock.pendingCount === 1 && h.clock.pendingCount > 0);
    h.clock.advance(999);
    expect(h.stats.get('cluster.web.upstream_rq_per_try_timeout')).toBe(0);
    h.clock.advance(1);
    // The retry reached b, and a saw its client go away (the try was abandoned).
    await waitFor(() => bClock.pendingCount === 1 && upstreamClock.pendingCount === 0);
    bClock.advance(2000);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.headers['x-demo-upstream']).toBe('b');
    expect(outcomes(h)).toEqual([`${a.port} timeout`, `${b.port} 200`]);
    expect(h.stats.get('cluster.web.upstream_rq_per_try_timeout')).toBe(1);
  });

  it("waits Envoy's jittered back-off before retrying (random 0.5 × 25 ms → 12 ms)", async () => {
    const dead = await closedPort();
    const b = await upstream('b');
    // The first draw seeds round robin (0: the dead host first); every later one is 0.5.
    let draws = 0;
    const random = { next: () => (draws++ === 0 ? 0 : 0.5), uuid: () => '00000000-0000-4000-8000-000000000000' };
    const h = await proxy([aBackend('web', [dead, b.port])], policy({ retryOn: ['connect-failure'], backoffBaseMs: 25, backoffMaxMs: 250 }), random);
    const pending = send(h.port, { path: '/get' });
    await waitFor(() => h.stats.get('cluster.web.upstream_rq_retry') === 1);
    h.clock.advance(11);
    expect(h.stats.get('cluster.web.upstream_rq_total')).toBe(1);
    h.clock.advance(1);
    expect(h.stats.get('cluster.web.upstream_rq_total')).toBe(2);
    expect((await pending).status).toBe(200);
  });
});

describe('circuit breaker max_retries (concurrent retries per cluster)', () => {
  /** `n` requests at once to a cluster whose one host refuses: each first attempt fails, each admitted retry waits its back-off. */
  async function concurrentRetries(n: number, breakers?: ir.CircuitBreakers): Promise<{ retried: number; overflowed: number; h: Harness }> {
    const dead = await closedPort();
    const backend = aBackend('web', [dead], breakers ? { circuitBreakers: breakers } : {});
    const h = await proxy([backend], policy({ retryOn: ['connect-failure'], backoffBaseMs: 1000, backoffMaxMs: 10_000 }), new FakeRandom([0.99]));
    const pending = Array.from({ length: n }, () => send(h.port, { path: '/get' }));
    const retried = (): number => h.stats.get('cluster.web.upstream_rq_retry');
    const overflowed = (): number => h.stats.get('cluster.web.upstream_rq_retry_overflow');
    await waitFor(() => retried() + overflowed() === n);
    const counts = { retried: retried(), overflowed: overflowed(), h };
    h.clock.advance(1000);
    const answers = await Promise.all(pending);
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: n }, () => 503));
    return counts;
  }

  it("Envoy's default admits 3 concurrent retries", async () => {
    expect(await concurrentRetries(5)).toMatchObject({ retried: 3, overflowed: 2 });
  });

  it('maxRetries 1: a second concurrent retry overflows', async () => {
    expect(await concurrentRetries(2, { maxRetries: 1 })).toMatchObject({ retried: 1, overflowed: 1 });
  });

  it('maxRetries 10: five concurrent retries all go', async () => {
    const { retried, overflowed, h } = await concurrentRetries(5, { maxRetries: 10 });
    expect({ retried, overflowed }).toEqual({ retried: 5, overflowed: 0 });
    expect(h.stats.get('cluster.web.upstream_rq_total')).toBe(10);
  });
});
