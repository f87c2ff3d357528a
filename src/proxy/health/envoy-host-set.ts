/**
 * EnvoyHostSet: the hosts of one backend under one health configuration, as Envoy's cluster holds
 * them: initial flags (§3.2), EDS health flags (§1), discovery updates with PENDING_DYNAMIC_REMOVAL
 * (§3.7), and the wiring of active checker and outlier detector (§5.7). Receives endpoint lists and
 * request outcomes; emits HostState views (one cached list, rebuilt only after a host's flags,
 * identity or membership change) and change notifications. Never outlives its config:
 * a health-config change builds a new set (EnvoyClusterHealth).
 */
import type { Clock, Random } from '../../clock';
import type * as ir from '../../ir/types';
import type { Stats } from '../stats';
import { ActiveHealthChecker } from './active-checker';
import { HostFlag, type HostState, type OutlierSummary, type RequestOutcome } from './cluster-health';
import type { EventSink } from './event-log';
import { resolveHealthCheck, type HealthCheckConfig, type ProbeOutcome, type Transition } from './health-check-config';
import { hostKey, HostHealth } from './host-health';
import { resolveOutlierDetection } from './outlier-config';
import { OutlierDetector } from './outlier-detector';
import type { Prober, ProbeTarget } from './prober';

export interface HostSetDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly stats: Stats;
  readonly probers: (config: HealthCheckConfig) => Prober;
  readonly hcEvents: EventSink;
  readonly outlierEvents: EventSink;
  /** The cluster has proxied traffic before (carried across config changes). */
  readonly hadTraffic: boolean;
  readonly notify: () => void;
  /** Called after every processed probe result (the owner watches for warm-up). */
  readonly checked?: () => void;
}

function edsFlags(health: ir.EndpointHealth): number {
  if (health === 'unhealthy') return HostFlag.FAILED_EDS_HEALTH;
  if (health === 'draining') return HostFlag.EDS_STATUS_DRAINING;
  return 0;
}

export class EnvoyHostSet {
  private readonly hosts = new Map<string, HostHealth>();
  /** Probe Host/authority each host was created with (a change makes it a new host). */
  private readonly authorities = new Map<string, string>();
  private readonly pendingRemoval = new Set<string>();
  private order: string[] = [];
  private cachedViews: readonly HostState[] | undefined;
  private readonly dropViews = (): void => {
    this.cachedViews = undefined;
  };
  private backend: ir.Backend;
  private traffic: boolean;
  readonly checker: ActiveHealthChecker | undefined;
  readonly detector: OutlierDetector | undefined;

  constructor(
    backend: ir.Backend,
    private readonly deps: HostSetDeps,
  ) {
    this.backend = backend;
    this.traffic = deps.hadTraffic;
    if (backend.healthCheck) {
      const config = resolveHealthCheck(backend.healthCheck);
      this.checker = new ActiveHealthChecker({
        cluster: backend.name,
        config,
        clock: deps.clock,
        random: deps.random,
        prober: deps.probers(config),
        stats: deps.stats,
        events: deps.hcEvents,
        onComplete: (h, t, o) => this.onCheckComplete(h, t, o),
        hadTraffic: deps.hadTraffic,
      });
    }
    if (backend.outlierDetection) {
      this.detector = new OutlierDetector({
        cluster: backend.name,
        config: resolveOutlierDetection(backend.outlierDetection),
        clock: deps.clock,
        random: deps.random,
        stats: deps.stats,
        events: deps.outlierEvents,
        onChange: deps.notify,
      });
    }
    this.setEndpoints(backend);
  }

  /** Applies a discovery update (§3.7): new hosts start failed, missing ones may linger. */
  setEndpoints(backend: ir.Backend): void {
    this.backend = backend;
    const listed = new Set<string>();
    for (const ep of backend.endpoints) {
      const key = hostKey(ep.address, ep.port);
      if (listed.has(key)) continue;
      listed.add(key);
      const existing = this.hosts.get(key);
      if (existing && this.authorities.get(key) === this.authorityOf(ep)) this.refresh(existing, ep);
      else {
        if (existing) this.removeNow(key);
        this.add(ep);
      }
    }
    for (const key of [...this.hosts.keys()]) if (!listed.has(key)) this.dropped(key);
    const lingering = this.order.filter((k) => !listed.has(k) && this.hosts.has(k));
    this.order = [...listed, ...lingering];
    this.cachedViews = undefined;
    this.deps.notify();
  }

