/**
 * KongClusterHealth: the ClusterHealth of a backend run with Kong's semantics, i.e. one
 * lua-resty-healthcheck checker per Kong upstream (resources.md §2.4, §2.8). Receives IR backends
 * (update: targets and health survive policy changes), proxied request outcomes (passive) and
 * probe results (active); emits HostState views with Envoy flags (§2.7: passive → outlier,
 * active → active HC, Admin API → EDS health) and a Kong view for the Admin API. Never picks
 * hosts: the load balancer applies the upstream `threshold` to these views.
 */
import { createHash } from 'node:crypto';
import type { Clock, Random } from '../../clock';
import type * as ir from '../../ir/types';
import { silentLogger, type Logger } from '../../log';
import { HostFlag, type ClusterHealth, type HostState, type RequestOutcome } from '../health/cluster-health';
import { coarseHealth, healthFlagsString, hostKey } from '../health/host-health';
import type { ProbeResult, Prober } from '../health/prober';
import { KongActiveChecker, type KongProbeItem, type KongSide } from './kong-active-checker';
import { classifyPassive, classifyProbe, limitOf } from './kong-classify';
import { createKongProber } from './kong-probers';
import { KongTarget, type KongCause, type KongCounter, type KongCounters, type KongState } from './kong-target';

export interface KongClusterHealthDeps {
  readonly clock: Clock;
  /** Accepted for symmetry with the Envoy engine; Kong's checker uses no randomness. */
  readonly random?: Random;
  readonly logger?: Logger;
  /** Builds the prober of a policy's active checks; default: the real HTTP/HTTPS/TCP probers. */
  readonly probers?: (active: ir.KongActiveSettings) => Prober | undefined;
}

/** One target as the Admin API shows it. */
export interface KongTargetView {
  /** `ip:port` (`[v6]:port`): the HostState key and Kong's target string. */
  readonly key: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly hostname: string;
  readonly weight: number;
  readonly state: KongState;
  readonly routable: boolean;
  readonly counters: KongCounters;
  readonly cause: KongCause | undefined;
  /** When the target joined the upstream (ms since the epoch). */
  readonly createdAt: number;
}

interface Entry {
  endpoint: ir.Endpoint;
  readonly target: KongTarget;
  readonly createdAt: number;
}

const CAUSE_FLAG: Record<KongCause, number> = {
  active: HostFlag.FAILED_ACTIVE_HC,
  passive: HostFlag.FAILED_OUTLIER_CHECK,
  admin: HostFlag.FAILED_EDS_HEALTH,
};

