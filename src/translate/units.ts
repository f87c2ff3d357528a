/**
 * Units, the core of incremental translation: a unit translates one input object (by
 * kind/namespace/name) or is a pseudo-unit (deduplication first, final statuses last); units run
 * in a fixed order. Sinks keep which unit wrote what (Writers), so a unit sees exactly what the
 * units before it wrote, as from scratch; the Tracker logs each unit's reads and writes (with
 * undo) to know what to run again. Holds no inputs; never decides what a unit does.
 */
import type { AnyResource } from '../model/resources';

export interface Unit {
  /** The object translated; undefined for pseudo-units. */
  obj: AnyResource | undefined;
  readonly step: number;
  /** namespace/name (the order within a step), then namespace. */
  readonly key: string;
  readonly ns: string;
  /** Whether its reads are tracked (pseudo-units run every time and are never readers). */
  readonly tracked: boolean;
  /** Dependency keys read by the last run (absent: none). */
  deps: string[] | undefined;
  /** What the last run wrote: dependency key, value, key, value... (compared to decide whose reads changed). */
  writes: unknown[] | undefined;
  /** What undoes the last run's writes, in order. */
  undo: Undo[] | undefined;
  queued: boolean;
}

/** A sink entry that can take back what a unit wrote to it. */
export interface Undo {
  undo(unit: Unit): void;
}

const NO_ENTRIES: readonly never[] = Object.freeze([]);

export function newUnit(obj: AnyResource | undefined, step: number, key: string, ns: string, tracked = true): Unit {
  return { obj, step, key, ns, tracked, deps: undefined, writes: undefined, undo: undefined, queued: false };
}

export function compareUnits(a: Unit, b: Unit): number {
  return a.step - b.step || cmp(a.key, b.key) || cmp(a.ns, b.ns);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a write by `writer` is seen by `reader` (undefined: after every unit). */
export function visibleTo(writer: Unit, reader: Unit | undefined): boolean {
  return reader === undefined || writer === reader || compareUnits(writer, reader) < 0;
}

/**
 * Values written under one key, at most one per unit, kept in unit order. Arrays here are
 * replaced, not grown (concat sizes them exactly; most keys have one writer, and memory counts).
 */
export class Writers<V> {
  private entries: readonly { readonly unit: Unit; value: V }[] = NO_ENTRIES;

  get size(): number {
    return this.entries.length;
  }

  own(unit: Unit): V | undefined {
    return this.entries.find((e) => e.unit === unit)?.value;
  }

  /** Sets `unit`'s value (replacing its earlier one). */
  put(unit: Unit, value: V): void {
    const found = this.entries.find((e) => e.unit === unit);
    if (found) {
      found.value = value;
      return;
    }
    let i = this.entries.length;
    while (i > 0 && compareUnits(this.entries[i - 1]!.unit, unit) > 0) i--;
    this.entries = this.entries.slice(0, i).concat([{ unit, value }], this.entries.slice(i));
  }

  remove(unit: Unit): void {
    const i = this.entries.findIndex((e) => e.unit === unit);
    if (i >= 0) this.entries = this.entries.slice(0, i).concat(this.entries.slice(i + 1));
  }

  /** The first value `reader` sees (undefined reader: the first of all). */
  first(reader?: Unit): V | undefined {
    const e = this.entries[0];
    return e && visibleTo(e.unit, reader) ? e.value : undefined;
  }

  /** The last value `reader` sees. */
  last(reader?: Unit): V | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (visibleTo(e.unit, reader)) return e.value;
    }
    return undefined;
  }

  /** Every value `reader` sees, in unit order. */
  visible(reader?: Unit): V[] {
    const out: V[] = [];
    for (const e of this.entries) if (visibleTo(e.unit, reader)) out.push(e.value);
    return out;
  }

  /** The i-th value in unit order (0 <= i < size). */
  at(i: number): V {
    return (this.entries[i] as { value: V }).value;
  }

  /** The unit of the last value. */
  lastUnit(): Unit | undefined {
    return this.entries[this.entries.length - 1]?.unit;
  }
}

/** How many units wrote each key (Kong policy marks, attachment sources), undone per unit. */
export class CountMap {
  private readonly counts = new Map<string, Counter>();

  constructor(private readonly tracker: Tracker) {}

  /** Counts one more for the running unit. */
  add(key: string): void {
    let c = this.counts.get(key);
    if (!c) this.counts.set(key, (c = new Counter(this.counts, key)));
    c.n++;
    this.tracker.undoable(c);
  }

