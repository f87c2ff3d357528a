/**
 * LastValid: the reconciler's memory of the last valid version of every object, by
 * kind/namespace/name. Receives the objects of each reconcile and the keys found invalid; emits
 * the objects to serve (an invalid object replaced by its last valid version, when there is one).
 * Forgets objects that are gone; never decides validity itself (the translator's failures do).
 */
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
      const key = objectKey(o);
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
    const present = new Set<string>();
    for (const o of served) {
      const key = objectKey(o);
      if (present.has(key)) continue; // a duplicate: the translator uses the first one
      present.add(key);
      if (!invalid.has(key)) this.byKey.set(key, o);
    }
    for (const key of [...this.byKey.keys()]) if (!present.has(key)) this.byKey.delete(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
