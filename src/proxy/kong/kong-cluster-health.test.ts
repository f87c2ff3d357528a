import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeProber, http, refused, silent } from '../../../test/fakes/fake-prober';
import { KONG_DEFAULTS } from '../../ir/defaults';
import type * as ir from '../../ir/types';
import type { RequestOutcome } from '../health/cluster-health';
import { LoadBalancer } from '../load-balancer';
import { healthPolicyOf } from '../upstream-pool';
import { KongClusterHealth } from './kong-cluster-health';

const A = '10.0.0.1:80';
const B = '10.0.0.2:80';
const C = '10.0.0.3:80';

interface Knobs {
  threshold?: number;
  concurrency?: number;
  timeoutMs?: number;
  healthyInterval?: number;
  unhealthyInterval?: number;
  active?: Partial<{ successes: number; httpFailures: number; tcpFailures: number; timeouts: number }>;
  passive?: Partial<{ successes: number; httpFailures: number; tcpFailures: number; timeouts: number }>;
  headers?: ir.NameValue[];
}

/** Kong's schema defaults (everything off) with the given knobs turned. */
function settings(k: Knobs = {}): ir.KongHealthSettings {
  const a = { successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0, ...k.active };
  const p = { successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0, ...k.passive };
  const active: ir.KongActiveSettings = {
    type: 'http',
    httpPath: '/status/200',
    httpsVerifyCertificate: true,
    timeoutMs: k.timeoutMs ?? 1000,
    concurrency: k.concurrency ?? 10,
    headers: k.headers ?? [],
    healthy: { intervalMs: k.healthyInterval ?? 0, successes: a.successes, httpStatuses: [...KONG_DEFAULTS.active.healthyHttpStatuses] },
    unhealthy: { intervalMs: k.unhealthyInterval ?? 0, httpFailures: a.httpFailures, tcpFailures: a.tcpFailures, timeouts: a.timeouts, httpStatuses: [...KONG_DEFAULTS.active.unhealthyHttpStatuses] },
  };
  const passive: ir.KongPassiveSettings = {
    type: 'http',
    healthy: { successes: p.successes, httpStatuses: [...KONG_DEFAULTS.passive.healthyHttpStatuses] },
    unhealthy: { httpFailures: p.httpFailures, tcpFailures: p.tcpFailures, timeouts: p.timeouts, httpStatuses: [...KONG_DEFAULTS.passive.unhealthyHttpStatuses] },
  };
  const checkerEnabled = active.healthy.intervalMs > 0 || active.unhealthy.intervalMs > 0 || p.httpFailures > 0 || p.tcpFailures > 0 || p.timeouts > 0;
  return { policy: 'KongUpstreamPolicy/default/p', checkerEnabled, threshold: k.threshold ?? 0, active, passive };
}

const ep = (address: string, weight = 1): ir.Endpoint => ({ address, port: 80, weight, health: 'healthy', healthCheckHostname: address });

function backend(kong: ir.KongHealthSettings | undefined, endpoints = [ep('10.0.0.1')]): ir.Backend {
  return { name: 'httproute.default.demo.0', origins: [], engine: 'kong', connectTimeoutMs: 5000, loadBalancing: 'round-robin', endpoints, ...(kong ? { kong } : {}) };
}

function setup(b: ir.Backend) {
  const clock = new FakeClock();
  const prober = new FakeProber(clock);
  const health = new KongClusterHealth(b, { clock, probers: () => prober });
  let changes = 0;
  health.onChange(() => changes++);
  const state = (key = A): string | undefined => health.kongTargets().find((t) => t.key === key)?.state;
  const flags = (): Record<string, string> => Object.fromEntries(health.hosts().map((h) => [h.key, h.healthFlags ?? '']));
  const send = (status: number, key = A): void => health.reportResult(key, { type: 'response', status, latencyMs: 1 });
  return { clock, prober, health, state, flags, send, changes: () => changes };
}

