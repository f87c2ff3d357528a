/**
 * OutlierDetector: Envoy's passive health checking for one cluster (spec §4–§5, §8.2, §9):
 * consecutive 5xx / gateway / local-origin detectors, success-rate and failure-percentage sweeps,
 * ejection with decaying backoff, jitter and the strict max_ejection_percent. Receives request
 * outcomes and active-HC results; emits FAILED_OUTLIER_CHECK through HostHealth, outlier events
 * and outlier_detection.* stats. Never touches active-HC or EDS flags.
 */
import type { Clock, Random, TimerHandle } from '../../clock';
import type { Stats } from '../stats';
import { HostFlag, type OutlierSummary, type RequestOutcome } from './cluster-health';
import { outlierEventLine, type EventSink, type OutlierType, type RateFacts } from './event-log';
import { randomBelow, type ProbeOutcome } from './health-check-config';
import type { HostHealth } from './host-health';
import type { OutlierConfig } from './outlier-config';
import { OutlierHostMonitor, type ConsecutiveType } from './outlier-host-monitor';
import { successRateThreshold, type SuccessRateBuckets } from './success-rate';

export interface OutlierDetectorOptions {
  readonly cluster: string;
  readonly config: OutlierConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly stats: Stats;
  readonly events: EventSink;
  /** Called after an ejection or un-ejection (host-set rebuild). */
  readonly onChange?: () => void;
}

/** Stat infix of each detector (`ejections_enforced_<infix>`, `ejections_detected_<infix>`). */
const STAT: Record<OutlierType, string> = {
  CONSECUTIVE_5XX: 'consecutive_5xx',
  CONSECUTIVE_GATEWAY_FAILURE: 'consecutive_gateway_failure',
  SUCCESS_RATE: 'success_rate',
  CONSECUTIVE_LOCAL_ORIGIN_FAILURE: 'consecutive_local_origin_failure',
  SUCCESS_RATE_LOCAL_ORIGIN: 'local_origin_success_rate',
  FAILURE_PERCENTAGE: 'failure_percentage',
  FAILURE_PERCENTAGE_LOCAL_ORIGIN: 'local_origin_failure_percentage',
};

type Kind = 'external' | 'localOrigin';

/** No detector fired (shared: a plain success allocates nothing here). */
const NONE_FIRED: readonly ConsecutiveType[] = [];

interface Tracked {
  readonly host: HostHealth;
  readonly monitor: OutlierHostMonitor;
}

export class OutlierDetector {
  private readonly hosts = new Map<string, Tracked>();
  private readonly prefix: string;
  private ejectionsActive = 0;
  private sweepTimer: TimerHandle | undefined;
  private summaryNumbers = { external: { mean: -1, threshold: -1 }, localOrigin: { mean: -1, threshold: -1 } };

  constructor(private readonly o: OutlierDetectorOptions) {
    this.prefix = `cluster.${o.cluster}.outlier_detection.`;
    o.stats.add(this.prefix + 'ejections_active', 0);
    for (const name of ['ejections_overflow', 'ejections_enforced_total', 'ejections_total', 'ejections_consecutive_5xx', 'ejections_success_rate']) {
      o.stats.inc(this.prefix + name, 0);
    }
    for (const infix of Object.values(STAT)) {
      o.stats.inc(`${this.prefix}ejections_enforced_${infix}`, 0);
      o.stats.inc(`${this.prefix}ejections_detected_${infix}`, 0);
    }
    this.arm();
  }

  get config(): OutlierConfig {
    return this.o.config;
  }

  addHost(host: HostHealth): void {
    if (this.hosts.has(host.key)) return;
    this.hosts.set(host.key, { host, monitor: new OutlierHostMonitor(this.o.config) });
  }

  /** Drops the host's monitor; an ejected host leaves ejections_active (§5.8). */
  removeHost(key: string): void {
    const t = this.hosts.get(key);
    if (!t) return;
    this.hosts.delete(key);
    if (t.host.has(HostFlag.FAILED_OUTLIER_CHECK)) this.setActive(this.ejectionsActive - 1);
  }

  /** Feeds one forwarded request's outcome to the host's monitor (§5.2). */
  putResult(key: string, outcome: RequestOutcome): void {
    const t = this.hosts.get(key);
    if (!t) return;
    const split = this.o.config.splitExternalLocalOriginErrors;
    let fired: readonly ConsecutiveType[] = NONE_FIRED;
    switch (outcome.type) {
      case 'response':
        fired = t.monitor.httpStatus(outcome.status);
        break;
      case 'connect-failure':
        fired = split ? t.monitor.localOriginFailure() : t.monitor.httpStatus(503);
        break;
      case 'timeout':
        fired = split ? t.monitor.localOriginFailure() : t.monitor.httpStatus(504);
        break;
      case 'connect-success':
        if (split) t.monitor.localOriginSuccess();
        break;
    }
    for (const type of fired) this.detectConsecutive(t, type);
  }

