/**
 * Kong health settings -> the Envoy health configuration that comes closest (resources.md §2.7),
 * and warnings for every Kong behaviour Envoy cannot reproduce that this policy relies on. The
 * native Kong engine runs the exact semantics from ir.KongHealthSettings instead.
 */
import type { KongUpstreamPolicy } from '../model/kong';
import type { ActiveHealthCheck, KongHealthSettings, OutlierDetection } from '../ir/types';
import { NEVER_MS } from '../ir/defaults';
import type { Report } from './failures';
import { toStatusRanges } from './status-ranges';

/** What a Kong policy sets on every backend it configures. */
export interface KongEnvoyHealth {
  readonly healthCheck?: ActiveHealthCheck;
  readonly outlierDetection?: OutlierDetection;
  readonly healthyPanicThresholdPercent: number;
  readonly ignoreHealthOnHostRemoval: boolean;
}

/** Envoy needs an unhealthy threshold; "never by count" is the largest uint32. */
export const NEVER_COUNT = 4294967295;

export function kongToEnvoy(s: KongHealthSettings): KongEnvoyHealth {
  const healthCheck = activeCheck(s);
  const outlierDetection = passiveOutlier(s);
  return {
    ...(healthCheck ? { healthCheck } : {}),
    ...(outlierDetection ? { outlierDetection } : {}),
    healthyPanicThresholdPercent: 0,
    ignoreHealthOnHostRemoval: true,
  };
}

function activeEnabled(s: KongHealthSettings): boolean {
  return s.active.healthy.intervalMs > 0 || s.active.unhealthy.intervalMs > 0;
}

function passiveEnabled(s: KongHealthSettings): boolean {
  const u = s.passive.unhealthy;
  return u.httpFailures > 0 || u.tcpFailures > 0 || u.timeouts > 0;
}

function smallestNonZero(...values: number[]): number | undefined {
  const nz = values.filter((v) => v > 0);
  return nz.length ? Math.min(...nz) : undefined;
}

function activeCheck(s: KongHealthSettings): ActiveHealthCheck | undefined {
  if (!activeEnabled(s)) return undefined;
  const a = s.active;
  const intervalMs = a.healthy.intervalMs || NEVER_MS;
  const unhealthyIntervalMs = a.unhealthy.intervalMs || NEVER_MS;
  return {
    timeoutMs: a.timeoutMs,
    intervalMs,
    unhealthyIntervalMs,
    // While a cluster has carried no traffic Envoy uses no_traffic_* intervals; Kong probes regardless.
    noTrafficIntervalMs: unhealthyIntervalMs,
    ...(intervalMs !== unhealthyIntervalMs ? { noTrafficHealthyIntervalMs: intervalMs } : {}),
    healthyThreshold: a.healthy.successes || 1,
    unhealthyThreshold: smallestNonZero(a.unhealthy.httpFailures, a.unhealthy.tcpFailures, a.unhealthy.timeouts) ?? NEVER_COUNT,
    probe: probe(s),
  };
}

function probe(s: KongHealthSettings): ActiveHealthCheck['probe'] {
  const a = s.active;
  if (a.type === 'tcp') return { type: 'tcp' };
  if (a.type === 'grpc' || a.type === 'grpcs') return { type: 'grpc' };
  const healthy = new Set(a.healthy.httpStatuses);
  const retriable = a.unhealthy.httpStatuses.filter((c) => !healthy.has(c));
  return {
    type: 'http',
    path: a.httpPath,
    expectedStatuses: toStatusRanges(a.healthy.httpStatuses),
    ...(retriable.length ? { retriableStatuses: toStatusRanges(retriable) } : {}),
    ...(a.headers.length ? { requestHeadersToAdd: a.headers.map((h) => ({ name: h.name, value: h.value, append: true })) } : {}),
  };
}

function passiveOutlier(s: KongHealthSettings): OutlierDetection | undefined {
  if (!passiveEnabled(s)) return undefined;
  const u = s.passive.unhealthy;
  const localOrigin = smallestNonZero(u.tcpFailures, u.timeouts);
  return {
    ...(u.httpFailures > 0 ? { consecutive5xx: u.httpFailures } : {}),
    baseEjectionTimeMs: NEVER_MS,
    maxEjectionTimeMs: NEVER_MS,
    maxEjectionPercent: 100,
    enforcingConsecutive5xx: u.httpFailures > 0 ? 100 : 0,
    enforcingSuccessRate: 0,
    splitExternalLocalOriginErrors: true,
    ...(localOrigin !== undefined ? { consecutiveLocalOriginFailure: localOrigin } : {}),
    enforcingConsecutiveLocalOriginFailure: localOrigin !== undefined ? 100 : 0,
    enforcingLocalOriginSuccessRate: 0,
    successfulActiveHealthCheckUnejectHost: true,
  };
}