/** A stable UUID-shaped id (SHA-1 name hash, version nibble 5), like Kong's declarative ids. */
export function kongId(...parts: readonly string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const COUNTER_TEXT: Record<KongCounter, string> = { success: 'SUCCESS', http: 'HTTP', tcp: 'TCP', timeout: 'TIMEOUT' };

export class KongClusterHealth implements ClusterHealth {
  readonly engine: ir.HealthEngine = 'kong';
  readonly name: string;
  /** The upstream's id in the Admin API. */
  readonly id: string;
  readonly createdAt: number;
  private settings: ir.KongHealthSettings | undefined;
  private settingsKey = '';
  private readonly entries = new Map<string, Entry>();
  private order: string[] = [];
  /** hosts() as last built; dropped on every change that can move a view (read per request). */
  private views: readonly HostState[] | undefined;
  private checker: KongActiveChecker | undefined;
  private prober: Prober | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly log: Logger;
  private stopped = false;

  constructor(
    backend: ir.Backend,
    private readonly deps: KongClusterHealthDeps,
  ) {
    this.name = backend.name;
    this.id = kongId('upstream', backend.name);
    this.createdAt = deps.clock.now();
    this.log = (deps.logger ?? silentLogger).child('kong');
    this.setTargets(backend.endpoints);
    this.configure(backend.kong);
  }

  /** Whether a health checker runs (Kong: `HEALTHCHECKS_OFF` otherwise, every target routable). */
  get checksEnabled(): boolean {
    return this.settings !== undefined;
  }

  /** The policy's upstream `threshold` (percent of weight), 0 without a policy. */
  get threshold(): number {
    return this.settings?.threshold ?? 0;
  }

  hosts(): readonly HostState[] {
    return (this.views ??= this.order.map((key) => this.view(key, this.entries.get(key) as Entry)));
  }

  kongTargets(): readonly KongTargetView[] {
    return this.order.map((key) => {
      const e = this.entries.get(key) as Entry;
      const t = e.target;
      const { address, port, weight } = e.endpoint;
      const hostname = e.endpoint.hostname ?? address;
      return { key, id: kongId('target', this.name, key), address, port, hostname, weight, state: t.state, routable: t.routable, counters: t.counters, cause: t.cause, createdAt: e.createdAt };
    });
  }

  reportResult(hostKey: string, outcome: RequestOutcome): void {
    const s = this.settings;
    if (this.stopped || !s) return;
    const counter = classifyPassive(outcome, s.passive);
    if (counter) this.apply(hostKey, counter, limitOf(counter, s.passive), 'passive');
  }

  /** Admin API: forces a target healthy or unhealthy and zeroes its counters; false if unknown. */
  setTargetHealth(hostKey: string, healthy: boolean): boolean {
    const e = this.entries.get(hostKey);
    if (!e || this.stopped) return false;
    const t = e.target.set(healthy);
    this.views = undefined;
    this.log.info(`${healthy ? 'healthy' : 'unhealthy'} forced by the Admin API for '${this.describe(hostKey)}'`, { upstream: this.name });
    if (t || !healthy) this.notify();
    return true;
  }

  update(backend: ir.Backend): void {
    if (this.stopped) return;
    const changed = this.setTargets(backend.endpoints);
    this.configure(backend.kong);
    if (changed) this.notify();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopChecker();
  }

  /** Probes in flight (tests, diagnostics). */
  get probing(): number {
    return this.checker?.probing ?? 0;
  }

  private view(key: string, e: Entry): HostState {
    const cause = this.settings ? e.target.cause : undefined;
    const flags = cause ? CAUSE_FLAG[cause] : 0;
    const { address, port, weight } = e.endpoint;
    return { key, address, port, weight, hostname: e.endpoint.hostname ?? '', flags, coarse: coarseHealth(flags), excluded: false, healthFlags: healthFlagsString(flags) };
  }

  /** Kong only makes targets of ready endpoints; new ones start healthy, staying ones keep their state. */
  private setTargets(endpoints: readonly ir.Endpoint[]): boolean {
    this.views = undefined;
    const next: string[] = [];
    let changed = false;
    for (const ep of endpoints) {
      if (ep.health !== 'healthy') continue;
      const key = hostKey(ep.address, ep.port);
      if (next.includes(key)) continue;
      next.push(key);
      const e = this.entries.get(key);
      if (e) {
        changed ||= e.endpoint.weight !== ep.weight;
        e.endpoint = ep;
      } else {
        this.entries.set(key, { endpoint: ep, target: new KongTarget(), createdAt: this.deps.clock.now() });
        changed = true;
      }
    }
    for (const key of this.order) {
      if (next.includes(key)) continue;
      const e = this.entries.get(key) as Entry;
      this.prober?.release(this.probeItem(key, e).target);
      this.entries.delete(key);
      changed = true;
    }
    this.order = next;
    return changed;
  }

  /**
   * A new policy recreates the checker (its rounds restart one interval from now) but keeps every
   * target's state; no policy, or one that enables nothing, removes the checker and with it all
   * health (every target routable, fresh state if checks come back).
   */
  private configure(kong: ir.KongHealthSettings | undefined): void {
    const next = kong?.checkerEnabled ? kong : undefined;
    const key = next ? stableJson(next) : '';
    if (key === this.settingsKey) return;
    this.views = undefined;
    const wasOn = this.settings !== undefined;
    this.stopChecker();
    this.settings = next;
    this.settingsKey = key;
    if (!next) {
      for (const e of this.entries.values()) e.target.set(true);
      if (wasOn) this.notify();
      return;
    }
    this.startChecker(next);
    if (!wasOn) this.notify();
  }

  private startChecker(s: ir.KongHealthSettings): void {
    const a = s.active;
    if (a.healthy.intervalMs <= 0 && a.unhealthy.intervalMs <= 0) return;
    const prober = this.deps.probers ? this.deps.probers(a) : createKongProber(a, this.deps.clock);
    if (!prober) {
      this.log.warn(`active checks of type ${a.type} are not run by Kong's health checker; only passive checks apply`, { upstream: this.name });
      return;
    }
    this.prober = prober;
    this.checker = new KongActiveChecker({
      active: a,
      clock: this.deps.clock,
      prober,
      select: (side) => this.select(side),
      present: (key) => this.entries.has(key),
      report: (key, result) => this.onProbe(key, result),
    });
  }

  private stopChecker(): void {
    this.checker?.stop();
    this.checker = undefined;
    const prober = this.prober;
    this.prober = undefined;
    if (prober) for (const [key, e] of this.entries) prober.release(this.probeItem(key, e).target);
  }

  private select(side: KongSide): readonly KongProbeItem[] {
    const wanted = side === 'healthy';
    return this.order.filter((key) => (this.entries.get(key) as Entry).target.routable === wanted).map((key) => this.probeItem(key, this.entries.get(key) as Entry));
  }

  /** Probes go to the target's address with `Host` = its hostname, else its IP (no port). */
  private probeItem(key: string, e: Entry): KongProbeItem {
    const ep = e.endpoint;
    return { key, target: { address: ep.address, port: ep.port, authority: ep.healthCheckHostname ?? ep.hostname ?? ep.address } };
  }

  private onProbe(key: string, result: ProbeResult): void {
    const s = this.settings;
    if (!s) return;
    const counter = classifyProbe(result, s.active);
    if (counter) this.apply(key, counter, limitOf(counter, s.active), 'active');
  }

  private apply(key: string, counter: KongCounter, limit: number, cause: KongCause): void {
    const e = this.entries.get(key);
    if (!e) return;
    const effect = e.target.report(counter, limit, cause);
    if (!effect) return;
    const dir = counter === 'success' ? 'healthy' : 'unhealthy';
    this.log.debug(`${dir} ${COUNTER_TEXT[counter]} increment (${effect.value}/${limit}) for '${this.describe(key)}'`, { upstream: this.name, source: cause });
    if (!effect.transition) return;
    this.log.info(`'${this.describe(key)}' is now ${effect.transition.to}`, { upstream: this.name, from: effect.transition.from, source: cause });
    this.notify();
  }

  private describe(key: string): string {
    const ep = this.entries.get(key)?.endpoint;
    return `${ep?.hostname ?? ep?.address ?? ''}(${key})`;
  }

  private notify(): void {
    this.views = undefined;
    for (const l of [...this.listeners]) l();
  }
}
