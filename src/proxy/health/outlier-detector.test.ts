import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { Stats } from '../stats';
import { HostFlag, type RequestOutcome } from './cluster-health';
import { HostHealth } from './host-health';
import { resolveOutlierDetection, type OutlierDetectionExtras } from './outlier-config';
import { OutlierDetector } from './outlier-detector';
import type * as ir from '../../ir/types';

const T0 = Date.UTC(2018, 11, 18, 9, 0, 0);

interface Setup {
  clock: FakeClock;
  stats: Stats;
  raw: string[];
  lines: Record<string, unknown>[];
  hosts: HostHealth[];
  od: OutlierDetector;
  changes: number;
  stat(name: string): number;
  send(i: number, outcome: RequestOutcome, times?: number): void;
  status(i: number, code: number, times?: number): void;
}

function setup(cfg: ir.OutlierDetection & OutlierDetectionExtras, n = 1, random: number[] = [0]): Setup {
  const clock = new FakeClock(T0);
  const stats = new Stats();
  const raw: string[] = [];
  const hosts = Array.from({ length: n }, (_, i) => new HostHealth({ address: `10.0.0.${i + 1}`, port: 443, weight: 1, hostname: '' }));
  const counter = { changes: 0 };
  const od = new OutlierDetector({
    cluster: 'fake_cluster',
    config: resolveOutlierDetection(cfg),
    clock,
    random: new FakeRandom(random),
    stats,
    events: { write: (l) => raw.push(l) },
    onChange: () => (counter.changes += 1),
  });
  for (const h of hosts) od.addHost(h);
  const send = (i: number, outcome: RequestOutcome, times = 1): void => {
    const h = hosts[i];
    if (!h) throw new Error(`no host ${i}`);
    for (let k = 0; k < times; k++) od.putResult(h.key, outcome);
  };
  return {
    clock,
    stats,
    raw,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    hosts,
    od,
    get changes() {
      return counter.changes;
    },
    stat: (name: string) => stats.get(`cluster.fake_cluster.outlier_detection.${name}`),
    send,
    status: (i: number, code: number, times = 1) => send(i, { type: 'response', status: code, latencyMs: 1 }, times),
  };
}

const ejected = (h: HostHealth | undefined): boolean => h?.has(HostFlag.FAILED_OUTLIER_CHECK) ?? false;

