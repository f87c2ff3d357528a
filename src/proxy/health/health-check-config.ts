/**
 * Active health check settings with Envoy's defaults filled in (spec §2), and the interval rule of
 * §3.4 (edge intervals, no-traffic intervals, both jitters). Pure: receives an ir.ActiveHealthCheck
 * and a Random, emits numbers in ms. Never arms a timer itself.
 */
import type { Random } from '../../clock';
import { ENVOY_DEFAULTS } from '../../ir/defaults';
import type * as ir from '../../ir/types';

/** Fields Envoy has that the IR does not carry (yet); accepted structurally when present. */
export interface HealthCheckExtras {
  readonly alwaysLogSuccess?: boolean;
}

export interface HealthCheckConfig {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly unhealthyEdgeIntervalMs: number;
  readonly healthyEdgeIntervalMs: number;
  readonly noTrafficIntervalMs: number;
  readonly noTrafficHealthyIntervalMs: number;
  readonly initialJitterMs: number;
  readonly intervalJitterMs: number;
  readonly intervalJitterPercent: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly reuseConnection: boolean;
  readonly alwaysLogFailures: boolean;
  readonly alwaysLogSuccess: boolean;
  readonly probe: ir.HttpProbe | ir.TcpProbe | ir.GrpcProbe;
}

export function resolveHealthCheck(hc: ir.ActiveHealthCheck & HealthCheckExtras): HealthCheckConfig {
  const unhealthyIntervalMs = hc.unhealthyIntervalMs ?? hc.intervalMs;
  const noTrafficIntervalMs = hc.noTrafficIntervalMs ?? ENVOY_DEFAULTS.healthCheck.noTrafficIntervalMs;
  return {
    timeoutMs: hc.timeoutMs,
    intervalMs: hc.intervalMs,
    unhealthyIntervalMs,
    unhealthyEdgeIntervalMs: hc.unhealthyEdgeIntervalMs ?? unhealthyIntervalMs,
    healthyEdgeIntervalMs: hc.healthyEdgeIntervalMs ?? hc.intervalMs,
    noTrafficIntervalMs,
    noTrafficHealthyIntervalMs: hc.noTrafficHealthyIntervalMs ?? noTrafficIntervalMs,
    initialJitterMs: hc.initialJitterMs ?? 0,
    intervalJitterMs: hc.intervalJitterMs ?? 0,
    intervalJitterPercent: hc.intervalJitterPercent ?? 0,
    healthyThreshold: hc.healthyThreshold,
    unhealthyThreshold: hc.unhealthyThreshold,
    reuseConnection: hc.reuseConnection ?? ENVOY_DEFAULTS.healthCheck.reuseConnection,
    alwaysLogFailures: hc.alwaysLogFailures ?? false,
    alwaysLogSuccess: hc.alwaysLogSuccess ?? false,
    probe: hc.probe,
  };
}

/** Envoy's HealthTransition: did this result flip the host, start a flip, or change nothing. */
export type Transition = 'Unchanged' | 'Changed' | 'ChangePending';
export type ProbeOutcome = 'Healthy' | 'Unhealthy';

/** `random % n` for a non-negative integer n (0 when n is 0). */
export function randomBelow(random: Random, n: number): number {
  if (n <= 0) return 0;
  return Math.min(n - 1, Math.floor(random.next() * n));
}

/** The next interval after a probe result (spec §3.4). */
export function nextInterval(
  c: HealthCheckConfig,
  outcome: ProbeOutcome,
  transition: Transition,
  hadTraffic: boolean,
  random: Random,
): number {
  const pending = transition === 'ChangePending';
  let base: number;
  if (hadTraffic) {
    if (outcome === 'Unhealthy') base = pending ? c.unhealthyEdgeIntervalMs : c.unhealthyIntervalMs;
    else base = pending ? c.healthyEdgeIntervalMs : c.intervalMs;
  } else {
    base = outcome === 'Healthy' && !pending ? c.noTrafficHealthyIntervalMs : c.noTrafficIntervalMs;
  }
  return jittered(c, base, random);
}

/** Adds interval_jitter_percent and interval_jitter to `baseMs`, at least 1 ms. */
export function jittered(c: HealthCheckConfig, baseMs: number, random: Random): number {
  let ms = baseMs;
  const pct = Math.floor((c.intervalJitterPercent * baseMs) / 100);
  if (pct > 0) ms += randomBelow(random, pct);
  if (c.intervalJitterMs > 0) ms += randomBelow(random, c.intervalJitterMs);
  return Math.max(1, ms);
}

/** Delay of a host's first probe: 0 without initial_jitter, else random % initial_jitter, min 1 ms. */
export function initialDelay(c: HealthCheckConfig, random: Random): number {
  if (c.initialJitterMs <= 0) return 0;
  return Math.max(1, randomBelow(random, c.initialJitterMs));
}
