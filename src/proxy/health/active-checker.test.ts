import { checkerSetup as setup, ev, H, T0, type Setup } from '../../../test/fakes/checker-harness';
import { http, refused, reset } from '../../../test/fakes/fake-prober';
import type * as ir from '../../ir/types';
import { HostFlag } from './cluster-health';
import type { HealthCheckExtras } from './health-check-config';

describe('ActiveHealthChecker: start-up (§3.1, §3.2)', () => {
  it('probes a new host at once and the first success makes it healthy regardless of healthy_threshold', () => {
    const s = setup({ healthyThreshold: 5 });
    expect(s.prober.attempts(H)).toEqual([T0]);
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(s.stat('healthy')).toBe(0);
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('healthy');
    expect(s.lines).toEqual([
      {
        health_checker_type: 'HTTP',
        host: { socket_address: { protocol: 'TCP', address: '10.0.0.1', port_value: 80, resolver_name: '', ipv4_compat: false, network_namespace_filepath: '' } },
        cluster_name: 'c1',
        add_healthy_event: { first_check: true },
        timestamp: '2024-01-01T00:00:00Z',
        locality: { region: '', zone: '', sub_zone: '' },
      },
    ]);
    expect([s.stat('attempt'), s.stat('success'), s.stat('failure'), s.stat('healthy')]).toEqual([1, 1, 0, 1]);
    expect(s.completes).toEqual([{ key: H, transition: 'Changed', outcome: 'Healthy' }]);
  });

  it('a failed first probe loses the fast path: healthy_threshold successes are then needed', () => {
    const s = setup({ healthyThreshold: 3 });
    s.prober.answer(H, refused);
    expect(ev(s.lines[0])).toEqual({ health_check_failure_event: { failure_type: 'NETWORK', first_check: true } });
    expect(s.completes.at(-1)).toEqual({ key: H, transition: 'Unchanged', outcome: 'Unhealthy' });
    for (let i = 0; i < 2; i++) {
      s.clock.advance(10_000);
      s.prober.answer(H, http(200));
      expect(s.host.flagsString).toBe('/failed_active_hc');
      expect(s.completes.at(-1)?.transition).toBe('ChangePending');
    }
    s.clock.advance(10_000);
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('healthy');
    expect(ev(s.lines.at(-1))).toEqual({ add_healthy_event: { first_check: false } });
    expect(s.lines).toHaveLength(2);
    expect([s.stat('attempt'), s.stat('success'), s.stat('failure'), s.stat('network_failure')]).toEqual([4, 3, 1, 1]);
  });

  it('initial_jitter delays the first probe by random % initial_jitter', () => {
    const s = setup({ initialJitterMs: 1000 }, { random: [0.25] });
    expect(s.prober.attempts(H)).toEqual([]);
    s.clock.advance(249);
    expect(s.prober.attempts(H)).toEqual([]);
    s.clock.advance(1);
    expect(s.prober.attempts(H)).toEqual([T0 + 250]);
  });

  it('a failure clears PENDING_ACTIVE_HC and reports Changed', () => {
    const s = setup({}, { flags: HostFlag.FAILED_ACTIVE_HC | HostFlag.PENDING_ACTIVE_HC });
    expect(s.host.excluded).toBe(true);
    s.prober.answer(H, refused);
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(s.completes.at(-1)?.transition).toBe('Changed');
  });
});

