/**
 * ir.Backend -> envoy.config.cluster.v3.Cluster: EDS over ADS (or STRICT_DNS with an inline
 * assignment when a static host is a DNS name), with health_checks, outlier_detection,
 * ignore_health_on_host_removal, common_lb_config.healthy_panic_threshold and circuit_breakers
 * from the IR.
 */
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster';
import type { CircuitBreakers, _envoy_config_cluster_v3_CircuitBreakers_Thresholds as Thresholds } from '../generated/envoy/config/cluster/v3/CircuitBreakers';
import type { OutlierDetection as EnvoyOutlier } from '../generated/envoy/config/cluster/v3/OutlierDetection';
import type { HealthCheck } from '../generated/envoy/config/core/v3/HealthCheck';
import type * as ir from '../../ir/types';
import { isIp } from '../../ir/addresses';
import { ADS_CONFIG_SOURCE, duration, headerOption, u32 } from './values';
import { toEnvoyClusterLoadAssignment } from './endpoint';

/** True when Envoy must resolve the backend's hosts itself (EDS only carries IP addresses). */
export function needsDns(b: ir.Backend): boolean {
  return b.endpoints.some((e) => !isIp(e.address));
}

export function toEnvoyCluster(b: ir.Backend): Cluster {
  const discovery: Cluster = needsDns(b)
    ? { type: 'STRICT_DNS', load_assignment: toEnvoyClusterLoadAssignment(b) }
    : { type: 'EDS', eds_cluster_config: { eds_config: ADS_CONFIG_SOURCE, service_name: b.name } };
  return {
    name: b.name,
    ...discovery,
    connect_timeout: duration(b.connectTimeoutMs),
    ...(b.loadBalancing === 'least-request' ? { lb_policy: 'LEAST_REQUEST' } : {}),
    ...(b.healthCheck ? { health_checks: [toEnvoyHealthCheck(b.healthCheck)] } : {}),
    ...(b.outlierDetection ? { outlier_detection: toEnvoyOutlierDetection(b.outlierDetection) } : {}),
    ...(b.healthyPanicThresholdPercent !== undefined ? { common_lb_config: { healthy_panic_threshold: { value: b.healthyPanicThresholdPercent } } } : {}),
    ...(b.ignoreHealthOnHostRemoval !== undefined ? { ignore_health_on_host_removal: b.ignoreHealthOnHostRemoval } : {}),
    ...(b.circuitBreakers ? { circuit_breakers: toEnvoyCircuitBreakers(b.circuitBreakers) } : {}),
  };
}

const CB_NUMBERS = [
  ['maxConnections', 'max_connections'],
  ['maxPendingRequests', 'max_pending_requests'],
  ['maxRequests', 'max_requests'],
  ['maxRetries', 'max_retries'],
] as const;

/** One DEFAULT-priority Thresholds with only the fields set; HIGH keeps Envoy's defaults. */
export function toEnvoyCircuitBreakers(cb: ir.CircuitBreakers): CircuitBreakers {
  const t: Thresholds = { priority: 'DEFAULT' };
  for (const [from, to] of CB_NUMBERS) {
    const v = cb[from];
    if (v !== undefined) t[to] = u32(v);
  }
  return { thresholds: [t] };
}

const HC_DURATIONS = [
  ['initialJitterMs', 'initial_jitter'],
  ['intervalJitterMs', 'interval_jitter'],
  ['noTrafficIntervalMs', 'no_traffic_interval'],
  ['noTrafficHealthyIntervalMs', 'no_traffic_healthy_interval'],
  ['unhealthyIntervalMs', 'unhealthy_interval'],
  ['unhealthyEdgeIntervalMs', 'unhealthy_edge_interval'],
  ['healthyEdgeIntervalMs', 'healthy_edge_interval'],
] as const;

