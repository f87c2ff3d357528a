import { COUNTER_MAX, KongTarget } from './kong-target';

describe('KongTarget (lua-resty-healthcheck counters, resources.md §2.4)', () => {
  it('starts healthy with zeroed counters', () => {
    const t = new KongTarget();
    expect(t.state).toBe('healthy');
    expect(t.counters).toEqual({ success: 0, http: 0, tcp: 0, timeout: 0 });
    expect(t.routable).toBe(true);
  });

  it('rule 1: a report whose limit is 0 is ignored entirely, without increment or reset', () => {
    const t = new KongTarget();
    t.report('http', 3, 'passive');
    expect(t.report('success', 0, 'passive')).toBeUndefined();
    expect(t.report('tcp', 0, 'passive')).toBeUndefined();
    expect(t.counters).toEqual({ success: 0, http: 1, tcp: 0, timeout: 0 });
    expect(t.state).toBe('mostly_healthy');
  });

  it('rule 2: a success while fully healthy and a failure while fully unhealthy are ignored', () => {
    const t = new KongTarget();
    expect(t.report('success', 1, 'active')).toBeUndefined();
    expect(t.counters.success).toBe(0);
    t.report('http', 1, 'passive');
    expect(t.state).toBe('unhealthy');
    expect(t.report('http', 1, 'passive')).toBeUndefined();
    expect(t.report('timeout', 5, 'passive')).toBeUndefined();
    expect(t.counters).toEqual({ success: 0, http: 1, tcp: 0, timeout: 0 });
  });

  it('rule 3: a success clears all failure counters; a failure clears only the success counter', () => {
    const t = new KongTarget();
    t.report('http', 9, 'passive');
    t.report('tcp', 9, 'passive');
    t.report('timeout', 9, 'passive');
    expect(t.counters).toEqual({ success: 0, http: 1, tcp: 1, timeout: 1 });
    t.report('success', 9, 'passive');
    expect(t.counters).toEqual({ success: 1, http: 0, tcp: 0, timeout: 0 });
    t.report('success', 9, 'passive');
    t.report('tcp', 9, 'passive');
    expect(t.counters).toEqual({ success: 0, http: 0, tcp: 1, timeout: 0 });
    t.report('http', 9, 'passive');
    expect(t.counters).toEqual({ success: 0, http: 1, tcp: 1, timeout: 0 });
  });

  it('rule 4: reaching the limit switches to the full state of the report direction', () => {
    const t = new KongTarget();
    expect(t.report('tcp', 2, 'passive')?.transition).toEqual({ from: 'healthy', to: 'mostly_healthy' });
    expect(t.report('tcp', 2, 'passive')?.transition).toEqual({ from: 'mostly_healthy', to: 'unhealthy' });
    expect(t.cause).toBe('passive');
    t.report('success', 2, 'active');
    expect(t.state).toBe('mostly_unhealthy');
    expect(t.report('success', 2, 'active')?.transition).toEqual({ from: 'mostly_unhealthy', to: 'healthy' });
  });

  it('rule 4: counters of different kinds do not add up toward one limit', () => {
    const t = new KongTarget();
    t.report('http', 2, 'passive');
    t.report('tcp', 2, 'passive');
    t.report('timeout', 2, 'passive');
    expect(t.state).toBe('mostly_healthy');
    t.report('timeout', 2, 'passive');
    expect(t.state).toBe('unhealthy');
  });

  it('rule 5: the mostly_* states only change when a threshold is reached', () => {
    const t = new KongTarget();
    t.report('http', 3, 'passive');
    expect(t.state).toBe('mostly_healthy');
    // A success below its limit clears the failures but does not go back to healthy.
    expect(t.report('success', 3, 'passive')?.transition).toBeUndefined();
    expect(t.state).toBe('mostly_healthy');
    t.report('http', 1, 'active');
    expect(t.state).toBe('unhealthy');
    t.report('success', 3, 'active');
    expect(t.state).toBe('mostly_unhealthy');
    // A failure below its limit does not go back to unhealthy either.
    t.report('http', 5, 'passive');
    expect(t.state).toBe('mostly_unhealthy');
    expect(t.routable).toBe(false);
  });

  it('rule 6: a state change does not reset counters; an opposite report or a manual set does', () => {
    const t = new KongTarget();
    t.report('http', 2, 'passive');
    t.report('http', 2, 'passive');
    expect(t.state).toBe('unhealthy');
    expect(t.counters.http).toBe(2);
    t.set(true);
    expect(t.state).toBe('healthy');
    expect(t.counters).toEqual({ success: 0, http: 0, tcp: 0, timeout: 0 });
    t.report('timeout', 5, 'passive');
    t.set(false);
    expect(t.state).toBe('unhealthy');
    expect(t.cause).toBe('admin');
    expect(t.counters).toEqual({ success: 0, http: 0, tcp: 0, timeout: 0 });
  });

  it('counters saturate at 255', () => {
    const t = new KongTarget();
    for (let i = 0; i < 300; i++) t.report('success', 300, 'passive');
    // Successes while fully healthy are ignored: go through mostly_healthy first.
    t.report('http', 300, 'passive');
    for (let i = 0; i < 300; i++) t.report('success', 300, 'passive');
    expect(t.counters.success).toBe(COUNTER_MAX);
    expect(t.state).toBe('mostly_healthy');
  });

  it('records what made it unhealthy last', () => {
    const t = new KongTarget();
    t.report('http', 1, 'passive');
    expect(t.cause).toBe('passive');
    t.report('success', 2, 'active');
    t.report('http', 1, 'active');
    expect(t.cause).toBe('active');
    t.report('success', 1, 'active');
    expect(t.cause).toBeUndefined();
  });
});
