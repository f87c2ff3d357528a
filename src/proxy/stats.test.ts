import { Stats } from './stats';

describe('Stats handles', () => {
  it('a counter handle adds to the named counter, which appears on first use only', () => {
    const s = new Stats();
    const c = s.counter('cluster.web.upstream_rq_total');
    expect(s.all()).toEqual([]);
    c.inc();
    c.inc(2);
    s.inc('cluster.web.upstream_rq_total');
    expect(s.get('cluster.web.upstream_rq_total')).toBe(4);
    expect(s.all()).toEqual([{ name: 'cluster.web.upstream_rq_total', kind: 'counter', value: 4 }]);
  });

  it('a gauge handle sets and adds, never below zero', () => {
    const s = new Stats();
    const g = s.gauge('cluster.web.upstream_rq_active');
    g.add(2);
    g.add(-5);
    expect(s.get('cluster.web.upstream_rq_active')).toBe(0);
    g.set(7);
    s.add('cluster.web.upstream_rq_active', 1);
    expect(s.all()).toEqual([{ name: 'cluster.web.upstream_rq_active', kind: 'gauge', value: 8 }]);
  });

  it('handles start again from zero after removePrefix drops their stat', () => {
    const s = new Stats();
    const c = s.counter('cluster.web.upstream_rq_total');
    c.inc(5);
    s.removePrefix('cluster.web.');
    expect(s.all()).toEqual([]);
    c.inc();
    expect(s.get('cluster.web.upstream_rq_total')).toBe(1);
  });

  it('handle methods work detached, and two handles on one name share the stat', () => {
    const s = new Stats();
    const { inc } = s.counter('x.total');
    const { add, set } = s.gauge('x.active');
    inc();
    s.counter('x.total').inc(2);
    set(3);
    add(-1);
    expect(s.get('x.total')).toBe(3);
    expect(s.get('x.active')).toBe(2);
  });
});