describe('OutlierDetector: consecutive 5xx (§5.2–§5.4)', () => {
  it('ejects at exactly consecutive_5xx errors and writes Envoy’s EJECT line', () => {
    const s = setup({ maxEjectionPercent: 100 });
    s.status(0, 500, 4);
    expect(ejected(s.hosts[0])).toBe(false);
    s.status(0, 500);
    expect(s.hosts[0]?.flagsString).toBe('/failed_outlier_check');
    expect(s.hosts[0]?.coarse).toBe('unhealthy');
    expect(s.raw).toEqual([
      '{"type":"CONSECUTIVE_5XX","cluster_name":"fake_cluster","upstream_url":"10.0.0.1:443","action":"EJECT","num_ejections":1,"enforced":true,"eject_consecutive_event":{},"timestamp":"2018-12-18T09:00:00Z"}',
    ]);
    expect(s.stat('ejections_active')).toBe(1);
    expect(s.stat('ejections_enforced_total')).toBe(1);
    expect(s.stat('ejections_enforced_consecutive_5xx')).toBe(1);
    expect(s.stat('ejections_detected_consecutive_5xx')).toBe(1);
    expect(s.stat('ejections_consecutive_5xx')).toBe(1);
    expect(s.stat('ejections_total')).toBe(1);
    expect(s.changes).toBe(1);
  });

  it('a non-5xx response resets the count', () => {
    const s = setup({ maxEjectionPercent: 100 });
    s.status(0, 500, 4);
    s.status(0, 200);
    s.status(0, 500, 4);
    expect(ejected(s.hosts[0])).toBe(false);
    s.status(0, 500);
    expect(ejected(s.hosts[0])).toBe(true);
  });

  it('an ejected host is not detected again: no stats, no lines', () => {
    const s = setup({ maxEjectionPercent: 100 });
    s.status(0, 500, 5 + 20);
    expect(s.raw).toHaveLength(1);
    expect(s.stat('ejections_detected_consecutive_5xx')).toBe(1);
  });

  it('un-ejects on the first sweep after base_ejection_time, with secs_since_last_action', () => {
    const s = setup({ maxEjectionPercent: 100 });
    s.clock.advance(5_000);
    s.status(0, 503, 5);
    s.clock.advance(34_999); // sweeps at 10, 20, 30 s: 25 s elapsed at 30 s
    expect(ejected(s.hosts[0])).toBe(true);
    s.clock.advance(1); // sweep at 40 s: 35 s >= 30 s
    expect(ejected(s.hosts[0])).toBe(false);
    expect(s.lines.at(-1)).toEqual({
      type: 'CONSECUTIVE_5XX',
      cluster_name: 'fake_cluster',
      upstream_url: '10.0.0.1:443',
      action: 'UNEJECT',
      num_ejections: 1,
      enforced: false,
      timestamp: '2018-12-18T09:00:40Z',
      secs_since_last_action: '35',
    });
    expect(s.stat('ejections_active')).toBe(0);
    expect(s.changes).toBe(2);
    // Counters were reset by the un-ejection: 4 more 5xx do not eject.
    s.status(0, 500, 4);
    expect(ejected(s.hosts[0])).toBe(false);
  });

  it('the next EJECT line carries the time since the un-ejection and the growing num_ejections', () => {
    const s = setup({ maxEjectionPercent: 100 });
    s.status(0, 500, 5);
    s.clock.advance(30_000);
    s.clock.advance(7_500);
    s.status(0, 500, 5);
    expect(s.lines.at(-1)).toMatchObject({ action: 'EJECT', num_ejections: 2, secs_since_last_action: '7' });
  });
});

describe('OutlierDetector: ejection time, backoff, cap and jitter (§5.4–§5.5)', () => {
  /** Ejects host 0 and returns how long (ms) it stayed ejected, sweeping every 1 s. */
  function ejectionLength(s: Setup): number {
    s.status(0, 500, 5);
    const start = s.clock.now();
    while (ejected(s.hosts[0])) s.clock.advance(1_000);
    return s.clock.now() - start;
  }

  it('base × backoff: 10 s, 20 s, 30 s when re-ejected at once; capped by max_ejection_time', () => {
    const s = setup({ maxEjectionPercent: 100, intervalMs: 1_000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 25_000 });
    expect([ejectionLength(s), ejectionLength(s), ejectionLength(s), ejectionLength(s)]).toEqual([10_000, 20_000, 25_000, 25_000]);
  });

  it('the backoff decays by one per full healthy interval after un-ejection', () => {
    const s = setup({ maxEjectionPercent: 100, intervalMs: 1_000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 100_000 });
    expect(ejectionLength(s)).toBe(10_000);
    expect(ejectionLength(s)).toBe(20_000);
    expect(ejectionLength(s)).toBe(30_000); // backoff 3
    s.clock.advance(2_000); // two sweeps, each a full interval after the un-ejection: backoff 1
    expect(ejectionLength(s)).toBe(20_000);
  });

  it('max_ejection_time_jitter adds random % (jitter + 1) ms', () => {
    const s = setup({ maxEjectionPercent: 100, intervalMs: 500, baseEjectionTimeMs: 10_000, maxEjectionTimeJitterMs: 3_000 }, 1, [0.5]);
    s.status(0, 500, 5); // jitter = floor(0.5 * 3001) = 1500
    s.clock.advance(11_000);
    expect(ejected(s.hosts[0])).toBe(true);
    s.clock.advance(500);
    expect(ejected(s.hosts[0])).toBe(false);
  });

  it('default max_ejection_time is max(300 s, base): 305 s computed ejection ends at the 310 s sweep', () => {
    const s = setup({ maxEjectionPercent: 100, baseEjectionTimeMs: 305_000 });
    s.status(0, 500, 5);
    s.clock.advance(309_999);
    expect(ejected(s.hosts[0])).toBe(true);
    s.clock.advance(1);
    expect(ejected(s.hosts[0])).toBe(false);
  });
});

