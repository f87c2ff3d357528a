/**
 * Gloo `healthChecks[]` and `outlierDetection` -> IR, field by field, with Gloo's own validation
 * errors (and healthplane's decisions: healthyThreshold defaults to 1 with a warning; zero or absent
 * timeout/interval, empty path and maxEjectionPercent > 100 are errors). Returns undefined when the
 * section is unusable; the caller then builds the backend without it.
 */
import type { GlooHealthCheck, GlooOutlierDetection, HeaderValueOption } from '../model/gloo';
import type { Upstream } from '../model/gloo';
import type { ActiveHealthCheck, GrpcProbe, HttpProbe, OutlierDetection, TcpProbe } from '../ir/types';
import type { Report } from './failures';
import { parseGoDuration } from './durations';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'];

interface Field {
  readonly up: Upstream;
  readonly report: Report;
}

export function glooHealthCheck(hc: GlooHealthCheck, i: number, f: Field): ActiveHealthCheck | undefined {
  const at = `spec.healthChecks[${i}]`;
  const timeoutMs = requiredDuration(hc.timeout, `${at}.timeout`, f);
  const intervalMs = requiredDuration(hc.interval, `${at}.interval`, f);
  if (hc.unhealthyThreshold === undefined) f.report.error(f.up, `${at}.unhealthyThreshold`, `The field HealthCheck[${i}].UnhealthyThreshold cannot be nil`);
  if (hc.healthyThreshold === undefined) {
    f.report.warn(f.up, `${at}.healthyThreshold`, 'Defaulted', `healthChecks[${i}].healthyThreshold not set; defaulted to 1 (Gloo would reject the Upstream; set it explicitly)`);
  }
  const probe = probeOf(hc, i, f);
  const optional = optionalDurations(hc, at, f);
  if (f.report.hasErrors(f.up, at) || timeoutMs === undefined || intervalMs === undefined || !probe) return undefined;
  return {
    timeoutMs,
    intervalMs,
    ...optional,
    ...(hc.intervalJitterPercent !== undefined ? { intervalJitterPercent: hc.intervalJitterPercent } : {}),
    healthyThreshold: hc.healthyThreshold ?? 1,
    unhealthyThreshold: hc.unhealthyThreshold ?? 0,
    ...(hc.reuseConnection !== undefined ? { reuseConnection: hc.reuseConnection } : {}),
    ...(hc.eventLogPath ? { eventLogPath: hc.eventLogPath } : {}),
    ...(hc.alwaysLogHealthCheckFailures !== undefined ? { alwaysLogFailures: hc.alwaysLogHealthCheckFailures } : {}),
    probe,
  };
}

const OPTIONAL_DURATIONS = [
  ['unhealthyInterval', 'unhealthyIntervalMs'],
  ['unhealthyEdgeInterval', 'unhealthyEdgeIntervalMs'],
  ['healthyEdgeInterval', 'healthyEdgeIntervalMs'],
  ['noTrafficInterval', 'noTrafficIntervalMs'],
  ['initialJitter', 'initialJitterMs'],
  ['intervalJitter', 'intervalJitterMs'],
] as const;

function optionalDurations(hc: GlooHealthCheck, at: string, f: Field): Partial<Record<(typeof OPTIONAL_DURATIONS)[number][1], number>> {
  const out: Partial<Record<(typeof OPTIONAL_DURATIONS)[number][1], number>> = {};
  for (const [field, key] of OPTIONAL_DURATIONS) {
    const text = hc[field];
    if (text === undefined) continue;
    const jitter = field === 'initialJitter' || field === 'intervalJitter';
    const ms = duration(text, `${at}.${field}`, f, !jitter);
    if (ms !== undefined && (ms > 0 || jitter)) out[key] = ms;
  }
  return out;
}

