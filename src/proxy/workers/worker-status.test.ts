import { zeroTraffic, type HostTraffic } from '../upstream-pool';
import { mergeStats, retiredPart, sumTraffic } from './worker-status';

const traffic = (t: Partial<HostTraffic>): HostTraffic => ({ ...zeroTraffic(), ...t });

describe('mergeStats', () => {
  it('adds the primary and every worker up by name, sorted', () => {
    const merged = mergeStats(
      [{ name: 'cluster.a.membership_total', kind: 'gauge', value: 3 }],
      [
        { stats: [['cluster.a.upstream_rq_total', 'counter', 4], ['cluster.a.upstream_cx_active', 'gauge', 2]], traffic: {} },
        { stats: [['cluster.a.upstream_rq_total', 'counter', 5], ['cluster.a.upstream_cx_active', 'gauge', 1]], traffic: {} },
      ],
    );
    expect(merged).toEqual([
      { name: 'cluster.a.membership_total', kind: 'gauge', value: 3 },
      { name: 'cluster.a.upstream_cx_active', kind: 'gauge', value: 3 },
      { name: 'cluster.a.upstream_rq_total', kind: 'counter', value: 9 },
    ]);
  });
});

describe('sumTraffic and retiredPart', () => {
  const w1 = { stats: [['x', 'counter', 2], ['g', 'gauge', 7]] as const, traffic: { a: { h: traffic({ rq_total: 2, rq_active: 1, cx_total: 1, cx_active: 1 }) } } };
  const w2 = { stats: [['x', 'counter', 3]] as const, traffic: { a: { h: traffic({ rq_total: 3, rq_error: 1 }) }, b: { k: traffic({ rq_total: 1 }) } } };

  it('sums one host over every worker; an unknown host is all zeros', () => {
    expect(sumTraffic([w1, w2], 'a', 'h')).toEqual(traffic({ rq_total: 5, rq_active: 1, rq_error: 1, cx_total: 1, cx_active: 1 }));
    expect(sumTraffic([w1, w2], 'a', 'nope')).toEqual(traffic({}));
  });

  it('keeps the counters of dead workers and drops their gauges', () => {
    const retired = retiredPart([w1, w2]);
    expect(retired.stats).toEqual([['x', 'counter', 5]]);
    expect(retired.traffic).toEqual({ a: { h: traffic({ rq_total: 5, rq_error: 1, cx_total: 1 }) }, b: { k: traffic({ rq_total: 1 }) } });
  });
});
