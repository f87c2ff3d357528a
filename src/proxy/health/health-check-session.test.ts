import { checkerSetup as setup, ev, H, T0 } from '../../../test/fakes/checker-harness';
import { FakeProber, http, refused, silent } from '../../../test/fakes/fake-prober';

describe('ActiveHealthChecker: timeouts (§3.3 ACTIVE_HC_TIMEOUT)', () => {
  it('a timeout is a NETWORK_TIMEOUT that sets /active_hc_timeout only once the host is failed', () => {
    const s = setup({ unhealthyThreshold: 2, timeoutMs: 1000 }, { flags: 0 });
    s.prober.respondWith(H, silent);
    s.clock.advance(1000);
    expect(s.host.flagsString).toBe('healthy');
    expect(ev(s.lines[0])).toEqual({ health_check_failure_event: { failure_type: 'NETWORK_TIMEOUT', first_check: true } });
    s.clock.advance(10_000);
    expect(s.prober.attempts(H)).toEqual([T0, T0 + 11_000]);
    s.clock.advance(1000);
    expect(s.host.flagsString).toBe('/failed_active_hc/active_hc_timeout');
    expect(ev(s.lines[1])).toEqual({ eject_unhealthy_event: { failure_type: 'NETWORK_TIMEOUT' } });
    expect(s.stat('network_failure')).toBe(2);
  });

  it('a later non-timeout failure clears it; pending successes keep it; the flip clears it', () => {
    const s = setup({ unhealthyThreshold: 1, healthyThreshold: 2 }, { flags: 0 });
    s.prober.respondWith(H, silent);
    s.clock.advance(1000);
    expect(s.host.flagsString).toBe('/failed_active_hc/active_hc_timeout');
    s.prober.respondWith(H, refused);
    s.clock.advance(10_000);
    expect(s.host.flagsString).toBe('/failed_active_hc');
    s.prober.respondWith(H, silent);
    s.clock.advance(10_000 + 1000);
    expect(s.host.flagsString).toBe('/failed_active_hc/active_hc_timeout');
    s.prober.respondWith(H, http(200));
    s.clock.advance(10_000);
    expect(s.host.flagsString).toBe('/failed_active_hc/active_hc_timeout');
    s.clock.advance(10_000);
    expect(s.host.flagsString).toBe('healthy');
  });
});

describe('ActiveHealthChecker: intervals (§3.4)', () => {
  const intervals = {
    intervalMs: 10_000,
    unhealthyIntervalMs: 20_000,
    unhealthyEdgeIntervalMs: 3_000,
    healthyEdgeIntervalMs: 4_000,
    noTrafficIntervalMs: 50_000,
    noTrafficHealthyIntervalMs: 70_000,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  };

  it('with traffic: edge intervals while a transition is pending, interval/unhealthy_interval otherwise', () => {
    const s = setup(intervals, { flags: 0, traffic: true });
    const gaps: number[] = [];
    let last = T0;
    const step = (r: Parameters<FakeProber['answer']>[1]): void => {
      s.prober.answer(H, r);
      const before = s.prober.attempts(H).length;
      while (s.prober.attempts(H).length === before) s.clock.advance(1000);
      const at = s.prober.attempts(H).at(-1) ?? 0;
      gaps.push(at - last);
      last = at;
    };
    step(http(200)); // healthy, unchanged -> interval
    step(refused); // pending -> unhealthy_edge_interval
    step(refused); // flips -> unhealthy_interval
    step(refused); // still unhealthy -> unhealthy_interval
    step(http(200)); // pending -> healthy_edge_interval
    step(http(200)); // flips -> interval
    expect(gaps).toEqual([10_000, 3_000, 20_000, 20_000, 4_000, 10_000]);
  });

  it('without traffic: no_traffic_healthy_interval for healthy results, no_traffic_interval otherwise', () => {
    const s = setup(intervals, { flags: 0, traffic: false });
    s.prober.answer(H, http(200));
    s.clock.advance(70_000);
    expect(s.prober.attempts(H)).toEqual([T0, T0 + 70_000]);
    s.prober.answer(H, refused);
    s.clock.advance(50_000);
    expect(s.prober.attempts(H).at(-1)).toBe(T0 + 120_000);
    s.checker.markTraffic();
    s.prober.answer(H, refused);
    s.clock.advance(20_000);
    expect(s.prober.attempts(H).at(-1)).toBe(T0 + 140_000);
  });

  it('no_traffic_interval defaults to 60 s', () => {
    const s = setup({}, { traffic: false });
    s.prober.answer(H, http(200));
    s.clock.advance(59_999);
    expect(s.prober.attempts(H)).toHaveLength(1);
    s.clock.advance(1);
    expect(s.prober.attempts(H)).toHaveLength(2);
  });

  it('the next probe starts an interval after the previous one completed, not at a fixed rate', () => {
    const s = setup({}, { latency: 700 });
    s.clock.advance(700);
    s.prober.answer(H, http(200));
    s.prober.respondWith(H, http(200));
    s.clock.advance(10_000 + 700 + 10_000);
    expect(s.prober.attempts(H)).toEqual([T0, T0 + 10_700, T0 + 21_400]);
  });

  it('interval_jitter_percent and interval_jitter add random % each', () => {
    // percent: 10 % of 10 000 = 1000 -> 0.5 * 1000 = 500; jitter 300 -> 0.5 * 300 = 150.
    const s = setup({ intervalJitterPercent: 10, intervalJitterMs: 300 }, { random: [0.5] });
    s.prober.answer(H, http(200));
    s.clock.advance(10_649);
    expect(s.prober.attempts(H)).toHaveLength(1);
    s.clock.advance(1);
    expect(s.prober.attempts(H)).toHaveLength(2);
  });
});

