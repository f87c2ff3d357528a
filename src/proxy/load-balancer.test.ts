import { FakeRandom } from '../../test/fakes/fake-clock';
import { aHost } from '../../test/fakes/fake-cluster-health';
import { HostFlag, type HostState } from './health/cluster-health';
import { chooseEnvoySource, chooseKongSource, LoadBalancer, type LbPolicy } from './load-balancer';

const { FAILED_ACTIVE_HC: HC, FAILED_OUTLIER_CHECK: OD, DEGRADED_ACTIVE_HC: DEG, PENDING_ACTIVE_HC: PENDING, EDS_STATUS_DRAINING: DRAIN, PENDING_DYNAMIC_REMOVAL: PDR } = HostFlag;

/** Hosts named a, b, c, ... with the given flags. */
function hosts(...flags: number[]): HostState[] {
  return flags.map((f, i) => aHost(String.fromCharCode(97 + i), { flags: f }));
}

function names(list: readonly HostState[] | undefined): string[] {
  return (list ?? []).map((h) => h.address);
}

function lb(policy: LbPolicy = 'round-robin', random = new FakeRandom([0]), active: Record<string, number> = {}, panic = 50): LoadBalancer {
  return new LoadBalancer({ policy, health: { type: 'envoy', panicThresholdPercent: panic }, random, activeRequests: (k) => active[k] ?? 0 });
}

function pickMany(balancer: LoadBalancer, list: readonly HostState[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = balancer.pick(list);
    out.push(p.host ? p.host.address : 'none');
  }
  return out;
}

describe('chooseEnvoySource: panic threshold (spec §6.1)', () => {
  const random = new FakeRandom([0]);

  it.each<[string, number[], number, string[], boolean]>([
    ['1 of 2 healthy = 50 % → not panic, only the healthy host', [0, HC], 50, ['a'], false],
    ['1 of 3 healthy = 33 % → panic, all 3', [0, HC, OD], 50, ['a', 'b', 'c'], true],
    ['0 of 3 healthy → panic, all 3', [HC, HC, OD], 50, ['a', 'b', 'c'], true],
    ['all healthy → not panic', [0, 0, 0], 50, ['a', 'b', 'c'], false],
    ['threshold 0 disables panic: only the healthy host', [0, HC, HC], 0, ['a'], false],
    ['threshold 0 with none healthy: nothing', [HC, HC], 0, [], false],
    ['threshold 100: 2 of 3 healthy (availability 93) → panic', [0, 0, HC], 100, ['a', 'b', 'c'], true],
    ['threshold 100: 3 of 4 healthy (availability 100 by 1.4) → not panic', [0, 0, 0, HC], 100, ['a', 'b', 'c'], false],
    ['excluded hosts leave the denominator: 1 healthy of 2 counted', [0, HC, PENDING], 50, ['a'], false],
    ['panic includes excluded hosts', [0, HC, HC, DRAIN], 50, ['a', 'b', 'c', 'd'], true],
    ['all excluded → panic over all', [PENDING, PENDING], 50, ['a', 'b'], true],
    ['pending dynamic removal alone is healthy', [PDR, HC], 50, ['a'], false],
    ['degraded hosts count toward the threshold (1 healthy + 1 degraded of 3 = 67 % ≥ 60)', [0, DEG, HC], 60, ['a'], false],
    ['1 healthy + 1 degraded of 3 = 67 % < 70 → panic', [0, DEG, HC], 70, ['a', 'b', 'c'], true],
    ['ejected and HC-failed together are one unhealthy host', [0, HC | OD], 50, ['a'], false],
  ])('%s', (_name, flags, threshold, expected, panic) => {
    const source = chooseEnvoySource(hosts(...flags), threshold, random);
    expect(names(source?.hosts)).toEqual(expected);
    if (expected.length > 0) expect(source?.panic).toBe(panic);
    else expect(source).toBeUndefined();
  });

  it('no hosts at all → nothing to pick, even in panic', () => {
    expect(chooseEnvoySource([], 50, random)).toBeUndefined();
  });
});

describe('chooseEnvoySource: degraded load (spec §6.2)', () => {
  it('1 healthy + 3 degraded → 35 % healthy / 65 % degraded', () => {
    const list = hosts(0, DEG, DEG, DEG);
    expect(chooseEnvoySource(list, 50, new FakeRandom([0.34]))?.kind).toBe('healthy');
    expect(chooseEnvoySource(list, 50, new FakeRandom([0.35]))?.kind).toBe('degraded');
  });

  it('with ≥ 71.4 % healthy, degraded hosts get nothing', () => {
    const list = hosts(0, 0, 0, DEG);
    expect(chooseEnvoySource(list, 50, new FakeRandom([0.99]))?.kind).toBe('healthy');
  });

  it('normalizes by total availability: 1 healthy + 1 degraded + 2 unhealthy → 50/50', () => {
    const list = hosts(0, DEG, HC, HC);
    expect(chooseEnvoySource(list, 50, new FakeRandom([0.49]))?.kind).toBe('healthy');
    expect(chooseEnvoySource(list, 50, new FakeRandom([0.5]))?.kind).toBe('degraded');
  });

  it('only degraded hosts → the degraded list', () => {
    expect(names(chooseEnvoySource(hosts(DEG, DEG), 50, new FakeRandom([0]))?.hosts)).toEqual(['a', 'b']);
  });
});

