/**
 * Engine defaults that an absent optional IR field stands for. Envoy's values (health checks,
 * outlier detection, panic threshold, circuit breakers) and Kong's schema defaults (used to fill
 * KongHealthSettings). The native proxy and the docs read these; the xDS emitter leaves absent
 * fields to Envoy.
 */
import type { Backend, CircuitBreakers } from './types';

export const ENVOY_DEFAULTS = {
  connectTimeoutMs: 5000,
  healthyPanicThresholdPercent: 50,
  circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
  healthCheck: {
    noTrafficIntervalMs: 60_000,
    reuseConnection: true,
    expectedStatuses: [{ start: 200, end: 201 }],
  },
  outlierDetection: {
    consecutive5xx: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    /** max(300 s, baseEjectionTime). */
    maxEjectionTimeMs: 300_000,
    maxEjectionPercent: 10,
    enforcingConsecutive5xx: 100,
    enforcingSuccessRate: 100,
    successRateMinimumHosts: 5,
    successRateRequestVolume: 100,
    successRateStdevFactor: 1900,
    consecutiveGatewayFailure: 5,
    enforcingConsecutiveGatewayFailure: 0,
    splitExternalLocalOriginErrors: false,
    consecutiveLocalOriginFailure: 5,
    enforcingConsecutiveLocalOriginFailure: 100,
    enforcingLocalOriginSuccessRate: 100,
    successfulActiveHealthCheckUnejectHost: true,
  },
} as const;

/** A backend's circuit-breaker thresholds with Envoy's defaults where it sets none. */
export function circuitBreakersOf(b: Pick<Backend, 'circuitBreakers'>): Required<CircuitBreakers> {
  return { ...ENVOY_DEFAULTS.circuitBreakers, ...b.circuitBreakers };
}

/** Kong's upstream schema defaults (every counter and interval 0 = disabled). */
export const KONG_DEFAULTS = {
  threshold: 0,
  active: {
    type: 'http',
    httpPath: '/',
    httpsVerifyCertificate: true,
    timeoutSec: 1,
    concurrency: 10,
    healthyHttpStatuses: [200, 302],
    unhealthyHttpStatuses: [429, 404, 500, 501, 502, 503, 504, 505],
  },
  passive: {
    type: 'http',
    healthyHttpStatuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308],
    unhealthyHttpStatuses: [429, 500, 503],
  },
} as const;

/** One year: how healthplane approximates Kong's "never" in Envoy durations. */
export const NEVER_MS = 31_536_000_000;
