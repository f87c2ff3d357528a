import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeProber, http as httpResult, refused } from '../../../test/fakes/fake-prober';
import type * as ir from '../../ir/types';
import { Stats } from '../stats';
import type { RequestOutcome } from './cluster-health';
import { EnvoyClusterHealth } from './envoy-cluster-health';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
const A = '10.0.0.1:8080';
const B = '10.0.0.2:8080';
const C = '10.0.0.3:8080';

const ep = (address: string, extra: Partial<ir.Endpoint> = {}): ir.Endpoint => ({ address, port: 8080, weight: 1, health: 'healthy', ...extra });

function backend(extra: Partial<ir.Backend> = {}): ir.Backend {
  return {
    name: 'default/web',
    origins: ['Upstream/default/web'],
    engine: 'envoy',
    connectTimeoutMs: 5000,
    loadBalancing: 'round-robin',
    endpoints: [ep('10.0.0.1'), ep('10.0.0.2')],
    healthCheck: {
      timeoutMs: 1000,
      intervalMs: 5000,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      eventLogPath: '/var/log/hc.log',
      probe: { type: 'http', path: '/status/200' },
    },
    ...extra,
  };
}

interface Setup {
  clock: FakeClock;
  prober: FakeProber;
  stats: Stats;
  files: Map<string, string[]>;
  cluster: EnvoyClusterHealth;
  changes: number;
  flags(): Record<string, string>;
}

function setup(b: ir.Backend = backend(), random: number[] = [0]): Setup {
  const clock = new FakeClock(T0);
  const prober = new FakeProber(clock);
  const stats = new Stats();
  const files = new Map<string, string[]>();
  const cluster = new EnvoyClusterHealth(b, {
    clock,
    random: new FakeRandom(random),
    stats,
    probers: () => prober,
    eventLog: (path) => ({
      write: (line) => files.set(path, [...(files.get(path) ?? []), line]),
    }),
  });
  const s = {
    clock,
    prober,
    stats,
    files,
    cluster,
    changes: 0,
    flags: () => Object.fromEntries(cluster.hosts().map((h) => [h.key, h.healthFlags ?? ''])),
  };
  cluster.onChange(() => (s.changes += 1));
  return s;
}

const r = (status: number): RequestOutcome => ({ type: 'response', status, latencyMs: 3 });

describe('EnvoyClusterHealth: initial state and EDS health (§1, §3.2)', () => {
  it('hosts start /failed_active_hc and turn healthy on their first passing probe', () => {
    const s = setup(backend({ endpoints: [ep('10.0.0.1'), ep('10.0.0.2', { health: 'unhealthy' }), ep('10.0.0.3', { health: 'draining' })] }));
    expect(s.flags()).toEqual({
      [A]: '/failed_active_hc',
      [B]: '/failed_active_hc/failed_eds_health',
      [C]: '/failed_active_hc/eds_status_draining',
    });
    for (const k of [A, B, C]) s.prober.answer(k, httpResult(200));
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: '/failed_eds_health', [C]: '/eds_status_draining' });
    const views = s.cluster.hosts();
    expect(views.map((h) => [h.coarse, h.excluded])).toEqual([
      ['healthy', false],
      ['unhealthy', false],
      ['unhealthy', true],
    ]);
    expect(s.stats.get('cluster.default/web.health_check.healthy')).toBe(3);
  });

  it('without a health check hosts start healthy', () => {
    const s = setup(backend({ healthCheck: undefined }));
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: 'healthy' });
    expect(s.prober.started).toEqual([]);
  });

  it('probes with Host = endpoint healthCheckHostname > probe host > cluster name', () => {
    const b = backend({ endpoints: [ep('10.0.0.1', { healthCheckHostname: 'a.internal' }), ep('10.0.0.2')] });
    expect(setup(b).prober.started.map((x) => x.authority)).toEqual(['a.internal', 'default/web']);
    const withHost = backend({ healthCheck: { ...backend().healthCheck!, probe: { type: 'http', path: '/', host: 'web.example' } } });
    expect(setup(withHost).prober.started.map((x) => x.authority)).toEqual(['web.example', 'web.example']);
  });
});