describe('KongClusterHealth: passive results (resources.md §2.4)', () => {
  it('with passive successes 0, successes do not reset failures: 500, 500, 200, 500 trips a 3-failure breaker', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 3 } })));
    [500, 500, 200].forEach((st) => s.send(st));
    expect(s.state()).toBe('mostly_healthy');
    s.send(500);
    expect(s.state()).toBe('unhealthy');
  });

  it('with passive successes 3, one success resets the failure counters', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 3, successes: 3 } })));
    [500, 500, 200, 500, 500].forEach((st) => s.send(st));
    expect(s.state()).toBe('mostly_healthy');
    expect(s.health.kongTargets()[0]?.counters).toEqual({ success: 0, http: 2, tcp: 0, timeout: 0 });
  });

  it('404 and 502 are not passive failures; 504 counts as a timeout, which is off by default', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 1 } })));
    [404, 502, 504, 504].forEach((st) => s.send(st));
    expect(s.state()).toBe('healthy');
    expect(s.health.kongTargets()[0]?.counters).toEqual({ success: 0, http: 0, tcp: 0, timeout: 0 });
  });

  it('504 and request timeouts feed the timeout counter; connection errors the TCP counter', () => {
    const s = setup(backend(settings({ passive: { timeouts: 2, tcpFailures: 2 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    s.send(504);
    s.health.reportResult(A, { type: 'timeout' });
    expect(s.state(A)).toBe('unhealthy');
    const cf: RequestOutcome = { type: 'connect-failure' };
    s.health.reportResult(B, cf);
    s.health.reportResult(B, { type: 'connect-success' });
    s.health.reportResult(B, cf);
    expect(s.state(B)).toBe('unhealthy');
  });

  it('429, 500 and 503 are the default passive HTTP failures', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 3 } })));
    [429, 503, 500].forEach((st) => s.send(st));
    expect(s.state()).toBe('unhealthy');
  });

  it('a passive success cannot close the circuit in practice (the target gets no traffic) and no timer does', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 1, successes: 1 } })));
    s.send(500);
    expect(s.state()).toBe('unhealthy');
    expect(s.clock.pendingCount).toBe(0);
    s.clock.advance(365 * 24 * 3600 * 1000);
    expect(s.state()).toBe('unhealthy');
    expect(s.flags()).toEqual({ [A]: '/failed_outlier_check' });
  });

  it('ignores results for unknown hosts and all results while checks are off', () => {
    const off = setup(backend(settings()));
    expect(off.health.checksEnabled).toBe(false);
    off.send(500);
    off.send(500, '10.9.9.9:80');
    expect(off.state()).toBe('healthy');
  });
});

