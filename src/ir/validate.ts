/**
 * validateIr(): every broken invariant of an IR value, with its path (`backends[name].field`).
 * The translator should never produce one; this is the last gate before Envoy or the native proxy
 * sees the IR, and what stage-2 goldens run on their hand-written inputs. Pure; never throws.
 * An IrValidationCache remembers the checks of backends and virtual hosts by object identity, so
 * that validating an IR again costs in proportion to what changed; the result is the same.
 */
import type { ActiveHealthCheck, Backend, Ir, Listener, OutlierDetection, Route, StatusRange, VirtualHost } from './types';

export interface IrError {
  readonly path: string;
  readonly message: string;
}

/** An error of a virtual host; `unlessBackend` errors apply only when that backend is missing. */
interface HostCheck {
  readonly error: IrError;
  readonly unlessBackend?: string;
}

interface ListenerMemo {
  readonly at: string;
  readonly errors: readonly IrError[];
  /** Backend names its routes reference. */
  readonly refs: ReadonlySet<string>;
  /** The validation (epoch) that last found these errors current. */
  epoch: number;
}

/**
 * What validateIr() keeps between calls: each backend's and virtual host's checks by identity,
 * the previous backend list and name counts, and each listener's errors, reused while none of the
 * backend names its routes reference appeared or disappeared.
 */
export class IrValidationCache {
  readonly backendChecks = new WeakMap<Backend, { readonly at: string; readonly errors: readonly IrError[] }>();
  readonly hosts = new WeakMap<VirtualHost, { readonly at: string; readonly checks: readonly HostCheck[] }>();
  readonly listeners = new WeakMap<Listener, ListenerMemo>();
  backends: readonly Backend[] = [];
  backendErrors: (readonly IrError[])[] = [];
  readonly names = new Map<string, number>();
  repeated = 0;
  epoch = 0;
}

export function validateIr(ir: Ir, cache?: IrValidationCache): IrError[] {
  if (cache) return validateWithCache(ir, cache);
  const errors: IrError[] = [];
  const backendNames = new Set<string>();
  for (const b of ir.backends) {
    if (backendNames.has(b.name)) errors.push({ path: `backends[${b.name}]`, message: 'duplicate backend name' });
    backendNames.add(b.name);
    errors.push(...backendErrors(b, `backends[${b.name}]`, undefined));
  }
  validateListeners(ir.listeners, (name) => backendNames.has(name), errors, undefined);
  return errors;
}

function validateWithCache(ir: Ir, cache: IrValidationCache): IrError[] {
  cache.epoch++;
  const flipped = updateBackends(ir.backends, cache);
  const errors: IrError[] = [];
  if (cache.repeated > 0) {
    const seen = new Set<string>();
    ir.backends.forEach((b, i) => {
      if (seen.has(b.name)) errors.push({ path: `backends[${b.name}]`, message: 'duplicate backend name' });
      seen.add(b.name);
      errors.push(...(cache.backendErrors[i] ?? []));
    });
  } else for (const list of cache.backendErrors) if (list.length > 0) errors.push(...list);
  validateListeners(ir.listeners, (name) => cache.names.has(name), errors, { cache, flipped });
  return errors;
}

/** Follows the backend list's changes; returns the names that appeared or disappeared. */
function updateBackends(next: readonly Backend[], cache: IrValidationCache): Set<string> {
  const prev = cache.backends;
  const n = Math.min(prev.length, next.length);
  let head = 0;
  while (head < n && prev[head] === next[head]) head++;
  let tail = 0;
  while (tail < n - head && prev[prev.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const existed = new Map<string, boolean>();
  const count = (name: string, delta: number): void => {
    const before = cache.names.get(name) ?? 0;
    if (!existed.has(name)) existed.set(name, before > 0);
    const after = before + delta;
    if (after > 0) cache.names.set(name, after);
    else cache.names.delete(name);
    if (before <= 1 && after > 1) cache.repeated++;
    if (before > 1 && after <= 1) cache.repeated--;
  };
  for (let i = head; i < prev.length - tail; i++) count((prev[i] as Backend).name, -1);
  const middle: (readonly IrError[])[] = [];
  for (let i = head; i < next.length - tail; i++) {
    const b = next[i] as Backend;
    count(b.name, 1);
    middle.push(backendErrors(b, `backends[${b.name}]`, cache));
  }
  cache.backendErrors = [...cache.backendErrors.slice(0, head), ...middle, ...cache.backendErrors.slice(prev.length - tail)];
  cache.backends = next;
  return new Set([...existed].filter(([name, was]) => cache.names.has(name) !== was).map(([name]) => name));
}

function backendErrors(b: Backend, at: string, cache: IrValidationCache | undefined): readonly IrError[] {
  const hit = cache?.backendChecks.get(b);
  if (hit && hit.at === at) return hit.errors;
  const errors: IrError[] = [];
  validateBackend(b, at, errors);
  cache?.backendChecks.set(b, { at, errors });
  return errors;
}

function validateListeners(listeners: readonly Listener[], hasBackend: (name: string) => boolean, errors: IrError[], memo: { cache: IrValidationCache; flipped: ReadonlySet<string> } | undefined): void {
  const listenerNames = new Set<string>();
  for (const l of listeners) {
    if (listenerNames.has(l.name)) errors.push({ path: `listeners[${l.name}]`, message: 'duplicate listener name' });
    listenerNames.add(l.name);
    const at = `listeners[${l.name}]`;
    const hit = memo?.cache.listeners.get(l);
    if (memo && hit && hit.at === at && hit.epoch === memo.cache.epoch - 1 && ![...memo.flipped].some((n) => hit.refs.has(n))) {
      hit.epoch = memo.cache.epoch;
      errors.push(...hit.errors);
      continue;
    }
    const own: IrError[] = [];
    const refs = validateListener(l, at, hasBackend, own, memo?.cache);
    memo?.cache.listeners.set(l, { at, errors: own, refs, epoch: memo.cache.epoch });
    errors.push(...own);
  }
}

function validateListener(l: Listener, at: string, hasBackend: (name: string) => boolean, errors: IrError[], cache: IrValidationCache | undefined): Set<string> {
  const refs = new Set<string>();
  if (!isPort(l.port)) errors.push({ path: `${at}.port`, message: `port ${l.port} is not in 1-65535` });
  const hosts = new Set<string>();
  for (const vh of l.virtualHosts) {
    const vhAt = `${at}.virtualHosts[${vh.hostname}]`;
    if (hosts.has(vh.hostname)) errors.push({ path: vhAt, message: 'duplicate virtual host hostname' });
    hosts.add(vh.hostname);
    for (const c of hostChecks(vh, vhAt, cache)) {
      if (c.unlessBackend !== undefined) refs.add(c.unlessBackend);
      if (c.unlessBackend === undefined || !hasBackend(c.unlessBackend)) errors.push(c.error);
    }
  }
  return refs;
}

function hostChecks(vh: VirtualHost, at: string, cache: IrValidationCache | undefined): readonly HostCheck[] {
  const hit = cache?.hosts.get(vh);
  if (hit && hit.at === at) return hit.checks;
  const checks: HostCheck[] = [];
  if (vh.routes.length === 0) checks.push({ error: { path: at, message: 'virtual host has no routes' } });
  vh.routes.forEach((r) => routeChecks(r, `${at}.routes[${r.name}]`, checks));
  cache?.hosts.set(vh, { at, checks });
  return checks;
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

function validateBackend(b: Backend, at: string, errors: IrError[]): void {
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

function isPort(p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}
