/**
 * Stats: Envoy-named counters and gauges for the native proxy (`cluster.<name>.upstream_rq_total`,
 * `cluster.<name>.health_check.success`, ...). One store per process; components get it injected
 * and only ever add to it. Rendered by admin at /stats and /stats/prometheus.
 */

export type StatKind = 'counter' | 'gauge';

export interface Stat {
  readonly name: string;
  readonly kind: StatKind;
  readonly value: number;
}

export class Stats {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  set(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  /** Adds to a gauge (e.g. active connections); never below zero. */
  add(name: string, delta: number): void {
    this.gauges.set(name, Math.max(0, (this.gauges.get(name) ?? 0) + delta));
  }

  get(name: string): number {
    return this.counters.get(name) ?? this.gauges.get(name) ?? 0;
  }

  /** Removes every stat under a prefix (a cluster that went away). */
  removePrefix(prefix: string): void {
    for (const m of [this.counters, this.gauges]) for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
  }

  /** All stats sorted by name. */
  all(): Stat[] {
    const out: Stat[] = [];
    for (const [name, value] of this.counters) out.push({ name, kind: 'counter', value });
    for (const [name, value] of this.gauges) out.push({ name, kind: 'gauge', value });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
