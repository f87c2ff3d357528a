import { FakeRandom } from '../../../test/fakes/fake-clock';
import { initialDelay, jittered, nextInterval, resolveHealthCheck } from './health-check-config';

const base = { timeoutMs: 1000, intervalMs: 10_000, healthyThreshold: 2, unhealthyThreshold: 3, probe: { type: 'tcp' as const } };

describe('health check settings (§2)', () => {
  it('fills Envoy’s defaults: unhealthy_interval = interval, edges follow, no_traffic 60 s, reuse on', () => {
    expect(resolveHealthCheck(base)).toMatchObject({
      unhealthyIntervalMs: 10_000,
      unhealthyEdgeIntervalMs: 10_000,
      healthyEdgeIntervalMs: 10_000,
      noTrafficIntervalMs: 60_000,
      noTrafficHealthyIntervalMs: 60_000,
      initialJitterMs: 0,
      reuseConnection: true,
      alwaysLogFailures: false,
      alwaysLogSuccess: false,
    });
    const c = resolveHealthCheck({ ...base, unhealthyIntervalMs: 7000, noTrafficIntervalMs: 5000 });
    expect([c.unhealthyEdgeIntervalMs, c.noTrafficHealthyIntervalMs]).toEqual([7000, 5000]);
  });

  it('jitter is random % (base × percent / 100) plus random % interval_jitter, at least 1 ms', () => {
    const c = resolveHealthCheck({ ...base, intervalJitterPercent: 20, intervalJitterMs: 100 });
    expect(jittered(c, 10_000, new FakeRandom([0.999999, 0.5]))).toBe(10_000 + 1999 + 50);
    expect(jittered(resolveHealthCheck(base), 0, new FakeRandom())).toBe(1);
  });

  it('picks the interval from the outcome and the transition, not the resulting flag (§3.4, §10.2)', () => {
    const c = resolveHealthCheck({ ...base, unhealthyIntervalMs: 2, unhealthyEdgeIntervalMs: 3, healthyEdgeIntervalMs: 4, noTrafficIntervalMs: 5, noTrafficHealthyIntervalMs: 6, intervalMs: 1 });
    const r = new FakeRandom();
    expect(nextInterval(c, 'Healthy', 'Unchanged', true, r)).toBe(1);
    expect(nextInterval(c, 'Healthy', 'Changed', true, r)).toBe(1);
    expect(nextInterval(c, 'Unhealthy', 'Changed', true, r)).toBe(2);
    expect(nextInterval(c, 'Unhealthy', 'ChangePending', true, r)).toBe(3);
    expect(nextInterval(c, 'Healthy', 'ChangePending', true, r)).toBe(4);
    expect(nextInterval(c, 'Unhealthy', 'Unchanged', false, r)).toBe(5);
    expect(nextInterval(c, 'Healthy', 'ChangePending', false, r)).toBe(5);
    expect(nextInterval(c, 'Healthy', 'Changed', false, r)).toBe(6);
  });

  it('delays the first probe by random % initial_jitter (min 1 ms), or not at all', () => {
    expect(initialDelay(resolveHealthCheck(base), new FakeRandom([0.9]))).toBe(0);
    expect(initialDelay(resolveHealthCheck({ ...base, initialJitterMs: 1000 }), new FakeRandom([0.9]))).toBe(900);
    expect(initialDelay(resolveHealthCheck({ ...base, initialJitterMs: 1000 }), new FakeRandom([0]))).toBe(1);
  });
});
