/**
 * The checks behind validateIr(), one IR object at a time: a backend's fields, and a virtual
 * host's routes (with the "unknown backend" errors left conditional on which backends exist).
 * Pure; never throws. validate.ts assembles them for a whole IR, validate-cache.ts incrementally.
 */
import type { ActiveHealthCheck, Backend, CircuitBreakers, Listener, OutlierDetection, Route, StatusRange, VirtualHost } from './types';

export interface IrError {
  readonly path: string;
  readonly message: string;
}

/** An error of a virtual host; `unlessBackend` errors apply only when that backend is missing. */
export interface HostCheck {
  readonly error: IrError;
  readonly unlessBackend?: string;
}

/** One listener's errors, every virtual host checked. */
export function validateListener(l: Listener, hasBackend: (name: string) => boolean, errors: IrError[]): void {
  const at = `listeners[${l.name}]`;
  if (!isPort(l.port)) errors.push({ path: `${at}.port`, message: `port ${l.port} is not in 1-65535` });
  const hosts = new Set<string>();
  for (const vh of l.virtualHosts) {
    const vhAt = `${at}.virtualHosts[${vh.hostname}]`;
    if (hosts.has(vh.hostname)) errors.push({ path: vhAt, message: 'duplicate virtual host hostname' });
    hosts.add(vh.hostname);
    for (const e of hostErrors(hostChecks(vh, vhAt), hasBackend)) errors.push(e);
  }
}

/** Every check of one virtual host (`at` is its path). */
export function hostChecks(vh: VirtualHost, at: string): HostCheck[] {
  const checks: HostCheck[] = [];
  if (vh.routes.length === 0) checks.push({ error: { path: at, message: 'virtual host has no routes' } });
  vh.routes.forEach((r) => routeChecks(r, `${at}.routes[${r.name}]`, checks));
  return checks;
}

/** The errors of checks, given which backends exist. */
export function hostErrors(checks: readonly HostCheck[], hasBackend: (name: string) => boolean): IrError[] {
  const out: IrError[] = [];
  for (const c of checks) if (c.unlessBackend === undefined || !hasBackend(c.unlessBackend)) out.push(c.error);
  return out;
}

function routeChecks(r: Route, at: string, checks: HostCheck[]): void {
  if (!r.match.path.value.startsWith('/') && r.match.path.type !== 'RegularExpression') {
    checks.push({ error: { path: `${at}.match.path`, message: 'path must start with /' } });
  }
  if (r.action.type !== 'forward') return;
  if (r.action.backends.length === 0 && r.action.unresolvedWeight <= 0) {
    checks.push({ error: { path: `${at}.action`, message: 'forward action without backends (use a 500 direct response)' } });
  }
  for (const wb of r.action.backends) {
    checks.push({ error: { path: `${at}.action.backends[${wb.name}]`, message: 'unknown backend' }, unlessBackend: wb.name });
    if (!(wb.weight > 0)) checks.push({ error: { path: `${at}.action.backends[${wb.name}]`, message: 'weight must be > 0' } });
  }
}

/** Pushes the errors of one backend (`at` is its path). */
export function validateBackend(b: Backend, at: string, errors: IrError[]): void {
  if (!b.name) errors.push({ path: at, message: 'backend name is empty' });
  if (!(b.connectTimeoutMs > 0)) errors.push({ path: `${at}.connectTimeoutMs`, message: 'must be > 0' });
  b.endpoints.forEach((e, i) => {
    if (!isPort(e.port)) errors.push({ path: `${at}.endpoints[${i}].port`, message: `port ${e.port} is not in 1-65535` });
    if (!(e.weight >= 1)) errors.push({ path: `${at}.endpoints[${i}].weight`, message: 'weight must be >= 1' });
    if (!e.address) errors.push({ path: `${at}.endpoints[${i}].address`, message: 'address is empty' });
  });
  if (b.healthCheck) validateHealthCheck(b.healthCheck, `${at}.healthCheck`, errors);
  if (b.outlierDetection) validateOutlier(b.outlierDetection, `${at}.outlierDetection`, errors);
  percent(b.healthyPanicThresholdPercent, `${at}.healthyPanicThresholdPercent`, errors);
  if (b.circuitBreakers) validateCircuitBreakers(b.circuitBreakers, `${at}.circuitBreakers`, errors);
}

