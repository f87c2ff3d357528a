/**
 * Success-rate bookkeeping and math for outlier detection (spec §5.6): the two-bucket per-host
 * accumulator swapped on each sweep, and the cluster mean / stdev threshold. Pure numbers: receives
 * counts and rates, emits means and thresholds. Never ejects anything.
 */

/** Requests seen in one interval: `total` of which `success` succeeded. */
export class SuccessRateBuckets {
  private current = { success: 0, total: 0 };
  private backup = { success: 0, total: 0 };

  record(success: boolean): void {
    this.current.total += 1;
    if (success) this.current.success += 1;
  }

  /** End of an interval: what was collected becomes the readable bucket, a new one starts. */
  swap(): void {
    this.backup = this.current;
    this.current = { success: 0, total: 0 };
  }

  /** Rate (0–100) and volume of the last complete interval; undefined if it saw no request. */
  lastInterval(): { readonly rate: number; readonly volume: number } | undefined {
    const { success, total } = this.backup;
    if (total === 0) return undefined;
    return { rate: (100 * success) / total, volume: total };
  }
}

/**
 * Envoy's success-rate threshold: mean − (stdevFactor / 1000) × population stdev.
 * E.g. rates {100,100,100,100,50}: mean 90, stdev 20, factor 1900 → 52.
 */
export function successRateThreshold(
  rates: readonly number[],
  stdevFactor: number,
): { readonly mean: number; readonly threshold: number } {
  const n = rates.length;
  const mean = rates.reduce((a, b) => a + b, 0) / n;
  const variance = rates.reduce((a, r) => a + (r - mean) * (r - mean), 0) / n;
  return { mean, threshold: mean - (stdevFactor / 1000) * Math.sqrt(variance) };
}
