/**
 * LastValid: the reconciler's memory of the last valid version of every object, by
 * kind/namespace/name. Receives the objects of each reconcile and the keys found invalid; emits
 * the objects to serve (an invalid object replaced by its last valid version, when there is one).
 * Forgets objects that are gone; never decides validity itself (the translator's failures do).
 * Follows each reconcile's list by its changes (identity), so a reconcile costs what changed.
 */
import { diffLists } from '../translate/input-diff';
import { refKey, type ResourceRef } from '../model/keys';
import type { Problem } from '../model/problems';
import type { AnyResource } from '../model/resources';
import { INVALID } from '../translate/failures';

export function objectKey(o: AnyResource): string {
  return refKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
}

/** Keys of objects that break their own rules (errors with reason Invalid that name an object). */
export function invalidKeys(problems: readonly Problem[]): Set<string> {
  const out = new Set<string>();
  for (const p of problems) if (p.severity === 'error' && p.reason === INVALID && p.ref) out.add(refKey(p.ref));
  return out;
}

export interface Substitution {
  /** What to translate: current objects, invalid ones swapped for their last valid version. */
  readonly objects: readonly AnyResource[];
  /** The last valid versions put in, by key. */
  readonly substituted: ReadonlyMap<string, AnyResource>;
}

export class LastValid {
  private readonly byKey = new Map<string, AnyResource>();
  private readonly keys = new WeakMap<AnyResource, string>();
  /** The list given to the last record(), its objects by key and how often each key occurs in it. */
  private served: readonly AnyResource[] = [];
  private readonly current = new Map<string, AnyResource>();
  private readonly counts = new Map<string, number>();
  private repeated = 0;
  private invalid: ReadonlySet<string> = new Set();

  /** The last valid version of an object, if one is remembered. */
  get(ref: ResourceRef): AnyResource | undefined {
    return this.byKey.get(refKey(ref));
  }

  /**
   * Replaces every object whose key is invalid by its last valid version (keeping the position
   * of the first occurrence); objects that failed to decode (absent) get theirs appended.
   */
  substitute(objects: readonly AnyResource[], invalid: ReadonlySet<string>): Substitution {
    const substituted = new Map<string, AnyResource>();
    for (const key of invalid) {
      const last = this.byKey.get(key);
      if (last) substituted.set(key, last);
    }
    if (substituted.size === 0) return { objects, substituted };
    const placed = new Set<string>();
    const out: AnyResource[] = [];
    for (const o of objects) {
      const key = this.keyOf(o);
      const last = substituted.get(key);
      if (!last) out.push(o);
      else if (!placed.has(key)) {
        placed.add(key);
        out.push(last);
      }
    }
    for (const [key, last] of substituted) if (!placed.has(key)) out.push(last);
    return { objects: out, substituted };
  }

  /** Remembers every served object not found invalid; forgets keys no longer served at all. */
  record(served: readonly AnyResource[], invalid: ReadonlySet<string>): void {
    const { added, removed } = diffLists(this.served, served);
    const hadRepeats = this.repeated > 0;
    for (const o of removed) this.count(o, -1);
    for (const o of added) this.count(o, 1);
    const before = this.invalid;
    this.served = served;
    this.invalid = invalid;
    if (hadRepeats || this.repeated > 0) return this.recordAll(served, invalid);
    for (const o of removed) {
      const key = this.keyOf(o);
      if (!this.counts.has(key)) this.byKey.delete(key);
    }
    for (const o of added) if (!invalid.has(this.keyOf(o))) this.byKey.set(this.keyOf(o), o);
    for (const key of before) {
      const o = this.current.get(key);
      if (o && !invalid.has(key)) this.byKey.set(key, o);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  /** record() over the whole list: the first object of each key counts (the translator uses it). */
  private recordAll(served: readonly AnyResource[], invalid: ReadonlySet<string>): void {
    const present = new Set<string>();
    for (const o of served) {
      const key = this.keyOf(o);
      if (present.has(key)) continue; // a duplicate: the translator uses the first one
      present.add(key);
      this.current.set(key, o);
      if (!invalid.has(key)) this.byKey.set(key, o);
    }
    for (const key of [...this.byKey.keys()]) if (!present.has(key)) this.byKey.delete(key);
  }

  private count(o: AnyResource, delta: number): void {
    const key = this.keyOf(o);
    const before = this.counts.get(key) ?? 0;
    const after = before + delta;
    if (after > 0) this.counts.set(key, after);
    else this.counts.delete(key);
    if (delta > 0 && before === 0) this.current.set(key, o);
    if (after === 0) this.current.delete(key);
    if (before <= 1 && after > 1) this.repeated++;
    if (before > 1 && after <= 1) this.repeated--;
  }

  private keyOf(o: AnyResource): string {
    let key = this.keys.get(o);
    if (key === undefined) this.keys.set(o, (key = objectKey(o)));
    return key;
  }
}
