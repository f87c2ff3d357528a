/**
 * GET /clusters: the native proxy's clusters in Envoy's admin formats (spec §7): the text lines
 * (`c::observability_name::c`, circuit breakers (the backend's, else Envoy's defaults), per host
 * `c::addr::health_flags::...`) and, with `?format=json`, the `cluster_statuses` proto-JSON shape. Receives ClusterStatus values (health
 * engine views plus pool traffic); emits strings and plain objects. Never changes what it shows.
 */
import type { AdminHandler } from './admin-server';
import { HostFlag, type HostState, type OutlierSummary } from '../proxy/health/cluster-health';
import { healthFlagsString } from '../proxy/health/host-health';
import type { ClusterView } from '../proxy/runtime';
import { circuitBreakersOf, ENVOY_DEFAULTS } from '../ir/defaults';
import type { CircuitBreakers } from '../ir/types';

/** The eight per-host stats of /clusters, by Envoy's names. */
export interface HostStatValues {
  readonly cx_active: number;
  readonly cx_connect_fail: number;
  readonly cx_total: number;
  readonly rq_active: number;
  readonly rq_error: number;
  readonly rq_success: number;
  readonly rq_timeout: number;
  readonly rq_total: number;
}

export interface ClusterStatus {
  readonly name: string;
  readonly addedViaApi: boolean;
  /** Present iff the cluster has outlier detection (the four `outlier::` lines). */
  readonly outlier?: OutlierSummary;
  readonly hosts: readonly HostState[];
  readonly hostStats: (hostKey: string) => HostStatValues;
  /** The default-priority thresholds in effect (absent: Envoy's defaults); high priority always has Envoy's. */
  readonly circuitBreakers?: Required<CircuitBreakers>;
}

type Thresholds = { readonly [K in 'max_connections' | 'max_pending_requests' | 'max_requests' | 'max_retries']: number };

/** Envoy's names and order of the four thresholds. */
function thresholds(cb: Required<CircuitBreakers>): Thresholds {
  return { max_connections: cb.maxConnections, max_pending_requests: cb.maxPendingRequests, max_requests: cb.maxRequests, max_retries: cb.maxRetries };
}

const ENVOY_THRESHOLDS = thresholds(ENVOY_DEFAULTS.circuitBreakers);

/** C's `%g` (6 significant digits, no trailing zeros) for the values /clusters prints. */
export function formatG(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 6) {
    const [mant = '0', e = '0'] = n.toExponential(5).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ev = Number(e);
    return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  return String(Number(n.toPrecision(6)));
}

function hostStatLines(c: ClusterStatus, h: HostState): string[] {
  const s = c.hostStats(h.key);
  const p = `${c.name}::${h.key}::`;
  return [
    `${p}cx_active::${s.cx_active}`,
    `${p}cx_connect_fail::${s.cx_connect_fail}`,
    `${p}cx_total::${s.cx_total}`,
    `${p}rq_active::${s.rq_active}`,
    `${p}rq_error::${s.rq_error}`,
    `${p}rq_success::${s.rq_success}`,
    `${p}rq_timeout::${s.rq_timeout}`,
    `${p}rq_total::${s.rq_total}`,
    `${p}hostname::${h.hostname}`,
    `${p}health_flags::${h.healthFlags ?? healthFlagsString(h.flags)}`,
    `${p}weight::${h.weight}`,
    `${p}region::`,
    `${p}zone::`,
    `${p}sub_zone::`,
    `${p}canary::false`,
    `${p}priority::0`,
    `${p}success_rate::${String(h.successRate ?? -1)}`,
    `${p}local_origin_success_rate::${String(h.localOriginSuccessRate ?? -1)}`,
  ];
}

