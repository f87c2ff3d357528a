/**
 * ClusterHealth: the seam between a backend's health engine (Envoy semantics in
 * envoy-cluster-health.ts, Kong's in kong-cluster-health.ts) and the rest of the native proxy.
 * The engine owns every host's health flags; the load balancer and admin only read HostState
 * views, and the proxy only reports what happened to each request it forwarded.
 */
import type * as ir from '../../ir/types';

/** Envoy's host health flags, with Envoy's bit values; printed in this order by /clusters. */
export const HostFlag = {
  FAILED_ACTIVE_HC: 0x1,
  FAILED_OUTLIER_CHECK: 0x2,
  FAILED_EDS_HEALTH: 0x4,
  DEGRADED_ACTIVE_HC: 0x8,
  DEGRADED_EDS_HEALTH: 0x10,
  PENDING_DYNAMIC_REMOVAL: 0x20,
  PENDING_ACTIVE_HC: 0x40,
  EXCLUDED_VIA_IMMEDIATE_HC_FAIL: 0x80,
  ACTIVE_HC_TIMEOUT: 0x100,
  EDS_STATUS_DRAINING: 0x200,
} as const;

export type CoarseHealth = 'healthy' | 'degraded' | 'unhealthy';

/** A read-only view of one host at one moment. */
export interface HostState {
  /** `address:port`, unique within a cluster. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly hostname: string;
  /** Bit set of HostFlag. */
  readonly flags: number;
  readonly coarse: CoarseHealth;
  /** Not counted in the panic-threshold denominator (pending HC, immediate-fail, draining). */
  readonly excluded: boolean;
  /** The /clusters `health_flags` string (`healthy` or e.g. `/failed_active_hc/failed_outlier_check`). */
  readonly healthFlags?: string;
  /** Per-host request counters the engine derives from reportResult (Envoy's host stats names). */
  readonly counters?: HostCounters;
  /** Outlier-detection success rates shown by /clusters; -1 when unknown. */
  readonly successRate?: number;
  readonly localOriginSuccessRate?: number;
}

/** Envoy host counters known to the health engine; cx_total/cx_active/rq_active belong to the pool. */
export interface HostCounters {
  readonly rq_total: number;
  readonly rq_success: number;
  readonly rq_error: number;
  readonly rq_timeout: number;
  readonly cx_connect_fail: number;
}

/** The cluster-level outlier lines of /clusters (`outlier::success_rate_average` ...); -1 when unknown. */
export interface OutlierSummary {
  readonly successRateAverage: number;
  readonly successRateEjectionThreshold: number;
  readonly localOriginSuccessRateAverage: number;
  readonly localOriginSuccessRateEjectionThreshold: number;
}

/** What happened to one request the proxy forwarded to a host. */
export type RequestOutcome =
  | {
      readonly type: 'response';
      readonly status: number;
      readonly latencyMs: number;
      /** The response carried `x-envoy-immediate-health-check-fail` (passive HC signal, spec §3.6). */
      readonly immediateHealthCheckFail?: boolean;
    }
  /** The connection to the host failed (refused, reset before a response). */
  | { readonly type: 'connect-failure' }
  /** No response within the route/cluster timeout. */
  | { readonly type: 'timeout' }
  /** The host accepted the connection and answered (local-origin success, for split mode). */
  | { readonly type: 'connect-success' };

export interface ClusterHealth {
  readonly name: string;
  readonly engine: ir.HealthEngine;
  /** Hosts in endpoint order with their current health. */
  hosts(): readonly HostState[];
  /** Outcome of one forwarded request (outlier detection / passive checks). */
  reportResult(hostKey: string, outcome: RequestOutcome): void;
  /** The backend changed (config or endpoints): state is kept for hosts that stay. */
  update(backend: ir.Backend): void;
  /** Stops every timer and probe. */
  stop(): void;
  /** Outlier detection's cluster-level numbers, when the backend has outlier detection. */
  outlierSummary?(): OutlierSummary | undefined;
  /** Calls `listener` after any host's flags change or hosts are added/removed; returns unsubscribe. */
  onChange?(listener: () => void): () => void;
}