describe('OutlierDetector: max_ejection_percent and enforcement (§5.4)', () => {
  it('is strict: the default 10 % ejects nothing below 10 hosts', () => {
    const s = setup({}, 3);
    s.status(0, 500, 5);
    expect(ejected(s.hosts[0])).toBe(false);
    expect(s.stat('ejections_overflow')).toBe(1);
    expect(s.stat('ejections_detected_consecutive_5xx')).toBe(1);
    expect(s.stat('ejections_total')).toBe(0);
    expect(s.raw).toEqual([]);
  });

  it.each([
    [2, 10, 0],
    [2, 50, 1],
    [3, 50, 1],
    [3, 67, 2],
    [5, 20, 1],
  ])('%i hosts at %i %% eject %i', (n, pct, expected) => {
    const s = setup({ maxEjectionPercent: pct }, n);
    for (let i = 0; i < n; i++) s.status(i, 500, 5);
    expect(s.hosts.filter(ejected)).toHaveLength(expected);
    expect(s.stat('ejections_active')).toBe(expected);
    expect(s.stat('ejections_overflow')).toBe(n - expected);
  });

  it('always_eject_one_host lets one ejection through when nothing is ejected', () => {
    const s = setup({ alwaysEjectOneHost: true }, 2);
    s.status(0, 500, 5);
    s.status(1, 500, 5);
    expect(s.hosts.map(ejected)).toEqual([true, false]);
    expect(s.stat('ejections_overflow')).toBe(1);
  });

  it('a detection that loses the enforcement draw is logged with enforced: false and changes nothing', () => {
    const s = setup({ maxEjectionPercent: 100, enforcingConsecutive5xx: 50 }, 1, [0.6, 0.3]);
    s.status(0, 500, 5); // 60 >= 50: not enforced
    expect(ejected(s.hosts[0])).toBe(false);
    expect(s.lines[0]).toMatchObject({ type: 'CONSECUTIVE_5XX', action: 'EJECT', enforced: false, num_ejections: 0 });
    expect(s.stat('ejections_total')).toBe(1);
    expect(s.stat('ejections_enforced_total')).toBe(0);
    s.status(0, 500, 5); // 30 < 50
    expect(ejected(s.hosts[0])).toBe(true);
  });
});