const HC = 'spec.healthchecks';

/** Warnings about this policy: Kong surprises, and Kong semantics the Envoy output only approximates. */
export function warnKongSemantics(p: KongUpstreamPolicy, s: KongHealthSettings, report: Report): void {
  const w = (path: string, reason: string, message: string): void => report.warn(p, path, reason, message);
  if (p.spec.healthchecks && !s.checkerEnabled) {
    w(HC, 'ChecksDisabled', 'every interval and failure counter is 0 (Kong\'s defaults), so Kong creates no health checker and every target stays routable; set active.healthy.interval and active.unhealthy.interval, or passive.unhealthy.httpFailures, to enable checks');
  }
  if (s.threshold > 0) {
    w(`${HC}.threshold`, 'NotInEnvoy', `threshold ${s.threshold} (fail the whole upstream below ${s.threshold}% healthy weight) has no Envoy equivalent and applies only in native proxy mode`);
  }
  if (activeEnabled(s)) warnActive(s, w);
  if (passiveEnabled(s)) warnPassive(s, activeEnabled(s), w);
}

type Warn = (path: string, reason: string, message: string) => void;

function warnActive(s: KongHealthSettings, w: Warn): void {
  const a = s.active;
  if (a.healthy.intervalMs === 0) w(`${HC}.active.healthy.interval`, 'HealthyTargetsNeverProbed', 'healthy.interval is 0: healthy targets are never probed, so only passive checks can mark them unhealthy (Envoy probes them once a year); set healthy.interval to probe them');
  if (a.unhealthy.intervalMs === 0) w(`${HC}.active.unhealthy.interval`, 'NoActiveRecovery', 'unhealthy.interval is 0: unhealthy targets are never probed again, so they never recover; set unhealthy.interval');
  if (a.healthy.successes === 0) w(`${HC}.active.healthy.successes`, 'NoActiveRecovery', 'healthy.successes is 0: Kong ignores successful probes, so an unhealthy target never recovers (Envoy needs a threshold and uses 1); set healthy.successes');
  const u = a.unhealthy;
  if (u.httpFailures === 0 && u.tcpFailures === 0 && u.timeouts === 0) {
    w(`${HC}.active.unhealthy`, 'ActiveFailuresIgnored', 'every active failure counter is 0: probes never mark a target unhealthy in Kong; Envoy still fails a probe at once on a status outside healthy.httpStatuses and unhealthy.httpStatuses; set unhealthy.httpFailures');
  } else if (!(u.httpFailures === u.tcpFailures && u.tcpFailures === u.timeouts)) {
    w(`${HC}.active.unhealthy`, 'CountersMerged', `Kong counts HTTP failures (${u.httpFailures}), TCP failures (${u.tcpFailures}) and timeouts (${u.timeouts}) separately, 0 meaning "ignored"; Envoy counts all three toward one threshold (${smallestNonZero(u.httpFailures, u.tcpFailures, u.timeouts)}), so e.g. refused connections also mark targets unhealthy there; native proxy mode keeps Kong's counters`);
  }
  if (a.type === 'grpc') w(`${HC}.active.type`, 'EnvoyOnly', 'Kong cannot run grpc probes (its health checker only speaks http, https and tcp); only Envoy will probe with gRPC');
}

function warnPassive(s: KongHealthSettings, active: boolean, w: Warn): void {
  const ps = s.passive;
  if (!active) w(`${HC}.passive`, 'PassiveNeverRecovers', 'with passive checks only, a target marked unhealthy never comes back (Envoy ejects it for a year); add active checks with unhealthy.interval and healthy.successes to bring targets back');
  if (ps.healthy.successes === 0) w(`${HC}.passive.healthy.successes`, 'SuccessesIgnored', 'passive healthy.successes is 0: Kong does not reset the failure count on success, so failures add up across successes; Envoy always resets on a non-5xx response; set healthy.successes (any value > 0) for the same behaviour in both');
  if (ps.unhealthy.httpFailures > 0) {
    w(`${HC}.passive.unhealthy.httpStatuses`, 'StatusesApproximated', `Kong counts only the statuses ${ps.unhealthy.httpStatuses.join(', ')} as failures; Envoy counts every 5xx response and no 4xx; native proxy mode keeps Kong's list`);
  }
}