describe('ActiveHealthChecker: thresholds and immediate failures (§3.3)', () => {
  function healthy(hc: Partial<ir.ActiveHealthCheck> & HealthCheckExtras = {}): Setup {
    const s = setup(hc, { flags: 0 });
    expect(s.stat('healthy')).toBe(1);
    return s;
  }

  it('network failures count toward unhealthy_threshold; a success resets the count', () => {
    const s = healthy({ unhealthyThreshold: 3 });
    s.prober.answer(H, refused);
    s.clock.advance(10_000);
    s.prober.answer(H, reset);
    expect(s.host.flagsString).toBe('healthy');
    s.clock.advance(10_000);
    s.prober.answer(H, http(200));
    for (let i = 0; i < 2; i++) {
      s.clock.advance(10_000);
      s.prober.answer(H, refused);
      expect(s.host.flagsString).toBe('healthy');
    }
    s.clock.advance(10_000);
    s.prober.answer(H, refused);
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(s.lines.map(ev)).toEqual([
      { health_check_failure_event: { failure_type: 'NETWORK', first_check: true } },
      { eject_unhealthy_event: { failure_type: 'NETWORK' } },
    ]);
    expect([s.stat('healthy'), s.stat('failure'), s.stat('network_failure')]).toEqual([0, 5, 5]);
  });

  it('HTTP 503 fails the host immediately whatever unhealthy_threshold is', () => {
    const s = healthy({ unhealthyThreshold: 10 });
    s.prober.answer(H, http(503));
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(s.lines.map(ev)).toEqual([
      { eject_unhealthy_event: { failure_type: 'ACTIVE' } },
      { health_check_failure_event: { failure_type: 'ACTIVE', first_check: true } },
    ]);
    expect(s.completes.at(-1)).toEqual({ key: H, transition: 'Changed', outcome: 'Unhealthy' });
  });

  it.each([404, 500, 302, 201])('any other non-expected status (%i) is an immediate failure too', (status) => {
    const s = healthy({ unhealthyThreshold: 10 });
    s.prober.answer(H, http(status));
    expect(s.host.flagsString).toBe('/failed_active_hc');
  });

  it('retriable_statuses count toward unhealthy_threshold; expected wins on overlap', () => {
    const s = healthy({
      unhealthyThreshold: 2,
      probe: {
        type: 'http',
        path: '/h',
        expectedStatuses: [{ start: 200, end: 300 }],
        retriableStatuses: [{ start: 250, end: 600 }],
      },
    });
    s.prober.answer(H, http(503));
    expect(s.host.flagsString).toBe('healthy');
    s.clock.advance(10_000);
    s.prober.answer(H, http(204));
    s.clock.advance(10_000);
    s.prober.answer(H, http(404));
    expect(s.host.flagsString).toBe('healthy');
    s.clock.advance(10_000);
    s.prober.answer(H, http(429));
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(ev(s.lines.at(0))).toEqual({ health_check_failure_event: { failure_type: 'ACTIVE', first_check: true } });
    expect(ev(s.lines.at(1))).toEqual({ eject_unhealthy_event: { failure_type: 'ACTIVE' } });
    expect(s.stat('network_failure')).toBe(0);
  });

  it('expected_statuses replace the 200 default', () => {
    const s = healthy({ probe: { type: 'http', path: '/h', expectedStatuses: [{ start: 204, end: 205 }] } });
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('/failed_active_hc');
  });

  it('a service-name mismatch is a non-retriable failure', () => {
    const s = healthy({ probe: { type: 'http', path: '/h', serviceNamePrefix: 'prod' } });
    s.prober.answer(H, http(200, { healthcheckedCluster: 'production' }));
    expect(s.host.flagsString).toBe('healthy');
    s.clock.advance(10_000);
    s.prober.answer(H, http(200, { healthcheckedCluster: 'staging' }));
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(s.stat('verify_cluster')).toBe(2);
  });

  it('x-envoy-immediate-health-check-fail on a failed response adds /excluded_via_immediate_hc_fail', () => {
    const s = healthy();
    s.prober.answer(H, http(200, { immediateFail: true }));
    expect(s.host.flagsString).toBe('healthy');
    s.clock.advance(10_000);
    s.prober.answer(H, http(503, { immediateFail: true }));
    expect(s.host.flagsString).toBe('/failed_active_hc/excluded_via_immediate_hc_fail');
    expect(s.host.excluded).toBe(true);
  });

  it('always_log_health_check_failures logs every failure; without it only the first one', () => {
    const quiet = healthy({ unhealthyThreshold: 1 });
    const loud = healthy({ unhealthyThreshold: 1, alwaysLogFailures: true });
    for (const s of [quiet, loud]) {
      s.prober.respondWith(H, refused);
      s.prober.answer(H, http(200));
      s.clock.advance(30_000);
    }
    const failures = (s: Setup): number => s.lines.filter((l) => 'health_check_failure_event' in l).length;
    expect(failures(quiet)).toBe(0);
    expect(failures(loud)).toBe(3);
    expect(ev(loud.lines[0])).toEqual({ eject_unhealthy_event: { failure_type: 'NETWORK' } });
    expect(loud.lines.slice(1).map(ev)).toEqual(
      Array(3).fill({ health_check_failure_event: { failure_type: 'NETWORK', first_check: false } }),
    );
  });

  it('always_log_health_check_success logs non-transition successes', () => {
    const s = setup({ alwaysLogSuccess: true, healthyThreshold: 2 });
    s.prober.answer(H, http(200));
    s.clock.advance(10_000);
    s.prober.answer(H, http(200));
    expect(s.lines.map(ev)).toEqual([{ add_healthy_event: { first_check: true } }, { successful_health_check_event: {} }]);
  });
});