function probeOf(hc: GlooHealthCheck, i: number, f: Field): HttpProbe | TcpProbe | GrpcProbe | undefined {
  const at = `spec.healthChecks[${i}]`;
  const kinds = (['httpHealthCheck', 'tcpHealthCheck', 'grpcHealthCheck', 'customHealthCheck'] as const).filter((k) => hc[k] !== undefined);
  if (kinds.length === 0) {
    f.report.error(f.up, at, `The field HealthCheck[${i}].HealthChecker cannot be nil`);
    return undefined;
  }
  if (kinds.length > 1) {
    f.report.error(f.up, at, `only one of ${kinds.join(', ')} may be set`);
    return undefined;
  }
  if (hc.customHealthCheck) {
    f.report.error(f.up, `${at}.customHealthCheck`, 'customHealthCheck is not supported by healthplane; use httpHealthCheck, tcpHealthCheck or grpcHealthCheck', 'Unsupported');
    return undefined;
  }
  if (hc.tcpHealthCheck) return tcpProbe(hc.tcpHealthCheck, `${at}.tcpHealthCheck`, f);
  if (hc.grpcHealthCheck) return grpcProbe(hc.grpcHealthCheck);
  return httpProbe(hc, `${at}.httpHealthCheck`, f);
}

function httpProbe(hc: GlooHealthCheck, at: string, f: Field): HttpProbe | undefined {
  const h = hc.httpHealthCheck ?? {};
  if (!h.path) f.report.error(f.up, `${at}.path`, 'path is required and must not be empty');
  else if (!h.path.startsWith('/')) f.report.error(f.up, `${at}.path`, `path "${h.path}" must start with /`);
  const method = h.method?.toUpperCase();
  if (method === 'CONNECT') f.report.error(f.up, `${at}.method`, 'method CONNECT is not allowed on http health checkers');
  else if (method !== undefined && !HTTP_METHODS.includes(method)) f.report.error(f.up, `${at}.method`, `method must be one of ${HTTP_METHODS.join(', ')}`);
  h.expectedStatuses?.forEach((r, i) => {
    if (!(r.start >= 100 && r.start < r.end && r.end <= 600)) f.report.error(f.up, `${at}.expectedStatuses[${i}]`, `range [${r.start}, ${r.end}) must satisfy 100 <= start < end <= 600`);
  });
  if (!h.path || f.report.hasErrors(f.up, at)) return undefined;
  return {
    type: 'http',
    path: h.path,
    ...(h.host ? { host: h.host } : {}),
    ...(method ? { method } : {}),
    ...(h.expectedStatuses?.length ? { expectedStatuses: h.expectedStatuses.map((r) => ({ start: r.start, end: r.end })) } : {}),
    ...(h.requestHeadersToAdd?.length ? { requestHeadersToAdd: h.requestHeadersToAdd.map(probeHeader) } : {}),
    ...(h.requestHeadersToRemove?.length ? { requestHeadersToRemove: [...h.requestHeadersToRemove] } : {}),
    ...(h.useHttp2 ? { http2: true } : {}),
    ...(h.serviceName ? { serviceNamePrefix: h.serviceName } : {}),
  };
}

function probeHeader(o: HeaderValueOption): { name: string; value: string; append: boolean } {
  return { name: o.header.key, value: o.header.value, append: o.append ?? true };
}

function tcpProbe(t: NonNullable<GlooHealthCheck['tcpHealthCheck']>, at: string, f: Field): TcpProbe | undefined {
  const hex = /^([0-9a-fA-F]{2})+$/;
  if (t.send?.text !== undefined && !hex.test(t.send.text)) f.report.error(f.up, `${at}.send.text`, 'send.text must be hex-encoded bytes');
  t.receive?.forEach((r, i) => {
    if (r.text !== undefined && !hex.test(r.text)) f.report.error(f.up, `${at}.receive[${i}].text`, 'receive.text must be hex-encoded bytes');
  });
  if (f.report.hasErrors(f.up, at)) return undefined;
  const receive = (t.receive ?? []).map((r) => r.text ?? '').filter((x) => x !== '');
  return { type: 'tcp', ...(t.send?.text ? { send: t.send.text } : {}), ...(receive.length ? { receive } : {}) };
}

