/**
 * KindInputs: one kind's input list as last translated, and what changed in it since: the
 * deduplicated objects added and removed (by identity, keyed by kind/namespace/name). Duplicates
 * are resolved as a fresh translation does: the first in input order wins and the others are
 * reported; while any exist, the whole list is deduplicated again. Costs a pass of identity
 * comparisons over the list plus work in proportion to what changed.
 */
import { refKey } from '../model/keys';
import type { AnyResource } from '../model/resources';

export interface Duplicate {
  readonly dup: AnyResource;
  readonly key: string;
  readonly first: AnyResource;
}

export interface KindChange {
  /** Objects no longer translated, by refKey. */
  readonly removed: ReadonlyMap<string, AnyResource>;
  /** Objects to translate that were not before, by refKey (a key in both maps: a changed object). */
  readonly added: ReadonlyMap<string, AnyResource>;
  /** When duplicates exist or existed: every duplicate to report now (replacing the earlier ones). */
  readonly duplicates?: readonly Duplicate[];
}

/** Key strings per object, remembered (by identity) when a WeakMap is given. */
export class ObjectKeys {
  constructor(private readonly memo?: WeakMap<AnyResource, string>) {}

  /** `Kind/namespace/name`. */
  ref(o: AnyResource): string {
    let key = this.memo?.get(o);
    if (key === undefined) {
      key = refKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
      this.memo?.set(o, key);
    }
    return key;
  }
}

export class KindInputs {
  private raw: readonly AnyResource[] = [];
  /** Occurrences of each key in `raw`. */
  private readonly counts = new Map<string, number>();
  private repeated = 0;
  /** The object translated for each key. */
  private kept = new Map<string, AnyResource>();
  private hadDuplicates = false;

  constructor(private readonly keys: ObjectKeys) {}

  update(next: readonly AnyResource[]): KindChange {
    const { added, removed } = diffLists(this.raw, next);
    this.raw = next;
    for (const o of removed) this.count(this.keys.ref(o), -1);
    for (const o of added) this.count(this.keys.ref(o), 1);
    if (this.repeated === 0 && !this.hadDuplicates) return this.simple(added, removed);
    return this.deduplicated(next);
  }

  private simple(added: readonly AnyResource[], removed: readonly AnyResource[]): KindChange {
    const out = { removed: new Map<string, AnyResource>(), added: new Map<string, AnyResource>() };
    for (const o of removed) {
      const key = this.keys.ref(o);
      this.kept.delete(key);
      out.removed.set(key, o);
    }
    for (const o of added) {
      const key = this.keys.ref(o);
      this.kept.set(key, o);
      out.added.set(key, o);
    }
    return out;
  }

  private deduplicated(next: readonly AnyResource[]): KindChange {
    const seen = new Map<string, AnyResource>();
    const duplicates: Duplicate[] = [];
    for (const o of next) {
      const key = this.keys.ref(o);
      const first = seen.get(key);
      if (first) duplicates.push({ dup: o, key, first });
      else seen.set(key, o);
    }
    const removed = new Map<string, AnyResource>();
    const added = new Map<string, AnyResource>();
    for (const [key, o] of this.kept) if (seen.get(key) !== o) removed.set(key, o);
    for (const [key, o] of seen) if (this.kept.get(key) !== o) added.set(key, o);
    this.kept = seen;
    this.hadDuplicates = duplicates.length > 0;
    return { removed, added, duplicates };
  }

  private count(key: string, delta: number): void {
    const before = this.counts.get(key) ?? 0;
    const after = before + delta;
    if (after > 0) this.counts.set(key, after);
    else this.counts.delete(key);
    if (before <= 1 && after > 1) this.repeated++;
    if (before > 1 && after <= 1) this.repeated--;
  }
}

/** Objects (with multiplicity) in `next` and not `prev`, and the reverse: common ends are skipped by identity. */
export function diffLists<T>(prev: readonly T[], next: readonly T[]): { added: T[]; removed: T[] } {
  if (prev.length === 0) return { added: [...next], removed: [] };
  const n = Math.min(prev.length, next.length);
  let head = 0;
  while (head < n && prev[head] === next[head]) head++;
  let tail = 0;
  while (tail < n - head && prev[prev.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const balance = new Map<T, number>();
  for (let i = head; i < prev.length - tail; i++) balance.set(prev[i] as T, (balance.get(prev[i] as T) ?? 0) + 1);
  for (let i = head; i < next.length - tail; i++) balance.set(next[i] as T, (balance.get(next[i] as T) ?? 0) - 1);
  const added: T[] = [];
  const removed: T[] = [];
  for (const [x, b] of balance) {
    for (let k = 0; k < b; k++) removed.push(x);
    for (let k = 0; k < -b; k++) added.push(x);
  }
  return { added, removed };
}
