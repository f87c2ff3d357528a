/**
 * HealthCheckSession: Envoy's per-host active health check state machine (spec §3.1–§3.3, §3.5).
 * Receives probe results from a Prober and passive signals from the proxy; changes the host's
 * HC flags through HostHealth, writes HC events and health_check.* stats through its context, and
 * schedules the next probe on the injected Clock. Never touches outlier or EDS flags.
 */
import type { Clock, Random, TimerHandle } from '../../clock';
import type * as ir from '../../ir/types';
import { HostFlag } from './cluster-health';
import type { HcEventBody, HcFailureType } from './event-log';
import {
  initialDelay,
  nextInterval,
  type HealthCheckConfig,
  type ProbeOutcome,
  type Transition,
} from './health-check-config';
import type { HostHealth } from './host-health';
import type { ProbeHandle, ProbeResult, Prober, ProbeTarget } from './prober';

/** What a session needs from its checker: shared stats, the event log, traffic mode, callbacks. */
export interface SessionContext {
  readonly config: HealthCheckConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly prober: Prober;
  /** Adds to a health_check.* counter or gauge of the cluster. */
  count(stat: 'attempt' | 'success' | 'failure' | 'network_failure' | 'passive_failure' | 'verify_cluster'): void;
  gauge(stat: 'healthy' | 'degraded', delta: number): void;
  log(host: HostHealth, body: HcEventBody): void;
  hadTraffic(): boolean;
  /** Envoy's host-check-complete callbacks (outlier un-eject, pending removal, rebuild). */
  complete(host: HostHealth, transition: Transition, outcome: ProbeOutcome): void;
}

type Verdict = (
  | { readonly ok: true; readonly degraded: boolean }
  | { readonly ok: false; readonly type: HcFailureType; readonly retriable: boolean; readonly immediateFail: boolean }
) & {
  /** The cluster identity header was checked (health_check.verify_cluster). */
  readonly verified?: boolean;
};

function inRanges(status: number, ranges: readonly ir.StatusRange[] | undefined): boolean {
  return (ranges ?? []).some((r) => status >= r.start && status < r.end);
}

const DEFAULT_EXPECTED: readonly ir.StatusRange[] = [{ start: 200, end: 201 }];

/** Classifies an HTTP answer per §3.5: expected statuses, retriable statuses, identity, degraded. */
function httpVerdict(probe: ir.HttpProbe, r: Extract<ProbeResult, { kind: 'http' }>): Verdict {
  const expected = probe.expectedStatuses && probe.expectedStatuses.length > 0 ? probe.expectedStatuses : DEFAULT_EXPECTED;
  if (!inRanges(r.status, expected)) {
    const retriable = inRanges(r.status, probe.retriableStatuses);
    return { ok: false, type: 'ACTIVE', retriable, immediateFail: r.immediateFail };
  }
  if (probe.serviceNamePrefix === undefined) return { ok: true, degraded: r.degraded };
  if (!r.healthcheckedCluster.startsWith(probe.serviceNamePrefix)) {
    return { ok: false, type: 'ACTIVE', retriable: false, immediateFail: false, verified: true };
  }
  return { ok: true, degraded: r.degraded, verified: true };
}

function verdictOf(probe: HealthCheckConfig['probe'], r: ProbeResult): Verdict {
  switch (r.kind) {
    case 'http':
      if (probe.type === 'http') return httpVerdict(probe, r);
      return { ok: false, type: 'ACTIVE', retriable: false, immediateFail: false };
    case 'success':
      return { ok: true, degraded: false };
    case 'active-failure':
      return { ok: false, type: 'ACTIVE', retriable: false, immediateFail: false };
    case 'network':
      return { ok: false, type: r.failure === 'timeout' ? 'NETWORK_TIMEOUT' : 'NETWORK', retriable: false, immediateFail: false };
  }
}

export class HealthCheckSession {
  private firstCheck = true;
  private numHealthy = 0;
  private numUnhealthy = 0;
  private intervalTimer: TimerHandle | undefined;
  private inFlight: ProbeHandle | undefined;
  private stopped = false;

  constructor(
    readonly host: HostHealth,
    private readonly target: ProbeTarget,
    private readonly ctx: SessionContext,
  ) {
    if (!host.has(HostFlag.FAILED_ACTIVE_HC)) ctx.gauge('healthy', 1);
    if (host.has(HostFlag.DEGRADED_ACTIVE_HC)) ctx.gauge('degraded', 1);
  }

  /** Whether a probe result (or passive failure) has been processed yet. */
  get completedFirstCheck(): boolean {
    return !this.firstCheck;
  }

  start(): void {
    const delay = initialDelay(this.ctx.config, this.ctx.random);
    if (delay === 0) this.startProbe();
    else this.intervalTimer = this.ctx.clock.setTimeout(() => this.startProbe(), delay);
  }

