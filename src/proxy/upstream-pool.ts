/**
 * UpstreamPool: everything the proxy keeps for one backend (Envoy cluster): its ClusterHealth,
 * its LoadBalancer, keep-alive connections per host (HostConnections), its retry policy, Envoy's
 * circuit breakers (`circuitBreakers`: connections per host, requests, pending requests,
 * concurrent retries) and the per-host traffic numbers /clusters prints (cx_*, rq_*). Receives
 * the ir.Backend and request outcomes; emits picks and Envoy-named cluster stats (through precomputed handles).
 * Never decides health: that is the engine's; it only reads HostState views and reports outcomes.
 */
import type net from 'node:net';
import type { Clock, Random } from '../clock';
import type * as ir from '../ir/types';
import { circuitBreakersOf, ENVOY_DEFAULTS } from '../ir/defaults';
import type { ClusterHealth, HostState, RequestOutcome } from './health/cluster-health';
import { Deadlines } from './deadlines';
import { HostConnections, type UpstreamHandler, type UpstreamRequest } from './host-connections';
import { DEFAULT_PANIC_THRESHOLD_PERCENT, LoadBalancer, type HealthPolicy, type LbPick, type LbPolicy } from './load-balancer';
import { kongRetryPolicy, type RetryPolicy } from './retry-policy';
import { clusterCounters, type ClusterCounters } from './cluster-counters';
import type { Stats } from './stats';

/**
 * Envoy's default circuit-breaker `max_connections`: the connection bound of each host. Envoy's
 * bound is per cluster; ours (this default or the backend's `maxConnections`) bounds each host's
 * pool, at least one connection (Envoy too lets a pool with none open one).
 */
export const MAX_CONNECTIONS_PER_HOST: number = ENVOY_DEFAULTS.circuitBreakers.maxConnections;

/** Per-host traffic as Envoy's host stats name it. */
export interface HostTraffic {
  cx_active: number;
  cx_connect_fail: number;
  cx_total: number;
  rq_active: number;
  rq_error: number;
  rq_success: number;
  rq_timeout: number;
  rq_total: number;
}

/** A host that carried no traffic (a fresh object each call). */
export function zeroTraffic(): HostTraffic {
  return { cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0 };
}

interface HostEntry {
  connections: HostConnections | undefined;
  /** The connection bound `connections` was made with. */
  bound: number;
  /** Pools made under an earlier bound: destroyed once the host has no request in flight. */
  stale: HostConnections[];
  readonly traffic: HostTraffic;
  /** The host left the cluster: its connections go once its last request ends. */
  retired: boolean;
}

export interface UpstreamPoolOptions {
  readonly backend: ir.Backend;
  readonly health: ClusterHealth;
  readonly stats: Stats;
  readonly clock: Clock;
  readonly random: Random;
  /** Overrides the backend's own policy (e.g. `random`, which the IR does not carry). */
  readonly lbPolicy?: LbPolicy;
  /** Overrides the backend's `circuitBreakers.maxConnections` as the bound of each host's pool. */
  readonly maxSocketsPerHost?: number;
  /** The native proxy's retry policy (`--retry-on`); Kong-engine clusters use Kong's own. */
  readonly retry?: RetryPolicy;
}

export function healthPolicyOf(backend: ir.Backend): HealthPolicy {
  if (backend.engine === 'kong' && backend.kong) return { type: 'kong', thresholdPercent: backend.kong.threshold };
  return { type: 'envoy', panicThresholdPercent: backend.healthyPanicThresholdPercent ?? DEFAULT_PANIC_THRESHOLD_PERCENT };
}

export class UpstreamPool {
  readonly name: string;
  readonly health: ClusterHealth;
  /** Envoy's cluster stats of this pool, as handles. */
  readonly counters: ClusterCounters;
  private backendNow: ir.Backend;
  /** Idle keep-alive timers of every host's connections. */
  private readonly idleDeadlines: Deadlines;
  /**
   * The backend's circuit breakers with Envoy's defaults filled in; `maxConnections` is the bound
   * each host's pool actually gets (see MAX_CONNECTIONS_PER_HOST). Read per request, so kept.
   */
  private limits: Required<ir.CircuitBreakers>;
  /**
   * Requests waiting for a connection: over every host, those beyond its connection bound
   * (HTTP/1.1, one request per connection), kept as requests begin and end.
   */
  private pending = 0;
  private lb: LbPickerState;
  private readonly entries = new Map<string, HostEntry>();
  private readonly unsubscribe: (() => void) | undefined;
  private active = 0;
  private retriesActive = 0;
  private closed = false;