/** The text form of /clusters; clusters in the order given (callers sort by name). */
export function renderClustersText(clusters: readonly ClusterStatus[]): string {
  const lines: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    lines.push(`${n}::observability_name::${n}`);
    if (c.outlier) {
      const o = c.outlier;
      lines.push(`${n}::outlier::success_rate_average::${formatG(o.successRateAverage)}`);
      lines.push(`${n}::outlier::success_rate_ejection_threshold::${formatG(o.successRateEjectionThreshold)}`);
      lines.push(`${n}::outlier::local_origin_success_rate_average::${formatG(o.localOriginSuccessRateAverage)}`);
      lines.push(`${n}::outlier::local_origin_success_rate_ejection_threshold::${formatG(o.localOriginSuccessRateEjectionThreshold)}`);
    }
    const byPriority = [['default_priority', defaultThresholds(c)], ['high_priority', ENVOY_THRESHOLDS]] as const;
    for (const [priority, t] of byPriority) {
      for (const [k, v] of Object.entries(t)) lines.push(`${n}::${priority}::${k}::${v}`);
    }
    lines.push(`${n}::added_via_api::${c.addedViaApi}`);
    for (const h of c.hosts) lines.push(...hostStatLines(c, h));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function defaultThresholds(c: ClusterStatus): Thresholds {
  return c.circuitBreakers ? thresholds(c.circuitBreakers) : ENVOY_THRESHOLDS;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function edsHealthStatus(flags: number): string {
  if (flags & HostFlag.EDS_STATUS_DRAINING) return 'DRAINING';
  if (flags & HostFlag.FAILED_EDS_HEALTH) return 'UNHEALTHY';
  if (flags & HostFlag.DEGRADED_EDS_HEALTH) return 'DEGRADED';
  return 'HEALTHY';
}

function healthStatusJson(flags: number): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  const bools: readonly (readonly [number, string])[] = [
    [HostFlag.FAILED_ACTIVE_HC, 'failed_active_health_check'],
    [HostFlag.FAILED_OUTLIER_CHECK, 'failed_outlier_check'],
    [HostFlag.DEGRADED_ACTIVE_HC, 'failed_active_degraded_check'],
    [HostFlag.PENDING_DYNAMIC_REMOVAL, 'pending_dynamic_removal'],
    [HostFlag.PENDING_ACTIVE_HC, 'pending_active_hc'],
    [HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, 'excluded_via_immediate_hc_fail'],
    [HostFlag.ACTIVE_HC_TIMEOUT, 'active_hc_timeout'],
  ];
  for (const [bit, key] of bools) if (flags & bit) out[key] = true;
  out['eds_health_status'] = edsHealthStatus(flags);
  return out;
}

function statsJson(s: HostStatValues): Json[] {
  const metric = (name: string, value: number, gauge: boolean): { [key: string]: Json } => {
    const m: { [key: string]: Json } = gauge ? { type: 'GAUGE', name } : { name };
    if (value !== 0) m['value'] = String(value);
    return m;
  };
  return [
    metric('cx_connect_fail', s.cx_connect_fail, false),
    metric('cx_total', s.cx_total, false),
    metric('rq_error', s.rq_error, false),
    metric('rq_success', s.rq_success, false),
    metric('rq_timeout', s.rq_timeout, false),
    metric('rq_total', s.rq_total, false),
    metric('cx_active', s.cx_active, true),
    metric('rq_active', s.rq_active, true),
  ];
}

function hostJson(c: ClusterStatus, h: HostState): { [key: string]: Json } {
  const out: { [key: string]: Json } = {
    address: { socket_address: { address: h.address, port_value: h.port } },
    stats: statsJson(c.hostStats(h.key)),
    health_status: healthStatusJson(h.flags),
  };
  const sr = h.successRate ?? -1;
  const lsr = h.localOriginSuccessRate ?? -1;
  if (sr >= 0) out['success_rate'] = { value: sr };
  if (lsr >= 0) out['local_origin_success_rate'] = { value: lsr };
  out['weight'] = h.weight;
  if (h.hostname !== '') out['hostname'] = h.hostname;
  out['locality'] = {};
  return out;
}

function clusterJson(c: ClusterStatus): { [key: string]: Json } {
  const out: { [key: string]: Json } = { name: c.name, observability_name: c.name };
  if (c.addedViaApi) out['added_via_api'] = true;
  if (c.outlier && c.outlier.successRateEjectionThreshold > 0) out['success_rate_ejection_threshold'] = { value: c.outlier.successRateEjectionThreshold };
  if (c.outlier && c.outlier.localOriginSuccessRateEjectionThreshold > 0) {
    out['local_origin_success_rate_ejection_threshold'] = { value: c.outlier.localOriginSuccessRateEjectionThreshold };
  }
  out['circuit_breakers'] = { thresholds: [{ ...defaultThresholds(c) }, { priority: 'HIGH', ...ENVOY_THRESHOLDS }] };
  out['host_statuses'] = c.hosts.map((h) => hostJson(c, h));
  return out;
}

/** The `?format=json` form: `{"cluster_statuses": [...]}` (proto3 JSON defaults omitted). */
export function renderClustersJson(clusters: readonly ClusterStatus[]): { cluster_statuses: Json[] } {
  return { cluster_statuses: clusters.map(clusterJson) };
}

const UNKNOWN_OUTLIER: OutlierSummary = {
  successRateAverage: -1,
  successRateEjectionThreshold: -1,
  localOriginSuccessRateAverage: -1,
  localOriginSuccessRateEjectionThreshold: -1,
};

/** A runtime cluster as /clusters shows it: engine health, pool traffic, outlier lines iff configured. */
export function clusterStatusOf(view: ClusterView): ClusterStatus {
  const outlier = view.backend.outlierDetection ? (view.health.outlierSummary?.() ?? UNKNOWN_OUTLIER) : undefined;
  return { name: view.name, addedViaApi: true, outlier, hosts: view.health.hosts(), hostStats: (key) => view.traffic(key), circuitBreakers: circuitBreakersOf(view.backend) };
}

/** The admin handler: text by default, JSON with `?format=json`. */
export function clustersHandler(source: () => readonly ClusterStatus[] | Promise<readonly ClusterStatus[]>): AdminHandler {
  return async (req) => {
    const format = req.query.get('format') ?? 'text';
    if (format !== 'json' && format !== 'text') return { status: 400, body: `format must be text or json, not "${format}"\n` };
    const clusters = await source();
    return { status: 200, body: format === 'json' ? renderClustersJson(clusters) : renderClustersText(clusters) };
  };
}
