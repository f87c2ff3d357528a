/**
 * LoadBalancer: picks one host of a cluster from its health engine's HostState views, the way
 * Envoy does (spec §6): healthy hosts, degraded ones only per the 1.4 overprovisioning split,
 * everything in panic (threshold default 50, 0 disables, excluded hosts out of the denominator);
 * then round robin (weighted by EDF), least request (P2C, or EDF over weight / (active + 1)) or
 * random. Kong-engine clusters use Kong's balancer verdict instead (available weight % strictly
 * above `threshold`, no panic). Holds only its scheduling state; never changes host health.
 */
import type { Random } from '../clock';
import type { HostState } from './health/cluster-health';

export type LbPolicy = 'round-robin' | 'least-request' | 'random';

/** Envoy's default `healthy_panic_threshold`. */
export const DEFAULT_PANIC_THRESHOLD_PERCENT = 50;
/** Envoy's default overprovisioning factor, as a percentage. */
const OVERPROVISIONING = 140;

export type HealthPolicy =
  | { readonly type: 'envoy'; readonly panicThresholdPercent: number }
  | { readonly type: 'kong'; readonly thresholdPercent: number };

export interface LoadBalancerOptions {
  readonly policy: LbPolicy;
  readonly health: HealthPolicy;
  readonly random: Random;
  /** Requests in flight to a host (least request). */
  readonly activeRequests: (hostKey: string) => number;
}

export type LbPick =
  | { readonly host: HostState; readonly panic: boolean }
  | { readonly host: undefined; readonly reason: 'no-healthy-upstream' | 'kong-balancer-unhealthy' };

type SourceKind = 'healthy' | 'degraded' | 'all';

export interface HostSource {
  readonly kind: SourceKind;
  readonly hosts: readonly HostState[];
  readonly panic: boolean;
}

/** The pick-independent part of Envoy's choice: one list, or healthy and degraded with the healthy share. */
export type EnvoyPartition =
  | { readonly type: 'none' }
  | { readonly type: 'one'; readonly source: HostSource }
  | { readonly type: 'split'; readonly healthy: HostSource; readonly degraded: HostSource; readonly healthyLoad: number };

/** Sorts hosts into Envoy's lists (single priority): panic → all hosts; else healthy and/or degraded. */
export function partitionEnvoy(hosts: readonly HostState[], thresholdPercent: number): EnvoyPartition {
  const healthy: HostState[] = [];
  const degraded: HostState[] = [];
  let excluded = 0;
  for (const h of hosts) {
    if (h.excluded) excluded++;
    else if (h.coarse === 'healthy') healthy.push(h);
    else if (h.coarse === 'degraded') degraded.push(h);
  }
  const n = hosts.length - excluded;
  const health = n === 0 ? 0 : Math.min(100, Math.floor((OVERPROVISIONING * healthy.length) / n));
  const degr = n === 0 ? 0 : Math.min(100, Math.floor((OVERPROVISIONING * degraded.length) / n));
  const availability = Math.min(100, health + degr);
  const threshold = Math.trunc(thresholdPercent);
  const percent = n === 0 ? 0 : (100 * (healthy.length + degraded.length)) / n;
  if (availability < 100 && percent < threshold) {
    return hosts.length === 0 ? { type: 'none' } : { type: 'one', source: { kind: 'all', hosts, panic: true } };
  }
  if (availability === 0) return { type: 'none' };
  const healthySource: HostSource = { kind: 'healthy', hosts: healthy, panic: false };
  if (degraded.length === 0) return { type: 'one', source: healthySource };
  const degradedSource: HostSource = { kind: 'degraded', hosts: degraded, panic: false };
  if (healthy.length === 0) return { type: 'one', source: degradedSource };
  return { type: 'split', healthy: healthySource, degraded: degradedSource, healthyLoad: Math.min(100, Math.floor((health * 100) / availability)) };
}

/** One pick's list from a partition: a roll against the healthy load when both lists have hosts. */
export function sourceOf(partition: EnvoyPartition, random: Random): HostSource | undefined {
  if (partition.type === 'none') return undefined;
  if (partition.type === 'one') return partition.source;
  return Math.floor(random.next() * 100) < partition.healthyLoad ? partition.healthy : partition.degraded;
}

/**
 * Envoy's choice of host list for one pick (single priority): panic → all hosts; otherwise the
 * healthy or the degraded list, chosen by a roll against the normalized healthy load.
 */
export function chooseEnvoySource(hosts: readonly HostState[], thresholdPercent: number, random: Random): HostSource | undefined {
  return sourceOf(partitionEnvoy(hosts, thresholdPercent), random);
}

/** Kong's balancer: healthy iff total weight > 0 and available weight % > threshold. */
export function chooseKongSource(hosts: readonly HostState[], thresholdPercent: number): HostSource | undefined {
  let total = 0;
  let available = 0;
  const routable: HostState[] = [];
  for (const h of hosts) {
    total += h.weight;
    if (h.coarse !== 'unhealthy') {
      available += h.weight;
      routable.push(h);
    }
  }
  if (total <= 0 || (available / total) * 100 <= thresholdPercent || routable.length === 0) return undefined;
  return { kind: 'healthy', hosts: routable, panic: false };
}

