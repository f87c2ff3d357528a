/**
 * Stats: Envoy-named counters and gauges for the native proxy (`cluster.<name>.upstream_rq_total`,
 * `cluster.<name>.health_check.success`, ...). One store per process; components get it injected
 * and only ever add to it, by name or through handles (`counter(name)`, `gauge(name)`) that skip
 * the name lookup on hot paths. Rendered by admin at /stats and /stats/prometheus.
 */

export type StatKind = 'counter' | 'gauge';

export interface Stat {
  readonly name: string;
  readonly kind: StatKind;
  readonly value: number;
}

interface Cell {
  value: number;
}

/** A counter bound to its name: `inc()` is a field update once the stat exists. */
export interface Counter {
  inc(by?: number): void;
}

/** A gauge bound to its name. */
export interface Gauge {
  set(value: number): void;
  /** Adds `delta`; never below zero. */
  add(delta: number): void;
}

/** Bumped by removePrefix: handles look their cell up again after it. */
interface Epoch {
  value: number;
}

function cellOf(map: Map<string, Cell>, name: string): Cell {
  let c = map.get(name);
  if (!c) {
    c = { value: 0 };
    map.set(name, c);
  }
  return c;
}

/** A handle's cell, resolved on first use and again after a removePrefix. */
class BoundCell {
  private resolved: Cell | undefined;
  private seen = -1;

  constructor(
    private readonly epoch: Epoch,
    private readonly map: Map<string, Cell>,
    private readonly name: string,
  ) {}

  cell(): Cell {
    const epoch = this.epoch.value;
    let c = this.resolved;
    if (c === undefined || this.seen !== epoch) {
      c = cellOf(this.map, this.name);
      this.resolved = c;
      this.seen = epoch;
    }
    return c;
  }
}

class CounterHandle extends BoundCell implements Counter {
  readonly inc = (by = 1): void => {
    this.cell().value += by;
  };
}

class GaugeHandle extends BoundCell implements Gauge {
  readonly set = (value: number): void => {
    this.cell().value = value;
  };

  readonly add = (delta: number): void => {
    const c = this.cell();
    c.value = Math.max(0, c.value + delta);
  };
}

export class Stats {
  private readonly counters = new Map<string, Cell>();
  private readonly gauges = new Map<string, Cell>();
  private readonly epoch: Epoch = { value: 0 };

  inc(name: string, by = 1): void {
    this.cell(this.counters, name).value += by;
  }

  set(name: string, value: number): void {
    this.cell(this.gauges, name).value = value;
  }

  /** Adds to a gauge (e.g. active connections); never below zero. */
  add(name: string, delta: number): void {
    const c = this.cell(this.gauges, name);
    c.value = Math.max(0, c.value + delta);
  }

  get(name: string): number {
    return this.counters.get(name)?.value ?? this.gauges.get(name)?.value ?? 0;
  }

  /** A handle on counter `name`; the stat appears (at 0 + by) on the first `inc`, as with `inc(name)`. */
  counter(name: string): Counter {
    return new CounterHandle(this.epoch, this.counters, name);
  }

  /** A handle on gauge `name`; the stat appears on the first `set`/`add`. */
  gauge(name: string): Gauge {
    return new GaugeHandle(this.epoch, this.gauges, name);
  }

  /** Removes every stat under a prefix (a cluster that went away). */
  removePrefix(prefix: string): void {
    this.epoch.value++;
    for (const m of [this.counters, this.gauges]) for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
  }

  /** All stats sorted by name. */
  all(): Stat[] {
    const out: Stat[] = [];
    for (const [name, c] of this.counters) out.push({ name, kind: 'counter', value: c.value });
    for (const [name, c] of this.gauges) out.push({ name, kind: 'gauge', value: c.value });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private cell(map: Map<string, Cell>, name: string): Cell {
    return cellOf(map, name);
  }
}