describe('chooseKongSource', () => {
  it.each<[string, number[], number, string[]]>([
    ['threshold 0: any healthy target is enough', [HC, 0, HC], 0, ['b']],
    ['threshold 0: none healthy → unhealthy balancer', [HC, HC], 0, []],
    ['available must be strictly above threshold (50 % of weight, threshold 50)', [0, HC], 50, []],
    ['above threshold', [0, 0, HC], 50, ['a', 'b']],
  ])('%s', (_name, flags, threshold, expected) => {
    expect(names(chooseKongSource(hosts(...flags), threshold)?.hosts)).toEqual(expected);
  });
});

describe('LoadBalancer: lists cached by array identity', () => {
  it('follows a new host list at once, and keeps its place on the same one', () => {
    const b = lb();
    const all = hosts(0, 0, 0);
    expect(pickMany(b, all, 2)).toEqual(['a', 'b']);
    // The engine hands out a new array when a flag changes: b is now unhealthy.
    const bDown = hosts(0, HC, 0);
    expect(pickMany(b, bDown, 4)).toEqual(['a', 'c', 'a', 'c']);
    expect(pickMany(b, all, 3)).toEqual(['a', 'b', 'c']);
  });
});

describe('LoadBalancer policies', () => {
  it('round robin cycles through healthy hosts in order', () => {
    expect(pickMany(lb(), hosts(0, 0, 0), 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('round robin skips an unhealthy host (not in panic)', () => {
    expect(pickMany(lb(), hosts(0, HC, 0), 4)).toEqual(['a', 'c', 'a', 'c']);
  });

  it('round robin in panic cycles over every host and says so', () => {
    const b = lb();
    const list = hosts(0, HC, HC);
    expect(b.pick(list)).toMatchObject({ panic: true });
    expect(pickMany(b, list, 3)).toEqual(['b', 'c', 'a']);
  });

  it('weighted round robin follows the weights (EDF)', () => {
    const list = [aHost('a', { weight: 3 }), aHost('b', { weight: 1 })];
    const picks = pickMany(lb(), list, 8);
    expect(picks.filter((p) => p === 'a')).toHaveLength(6);
    expect(picks.filter((p) => p === 'b')).toHaveLength(2);
  });

  it('nothing pickable → no-healthy-upstream', () => {
    expect(lb('round-robin', new FakeRandom([0]), {}, 0).pick(hosts(HC))).toEqual({ host: undefined, reason: 'no-healthy-upstream' });
  });

  it('least request (P2C) takes the less busy of two random choices', () => {
    // Draws: seed, then choices index floor(r * 3): 0 → a, 0.5 → b.
    const random = new FakeRandom([0, 0, 0.5]);
    const busy = { 'a:80': 5, 'b:80': 1 };
    expect(lb('least-request', random, busy).pick(hosts(0, 0, 0)).host?.address).toBe('b');
  });

  it('least request, weighted: an idle host gets picked over a busy heavier one', () => {
    const list = [aHost('a', { weight: 2 }), aHost('b', { weight: 1 })];
    const picks = pickMany(lb('least-request', new FakeRandom([0]), { 'a:80': 9, 'b:80': 0 }), list, 4);
    expect(picks.filter((p) => p === 'b').length).toBeGreaterThan(picks.filter((p) => p === 'a').length);
  });

  it('random uses the injected Random over the chosen list', () => {
    const random = new FakeRandom([0, 0.9, 0.1, 0.5]);
    expect(pickMany(lb('random', random), hosts(0, 0, 0), 3)).toEqual(['c', 'a', 'b']);
  });

  it('kong mode: unhealthy balancer gives kong-balancer-unhealthy', () => {
    const b = new LoadBalancer({ policy: 'round-robin', health: { type: 'kong', thresholdPercent: 0 }, random: new FakeRandom([0]), activeRequests: () => 0 });
    expect(b.pick(hosts(HC, HC))).toEqual({ host: undefined, reason: 'kong-balancer-unhealthy' });
    expect(b.pick(hosts(HC, 0)).host?.address).toBe('b');
  });
});