describe('ActiveHealthChecker: degraded (§3.3, §3.5)', () => {
  it('x-envoy-degraded sets /degraded_active_hc; a failure keeps it; a plain success clears it', () => {
    const s = setup({ unhealthyThreshold: 1 });
    s.prober.answer(H, http(200, { degraded: true }));
    expect(s.host.flagsString).toBe('/degraded_active_hc');
    expect(s.host.coarse).toBe('degraded');
    expect(s.lines.map(ev)).toEqual([{ add_healthy_event: { first_check: true } }, { degraded_healthy_host: {} }]);
    expect(s.stat('degraded')).toBe(1);
    s.clock.advance(10_000);
    s.prober.answer(H, refused);
    expect(s.host.flagsString).toBe('/failed_active_hc/degraded_active_hc');
    s.clock.advance(10_000);
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('/failed_active_hc');
    expect(ev(s.lines.at(-1))).toEqual({ no_longer_degraded_host: {} });
    s.clock.advance(10_000);
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('healthy');
    expect(ev(s.lines.at(-1))).toEqual({ add_healthy_event: { first_check: false } });
  });

  it('a degraded change alone is reported as Changed', () => {
    const s = setup({}, { flags: 0 });
    s.prober.answer(H, http(200, { degraded: true }));
    expect(s.completes.at(-1)?.transition).toBe('Changed');
  });
});

describe('ActiveHealthChecker: passive signal (§3.6) and removal', () => {
  it('a passive failure fails the host at once, consumes the first check and leaves timers alone', () => {
    const s = setup({ healthyThreshold: 2, unhealthyThreshold: 5 }, { flags: 0 });
    s.checker.passiveFailure(H);
    expect(s.host.flagsString).toBe('/failed_active_hc/excluded_via_immediate_hc_fail');
    expect(s.lines.map(ev)).toEqual([
      { eject_unhealthy_event: { failure_type: 'PASSIVE' } },
      { health_check_failure_event: { failure_type: 'PASSIVE', first_check: true } },
    ]);
    expect([s.stat('failure'), s.stat('passive_failure'), s.stat('network_failure')]).toEqual([1, 1, 0]);
    expect(s.prober.inFlight(H)).toBe(1);
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('/failed_active_hc/excluded_via_immediate_hc_fail');
    s.clock.advance(10_000);
    s.prober.answer(H, http(200));
    expect(s.host.flagsString).toBe('healthy');
    expect(s.prober.attempts(H)).toEqual([T0, T0 + 10_000]);
  });

  it('removing a host stops its probes, releases the connection and adjusts the healthy gauge', () => {
    const s = setup({}, { flags: 0 });
    s.prober.answer(H, http(200));
    expect(s.stat('healthy')).toBe(1);
    s.checker.removeHost(H);
    expect(s.stat('healthy')).toBe(0);
    expect(s.prober.released).toEqual([H]);
    s.clock.advance(100_000);
    expect(s.prober.attempts(H)).toHaveLength(1);
    expect(s.clock.pendingCount).toBe(0);
  });

  it('removing a never-checked host runs the callbacks once as Unchanged', () => {
    const s = setup();
    s.checker.removeHost(H);
    expect(s.completes).toEqual([{ key: H, transition: 'Unchanged', outcome: 'Unhealthy' }]);
  });

  it('reports warm once every host completed one probe', () => {
    const s = setup();
    expect(s.checker.allHostsChecked()).toBe(false);
    s.prober.answer(H, refused);
    expect(s.checker.allHostsChecked()).toBe(true);
  });
});