describe('EnvoyClusterHealth: discovery updates (§3.7)', () => {
  function healthyPair(extra: Partial<ir.Backend> = {}): Setup {
    const s = setup(backend(extra));
    s.prober.answer(A, httpResult(200));
    s.prober.answer(B, httpResult(200));
    return s;
  }

  it('keeps state for staying hosts; a new host starts failed and is probed at once', () => {
    const s = healthyPair();
    s.cluster.update(backend({ endpoints: [ep('10.0.0.1', { weight: 3 }), ep('10.0.0.2'), ep('10.0.0.3')] }));
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: 'healthy', [C]: '/failed_active_hc' });
    expect(s.cluster.hosts()[0]?.weight).toBe(3);
    expect(s.prober.attempts(C)).toEqual([T0]);
    expect(s.prober.attempts(A)).toEqual([T0]);
  });

  it('a dropped healthy host lingers as /pending_dynamic_removal until a probe fails it', () => {
    const s = healthyPair();
    s.cluster.update(backend({ endpoints: [ep('10.0.0.1')] }));
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: '/pending_dynamic_removal' });
    expect(s.cluster.hosts()[1]?.coarse).toBe('healthy');
    s.clock.advance(60_000); // no traffic yet: no_traffic_interval
    s.prober.answer(B, refused); // 1 of 2: pending
    expect(Object.keys(s.flags())).toEqual([A, B]);
    s.clock.advance(60_000);
    s.prober.answer(B, refused);
    expect(s.flags()).toEqual({ [A]: 'healthy' });
    expect(s.prober.released).toContain(B);
  });

  it('a lingering host that comes back keeps its state and loses the flag', () => {
    const s = healthyPair();
    s.cluster.update(backend({ endpoints: [ep('10.0.0.1')] }));
    s.cluster.update(backend());
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: 'healthy' });
    expect(s.prober.attempts(B)).toEqual([T0]);
  });

  it('removes at once with ignore_health_on_host_removal, for failed hosts, and without HC', () => {
    const ignoring = healthyPair({ ignoreHealthOnHostRemoval: true });
    ignoring.cluster.update(backend({ ignoreHealthOnHostRemoval: true, endpoints: [ep('10.0.0.1')] }));
    expect(ignoring.flags()).toEqual({ [A]: 'healthy' });
    const failed = setup();
    failed.cluster.update(backend({ endpoints: [ep('10.0.0.1')] }));
    expect(failed.flags()).toEqual({ [A]: '/failed_active_hc' });
    const noHc = setup(backend({ healthCheck: undefined }));
    noHc.cluster.update(backend({ healthCheck: undefined, endpoints: [ep('10.0.0.2')] }));
    expect(noHc.flags()).toEqual({ [B]: 'healthy' });
  });
});