  constructor(private readonly options: UpstreamPoolOptions) {
    this.idleDeadlines = new Deadlines(options.clock);
    this.name = options.backend.name;
    this.health = options.health;
    this.backendNow = options.backend;
    this.limits = this.limitsOf(options.backend);
    this.counters = clusterCounters(options.stats, this.name);
    this.lb = this.newBalancer(options.backend);
    this.unsubscribe = options.health.onChange?.(() => this.syncMembership());
    this.syncMembership();
  }

  get backend(): ir.Backend {
    return this.backendNow;
  }

  get connectTimeoutMs(): number {
    return this.backendNow.connectTimeoutMs > 0 ? this.backendNow.connectTimeoutMs : ENVOY_DEFAULTS.connectTimeoutMs;
  }

  /** The retry policy of this cluster's requests: Kong's for Kong-engine clusters, else the proxy's (if any). */
  get retryPolicy(): RetryPolicy | undefined {
    if (this.backendNow.engine === 'kong') return kongRetryPolicy();
    return this.options.retry;
  }

  /**
   * Picks a host; counts `lb_healthy_panic` or `upstream_cx_none_healthy` as Envoy does. With
   * `avoid` (Envoy's `previous_hosts` predicate), picks again, as many times as there are hosts,
   * while the pick is a host already tried; the last pick stands if every one was.
   */
  pick(avoid?: ReadonlySet<string>): LbPick {
    const hosts = this.health.hosts();
    let pick = this.lb.balancer.pick(hosts);
    for (let i = 1; avoid && pick.host && avoid.has(pick.host.key) && i < hosts.length; i++) pick = this.lb.balancer.pick(hosts);
    if (pick.host === undefined) this.counters.cxNoneHealthy.inc();
    else if (pick.panic) this.counters.lbHealthyPanic.inc();
    return pick;
  }

  /** Sends one attempt's request to `host` over its keep-alive connections. */
  dispatch(host: HostState, opts: UpstreamRequest, handler: UpstreamHandler): void {
    const entry = this.entry(host.key);
    const bound = this.maxConnectionsPerHost;
    if (entry.connections && entry.bound !== bound) {
      entry.stale.push(entry.connections);
      entry.connections = undefined;
    }
    if (!entry.connections) {
      entry.connections = this.connectionsFor(host, entry.traffic, bound);
      entry.bound = bound;
    }
    entry.connections.dispatch(opts, handler);
  }

  traffic(hostKey: string): HostTraffic {
    return this.entries.get(hostKey)?.traffic ?? zeroTraffic();
  }

  /** A request to `hostKey` starts; returns the function that ends it (call exactly once). */
  beginRequest(hostKey: string): () => void {
    const entry = this.entry(hostKey);
    this.active++;
    entry.traffic.rq_active++;
    entry.traffic.rq_total++;
    if (entry.traffic.rq_active > this.limits.maxConnections) this.pending++;
    this.counters.rqActive.add(1);
    return () => {
      this.active--;
      if (entry.traffic.rq_active > this.limits.maxConnections && this.pending > 0) this.pending--;
      entry.traffic.rq_active--;
      this.counters.rqActive.add(-1);
      if (entry.traffic.rq_active === 0) destroyStale(entry);
      if (entry.retired && entry.traffic.rq_active === 0) entry.connections?.destroy();
      if (this.closed && this.active === 0) this.destroyConnections();
    };
  }

  /**
   * Envoy's `max_requests` and `max_pending_requests` breakers: whether a new request to `hostKey`
   * must be refused (counts `upstream_rq_pending_overflow` when so). A request waits for a
   * connection when its host already has as many in flight as its connection bound.
   */
  overflows(hostKey: string): boolean {
    const waits = (this.entries.get(hostKey)?.traffic.rq_active ?? 0) >= this.limits.maxConnections;
    if (this.active < this.limits.maxRequests && !(waits && this.pending >= this.limits.maxPendingRequests)) return false;
    this.counters.rqPendingOverflow.inc();
    return true;
  }

  /** Concurrent retries allowed (`circuitBreakers.maxRetries`; Envoy's default 3). */
  get maxRetries(): number {
    return this.limits.maxRetries;
  }

  /** Connections allowed to each host (see MAX_CONNECTIONS_PER_HOST). */
  get maxConnectionsPerHost(): number {
    return this.limits.maxConnections;
  }

  private limitsOf(backend: ir.Backend): Required<ir.CircuitBreakers> {
    const limits = circuitBreakersOf(backend);
    return { ...limits, maxConnections: Math.max(1, this.options.maxSocketsPerHost ?? limits.maxConnections) };
  }