export function toEnvoyHealthCheck(hc: ir.ActiveHealthCheck): HealthCheck {
  const out: HealthCheck = {
    timeout: duration(hc.timeoutMs),
    interval: duration(hc.intervalMs),
    unhealthy_threshold: u32(hc.unhealthyThreshold),
    healthy_threshold: u32(hc.healthyThreshold),
  };
  for (const [from, to] of HC_DURATIONS) {
    const v = hc[from];
    if (v !== undefined) out[to] = duration(v);
  }
  if (hc.intervalJitterPercent !== undefined) out.interval_jitter_percent = hc.intervalJitterPercent;
  if (hc.reuseConnection !== undefined) out.reuse_connection = { value: hc.reuseConnection };
  if (hc.eventLogPath) out.event_log_path = hc.eventLogPath;
  if (hc.alwaysLogFailures !== undefined) out.always_log_health_check_failures = hc.alwaysLogFailures;
  return { ...out, ...probe(hc.probe) };
}

function probe(p: ir.ActiveHealthCheck['probe']): HealthCheck {
  if (p.type === 'tcp') {
    return { tcp_health_check: { ...(p.send ? { send: { text: p.send } } : {}), ...(p.receive ? { receive: p.receive.map((text) => ({ text })) } : {}) } };
  }
  if (p.type === 'grpc') {
    const md = (p.initialMetadata ?? []).map((m) => ({ header: { key: m.name, value: m.value } }));
    return { grpc_health_check: { ...(p.serviceName ? { service_name: p.serviceName } : {}), ...(p.authority ? { authority: p.authority } : {}), ...(md.length ? { initial_metadata: md } : {}) } };
  }
  return {
    http_health_check: {
      ...(p.host ? { host: p.host } : {}),
      path: p.path,
      ...(p.requestHeadersToAdd?.length ? { request_headers_to_add: p.requestHeadersToAdd.map((h) => headerOption(h.name, h.value, h.append)) } : {}),
      ...(p.requestHeadersToRemove?.length ? { request_headers_to_remove: [...p.requestHeadersToRemove] } : {}),
      ...(p.expectedStatuses?.length ? { expected_statuses: p.expectedStatuses.map((r) => ({ start: r.start, end: r.end })) } : {}),
      ...(p.retriableStatuses?.length ? { retriable_statuses: p.retriableStatuses.map((r) => ({ start: r.start, end: r.end })) } : {}),
      ...(p.http2 ? { codec_client_type: 'HTTP2' as const } : {}),
      ...(p.serviceNamePrefix ? { service_name_matcher: { prefix: p.serviceNamePrefix } } : {}),
      ...(p.method ? { method: p.method as NonNullable<NonNullable<HealthCheck['http_health_check']>['method']> } : {}),
    },
  };
}

const OD_NUMBERS = [
  ['consecutive5xx', 'consecutive_5xx'],
  ['maxEjectionPercent', 'max_ejection_percent'],
  ['enforcingConsecutive5xx', 'enforcing_consecutive_5xx'],
  ['enforcingSuccessRate', 'enforcing_success_rate'],
  ['successRateMinimumHosts', 'success_rate_minimum_hosts'],
  ['successRateRequestVolume', 'success_rate_request_volume'],
  ['successRateStdevFactor', 'success_rate_stdev_factor'],
  ['consecutiveGatewayFailure', 'consecutive_gateway_failure'],
  ['enforcingConsecutiveGatewayFailure', 'enforcing_consecutive_gateway_failure'],
  ['consecutiveLocalOriginFailure', 'consecutive_local_origin_failure'],
  ['enforcingConsecutiveLocalOriginFailure', 'enforcing_consecutive_local_origin_failure'],
  ['enforcingLocalOriginSuccessRate', 'enforcing_local_origin_success_rate'],
] as const;

export function toEnvoyOutlierDetection(od: ir.OutlierDetection): EnvoyOutlier {
  const out: EnvoyOutlier = {};
  for (const [from, to] of OD_NUMBERS) {
    const v = od[from];
    if (v !== undefined) out[to] = u32(v);
  }
  if (od.intervalMs !== undefined) out.interval = duration(od.intervalMs);
  if (od.baseEjectionTimeMs !== undefined) out.base_ejection_time = duration(od.baseEjectionTimeMs);
  if (od.maxEjectionTimeMs !== undefined) out.max_ejection_time = duration(od.maxEjectionTimeMs);
  if (od.splitExternalLocalOriginErrors !== undefined) out.split_external_local_origin_errors = od.splitExternalLocalOriginErrors;
  if (od.successfulActiveHealthCheckUnejectHost !== undefined) out.successful_active_health_check_uneject_host = { value: od.successfulActiveHealthCheckUnejectHost };
  return out;
}