  /** Host-check-complete hook (§5.7): a passing probe ends an ejection at once. */
  onActiveCheck(host: HostHealth, outcome: ProbeOutcome): void {
    if (!this.o.config.successfulActiveHealthCheckUnejectHost) return;
    const t = this.hosts.get(host.key);
    if (!t || outcome !== 'Healthy') return;
    if (!host.has(HostFlag.FAILED_ACTIVE_HC) && host.has(HostFlag.FAILED_OUTLIER_CHECK)) this.uneject(t);
  }

  summary(): OutlierSummary {
    const s = this.summaryNumbers;
    return {
      successRateAverage: s.external.mean,
      successRateEjectionThreshold: s.external.threshold,
      localOriginSuccessRateAverage: s.localOrigin.mean,
      localOriginSuccessRateEjectionThreshold: s.localOrigin.threshold,
    };
  }

  /** Stops the sweep; every ejected host leaves ejections_active (detector destroyed, §5.8). */
  stop(): void {
    this.o.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const key of [...this.hosts.keys()]) this.removeHost(key);
  }

  private arm(): void {
    this.sweepTimer = this.o.clock.setTimeout(() => this.sweep(), this.o.config.intervalMs);
  }

  private setActive(n: number): void {
    this.ejectionsActive = Math.max(0, n);
    this.o.stats.set(this.prefix + 'ejections_active', this.ejectionsActive);
  }

  private detectConsecutive(t: Tracked, type: ConsecutiveType): void {
    if (t.host.has(HostFlag.FAILED_OUTLIER_CHECK)) return;
    this.o.stats.inc(`${this.prefix}ejections_detected_${STAT[type]}`);
    this.eject(t, type);
    t.monitor.resetConsecutive(type);
    if (type === 'CONSECUTIVE_5XX') this.o.stats.inc(this.prefix + 'ejections_consecutive_5xx');
  }

  private enforcingPercent(type: OutlierType): number {
    const c = this.o.config;
    const map: Record<OutlierType, number> = {
      CONSECUTIVE_5XX: c.enforcingConsecutive5xx,
      CONSECUTIVE_GATEWAY_FAILURE: c.enforcingConsecutiveGatewayFailure,
      SUCCESS_RATE: c.enforcingSuccessRate,
      CONSECUTIVE_LOCAL_ORIGIN_FAILURE: c.enforcingConsecutiveLocalOriginFailure,
      SUCCESS_RATE_LOCAL_ORIGIN: c.enforcingLocalOriginSuccessRate,
      FAILURE_PERCENTAGE: c.enforcingFailurePercentage,
      FAILURE_PERCENTAGE_LOCAL_ORIGIN: c.enforcingFailurePercentageLocalOrigin,
    };
    return map[type];
  }

  /** `random % 100 < enforcing_<type>`; no draw when the answer is certain (0 or ≥ 100). */
  private enforced(type: OutlierType): boolean {
    const pct = this.enforcingPercent(type);
    if (pct <= 0) return false;
    if (pct >= 100) return true;
    return randomBelow(this.o.random, 100) < pct;
  }

  private ejectionAllowed(): boolean {
    const c = this.o.config;
    const pct = (100 * (this.ejectionsActive + 1)) / this.hosts.size;
    const allowed = pct <= Math.min(100, c.maxEjectionPercent);
    return allowed || (c.alwaysEjectOneHost && this.ejectionsActive === 0);
  }

  /** ejectHost (§5.4). */
  private eject(t: Tracked, type: OutlierType, rates?: RateFacts): void {
    const s = this.o.stats;
    if (!this.ejectionAllowed()) {
      s.inc(this.prefix + 'ejections_overflow');
      return;
    }
    if (type === 'CONSECUTIVE_5XX' || type === 'SUCCESS_RATE') s.inc(this.prefix + 'ejections_total');
    const m = t.monitor;
    const now = this.o.clock.now();
    const enforced = this.enforced(type);
    if (enforced) {
      const c = this.o.config;
      this.setActive(this.ejectionsActive + 1);
      s.inc(this.prefix + 'ejections_enforced_total');
      s.inc(`${this.prefix}ejections_enforced_${STAT[type]}`);
      t.host.set(HostFlag.FAILED_OUTLIER_CHECK);
      m.numEjections += 1;
      m.lastEjectionMs = now;
      m.jitterMs = c.maxEjectionTimeJitterMs > 0 ? randomBelow(this.o.random, c.maxEjectionTimeJitterMs + 1) : 0;
      if (m.backoff * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) m.backoff += 1;
    }
    this.log({ t, action: 'EJECT', type, enforced, rates, lastActionMs: m.lastUnejectionMs });
    if (enforced) this.o.onChange?.();
  }

  /** unejectHost (§5.5). */
  private uneject(t: Tracked): void {
    const m = t.monitor;
    this.setActive(this.ejectionsActive - 1);
    t.host.clear(HostFlag.FAILED_OUTLIER_CHECK);
    m.resetAllConsecutive();
    const lastEjection = m.lastEjectionMs;
    m.lastUnejectionMs = this.o.clock.now();
    this.log({ t, action: 'UNEJECT', enforced: false, lastActionMs: lastEjection });
    this.o.onChange?.();
  }

  private log(e: {
    t: Tracked;
    action: 'EJECT' | 'UNEJECT';
    type?: OutlierType;
    enforced: boolean;
    rates?: RateFacts | undefined;
    lastActionMs: number | undefined;
  }): void {
    const line = outlierEventLine({
      cluster: this.o.cluster,
      upstreamUrl: e.t.host.key,
      action: e.action,
      ...(e.type ? { type: e.type } : {}),
      numEjections: e.t.monitor.numEjections,
      enforced: e.enforced,
      ...(e.rates ? { rates: e.rates } : {}),
      nowMs: this.o.clock.now(),
      ...(e.lastActionMs !== undefined ? { lastActionMs: e.lastActionMs } : {}),
    });
    this.o.events.write(line);
  }

  /** The interval sweep (§5.5). */
  private sweep(): void {
    const c = this.o.config;
    const now = this.o.clock.now();
    for (const t of this.hosts.values()) {
      const m = t.monitor;
      if (t.host.has(HostFlag.FAILED_OUTLIER_CHECK) && m.lastEjectionMs !== undefined) {
        const duration = Math.min(c.baseEjectionTimeMs * m.backoff, c.maxEjectionTimeMs) + m.jitterMs;
        if (duration <= now - m.lastEjectionMs) this.uneject(t);
      }
      m.external.swap();
      m.localOrigin.swap();
      t.host.successRate = -1;
      t.host.localOriginSuccessRate = -1;
    }
    this.processRates('external');
    this.processRates('localOrigin');
    for (const t of this.hosts.values()) {
      const m = t.monitor;
      if (t.host.has(HostFlag.FAILED_OUTLIER_CHECK)) continue;
      if (m.lastUnejectionMs !== undefined && now - m.lastUnejectionMs >= c.intervalMs && m.backoff > 0) m.backoff -= 1;
    }
    this.arm();
  }

  /** processSuccessRateEjections for one monitor kind (§5.6). */
  private processRates(kind: Kind): void {
    const c = this.o.config;
    this.summaryNumbers[kind] = { mean: -1, threshold: -1 };
    const total = this.hosts.size;
    if (total < c.successRateMinimumHosts && total < c.failurePercentageMinimumHosts) return;
    const sr: { t: Tracked; rate: number }[] = [];
    const fp: { t: Tracked; rate: number }[] = [];
    const minVolume = Math.min(c.successRateRequestVolume, c.failurePercentageRequestVolume);
    for (const t of this.hosts.values()) {
      if (t.host.has(HostFlag.FAILED_OUTLIER_CHECK)) continue;
      const buckets: SuccessRateBuckets = kind === 'external' ? t.monitor.external : t.monitor.localOrigin;
      const last = buckets.lastInterval();
      if (!last) continue;
      if (last.volume >= minVolume) {
        if (kind === 'external') t.host.successRate = last.rate;
        else t.host.localOriginSuccessRate = last.rate;
      }
      if (last.volume >= c.successRateRequestVolume) sr.push({ t, rate: last.rate });
      if (last.volume >= c.failurePercentageRequestVolume) fp.push({ t, rate: last.rate });
    }
    if (sr.length > 0 && sr.length >= c.successRateMinimumHosts) this.successRateEjections(kind, sr);
    if (fp.length > 0 && fp.length >= c.failurePercentageMinimumHosts) this.failurePercentageEjections(kind, fp);
  }

  private successRateEjections(kind: Kind, sr: readonly { t: Tracked; rate: number }[]): void {
    const { mean, threshold } = successRateThreshold(
      sr.map((x) => x.rate),
      this.o.config.successRateStdevFactor,
    );
    this.summaryNumbers[kind] = { mean, threshold };
    const type: OutlierType = kind === 'external' ? 'SUCCESS_RATE' : 'SUCCESS_RATE_LOCAL_ORIGIN';
    for (const { t, rate } of sr) {
      if (rate >= threshold) continue;
      this.o.stats.inc(this.prefix + 'ejections_success_rate');
      this.o.stats.inc(`${this.prefix}ejections_detected_${STAT[type]}`);
      this.eject(t, type, { hostSuccessRate: rate, clusterAverageSuccessRate: mean, clusterSuccessRateEjectionThreshold: threshold });
    }
  }

  private failurePercentageEjections(kind: Kind, fp: readonly { t: Tracked; rate: number }[]): void {
    const type: OutlierType = kind === 'external' ? 'FAILURE_PERCENTAGE' : 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';
    for (const { t, rate } of fp) {
      if (100 - rate < this.o.config.failurePercentageThreshold) continue;
      // Envoy re-ejects hosts SR just ejected (double count); the spec asks us to skip them (§10.10).
      if (t.host.has(HostFlag.FAILED_OUTLIER_CHECK)) continue;
      this.o.stats.inc(`${this.prefix}ejections_detected_${STAT[type]}`);
      this.eject(t, type, { hostSuccessRate: rate, clusterAverageSuccessRate: 0, clusterSuccessRateEjectionThreshold: 0 });
    }
  }
}