  /** Takes one of the cluster's concurrent retries (Envoy's `max_retries` breaker); undefined: overflow. */
  beginRetry(): (() => void) | undefined {
    if (this.retriesActive >= this.maxRetries) {
      this.counters.rqRetryOverflow.inc();
      return undefined;
    }
    this.retriesActive++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.retriesActive--;
    };
  }

  /** Host-level bookkeeping of one attempt's outcome, then the report to the health engine. */
  report(hostKey: string, outcome: RequestOutcome): void {
    const t = this.entry(hostKey).traffic;
    if (outcome.type === 'response') {
      if (outcome.status >= 500) t.rq_error++;
      else t.rq_success++;
    } else if (outcome.type === 'timeout') {
      t.rq_timeout++;
      t.rq_error++;
    } else if (outcome.type === 'connect-failure') {
      t.cx_connect_fail++;
      t.rq_error++;
    }
    if (!this.closed) this.health.reportResult(hostKey, outcome);
  }

  stat(name: string, by = 1): void {
    this.options.stats.inc(this.statName(name), by);
  }

  statName(name: string): string {
    return `cluster.${this.name}.${name}`;
  }

  /** New config or endpoints for the same backend: health state is kept for hosts that stay. */
  update(backend: ir.Backend): void {
    const before = new Set(this.health.hosts().map((h) => h.key));
    this.backendNow = backend;
    this.limits = this.limitsOf(backend);
    this.pending = 0;
    for (const e of this.entries.values()) this.pending += Math.max(0, e.traffic.rq_active - this.limits.maxConnections);
    this.health.update(backend);
    const policy = this.options.lbPolicy ?? backend.loadBalancing;
    const health = healthPolicyOf(backend);
    if (policy !== this.lb.balancer.policy || JSON.stringify(health) !== this.lb.healthKey) this.lb = this.newBalancer(backend);
    const after = new Set(this.health.hosts().map((h) => h.key));
    for (const [key, entry] of this.entries) {
      if (after.has(key)) continue;
      this.entries.delete(key);
      entry.retired = true;
      if (entry.traffic.rq_active === 0) {
        entry.connections?.destroy();
        destroyStale(entry);
      }
    }
    if (before.size !== after.size || [...after].some((k) => !before.has(k))) this.counters.membershipChange.inc();
    this.syncMembership();
  }

  /** Sets the membership gauges from the current host views. */
  syncMembership(): void {
    const hosts = this.health.hosts();
    let healthy = 0;
    let degraded = 0;
    let excluded = 0;
    for (const h of hosts) {
      if (h.excluded) excluded++;
      else if (h.coarse === 'healthy') healthy++;
      else if (h.coarse === 'degraded') degraded++;
    }
    const c = this.counters;
    c.membershipTotal.set(hosts.length);
    c.membershipHealthy.set(healthy);
    c.membershipDegraded.set(degraded);
    c.membershipExcluded.set(excluded);
  }

  /** Stops the health engine now; connections close once the last in-flight request ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.health.stop();
    if (this.active === 0) this.destroyConnections();
  }

  private destroyConnections(): void {
    for (const e of this.entries.values()) {
      e.connections?.destroy();
      e.connections = undefined;
      destroyStale(e);
    }
  }

  private connectionsFor(host: HostState, traffic: HostTraffic, maxConnections: number): HostConnections {
    return new HostConnections({
      address: host.address,
      port: host.port,
      clock: this.options.clock,
      deadlines: this.idleDeadlines,
      connectTimeoutMs: () => this.connectTimeoutMs,
      maxConnections,
      onConnection: (socket: net.Socket) => {
        traffic.cx_total++;
        traffic.cx_active++;
        this.counters.cxTotal.inc();
        this.counters.cxActive.add(1);
        socket.once('close', () => {
          traffic.cx_active--;
          this.counters.cxActive.add(-1);
        });
      },
    });
  }

  private entry(hostKey: string): HostEntry {
    let e = this.entries.get(hostKey);
    if (!e) {
      e = { connections: undefined, bound: 0, stale: [], traffic: zeroTraffic(), retired: false };
      this.entries.set(hostKey, e);
    }
    return e;
  }

  private newBalancer(backend: ir.Backend): LbPickerState {
    const policy: LbPolicy = this.options.lbPolicy ?? backend.loadBalancing;
    const health = healthPolicyOf(backend);
    const balancer = new LoadBalancer({ policy, health, random: this.options.random, activeRequests: (key) => this.traffic(key).rq_active });
    return { balancer, healthKey: JSON.stringify(health) };
  }
}

function destroyStale(entry: HostEntry): void {
  for (const c of entry.stale) c.destroy();
  entry.stale = [];
}

interface LbPickerState {
  readonly balancer: LoadBalancer;
  readonly healthKey: string;
}