/** Earliest-deadline-first over weighted hosts, as Envoy's weighted schedulers work. */
class EdfScheduler {
  private now = 0;
  private readonly deadlines = new Map<string, number>();

  /** Picks the host with the earliest deadline (ties: list order) and moves its deadline on. */
  pick(hosts: readonly HostState[], weightOf: (h: HostState) => number): HostState | undefined {
    let best: HostState | undefined;
    let bestDeadline = Infinity;
    for (const h of hosts) {
      let d = this.deadlines.get(h.key);
      if (d === undefined) {
        d = this.now + 1 / Math.max(weightOf(h), 1e-9);
        this.deadlines.set(h.key, d);
      }
      if (d < bestDeadline) {
        best = h;
        bestDeadline = d;
      }
    }
    if (!best) return undefined;
    this.now = bestDeadline;
    this.deadlines.set(best.key, bestDeadline + 1 / Math.max(weightOf(best), 1e-9));
    return best;
  }
}

interface SourceState {
  signature: string;
  index: number;
  edf: EdfScheduler;
}

/** What a pick needs to know about one host list, computed once per list. */
interface ListInfo {
  readonly signature: string;
  readonly weighted: boolean;
}

/** The partition of the last host list seen (health engines hand out the same array until it changes). */
type Partitioned = { readonly type: 'envoy'; readonly partition: EnvoyPartition } | { readonly type: 'kong'; readonly source: HostSource | undefined };

export class LoadBalancer {
  private readonly sources = new Map<SourceKind, SourceState>();
  private readonly seed: number;
  private lastHosts: readonly HostState[] | undefined;
  private lastPartition: Partitioned | undefined;
  private readonly lists = new WeakMap<readonly HostState[], ListInfo>();

  constructor(private readonly options: LoadBalancerOptions) {
    this.seed = Math.floor(options.random.next() * 0x7fffffff);
  }

  get policy(): LbPolicy {
    return this.options.policy;
  }

  get healthPolicy(): HealthPolicy {
    return this.options.health;
  }

  pick(hosts: readonly HostState[]): LbPick {
    const health = this.options.health;
    const partitioned = this.partitioned(hosts);
    const source = partitioned.type === 'envoy' ? sourceOf(partitioned.partition, this.options.random) : partitioned.source;
    if (!source || source.hosts.length === 0) {
      return { host: undefined, reason: health.type === 'envoy' ? 'no-healthy-upstream' : 'kong-balancer-unhealthy' };
    }
    const host = this.pickFrom(source);
    return host ? { host, panic: source.panic } : { host: undefined, reason: 'no-healthy-upstream' };
  }

  /** The lists of `hosts`, recomputed only when the engine hands out another array. */
  private partitioned(hosts: readonly HostState[]): Partitioned {
    if (hosts === this.lastHosts && this.lastPartition) return this.lastPartition;
    const health = this.options.health;
    const p: Partitioned =
      health.type === 'envoy'
        ? { type: 'envoy', partition: partitionEnvoy(hosts, health.panicThresholdPercent) }
        : { type: 'kong', source: chooseKongSource(hosts, health.thresholdPercent) };
    this.lastHosts = hosts;
    this.lastPartition = p;
    return p;
  }

  private pickFrom(source: HostSource): HostState | undefined {
    const hosts = source.hosts;
    if (hosts.length === 1) return hosts[0];
    const { policy, random, activeRequests } = this.options;
    if (policy === 'random') return hosts[Math.floor(random.next() * hosts.length)];
    const info = this.infoOf(hosts);
    const weighted = info.weighted;
    const state = this.stateFor(source.kind, info.signature);
    if (policy === 'least-request') {
      if (weighted) return state.edf.pick(hosts, (h) => h.weight / (activeRequests(h.key) + 1));
      let best: HostState | undefined;
      for (let i = 0; i < 2; i++) {
        const candidate = hosts[Math.floor(random.next() * hosts.length)];
        if (candidate && (!best || activeRequests(candidate.key) < activeRequests(best.key))) best = candidate;
      }
      return best;
    }
    if (weighted) return state.edf.pick(hosts, (h) => h.weight);
    const host = hosts[state.index % hosts.length];
    state.index++;
    return host;
  }

  private infoOf(hosts: readonly HostState[]): ListInfo {
    let info = this.lists.get(hosts);
    if (!info) {
      info = { signature: hosts.map((h) => `${h.key}*${h.weight}`).join(','), weighted: hosts.some((h) => h.weight !== hosts[0]?.weight) };
      this.lists.set(hosts, info);
    }
    return info;
  }

  /** Scheduling state of one source list, rebuilt when its hosts or weights change. */
  private stateFor(kind: SourceKind, signature: string): SourceState {
    let state = this.sources.get(kind);
    if (!state || state.signature !== signature) {
      state = { signature, index: state?.index ?? this.seed, edf: new EdfScheduler() };
      this.sources.set(kind, state);
    }
    return state;
  }
}
