/**
 * HeldResources: what one client holds of one type, stored as "everything it tracks of snapshot
 * S, at S's versions" plus per-name overrides. After a stream has fully caught up with a snapshot
 * it rebases onto it and the overrides empty, so N streams in step with the same snapshot hold no
 * per-name state at all; only names that differ (just sent, removed, NACK-parked, seeded from a
 * reconnect) cost memory. The tracking rule must not change while a base is set: materialize()
 * first.
 */
import type { SnapshotEntry } from '../cache/snapshot';

export class HeldResources<V> {
  private base: ReadonlyMap<string, SnapshotEntry> | undefined;
  /** name -> value held, or undefined: explicitly not held (overrides the base). */
  private readonly overrides = new Map<string, V | undefined>();

  constructor(
    private readonly tracks: (name: string) => boolean,
    private readonly fromBase: (entry: SnapshotEntry) => V,
  ) {}

  get(name: string): V | undefined {
    if (this.overrides.has(name)) return this.overrides.get(name);
    if (!this.base || !this.tracks(name)) return undefined;
    const entry = this.base.get(name);
    return entry ? this.fromBase(entry) : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, value: V): void {
    this.overrides.set(name, value);
  }

  delete(name: string): void {
    if (this.base?.has(name) && this.tracks(name)) this.overrides.set(name, undefined);
    else this.overrides.delete(name);
  }

  /** Holds nothing. */
  clear(): void {
    this.base = undefined;
    this.overrides.clear();
  }

  /** Every name held, with its value. */
  *entries(): IterableIterator<[string, V]> {
    for (const [name, value] of this.overrides) if (value !== undefined) yield [name, value];
    if (!this.base) return;
    for (const [name, entry] of this.base) {
      if (!this.overrides.has(name) && this.tracks(name)) yield [name, this.fromBase(entry)];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  /** Copies the base into overrides, so the tracking rule may change. */
  materialize(): void {
    if (!this.base) return;
    const held = [...this.entries()];
    this.base = undefined;
    this.overrides.clear();
    for (const [name, value] of held) this.overrides.set(name, value);
  }

  /** The client now holds exactly what it tracks of `resources`, at their versions. */
  rebase(resources: ReadonlyMap<string, SnapshotEntry>): void {
    this.base = resources;
    this.overrides.clear();
  }

  /** Per-name state kept (for tests and memory accounting). */
  overrideCount(): number {
    return this.overrides.size;
  }
}
