/**
 * ActiveHealthChecker: Envoy's active health checking for one cluster (spec §2–§3, §8.1, §9):
 * one HealthCheckSession per host, the cluster's traffic mode, health_check.* stats and the HC
 * event log. Receives hosts (HostHealth + probe target) and passive signals; emits flag changes
 * through HostHealth and host-check-complete callbacks. Never removes hosts or reads outlier state.
 */
import type { Clock, Random } from '../../clock';
import type { Stats } from '../stats';
import { healthCheckEventLine, type EventSink, type HcEventBody, type HealthCheckerType } from './event-log';
import type { HealthCheckConfig, ProbeOutcome, Transition } from './health-check-config';
import { HealthCheckSession, type SessionContext } from './health-check-session';
import type { HostHealth } from './host-health';
import type { Prober, ProbeTarget } from './prober';

export type HostCheckComplete = (host: HostHealth, transition: Transition, outcome: ProbeOutcome) => void;

export interface ActiveCheckerOptions {
  readonly cluster: string;
  readonly config: HealthCheckConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly prober: Prober;
  readonly stats: Stats;
  readonly events: EventSink;
  readonly onComplete: HostCheckComplete;
  /** Whether the cluster has carried proxied traffic before this checker existed (config change). */
  readonly hadTraffic?: boolean;
}

const CHECKER_TYPE: Record<HealthCheckConfig['probe']['type'], HealthCheckerType> = {
  http: 'HTTP',
  tcp: 'TCP',
  grpc: 'GRPC',
};

export class ActiveHealthChecker {
  private readonly sessions = new Map<string, HealthCheckSession>();
  private traffic: boolean;
  private readonly prefix: string;
  private readonly ctx: SessionContext;

  constructor(private readonly o: ActiveCheckerOptions) {
    this.traffic = o.hadTraffic ?? false;
    this.prefix = `cluster.${o.cluster}.health_check.`;
    for (const c of ['attempt', 'success', 'failure', 'network_failure', 'passive_failure', 'verify_cluster']) {
      o.stats.inc(this.prefix + c, 0);
    }
    o.stats.add(this.prefix + 'healthy', 0);
    o.stats.add(this.prefix + 'degraded', 0);
    this.ctx = this.sessionContext();
  }

  get config(): HealthCheckConfig {
    return this.o.config;
  }

  private sessionContext(): SessionContext {
    const o = this.o;
    const type = CHECKER_TYPE[o.config.probe.type];
    return {
      config: o.config,
      clock: o.clock,
      random: o.random,
      prober: o.prober,
      count: (stat) => o.stats.inc(this.prefix + stat),
      gauge: (stat, delta) => o.stats.add(this.prefix + stat, delta),
      log: (host: HostHealth, body: HcEventBody) =>
        o.events.write(healthCheckEventLine(type, host.identity, o.cluster, body, o.clock.now())),
      hadTraffic: () => this.traffic,
      complete: (host, transition, outcome) => o.onComplete(host, transition, outcome),
    };
  }

  /** Starts probing a host (its first probe runs now, or after initial_jitter). */
  addHost(host: HostHealth, target: ProbeTarget): void {
    if (this.sessions.has(host.key)) return;
    const session = new HealthCheckSession(host, target, this.ctx);
    this.sessions.set(host.key, session);
    session.start();
  }

  /** Destroys the host's session (gauges adjusted; see §3.7). */
  removeHost(key: string): void {
    const session = this.sessions.get(key);
    if (!session) return;
    this.sessions.delete(key);
    session.stop();
  }

  hasHost(key: string): boolean {
    return this.sessions.has(key);
  }

  /** Passive HC signal from the data plane (§3.6); ignored for unknown hosts. */
  passiveFailure(key: string): void {
    this.sessions.get(key)?.passiveFailure();
  }

  /** The cluster proxied a request: leave no-traffic mode for good (§3.4). */
  markTraffic(): void {
    this.traffic = true;
  }

  get hadTraffic(): boolean {
    return this.traffic;
  }

  /** Every host has completed one probe (Envoy's cluster warming condition, §3.2). */
  allHostsChecked(): boolean {
    for (const s of this.sessions.values()) if (!s.completedFirstCheck) return false;
    return true;
  }

  stop(): void {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) s.stop();
  }
}
