/**
 * A one-host ActiveHealthChecker on fake time with a FakeProber, captured HC event lines and
 * host-check-complete callbacks: the fixture of the active-checker and session tests.
 */
import type * as ir from '../../src/ir/types';
import { ActiveHealthChecker } from '../../src/proxy/health/active-checker';
import { HostFlag } from '../../src/proxy/health/cluster-health';
import {
  resolveHealthCheck,
  type HealthCheckExtras,
  type ProbeOutcome,
  type Transition,
} from '../../src/proxy/health/health-check-config';
import { HostHealth } from '../../src/proxy/health/host-health';
import { Stats } from '../../src/proxy/stats';
import { FakeClock, FakeRandom } from './fake-clock';
import { FakeProber } from './fake-prober';

export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
export const H = '10.0.0.1:80';

export interface Setup {
  clock: FakeClock;
  prober: FakeProber;
  stats: Stats;
  lines: Record<string, unknown>[];
  completes: { key: string; transition: Transition; outcome: ProbeOutcome }[];
  checker: ActiveHealthChecker;
  host: HostHealth;
  stat(name: string): number;
}

export function checkerSetup(
  hc: Partial<ir.ActiveHealthCheck> & HealthCheckExtras = {},
  opts: { flags?: number; random?: number[]; traffic?: boolean; latency?: number } = {},
): Setup {
  const clock = new FakeClock(T0);
  const prober = new FakeProber(clock, opts.latency ?? 0);
  const stats = new Stats();
  const lines: Record<string, unknown>[] = [];
  const completes: Setup['completes'] = [];
  const config = resolveHealthCheck({
    timeoutMs: 1000,
    intervalMs: 10_000,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    probe: { type: 'http', path: '/health' },
    ...hc,
  });
  const checker = new ActiveHealthChecker({
    cluster: 'c1',
    config,
    clock,
    random: new FakeRandom(opts.random ?? [0]),
    prober,
    stats,
    events: { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    onComplete: (h, transition, outcome) => completes.push({ key: h.key, transition, outcome }),
    hadTraffic: opts.traffic ?? true,
  });
  const host = new HostHealth({ address: '10.0.0.1', port: 80, weight: 1, hostname: '' }, opts.flags ?? HostFlag.FAILED_ACTIVE_HC);
  checker.addHost(host, { address: '10.0.0.1', port: 80, authority: 'c1' });
  const stat = (n: string): number => stats.get(`cluster.c1.health_check.${n}`);
  return { clock, prober, stats, lines, completes, checker, host, stat };
}

/** The event key and body of an HC event line (host/cluster/timestamp checked separately). */
export function ev(line: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!line) return {};
  const { health_checker_type: _t, host: _h, cluster_name: _c, timestamp: _ts, locality: _l, ...rest } = line;
  return rest;
}

