// Small statistics and measurement helpers shared by the benchmarks: percentiles over samples,
// a peak-RSS sampler, and number formatting. No I/O besides process.memoryUsage().

/** Nearest-rank percentile (p in [0, 100]) of unsorted samples; NaN for none. */
export function percentile(samples, p) {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50 / p90 / p99 / max / min / count of samples. */
export function summarize(samples) {
  return {
    count: samples.length,
    min: samples.length ? Math.min(...samples) : Number.NaN,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: samples.length ? samples.reduce((a, b) => Math.max(a, b), -Infinity) : Number.NaN,
  };
}

/** Samples process RSS every intervalMs; peak() is the highest seen (including now). */
export function startRssSampler(intervalMs = 50) {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
    return rss;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    now: sample,
    peak: () => {
      sample();
      return peak;
    },
    /** Starts a new peak window (returns the peak of the window that ended). */
    reset: () => {
      const before = peak;
      peak = sample();
      return before;
    },
    stop: () => clearInterval(timer),
  };
}

export const MiB = 1024 * 1024;

export function mib(bytes) {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

export function ms(value) {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

export function kib(bytes) {
  return bytes >= 10 * 1024 * 1024 ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