describe('EnvoyClusterHealth: cached host views', () => {
  it('hands out the same list until a flag or the membership changes; counters stay live', () => {
    const s = setup(backend({ outlierDetection: { consecutive5xx: 2, maxEjectionPercent: 50, baseEjectionTimeMs: 30_000 } }));
    s.prober.answer(A, httpResult(200));
    s.prober.answer(B, httpResult(200));
    const healthy = s.cluster.hosts();
    s.cluster.reportResult(A, r(200));
    expect(s.cluster.hosts()).toBe(healthy);
    expect(healthy[0]?.counters).toMatchObject({ rq_total: 1, rq_success: 1 });
    s.cluster.reportResult(A, r(500));
    s.cluster.reportResult(A, r(500));
    const ejected = s.cluster.hosts();
    expect(ejected).not.toBe(healthy);
    expect(ejected.map((h) => h.healthFlags)).toEqual(['/failed_outlier_check', 'healthy']);
    expect(ejected[1]).toBe(healthy[1]);
    s.cluster.update(backend({ outlierDetection: { consecutive5xx: 2, maxEjectionPercent: 50, baseEjectionTimeMs: 30_000 }, endpoints: [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')] }));
    expect(s.cluster.hosts().map((h) => h.key)).toEqual([A, B, C]);
  });
});

describe('EnvoyClusterHealth: outlier detection with active HC (§5.7, §6.4)', () => {
  const od: ir.OutlierDetection = { consecutive5xx: 3, maxEjectionPercent: 50, baseEjectionTimeMs: 300_000 };

  it('ejects on consecutive 5xx, counts host stats, and a passing probe un-ejects', () => {
    const s = setup(backend({ outlierDetection: od }));
    s.prober.answer(A, httpResult(200));
    s.prober.answer(B, httpResult(200));
    const before = s.changes;
    for (let i = 0; i < 3; i++) s.cluster.reportResult(A, r(502));
    s.cluster.reportResult(A, { type: 'timeout' });
    expect(s.flags()[A]).toBe('/failed_outlier_check');
    expect(s.changes).toBeGreaterThan(before);
    expect(s.cluster.hosts()[0]?.counters).toEqual({ rq_total: 4, rq_success: 0, rq_error: 4, rq_timeout: 1, cx_connect_fail: 0 });
    const log = s.files.get('/var/log/hc.log') ?? [];
    expect(JSON.parse(log.at(-1) ?? '{}')).toMatchObject({ type: 'CONSECUTIVE_5XX', upstream_url: A, action: 'EJECT', enforced: true });
    s.clock.advance(60_000); // the first probe ran before any traffic: next one after 60 s
    s.prober.answer(A, httpResult(200));
    expect(s.flags()[A]).toBe('healthy');
    expect(JSON.parse(s.files.get('/var/log/hc.log')?.at(-1) ?? '{}')).toMatchObject({ action: 'UNEJECT', secs_since_last_action: '60' });
  });

  it('an ejected host that also fails HC shows both flags and returns only when both clear', () => {
    const s = setup(backend({ outlierDetection: od }));
    s.prober.answer(A, httpResult(200));
    s.prober.answer(B, httpResult(200));
    for (let i = 0; i < 3; i++) s.cluster.reportResult(A, r(500));
    s.clock.advance(60_000); // armed before any traffic: no_traffic_interval
    s.prober.answer(A, httpResult(503));
    expect(s.flags()[A]).toBe('/failed_active_hc/failed_outlier_check');
    s.clock.advance(5000);
    s.prober.answer(A, httpResult(200)); // pending (1 of 2): still failed, still ejected
    expect(s.flags()[A]).toBe('/failed_active_hc/failed_outlier_check');
    s.clock.advance(5000);
    s.prober.answer(A, httpResult(200));
    expect(s.flags()[A]).toBe('healthy');
  });

  it('x-envoy-immediate-health-check-fail from the data plane fails the host passively', () => {
    const s = setup();
    s.prober.answer(A, httpResult(200));
    s.cluster.reportResult(A, { type: 'response', status: 503, latencyMs: 1, immediateHealthCheckFail: true });
    expect(s.flags()[A]).toBe('/failed_active_hc/excluded_via_immediate_hc_fail');
    expect(s.cluster.hosts()[0]?.excluded).toBe(true);
    expect(s.stats.get('cluster.default/web.health_check.passive_failure')).toBe(1);
  });

  it('proxied traffic leaves no-traffic mode: intervals drop from 60 s to interval', () => {
    const s = setup();
    s.prober.respondWith(A, httpResult(200));
    s.prober.answer(A, httpResult(200)); // no traffic yet: next probe in 60 s
    s.clock.advance(1_000);
    s.cluster.reportResult(A, r(200));
    s.clock.advance(59_000);
    expect(s.prober.attempts(A)).toEqual([T0, T0 + 60_000]);
    s.clock.advance(5_000); // that probe ran with traffic: interval (5 s)
    expect(s.prober.attempts(A)).toEqual([T0, T0 + 60_000, T0 + 65_000]);
  });

  it('outlierSummary reports -1 until a success-rate sweep computes numbers', () => {
    const s = setup(backend({ outlierDetection: od }));
    expect(s.cluster.outlierSummary()).toEqual({
      successRateAverage: -1,
      successRateEjectionThreshold: -1,
      localOriginSuccessRateAverage: -1,
      localOriginSuccessRateEjectionThreshold: -1,
    });
    expect(setup().cluster.outlierSummary()).toBeUndefined();
  });
});

describe('EnvoyClusterHealth: config changes and lifecycle', () => {
  it('a health-check change rebuilds the hosts, warming until each has been probed once', () => {
    const s = setup();
    s.prober.answer(A, httpResult(200));
    s.prober.answer(B, httpResult(200));
    const changed = backend({ healthCheck: { ...backend().healthCheck!, probe: { type: 'http', path: '/ready' } } });
    s.cluster.update(changed);
    expect(s.cluster.isWarming).toBe(true);
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: 'healthy' });
    s.prober.answer(A, httpResult(200));
    expect(s.cluster.isWarming).toBe(true);
    s.prober.answer(B, httpResult(503));
    expect(s.cluster.isWarming).toBe(false);
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: '/failed_active_hc' });
    expect(s.prober.released.sort()).toEqual([A, B]);
  });

  it('an endpoint-only update does not restart probes', () => {
    const s = setup();
    s.prober.answer(A, httpResult(200));
    s.cluster.update(backend());
    expect(s.cluster.isWarming).toBe(false);
    expect(s.prober.started).toHaveLength(2);
  });

  it('removing the health check applies at once and hosts become healthy', () => {
    const s = setup();
    s.cluster.update(backend({ healthCheck: undefined }));
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: 'healthy' });
  });

  it('stop() cancels every timer', () => {
    const s = setup(backend({ outlierDetection: {} }));
    s.prober.answer(A, httpResult(200));
    s.cluster.stop();
    expect(s.clock.pendingCount).toBe(0);
  });
});

describe('EnvoyClusterHealth with the real HTTP prober', () => {
  it('probes a real upstream on 127.0.0.1 and marks it healthy', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const clock = new FakeClock(T0);
    const cluster = new EnvoyClusterHealth(
      backend({ endpoints: [{ address: '127.0.0.1', port, weight: 1, health: 'healthy' }] }),
      { clock, random: new FakeRandom(), stats: new Stats() },
    );
    await new Promise<void>((resolve) => cluster.onChange(() => resolve()));
    expect(cluster.hosts()[0]?.healthFlags).toBe('healthy');
    cluster.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