  /** Destroys the session (host removed, checker stopped): gauges adjusted, probe abandoned. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.intervalTimer);
    this.inFlight?.cancel();
    this.inFlight = undefined;
    this.ctx.prober.release(this.target);
    if (!this.host.has(HostFlag.FAILED_ACTIVE_HC)) this.ctx.gauge('healthy', -1);
    if (this.host.has(HostFlag.DEGRADED_ACTIVE_HC)) this.ctx.gauge('degraded', -1);
    if (this.firstCheck) this.ctx.complete(this.host, 'Unchanged', 'Unhealthy');
  }

  /** The proxy saw `x-envoy-immediate-health-check-fail` (§3.6): fail now, timers untouched. */
  passiveFailure(): void {
    if (this.stopped) return;
    this.host.set(HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL);
    const transition = this.setUnhealthy('PASSIVE', false);
    this.ctx.complete(this.host, transition, 'Unhealthy');
  }

  private startProbe(): void {
    this.intervalTimer = undefined;
    if (this.stopped) return;
    this.ctx.count('attempt');
    this.inFlight = this.ctx.prober.probe(this.target, this.ctx.config.timeoutMs, (r) => this.onResult(r));
  }

  private onResult(result: ProbeResult): void {
    this.inFlight = undefined;
    if (this.stopped) return;
    const v = verdictOf(this.ctx.config.probe, result);
    if (v.verified) this.ctx.count('verify_cluster');
    let outcome: ProbeOutcome;
    let transition: Transition;
    if (v.ok) {
      outcome = 'Healthy';
      transition = this.setHealthy(v.degraded);
    } else {
      outcome = 'Unhealthy';
      if (v.immediateFail) this.host.set(HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL);
      transition = this.setUnhealthy(v.type, v.retriable);
    }
    this.ctx.complete(this.host, transition, outcome);
    if (this.stopped) return;
    const ms = nextInterval(this.ctx.config, outcome, transition, this.ctx.hadTraffic(), this.ctx.random);
    this.intervalTimer = this.ctx.clock.setTimeout(() => this.startProbe(), ms);
  }

  private setHealthy(degraded: boolean): Transition {
    const host = this.host;
    this.numUnhealthy = 0;
    let transition: Transition = 'Unchanged';
    if (host.has(HostFlag.FAILED_ACTIVE_HC)) {
      if (this.firstCheck || ++this.numHealthy === this.ctx.config.healthyThreshold) {
        host.clear(HostFlag.ACTIVE_HC_TIMEOUT | HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL | HostFlag.FAILED_ACTIVE_HC);
        this.ctx.gauge('healthy', 1);
        transition = 'Changed';
        this.ctx.log(host, { add_healthy_event: { first_check: this.firstCheck } });
      } else {
        transition = 'ChangePending';
      }
    }
    if (transition !== 'Changed' && this.ctx.config.alwaysLogSuccess) {
      this.ctx.log(host, { successful_health_check_event: {} });
    }
    if (host.has(HostFlag.PENDING_ACTIVE_HC)) {
      host.clear(HostFlag.PENDING_ACTIVE_HC);
      transition = 'Changed';
    }
    if (degraded !== host.has(HostFlag.DEGRADED_ACTIVE_HC)) {
      host.assign(HostFlag.DEGRADED_ACTIVE_HC, degraded);
      if (degraded) this.ctx.gauge('degraded', 1);
      this.ctx.log(host, degraded ? { degraded_healthy_host: {} } : { no_longer_degraded_host: {} });
      if (transition === 'Unchanged') transition = 'Changed';
    }
    this.ctx.count('success');
    this.firstCheck = false;
    return transition;
  }

  private setUnhealthy(type: HcFailureType, retriable: boolean): Transition {
    const host = this.host;
    this.numHealthy = 0;
    let transition: Transition = 'Unchanged';
    if (!host.has(HostFlag.FAILED_ACTIVE_HC)) {
      const immediate = (type === 'ACTIVE' || type === 'PASSIVE') && !retriable;
      if (immediate || ++this.numUnhealthy === this.ctx.config.unhealthyThreshold) {
        host.set(HostFlag.FAILED_ACTIVE_HC);
        this.ctx.gauge('healthy', -1);
        transition = 'Changed';
        this.ctx.log(host, { eject_unhealthy_event: { failure_type: type } });
      } else {
        transition = 'ChangePending';
      }
    }
    host.assign(HostFlag.ACTIVE_HC_TIMEOUT, type === 'NETWORK_TIMEOUT' && host.has(HostFlag.FAILED_ACTIVE_HC));
    if (host.has(HostFlag.PENDING_ACTIVE_HC)) {
      host.clear(HostFlag.PENDING_ACTIVE_HC);
      transition = 'Changed';
    }
    if (this.firstCheck || this.ctx.config.alwaysLogFailures) {
      this.ctx.log(host, { health_check_failure_event: { failure_type: type, first_check: this.firstCheck } });
    }
    this.ctx.count('failure');
    if (type === 'NETWORK' || type === 'NETWORK_TIMEOUT') this.ctx.count('network_failure');
    else if (type === 'PASSIVE') this.ctx.count('passive_failure');
    this.firstCheck = false;
    return transition;
  }
}