  private authorityOf(ep: ir.Endpoint): string {
    const probe = this.backend.healthCheck?.probe;
    if (ep.healthCheckHostname) return ep.healthCheckHostname;
    if (probe?.type === 'http' && probe.host) return probe.host;
    return this.backend.name;
  }

  private add(ep: ir.Endpoint): void {
    const initial = (this.checker ? HostFlag.FAILED_ACTIVE_HC : 0) | edsFlags(ep.health);
    const host = new HostHealth({ address: ep.address, port: ep.port, weight: ep.weight, hostname: ep.hostname ?? '' }, initial);
    const authority = this.authorityOf(ep);
    host.onViewChange = this.dropViews;
    this.hosts.set(host.key, host);
    this.authorities.set(host.key, authority);
    this.detector?.addHost(host);
    const target: ProbeTarget = { address: ep.address, port: ep.port, authority };
    this.checker?.addHost(host, target);
  }

  private refresh(host: HostHealth, ep: ir.Endpoint): void {
    host.setIdentity({ address: ep.address, port: ep.port, weight: ep.weight, hostname: ep.hostname ?? '' });
    const eds = edsFlags(ep.health);
    host.assign(HostFlag.FAILED_EDS_HEALTH, (eds & HostFlag.FAILED_EDS_HEALTH) !== 0);
    host.assign(HostFlag.EDS_STATUS_DRAINING, (eds & HostFlag.EDS_STATUS_DRAINING) !== 0);
    if (this.pendingRemoval.delete(host.key)) host.clear(HostFlag.PENDING_DYNAMIC_REMOVAL);
  }

  /** A host discovery no longer lists: removed now, or kept while it passes HC. */
  private dropped(key: string): void {
    const host = this.hosts.get(key);
    if (!host || this.pendingRemoval.has(key)) return;
    const keep =
      this.checker !== undefined &&
      !this.backend.ignoreHealthOnHostRemoval &&
      !host.has(HostFlag.FAILED_ACTIVE_HC) &&
      !host.has(HostFlag.FAILED_EDS_HEALTH);
    if (!keep) return this.removeNow(key);
    host.set(HostFlag.PENDING_DYNAMIC_REMOVAL);
    this.pendingRemoval.add(key);
  }

  private removeNow(key: string): void {
    if (!this.hosts.delete(key)) return;
    this.authorities.delete(key);
    this.pendingRemoval.delete(key);
    this.order = this.order.filter((k) => k !== key);
    this.cachedViews = undefined;
    this.checker?.removeHost(key);
    this.detector?.removeHost(key);
  }

  private onCheckComplete(host: HostHealth, transition: Transition, outcome: ProbeOutcome): void {
    if (this.hosts.get(host.key) !== host) return;
    this.detector?.onActiveCheck(host, outcome);
    if (transition === 'Changed') {
      if (this.pendingRemoval.has(host.key) && host.has(HostFlag.FAILED_ACTIVE_HC)) this.removeNow(host.key);
      this.deps.notify();
    }
    this.deps.checked?.();
  }

  /** Feeds one forwarded request: host counters, traffic mode, outlier detection, passive HC. */
  reportResult(key: string, outcome: RequestOutcome): void {
    const host = this.hosts.get(key);
    if (!host) return;
    this.markTraffic();
    if (outcome.type === 'response') host.countRequest(outcome.status >= 500 && outcome.status < 600 ? 'error' : 'success');
    else if (outcome.type === 'timeout') host.countRequest('timeout');
    else if (outcome.type === 'connect-failure') host.countRequest('connect-fail');
    this.detector?.putResult(key, outcome);
    if (outcome.type === 'response' && outcome.immediateHealthCheckFail) this.checker?.passiveFailure(key);
  }

  markTraffic(): void {
    this.traffic = true;
    this.checker?.markTraffic();
  }

  get hadTraffic(): boolean {
    return this.traffic;
  }

  /** Every HC'd host has completed one probe (Envoy's warm cluster). */
  warm(): boolean {
    return this.checker ? this.checker.allHostsChecked() : true;
  }

  /** Hosts in order: the same array until something in it changes (so callers can cache by identity). */
  views(): readonly HostState[] {
    if (this.cachedViews) return this.cachedViews;
    const out: HostState[] = [];
    for (const key of this.order) {
      const h = this.hosts.get(key);
      if (h) out.push(h.view());
    }
    this.cachedViews = out;
    return out;
  }

  outlierSummary(): OutlierSummary | undefined {
    return this.detector?.summary();
  }

  stop(): void {
    this.checker?.stop();
    this.detector?.stop();
  }
}
