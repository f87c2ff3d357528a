/**
 * Merging what proxy workers report into one process view for admin: stats add up by name (the
 * primary's own stats are health-check, outlier and membership numbers; the workers' are request
 * and connection numbers), per-host traffic adds up per cluster and host. Pure functions.
 */
import type { Stat } from '../stats';
import { zeroTraffic, type HostTraffic } from '../upstream-pool';
import type { WorkerStatus } from './proxy-workers';

/** Traffic fields that only ever grow (the rest, cx_active and rq_active, are gauges). */
const TRAFFIC_COUNTERS = ['cx_connect_fail', 'cx_total', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total'] as const;

/**
 * What stays of workers that died: their counters (stats and per-host traffic) summed into one
 * status, gauges dropped (their connections and requests are gone with them).
 */
export function retiredPart(statuses: readonly WorkerStatus[]): WorkerStatus {
  const stats = mergeStats([], statuses).filter((s) => s.kind === 'counter').map((s) => [s.name, s.kind, s.value] as const);
  const traffic: Record<string, Record<string, HostTraffic>> = {};
  for (const status of statuses) {
    for (const [cluster, hosts] of Object.entries(status.traffic)) {
      const into = (traffic[cluster] ??= {});
      for (const [key, t] of Object.entries(hosts)) {
        const sum = (into[key] ??= zeroTraffic());
        for (const k of TRAFFIC_COUNTERS) sum[k] += t[k];
      }
    }
  }
  return { stats, traffic };
}

/** The primary's stats plus every worker's, summed by name and kind, sorted by name. */
export function mergeStats(own: readonly Stat[], workers: readonly WorkerStatus[]): Stat[] {
  const sums = new Map<string, { kind: Stat['kind']; value: number }>();
  const add = (name: string, kind: Stat['kind'], value: number): void => {
    const cell = sums.get(name);
    if (cell) cell.value += value;
    else sums.set(name, { kind, value });
  };
  for (const s of own) add(s.name, s.kind, s.value);
  for (const w of workers) for (const [name, kind, value] of w.stats) add(name, kind, value);
  return [...sums]
    .map(([name, { kind, value }]) => ({ name, kind, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One host's traffic over every worker. */
export function sumTraffic(workers: readonly WorkerStatus[], cluster: string, hostKey: string): HostTraffic {
  const total = zeroTraffic();
  for (const w of workers) {
    const t = w.traffic[cluster]?.[hostKey];
    if (!t) continue;
    for (const k of Object.keys(total) as (keyof HostTraffic)[]) total[k] += t[k];
  }
  return total;
}
