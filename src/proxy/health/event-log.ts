/**
 * Envoy's health-check and outlier event records (spec §8) as plain JSON objects, and the sink
 * they are written to (one JSON line each). Receives facts from the checker and the detector;
 * emits `HealthCheckEvent` / `OutlierDetectionEvent` proto-JSON shapes with snake_case keys.
 * Never decides when to log: callers apply the rules of §3.3 and §5.
 */

/** Where event lines go (a file, a test buffer). Lines carry no trailing newline. */
export interface EventSink {
  write(line: string): void;
}

export const nullSink: EventSink = { write: () => undefined };

/** RFC 3339 UTC with 0 or 3 fractional digits, as protobuf's JSON printer renders ms precision. */
export function protoTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export type HealthCheckerType = 'HTTP' | 'TCP' | 'GRPC';
export type HcFailureType = 'ACTIVE' | 'PASSIVE' | 'NETWORK' | 'NETWORK_TIMEOUT';

export type HcEventBody =
  | { readonly eject_unhealthy_event: { readonly failure_type: HcFailureType } }
  | { readonly add_healthy_event: { readonly first_check: boolean } }
  | { readonly health_check_failure_event: { readonly failure_type: HcFailureType; readonly first_check: boolean } }
  | { readonly successful_health_check_event: Record<string, never> }
  | { readonly degraded_healthy_host: Record<string, never> }
  | { readonly no_longer_degraded_host: Record<string, never> };

export interface EventHost {
  readonly address: string;
  readonly port: number;
}

/** One `HealthCheckEvent` line (newest Envoy: always-printed socket address fields and locality). */
export function healthCheckEventLine(
  type: HealthCheckerType,
  host: EventHost,
  cluster: string,
  body: HcEventBody,
  nowMs: number,
): string {
  const record = {
    health_checker_type: type,
    host: {
      socket_address: {
        protocol: 'TCP',
        address: host.address,
        port_value: host.port,
        resolver_name: '',
        ipv4_compat: false,
        network_namespace_filepath: '',
      },
    },
    cluster_name: cluster,
    ...body,
    timestamp: protoTimestamp(nowMs),
    locality: { region: '', zone: '', sub_zone: '' },
  };
  return JSON.stringify(record);
}

export type OutlierType =
  | 'CONSECUTIVE_5XX'
  | 'CONSECUTIVE_GATEWAY_FAILURE'
  | 'SUCCESS_RATE'
  | 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE'
  | 'SUCCESS_RATE_LOCAL_ORIGIN'
  | 'FAILURE_PERCENTAGE'
  | 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';

/** Numbers an SR/FP ejection carries (truncated to integers in the event). */
export interface RateFacts {
  readonly hostSuccessRate: number;
  readonly clusterAverageSuccessRate: number;
  readonly clusterSuccessRateEjectionThreshold: number;
}

export interface OutlierEventFacts {
  readonly cluster: string;
  readonly upstreamUrl: string;
  readonly action: 'EJECT' | 'UNEJECT';
  /** Unset for UNEJECT: printed as the enum default CONSECUTIVE_5XX. */
  readonly type?: OutlierType;
  readonly numEjections: number;
  readonly enforced: boolean;
  readonly rates?: RateFacts;
  readonly nowMs: number;
  /** Time of the previous opposite action, when there was one. */
  readonly lastActionMs?: number;
}

function ejectBody(type: OutlierType, rates: RateFacts | undefined): Record<string, unknown> {
  if (type === 'SUCCESS_RATE' || type === 'SUCCESS_RATE_LOCAL_ORIGIN') {
    return {
      eject_success_rate_event: {
        host_success_rate: Math.trunc(rates?.hostSuccessRate ?? 0),
        cluster_average_success_rate: Math.trunc(rates?.clusterAverageSuccessRate ?? 0),
        cluster_success_rate_ejection_threshold: Math.trunc(rates?.clusterSuccessRateEjectionThreshold ?? 0),
      },
    };
  }
  if (type === 'FAILURE_PERCENTAGE' || type === 'FAILURE_PERCENTAGE_LOCAL_ORIGIN') {
    return { eject_failure_percentage_event: { host_success_rate: Math.trunc(rates?.hostSuccessRate ?? 0) } };
  }
  return { eject_consecutive_event: {} };
}

/** One `OutlierDetectionEvent` line (spec §8.2). */
export function outlierEventLine(f: OutlierEventFacts): string {
  const body = f.action === 'EJECT' ? ejectBody(f.type ?? 'CONSECUTIVE_5XX', f.rates) : {};
  const record: Record<string, unknown> = {
    type: f.type ?? 'CONSECUTIVE_5XX',
    cluster_name: f.cluster,
    upstream_url: f.upstreamUrl,
    action: f.action,
    num_ejections: f.numEjections,
    enforced: f.enforced,
    ...body,
    timestamp: protoTimestamp(f.nowMs),
  };
  if (f.lastActionMs !== undefined) {
    record.secs_since_last_action = String(Math.max(0, Math.floor((f.nowMs - f.lastActionMs) / 1000)));
  }
  return JSON.stringify(record);
}
