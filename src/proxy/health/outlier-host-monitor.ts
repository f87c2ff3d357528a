/**
 * OutlierHostMonitor: the per-host state of outlier detection (spec §5.1–§5.2): consecutive error
 * counters, success-rate buckets (external and local-origin), the ejection count and the decaying
 * backoff. Receives classified results from the detector and tells it which detector fired;
 * never ejects, logs or touches flags (OutlierDetector does).
 */
import { SuccessRateBuckets } from './success-rate';

export type ConsecutiveType = 'CONSECUTIVE_5XX' | 'CONSECUTIVE_GATEWAY_FAILURE' | 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE';

export interface ConsecutiveThresholds {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
}

export class OutlierHostMonitor {
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  /** Monotonic count shown in events; never decays. */
  numEjections = 0;
  /** The multiplier of base_ejection_time; grows on ejection, decays on healthy sweeps. */
  backoff = 0;
  jitterMs = 0;
  lastEjectionMs: number | undefined;
  lastUnejectionMs: number | undefined;
  readonly external = new SuccessRateBuckets();
  readonly localOrigin = new SuccessRateBuckets();

  constructor(private readonly t: ConsecutiveThresholds) {}

  /** putHttpResponseCode: returns the detectors that reached their threshold (`==`), in Envoy's order. */
  httpStatus(status: number): ConsecutiveType[] {
    const fired: ConsecutiveType[] = [];
    const is5xx = status >= 500 && status < 600;
    this.external.record(!is5xx);
    if (!is5xx) {
      this.consecutive5xx = 0;
      this.consecutiveGatewayFailure = 0;
      return fired;
    }
    if (status === 502 || status === 503 || status === 504) {
      if (++this.consecutiveGatewayFailure === this.t.consecutiveGatewayFailure) fired.push('CONSECUTIVE_GATEWAY_FAILURE');
    } else {
      this.consecutiveGatewayFailure = 0;
    }
    if (++this.consecutive5xx === this.t.consecutive5xx) fired.push('CONSECUTIVE_5XX');
    return fired;
  }

  /** Split mode: a local-origin failure (connect failure, reset, timeout). */
  localOriginFailure(): ConsecutiveType[] {
    this.localOrigin.record(false);
    return ++this.consecutiveLocalOriginFailure === this.t.consecutiveLocalOriginFailure
      ? ['CONSECUTIVE_LOCAL_ORIGIN_FAILURE']
      : [];
  }

  /** Split mode: the connection to the host succeeded. */
  localOriginSuccess(): void {
    this.localOrigin.record(true);
    this.consecutiveLocalOriginFailure = 0;
  }

  resetConsecutive(type: ConsecutiveType): void {
    if (type === 'CONSECUTIVE_5XX') this.consecutive5xx = 0;
    else if (type === 'CONSECUTIVE_GATEWAY_FAILURE') this.consecutiveGatewayFailure = 0;
    else this.consecutiveLocalOriginFailure = 0;
  }

  resetAllConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}