  get(key: string): number {
    return this.counts.get(key)?.n ?? 0;
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }

  keys(): IterableIterator<string> {
    return this.counts.keys();
  }

  get size(): number {
    return this.counts.size;
  }
}

class Counter implements Undo {
  n = 0;

  constructor(
    private readonly owner: Map<string, Counter>,
    private readonly key: string,
  ) {}

  undo(): void {
    if (--this.n === 0 && this.owner.get(this.key) === this) this.owner.delete(this.key);
  }
}

/** Readers of one dependency key: one unit, or a set of them. */
export type Readers = Unit | Set<Unit>;

/** The unit running now; its reads and writes. `readers` is absent when nothing is tracked. */
export class Tracker {
  current: Unit | undefined;
  /** Whether reads and writes are logged (a translation from scratch logs nothing). */
  readonly tracking: boolean;

  constructor(readonly readers: Map<string, Readers> | undefined) {
    this.tracking = readers !== undefined;
  }

  /** Logs a read of the running unit (callers build `dep` only when `tracking`). */
  read(dep: string): void {
    const unit = this.current;
    if (!unit || !unit.tracked || !this.readers) return;
    const known = this.readers.get(dep);
    if (known === unit || (known instanceof Set && known.has(unit))) return;
    if (known === undefined) this.readers.set(dep, unit);
    else if (known instanceof Set) known.add(unit);
    else this.readers.set(dep, new Set([known, unit]));
    unit.deps = unit.deps ? unit.deps.concat(dep) : [dep];
  }

  /** Logs a write of the current unit under `dep`; `value` tells readers whether it changed. */
  wrote(dep: string, value: unknown): void {
    const unit = this.writer();
    if (this.readers) unit.writes = unit.writes ? unit.writes.concat([dep, value]) : [dep, value];
  }

  /** Registers an entry that can undo a write of the current unit (before it runs again, or goes). */
  undoable(entry: Undo): void {
    const unit = this.writer();
    if (this.tracking) unit.undo = unit.undo ? unit.undo.concat([entry]) : [entry];
  }

  /** The unit running now (a write outside a unit is a bug). */
  writer(): Unit {
    if (!this.current) throw new Error('a translation sink was written outside a unit');
    return this.current;
  }
}

/**
 * Units waiting to run, taken in unit order: a binary heap, plus a sorted run when many units are
 * queued at once (a first translation queues them all).
 */
export class UnitQueue {
  private readonly heap: Unit[] = [];
  private run: Unit[] = [];
  private next = 0;

  add(unit: Unit): void {
    if (unit.queued) return;
    unit.queued = true;
    const h = this.heap;
    h.push(unit);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareUnits(h[parent]!, h[i]!) <= 0) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  take(): Unit | undefined {
    if (this.next >= this.run.length && this.heap.length > 256) {
      this.run = this.heap.splice(0).sort(compareUnits);
      this.next = 0;
    }
    const fromRun = this.run[this.next];
    const top = this.heap[0];
    if (fromRun && (!top || compareUnits(fromRun, top) <= 0)) {
      this.next++;
      fromRun.queued = false;
      return fromRun;
    }
    if (!top) {
      this.run = [];
      this.next = 0;
      return undefined;
    }
    this.pop();
    top.queued = false;
    return top;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && compareUnits(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && compareUnits(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/**
 * Items kept sorted by `compare` (distinct items, no two comparing equal). Inserts and removes are
 * applied when the items are next read: a few by binary search, many by one sort.
 */
export class SortedList<T> {
  private sorted: T[] = [];
  private added: T[] = [];
  private readonly removed = new Set<T>();

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get items(): readonly T[] {
    if (this.removed.size > 0) {
      this.sorted = this.sorted.filter((x) => !this.removed.has(x));
      this.removed.clear();
    }
    if (this.added.length > 16) this.sorted = [...this.sorted, ...this.added].sort(this.compare);
    else for (const x of this.added) this.sorted.splice(this.lowerBound(x), 0, x);
    this.added = [];
    return this.sorted;
  }

  insert(x: T): void {
    if (this.removed.delete(x)) return;
    this.added.push(x);
  }

  remove(x: T): void {
    const i = this.added.indexOf(x);
    if (i >= 0) this.added.splice(i, 1);
    else this.removed.add(x);
  }

  private lowerBound(x: T): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.sorted[mid] as T, x) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