describe('KongClusterHealth: active checks (resources.md §2.4)', () => {
  it('runs the first round one interval after start, then every interval, only on targets of that side', () => {
    const s = setup(backend(settings({ healthyInterval: 5000, unhealthyInterval: 2000, active: { httpFailures: 1, successes: 2 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    s.prober.respondWith(A, http(200));
    s.prober.respondWith(B, http(500));
    s.clock.advance(4999);
    expect(s.prober.started).toHaveLength(0);
    s.clock.advance(1);
    expect(s.prober.attempts(A)).toEqual([s.clock.now()]);
    expect(s.state(B)).toBe('unhealthy');
    expect(s.flags()).toEqual({ [A]: 'healthy', [B]: '/failed_active_hc' });
    // B is now probed by the unhealthy round (every 2 s from start: 6 s, 8 s), A by the healthy one.
    s.prober.respondWith(B, http(200));
    s.clock.advance(3000);
    expect(s.prober.attempts(B)).toHaveLength(3);
    expect(s.prober.attempts(A)).toHaveLength(1);
    expect(s.state(B)).toBe('healthy');
  });

  it('healthy.interval 0 never probes healthy targets; unhealthy.interval 0 never brings targets back', () => {
    const s = setup(backend(settings({ unhealthyInterval: 1000, active: { successes: 1 }, passive: { httpFailures: 1 } })));
    s.prober.respondWith(A, http(200));
    s.clock.advance(10_000);
    expect(s.prober.started).toHaveLength(0);
    s.send(500);
    s.clock.advance(1000);
    expect(s.state()).toBe('healthy');
    const t = setup(backend(settings({ healthyInterval: 1000, active: { successes: 1 }, passive: { httpFailures: 1 } })));
    t.prober.respondWith(A, http(200));
    t.send(500);
    t.clock.advance(60_000);
    expect(t.prober.started).toHaveLength(0);
    expect(t.state()).toBe('unhealthy');
  });

  it('active successes need healthy.successes probes to re-enable a passively failed target', () => {
    const s = setup(backend(settings({ unhealthyInterval: 1000, active: { successes: 3 }, passive: { httpFailures: 1 } })));
    s.prober.respondWith(A, http(200));
    s.send(500);
    s.clock.advance(2000);
    expect(s.state()).toBe('mostly_unhealthy');
    expect(s.flags()).toEqual({ [A]: '/failed_outlier_check' });
    s.clock.advance(1000);
    expect(s.state()).toBe('healthy');
  });

  it('with tcpFailures and timeouts 0 (Kong defaults), refused and silent probes change nothing', () => {
    const s = setup(backend(settings({ healthyInterval: 1000, timeoutMs: 500, active: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    s.prober.respondWith(A, refused);
    s.prober.respondWith(B, silent);
    s.clock.advance(10_000);
    expect([s.state(A), s.state(B)]).toEqual(['healthy', 'healthy']);
    expect(s.prober.attempts(A)).toHaveLength(10);
    expect(s.prober.attempts(B)).toHaveLength(10);
  });

  it('counts refused probes as TCP failures and probe timeouts (after `timeout`) as timeouts', () => {
    const s = setup(backend(settings({ healthyInterval: 5000, timeoutMs: 2000, active: { tcpFailures: 2, timeouts: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    s.prober.respondWith(A, refused);
    s.prober.respondWith(B, silent);
    s.clock.advance(5000);
    expect([s.state(A), s.state(B)]).toEqual(['mostly_healthy', 'healthy']);
    s.clock.advance(2000);
    expect(s.state(B)).toBe('unhealthy');
    s.clock.advance(3000);
    expect(s.state(A)).toBe('unhealthy');
  });

  it('probes `concurrency` packages in parallel, each package sequentially', () => {
    const s = setup(backend(settings({ healthyInterval: 5000, timeoutMs: 60_000, concurrency: 2, active: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')]));
    s.clock.advance(5000);
    expect([s.prober.inFlight(A), s.prober.inFlight(B), s.prober.inFlight(C)]).toEqual([1, 1, 0]);
    s.prober.answer(A, http(200));
    expect(s.prober.inFlight(C)).toBe(1);
    // A round still probing when the next one is due makes that round a no-op.
    s.clock.advance(5000);
    expect(s.prober.attempts(A)).toHaveLength(1);
  });

  it('probes the target address with Host = its hostname (IP for Kubernetes endpoints)', () => {
    const s = setup(backend(settings({ healthyInterval: 1000, active: { httpFailures: 1 } }), [{ ...ep('10.0.0.1'), healthCheckHostname: undefined, hostname: 'pod-a' }]));
    s.clock.advance(1000);
    expect(s.prober.started[0]).toMatchObject({ key: A, authority: 'pod-a' });
  });

  it('stop() cancels every timer and probe', () => {
    const s = setup(backend(settings({ healthyInterval: 1000, active: { httpFailures: 1 } })));
    s.clock.advance(1000);
    expect(s.health.probing).toBe(1);
    s.health.stop();
    expect(s.clock.pendingCount).toBe(0);
    s.send(500);
    expect(s.state()).toBe('healthy');
  });
});

describe('KongClusterHealth: updates, threshold and views', () => {
  it('keeps target state and counters across a policy update and restarts the rounds from the update', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 2 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    s.send(500, A);
    s.send(500, A);
    s.send(500, B);
    s.clock.advance(7000);
    s.health.update(backend(settings({ healthyInterval: 5000, unhealthyInterval: 5000, active: { successes: 1 }, passive: { httpFailures: 2 } }), [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')]));
    expect([s.state(A), s.state(B), s.state(C)]).toEqual(['unhealthy', 'mostly_healthy', 'healthy']);
    s.prober.respondWith(A, http(200));
    s.clock.advance(4999);
    expect(s.prober.started).toHaveLength(0);
    s.clock.advance(1);
    expect(s.state(A)).toBe('healthy');
  });

  it('an endpoint-only update keeps the rounds running on schedule, adds new targets healthy and forgets removed ones', () => {
    const s = setup(backend(settings({ healthyInterval: 5000, active: { httpFailures: 1 }, passive: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    s.prober.respondWith(A, http(200));
    s.prober.respondWith(C, http(200));
    s.send(500, B);
    s.clock.advance(3000);
    const before = s.changes();
    s.health.update(backend(settings({ healthyInterval: 5000, active: { httpFailures: 1 }, passive: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.3')]));
    expect(s.changes()).toBe(before + 1);
    expect(s.health.hosts().map((h) => h.key)).toEqual([A, C]);
    s.clock.advance(2000);
    expect(s.prober.attempts(C)).toEqual([s.clock.now()]);
    s.health.update(backend(settings({ healthyInterval: 5000, active: { httpFailures: 1 }, passive: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    expect(s.state(B)).toBe('healthy');
  });

  it('only ready endpoints become targets', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 1 } }), [ep('10.0.0.1'), { ...ep('10.0.0.2'), health: 'unhealthy' }, { ...ep('10.0.0.3'), health: 'draining' }]));
    expect(s.health.hosts().map((h) => h.key)).toEqual([A]);
  });

  it('removing the policy (or every counter) turns checks off: every target routable again', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 1 } })));
    s.send(500);
    expect(s.health.hosts()[0]?.coarse).toBe('unhealthy');
    s.health.update(backend(undefined));
    expect(s.health.checksEnabled).toBe(false);
    expect(s.health.hosts()[0]?.coarse).toBe('healthy');
    s.health.update(backend(settings({ passive: { httpFailures: 1 } })));
    expect(s.state()).toBe('healthy');
  });

  it('maps the last cause to Envoy flags: passive → outlier, active → active HC, Admin API → EDS health', () => {
    const s = setup(backend(settings({ healthyInterval: 1000, active: { httpFailures: 1 }, passive: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')]));
    s.prober.respondWith(A, http(200));
    s.prober.respondWith(B, http(503));
    s.prober.respondWith(C, http(200));
    s.send(500, A);
    s.clock.advance(1000);
    expect(s.health.setTargetHealth(C, false)).toBe(true);
    expect(s.flags()).toEqual({ [A]: '/failed_outlier_check', [B]: '/failed_active_hc', [C]: '/failed_eds_health' });
    expect(s.health.hosts().map((h) => h.coarse)).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    expect(s.health.setTargetHealth('10.9.9.9:80', true)).toBe(false);
  });

  it('a manual state holds until the checks themselves change it', () => {
    const s = setup(backend(settings({ healthyInterval: 1000, unhealthyInterval: 1000, active: { successes: 2, httpFailures: 1 } })));
    s.prober.respondWith(A, http(200));
    s.health.setTargetHealth(A, false);
    s.clock.advance(1000);
    expect(s.state()).toBe('mostly_unhealthy');
    s.clock.advance(1000);
    expect(s.state()).toBe('healthy');
  });

  it('the proxy balancer answers no peer when available weight is not above `threshold`', () => {
    const b = backend(settings({ threshold: 50, passive: { httpFailures: 1 } }), [ep('10.0.0.1'), ep('10.0.0.2')]);
    const s = setup(b);
    const lb = new LoadBalancer({ policy: 'round-robin', health: healthPolicyOf(b), random: new FakeRandom(), activeRequests: () => 0 });
    expect(lb.pick(s.health.hosts()).host).toBeDefined();
    s.send(500, A);
    expect(lb.pick(s.health.hosts())).toEqual({ host: undefined, reason: 'kong-balancer-unhealthy' });
    expect(s.health.threshold).toBe(50);
  });

  it('shows hosts with their weight and a stable id per upstream and target', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 1 } }), [ep('10.0.0.1', 3)]));
    expect(s.health.hosts()[0]).toMatchObject({ key: A, address: '10.0.0.1', port: 80, weight: 3, flags: 0, excluded: false, healthFlags: 'healthy' });
    const again = setup(backend(settings()));
    expect(again.health.id).toBe(s.health.id);
    expect(s.health.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s.health.kongTargets()[0]?.id).not.toBe(s.health.id);
  });
});

describe('KongClusterHealth: host views', () => {
  it('hands out the same array until a target changes state, then a new one with the new flags', () => {
    const s = setup(backend(settings({ passive: { httpFailures: 2 } }), [ep('10.0.0.1'), ep('10.0.0.2')]));
    const first = s.health.hosts();
    s.send(200);
    expect(s.health.hosts()).toBe(first); // a success on a healthy target changes nothing
    s.send(500);
    s.send(500);
    const after = s.health.hosts();
    expect(after).not.toBe(first);
    expect(after.map((h) => h.healthFlags)).toEqual(['/failed_outlier_check', 'healthy']);
    expect(s.health.setTargetHealth(A, true)).toBe(true);
    expect(s.health.hosts().map((h) => h.healthFlags)).toEqual(['healthy', 'healthy']);
    s.health.update(backend(settings({ passive: { httpFailures: 2 } }), [ep('10.0.0.2')]));
    expect(s.health.hosts().map((h) => h.key)).toEqual([B]);
  });
});