describe('OutlierDetector: gateway failures and local-origin errors (§5.2)', () => {
  it('consecutive gateway failures are detected but not enforced by default; 5xx then ejects', () => {
    const s = setup({ maxEjectionPercent: 100 });
    s.status(0, 503, 5);
    expect(s.lines.map((l) => [l.type, l.enforced])).toEqual([
      ['CONSECUTIVE_GATEWAY_FAILURE', false],
      ['CONSECUTIVE_5XX', true],
    ]);
    expect(s.stat('ejections_detected_consecutive_gateway_failure')).toBe(1);
    expect(s.stat('ejections_enforced_consecutive_gateway_failure')).toBe(0);
  });

  it('a 500 resets the gateway count but not the 5xx count', () => {
    const s = setup({ maxEjectionPercent: 100, consecutive5xx: 100, consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100 });
    s.status(0, 502, 2);
    s.status(0, 500);
    s.status(0, 504, 2);
    expect(ejected(s.hosts[0])).toBe(false);
    s.status(0, 503);
    expect(s.lines[0]).toMatchObject({ type: 'CONSECUTIVE_GATEWAY_FAILURE', enforced: true });
    expect(s.stat('ejections_enforced_consecutive_gateway_failure')).toBe(1);
  });

  it('without split, connect failures count as 503 and timeouts as 504', () => {
    const s = setup({ maxEjectionPercent: 100, enforcingConsecutiveGatewayFailure: 100 });
    s.send(0, { type: 'connect-failure' }, 3);
    s.send(0, { type: 'connect-success' }, 5);
    s.send(0, { type: 'timeout' }, 2);
    expect(s.lines[0]).toMatchObject({ type: 'CONSECUTIVE_GATEWAY_FAILURE', enforced: true });
  });

  it('with split, local-origin failures have their own detector and leave the 5xx counts alone', () => {
    const s = setup({ maxEjectionPercent: 100, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 3 });
    s.status(0, 500, 4);
    s.send(0, { type: 'connect-failure' }, 2);
    s.send(0, { type: 'connect-success' });
    s.send(0, { type: 'timeout' }, 2);
    expect(ejected(s.hosts[0])).toBe(false);
    s.send(0, { type: 'connect-failure' });
    expect(s.lines[0]).toMatchObject({ type: 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE', enforced: true, eject_consecutive_event: {} });
    expect(s.stat('ejections_enforced_consecutive_local_origin_failure')).toBe(1);
  });
});

describe('OutlierDetector: success rate and failure percentage (§5.6)', () => {
  it('Envoy’s worked example: {100,100,100,100,50} → mean 90, threshold 52, the 50 % host is ejected', () => {
    const s = setup({ maxEjectionPercent: 100, consecutive5xx: 1000 }, 5);
    for (let i = 0; i < 4; i++) s.status(i, 200, 100);
    for (let k = 0; k < 100; k++) s.status(4, k % 2 === 0 ? 500 : 200);
    s.clock.advance(9_999);
    expect(s.hosts.some(ejected)).toBe(false);
    s.clock.advance(1); // the sweep reads what the interval collected
    expect(s.hosts.map(ejected)).toEqual([false, false, false, false, true]);
    expect(s.lines[0]).toEqual({
      type: 'SUCCESS_RATE',
      cluster_name: 'fake_cluster',
      upstream_url: '10.0.0.5:443',
      action: 'EJECT',
      num_ejections: 1,
      enforced: true,
      eject_success_rate_event: { host_success_rate: 50, cluster_average_success_rate: 90, cluster_success_rate_ejection_threshold: 52 },
      timestamp: '2018-12-18T09:00:10Z',
    });
    expect(s.od.summary()).toEqual({
      successRateAverage: 90,
      successRateEjectionThreshold: 52,
      localOriginSuccessRateAverage: -1,
      localOriginSuccessRateEjectionThreshold: -1,
    });
    expect(s.hosts.map((h) => h.successRate)).toEqual([100, 100, 100, 100, 50]);
    expect(s.stat('ejections_detected_success_rate')).toBe(1);
    expect(s.stat('ejections_success_rate')).toBe(1);
    expect(s.stat('ejections_enforced_success_rate')).toBe(1);
  });

  it('needs success_rate_minimum_hosts hosts with success_rate_request_volume requests', () => {
    const s = setup({ maxEjectionPercent: 100, consecutive5xx: 1000 }, 5);
    for (let i = 0; i < 4; i++) s.status(i, 200, 100);
    for (let k = 0; k < 99; k++) s.status(4, k % 2 === 0 ? 500 : 200); // 99 requests: below the volume
    s.clock.advance(10_000);
    expect(s.hosts.some(ejected)).toBe(false);
    expect(s.od.summary().successRateAverage).toBe(-1);
    // Displayed anyway: 99 >= min(success_rate_request_volume, failure_percentage_request_volume) = 50.
    expect(s.hosts[4]?.successRate).toBe((100 * 49) / 99);
  });

  it('failure percentage ejects hosts whose failure % ≥ threshold when enforced', () => {
    const s = setup({ maxEjectionPercent: 100, consecutive5xx: 1000, enforcingSuccessRate: 0, enforcingFailurePercentage: 100 }, 5);
    for (let i = 0; i < 4; i++) s.status(i, 200, 50);
    for (let k = 0; k < 50; k++) s.status(4, k % 10 === 0 ? 200 : 500); // 10 % success, 90 % failure
    s.clock.advance(10_000);
    expect(s.hosts.map(ejected)).toEqual([false, false, false, false, true]);
    expect(s.lines[0]).toEqual(
      expect.objectContaining({ type: 'FAILURE_PERCENTAGE', enforced: true, eject_failure_percentage_event: { host_success_rate: 10 } }),
    );
    expect(s.stat('ejections_detected_failure_percentage')).toBe(1);
    expect(s.stat('ejections_enforced_failure_percentage')).toBe(1);
  });

  it('failure percentage is detected but not enforced by default', () => {
    const s = setup({ maxEjectionPercent: 100, consecutive5xx: 1000 }, 5);
    for (let i = 0; i < 4; i++) s.status(i, 200, 50);
    s.status(4, 500, 50); // 50 requests: enough for failure percentage, not for success rate (100)
    s.clock.advance(10_000);
    expect(s.hosts.some(ejected)).toBe(false);
    expect(s.lines.map((l) => [l.type, l.enforced, l.num_ejections])).toEqual([['FAILURE_PERCENTAGE', false, 0]]);
    expect(s.stat('ejections_detected_failure_percentage')).toBe(1);
    expect(s.stat('ejections_enforced_failure_percentage')).toBe(0);
  });

  it('local-origin success rate uses connect results in split mode', () => {
    const s = setup({ maxEjectionPercent: 100, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 1000 }, 5);
    for (let i = 0; i < 4; i++) s.send(i, { type: 'connect-success' }, 100);
    for (let k = 0; k < 100; k++) s.send(4, k % 2 ? { type: 'connect-success' } : { type: 'connect-failure' });
    s.clock.advance(10_000);
    expect(s.lines[0]).toMatchObject({ type: 'SUCCESS_RATE_LOCAL_ORIGIN', enforced: true });
    expect(s.od.summary()).toMatchObject({ localOriginSuccessRateAverage: 90, localOriginSuccessRateEjectionThreshold: 52, successRateAverage: -1 });
    expect(s.hosts[4]?.localOriginSuccessRate).toBe(50); // rated in the sweep that ejected it
    expect(s.hosts[0]?.localOriginSuccessRate).toBe(100);
  });
});

describe('OutlierDetector: active HC and membership (§5.7, §5.8)', () => {
  it('a successful active check un-ejects at once when successful_active_health_check_uneject_host', () => {
    const s = setup({ maxEjectionPercent: 100 });
    const h = s.hosts[0] as HostHealth;
    s.status(0, 500, 5);
    s.clock.advance(2_000);
    s.od.onActiveCheck(h, 'Unhealthy');
    expect(ejected(h)).toBe(true);
    s.od.onActiveCheck(h, 'Healthy');
    expect(ejected(h)).toBe(false);
    expect(s.lines.at(-1)).toMatchObject({ action: 'UNEJECT', type: 'CONSECUTIVE_5XX', secs_since_last_action: '2' });
    expect(s.stat('ejections_active')).toBe(0);
  });

  it('does not un-eject while the host is still failing active HC, nor when disabled', () => {
    const a = setup({ maxEjectionPercent: 100 });
    const h = a.hosts[0] as HostHealth;
    a.status(0, 500, 5);
    h.set(HostFlag.FAILED_ACTIVE_HC);
    a.od.onActiveCheck(h, 'Healthy');
    expect(ejected(h)).toBe(true);
    const b = setup({ maxEjectionPercent: 100, successfulActiveHealthCheckUnejectHost: false });
    b.status(0, 500, 5);
    b.od.onActiveCheck(b.hosts[0] as HostHealth, 'Healthy');
    expect(ejected(b.hosts[0])).toBe(true);
  });

  it('removing an ejected host lowers ejections_active; stop() clears the sweep', () => {
    const s = setup({ maxEjectionPercent: 100 }, 2);
    s.status(0, 500, 5);
    s.od.removeHost(s.hosts[0]?.key ?? '');
    expect(s.stat('ejections_active')).toBe(0);
    s.od.stop();
    expect(s.clock.pendingCount).toBe(0);
  });
});