function grpcProbe(g: NonNullable<GlooHealthCheck['grpcHealthCheck']>): GrpcProbe {
  const md = (g.initialMetadata ?? []).map((o) => ({ name: o.header.key, value: o.header.value }));
  return { type: 'grpc', ...(g.serviceName ? { serviceName: g.serviceName } : {}), ...(g.authority ? { authority: g.authority } : {}), ...(md.length ? { initialMetadata: md } : {}) };
}

const PERCENT_FIELDS = ['maxEjectionPercent', 'enforcingConsecutive5xx', 'enforcingSuccessRate', 'enforcingConsecutiveGatewayFailure', 'enforcingConsecutiveLocalOriginFailure', 'enforcingLocalOriginSuccessRate'] as const;
const COUNT_FIELDS = ['consecutive5xx', 'successRateMinimumHosts', 'successRateRequestVolume', 'successRateStdevFactor', 'consecutiveGatewayFailure', 'consecutiveLocalOriginFailure'] as const;

export function glooOutlierDetection(od: GlooOutlierDetection, f: Field): OutlierDetection | undefined {
  const at = 'spec.outlierDetection';
  if (od.interval === undefined) f.report.error(f.up, `${at}.interval`, 'The field OutlierDetection.HealthChecker.Interval cannot be nil');
  const intervalMs = od.interval === undefined ? undefined : duration(od.interval, `${at}.interval`, f, true);
  const baseMs = od.baseEjectionTime === undefined ? undefined : duration(od.baseEjectionTime, `${at}.baseEjectionTime`, f, true);
  for (const k of PERCENT_FIELDS) {
    const v = od[k];
    if (v !== undefined && (v < 0 || v > 100)) f.report.error(f.up, `${at}.${k}`, `${k} ${v} is not a percentage in 0-100`);
  }
  for (const k of COUNT_FIELDS) {
    const v = od[k];
    if (v !== undefined && v < 0) f.report.error(f.up, `${at}.${k}`, `${k} must not be negative`);
  }
  if (f.report.hasErrors(f.up, at)) return undefined;
  const out: Record<string, number | boolean> = {};
  for (const k of [...COUNT_FIELDS, ...PERCENT_FIELDS]) if (od[k] !== undefined) out[k] = od[k] as number;
  if (intervalMs !== undefined) out.intervalMs = intervalMs;
  if (baseMs !== undefined) out.baseEjectionTimeMs = baseMs;
  if (od.splitExternalLocalOriginErrors !== undefined) out.splitExternalLocalOriginErrors = od.splitExternalLocalOriginErrors;
  return ordered(out);
}

/** Keys in the order of the IR type, so that goldens read the same way for every source. */
function ordered(o: Record<string, number | boolean>): OutlierDetection {
  const order = ['consecutive5xx', 'intervalMs', 'baseEjectionTimeMs', 'maxEjectionTimeMs', 'maxEjectionPercent', 'enforcingConsecutive5xx', 'enforcingSuccessRate', 'successRateMinimumHosts', 'successRateRequestVolume', 'successRateStdevFactor', 'consecutiveGatewayFailure', 'enforcingConsecutiveGatewayFailure', 'splitExternalLocalOriginErrors', 'consecutiveLocalOriginFailure', 'enforcingConsecutiveLocalOriginFailure', 'enforcingLocalOriginSuccessRate'];
  const out: Record<string, number | boolean> = {};
  for (const k of order) if (o[k] !== undefined) out[k] = o[k] as number | boolean;
  return out as OutlierDetection;
}

function requiredDuration(text: string | undefined, path: string, f: Field): number | undefined {
  if (text === undefined) {
    f.report.error(f.up, path, `${path.split('.').pop()} is required`);
    return undefined;
  }
  return duration(text, path, f, true);
}

/** Parses a Go duration; with `positive`, zero is an error (Envoy requires > 0). */
export function duration(text: string, path: string, f: Field, positive: boolean): number | undefined {
  const parsed = parseGoDuration(text);
  if (!parsed.ok) {
    f.report.error(f.up, path, parsed.message);
    return undefined;
  }
  if (positive && parsed.ms <= 0) {
    f.report.error(f.up, path, `${path.split('.').pop()} must be greater than 0`);
    return undefined;
  }
  return parsed.ms;
}