function validateCircuitBreakers(cb: CircuitBreakers, at: string, errors: IrError[]): void {
  for (const k of CIRCUIT_BREAKER_FIELDS) {
    const v = cb[k];
    if (v !== undefined && !isUint32(v)) errors.push({ path: `${at}.${k}`, message: `${v} is not an integer in 0-${UINT32_MAX}` });
  }
}

function validateHealthCheck(hc: ActiveHealthCheck, at: string, errors: IrError[]): void {
  const positive: (keyof ActiveHealthCheck)[] = ['timeoutMs', 'intervalMs', 'unhealthyIntervalMs', 'unhealthyEdgeIntervalMs', 'healthyEdgeIntervalMs', 'noTrafficIntervalMs', 'noTrafficHealthyIntervalMs'];
  for (const k of positive) {
    const v = hc[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0)) errors.push({ path: `${at}.${k}`, message: 'must be > 0' });
  }
  if (!Number.isInteger(hc.healthyThreshold) || hc.healthyThreshold < 0) errors.push({ path: `${at}.healthyThreshold`, message: 'must be an integer >= 0' });
  if (!Number.isInteger(hc.unhealthyThreshold) || hc.unhealthyThreshold < 0) errors.push({ path: `${at}.unhealthyThreshold`, message: 'must be an integer >= 0' });
  if (hc.probe.type !== 'http') return;
  if (!hc.probe.path) errors.push({ path: `${at}.probe.path`, message: 'path is empty' });
  if (hc.probe.method === 'CONNECT') errors.push({ path: `${at}.probe.method`, message: 'CONNECT is not allowed' });
  ranges(hc.probe.expectedStatuses, `${at}.probe.expectedStatuses`, errors);
  ranges(hc.probe.retriableStatuses, `${at}.probe.retriableStatuses`, errors);
}

function validateOutlier(od: OutlierDetection, at: string, errors: IrError[]): void {
  for (const k of ['intervalMs', 'baseEjectionTimeMs', 'maxEjectionTimeMs'] as const) {
    const v = od[k];
    if (v !== undefined && !(v > 0)) errors.push({ path: `${at}.${k}`, message: 'must be > 0' });
  }
  if (od.maxEjectionTimeMs !== undefined && od.maxEjectionTimeMs < (od.baseEjectionTimeMs ?? 30_000)) {
    errors.push({ path: `${at}.maxEjectionTimeMs`, message: 'must not be smaller than baseEjectionTimeMs' });
  }
  const pcts = ['maxEjectionPercent', 'enforcingConsecutive5xx', 'enforcingSuccessRate', 'enforcingConsecutiveGatewayFailure', 'enforcingConsecutiveLocalOriginFailure', 'enforcingLocalOriginSuccessRate'] as const;
  for (const k of pcts) percent(od[k], `${at}.${k}`, errors);
}

function ranges(list: readonly StatusRange[] | undefined, at: string, errors: IrError[]): void {
  list?.forEach((r, i) => {
    if (!(r.start >= 100 && r.start < r.end && r.end <= 600)) errors.push({ path: `${at}[${i}]`, message: `range [${r.start}, ${r.end}) must satisfy 100 <= start < end <= 600` });
  });
}

function percent(v: number | undefined, at: string, errors: IrError[]): void {
  if (v !== undefined && !(v >= 0 && v <= 100)) errors.push({ path: at, message: `${v} is not a percentage in 0-100` });
}

export const UINT32_MAX = 4_294_967_295;

/** The fields of CircuitBreakers, in Envoy's order. */
export const CIRCUIT_BREAKER_FIELDS = ['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRetries'] as const;

export function isUint32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= UINT32_MAX;
}

export function isPort(p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}
