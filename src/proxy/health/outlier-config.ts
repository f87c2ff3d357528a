/**
 * Outlier detection settings with Envoy's defaults filled in (spec §4), as one flat record the
 * detector reads. Pure: receives an ir.OutlierDetection (plus the Envoy fields the IR does not
 * carry yet, accepted structurally when present) and emits numbers in ms and percent.
 */
import { ENVOY_DEFAULTS } from '../../ir/defaults';
import type * as ir from '../../ir/types';

/** Envoy fields missing from ir.OutlierDetection; read when the IR grows them under these names. */
export interface OutlierDetectionExtras {
  readonly failurePercentageThreshold?: number;
  readonly enforcingFailurePercentage?: number;
  readonly enforcingFailurePercentageLocalOrigin?: number;
  readonly failurePercentageMinimumHosts?: number;
  readonly failurePercentageRequestVolume?: number;
  readonly maxEjectionTimeJitterMs?: number;
  readonly alwaysEjectOneHost?: boolean;
}

export interface OutlierConfig {
  readonly consecutive5xx: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingSuccessRate: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  readonly successRateStdevFactor: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly failurePercentageThreshold: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  readonly successfulActiveHealthCheckUnejectHost: boolean;
}

const D = ENVOY_DEFAULTS.outlierDetection;

export function resolveOutlierDetection(od: ir.OutlierDetection & OutlierDetectionExtras): OutlierConfig {
  const baseEjectionTimeMs = od.baseEjectionTimeMs ?? D.baseEjectionTimeMs;
  return {
    consecutive5xx: od.consecutive5xx ?? D.consecutive5xx,
    intervalMs: od.intervalMs ?? D.intervalMs,
    baseEjectionTimeMs,
    maxEjectionTimeMs: od.maxEjectionTimeMs ?? Math.max(D.maxEjectionTimeMs, baseEjectionTimeMs),
    maxEjectionTimeJitterMs: od.maxEjectionTimeJitterMs ?? 0,
    maxEjectionPercent: od.maxEjectionPercent ?? D.maxEjectionPercent,
    alwaysEjectOneHost: od.alwaysEjectOneHost ?? false,
    enforcingConsecutive5xx: od.enforcingConsecutive5xx ?? D.enforcingConsecutive5xx,
    enforcingSuccessRate: od.enforcingSuccessRate ?? D.enforcingSuccessRate,
    successRateMinimumHosts: od.successRateMinimumHosts ?? D.successRateMinimumHosts,
    successRateRequestVolume: od.successRateRequestVolume ?? D.successRateRequestVolume,
    successRateStdevFactor: od.successRateStdevFactor ?? D.successRateStdevFactor,
    consecutiveGatewayFailure: od.consecutiveGatewayFailure ?? D.consecutiveGatewayFailure,
    enforcingConsecutiveGatewayFailure: od.enforcingConsecutiveGatewayFailure ?? D.enforcingConsecutiveGatewayFailure,
    splitExternalLocalOriginErrors: od.splitExternalLocalOriginErrors ?? D.splitExternalLocalOriginErrors,
    consecutiveLocalOriginFailure: od.consecutiveLocalOriginFailure ?? D.consecutiveLocalOriginFailure,
    enforcingConsecutiveLocalOriginFailure: od.enforcingConsecutiveLocalOriginFailure ?? D.enforcingConsecutiveLocalOriginFailure,
    enforcingLocalOriginSuccessRate: od.enforcingLocalOriginSuccessRate ?? D.enforcingLocalOriginSuccessRate,
    failurePercentageThreshold: od.failurePercentageThreshold ?? 85,
    enforcingFailurePercentage: od.enforcingFailurePercentage ?? 0,
    enforcingFailurePercentageLocalOrigin: od.enforcingFailurePercentageLocalOrigin ?? 0,
    failurePercentageMinimumHosts: od.failurePercentageMinimumHosts ?? 5,
    failurePercentageRequestVolume: od.failurePercentageRequestVolume ?? 50,
    successfulActiveHealthCheckUnejectHost:
      od.successfulActiveHealthCheckUnejectHost ?? D.successfulActiveHealthCheckUnejectHost,
  };
}
