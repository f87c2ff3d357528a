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

export class Stats {
  private readonly counters = new Map<string, Cell>();
  private readonly gauges = new Map<string, Cell>();
  /** Bumped by removePrefix: handles look their cell up again after it. */
  private epoch = 0;

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
    const bound = this.bind(this.counters, name);
    return {
      inc: (by = 1) => {
        bound().value += by;
      },
    };
  }

  /** A handle on gauge `name`; the stat appears on the first `set`/`add`. */
  gauge(name: string): Gauge {
    const bound = this.bind(this.gauges, name);
    return {
      set: (value) => {
        bound().value = value;
      },
      add: (delta) => {
        const c = bound();
        c.value = Math.max(0, c.value + delta);
      },
    };
  }

  /** Removes every stat under a prefix (a cluster that went away). */
  removePrefix(prefix: string): void {
    this.epoch++;
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
    let c = map.get(name);
    if (!c) {
      c = { value: 0 };
      map.set(name, c);
    }
    return c;
  }

  /** Resolves `name`'s cell lazily and again after a removePrefix. */
  private bind(map: Map<string, Cell>, name: string): () => Cell {
    let cell: Cell | undefined;
    let epoch = -1;
    return () => {
      if (cell === undefined || epoch !== this.epoch) {
        cell = this.cell(map, name);
        epoch = this.epoch;
      }
      return cell;
    };
  }
}
