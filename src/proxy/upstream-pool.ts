/**
 * UpstreamPool: everything the proxy keeps for one backend (Envoy cluster): its ClusterHealth,
 * its LoadBalancer, one keep-alive node:http Agent per host (bounded sockets), and the per-host
 * traffic numbers /clusters prints (cx_*, rq_*). Receives the ir.Backend and request outcomes;
 * emits picks, Envoy-named cluster stats (membership, lb_healthy_panic, upstream_cx_none_healthy).
 * Never decides health: that is the engine's; it only reads HostState views and reports outcomes.
 */
import http from 'node:http';
import type net from 'node:net';
import type { Random } from '../clock';
import type * as ir from '../ir/types';
import { ENVOY_DEFAULTS } from '../ir/defaults';
import type { ClusterHealth, HostState, RequestOutcome } from './health/cluster-health';
import { DEFAULT_PANIC_THRESHOLD_PERCENT, LoadBalancer, type HealthPolicy, type LbPick, type LbPolicy } from './load-balancer';
import type { Stats } from './stats';

/** Envoy's default circuit-breaker `max_connections`: the socket bound of each host's agent. */
export const MAX_CONNECTIONS_PER_HOST = 1024;

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

function zeroTraffic(): HostTraffic {
  return { cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0 };
}

interface HostEntry {
  readonly agent: http.Agent;
  readonly traffic: HostTraffic;
  /** The host left the cluster: its agent goes once its last request ends. */
  retired: boolean;
}

export interface UpstreamPoolOptions {
  readonly backend: ir.Backend;
  readonly health: ClusterHealth;
  readonly stats: Stats;
  readonly random: Random;
  /** Overrides the backend's own policy (e.g. `random`, which the IR does not carry). */
  readonly lbPolicy?: LbPolicy;
  readonly maxSocketsPerHost?: number;
}

export function healthPolicyOf(backend: ir.Backend): HealthPolicy {
  if (backend.engine === 'kong' && backend.kong) return { type: 'kong', thresholdPercent: backend.kong.threshold };
  return { type: 'envoy', panicThresholdPercent: backend.healthyPanicThresholdPercent ?? DEFAULT_PANIC_THRESHOLD_PERCENT };
}

export class UpstreamPool {
  readonly name: string;
  readonly health: ClusterHealth;
  private backendNow: ir.Backend;
  private lb: LoadBalancer;
  private readonly entries = new Map<string, HostEntry>();
  private readonly unsubscribe: (() => void) | undefined;
  private readonly sockets = new WeakSet<net.Socket>();
  private active = 0;
  private closed = false;

  constructor(private readonly options: UpstreamPoolOptions) {
    this.name = options.backend.name;
    this.health = options.health;
    this.backendNow = options.backend;
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

  /** Picks a host; counts `lb_healthy_panic` or `upstream_cx_none_healthy` as Envoy does. */
  pick(): LbPick {
    const pick = this.lb.pick(this.health.hosts());
    if (pick.host === undefined) this.stat('upstream_cx_none_healthy');
    else if (pick.panic) this.stat('lb_healthy_panic');
    return pick;
  }

  /** The keep-alive agent of a host (created on first use). */
  agentFor(host: HostState): http.Agent {
    return this.entry(host.key).agent;
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
    this.options.stats.add(this.statName('upstream_rq_active'), 1);
    return () => {
      this.active--;
      entry.traffic.rq_active--;
      this.options.stats.add(this.statName('upstream_rq_active'), -1);
      if (entry.retired && entry.traffic.rq_active === 0) entry.agent.destroy();
      if (this.closed && this.active === 0) this.destroyAgents();
    };
  }

  /**
   * Notes the socket an upstream request got: a socket seen for the first time is a new
   * connection (counted, and uncounted when it closes). Returns whether it was reused.
   */
  noteSocket(hostKey: string, socket: net.Socket): boolean {
    if (this.sockets.has(socket)) return true;
    this.sockets.add(socket);
    const t = this.entry(hostKey).traffic;
    t.cx_total++;
    t.cx_active++;
    this.stat('upstream_cx_total');
    this.options.stats.add(this.statName('upstream_cx_active'), 1);
    socket.once('close', () => {
      t.cx_active--;
      this.options.stats.add(this.statName('upstream_cx_active'), -1);
    });
    return false;
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
    this.health.update(backend);
    const policy = this.options.lbPolicy ?? backend.loadBalancing;
    const policyChanged = policy !== this.lb.policy || JSON.stringify(healthPolicyOf(backend)) !== JSON.stringify(this.lb.healthPolicy);
    if (policyChanged) this.lb = this.newBalancer(backend);
    const after = new Set(this.health.hosts().map((h) => h.key));
    for (const [key, entry] of this.entries) {
      if (after.has(key)) continue;
      this.entries.delete(key);
      entry.retired = true;
      if (entry.traffic.rq_active === 0) entry.agent.destroy();
    }
    if (before.size !== after.size || [...after].some((k) => !before.has(k))) this.stat('membership_change');
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
    const s = this.options.stats;
    s.set(this.statName('membership_total'), hosts.length);
    s.set(this.statName('membership_healthy'), healthy);
    s.set(this.statName('membership_degraded'), degraded);
    s.set(this.statName('membership_excluded'), excluded);
  }

  /** Stops the health engine now; agents close once the last in-flight request ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.health.stop();
    if (this.active === 0) this.destroyAgents();
  }

  private destroyAgents(): void {
    for (const e of this.entries.values()) e.agent.destroy();
  }

  private entry(hostKey: string): HostEntry {
    let e = this.entries.get(hostKey);
    if (!e) {
      const max = this.options.maxSocketsPerHost ?? MAX_CONNECTIONS_PER_HOST;
      e = { agent: new http.Agent({ keepAlive: true, maxSockets: max, maxFreeSockets: Math.min(max, 256), scheduling: 'lifo' }), traffic: zeroTraffic(), retired: false };
      this.entries.set(hostKey, e);
    }
    return e;
  }

  private newBalancer(backend: ir.Backend): LoadBalancer {
    const policy: LbPolicy = this.options.lbPolicy ?? backend.loadBalancing;
    return new LoadBalancer({ policy, health: healthPolicyOf(backend), random: this.options.random, activeRequests: (key) => this.traffic(key).rq_active });
  }
}
