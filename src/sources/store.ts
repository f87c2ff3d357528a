/**
 * ResourceStore: the sole owner of observed inputs. Receives whole bundles from sources
 * (replace), or single objects (upsert/remove) from sources that see one object at a time; emits
 * 'changed' with a frozen StoreState after every change that is not deep-equal to what it holds.
 * Never translates, never reads files, and never hands out anything a caller could mutate.
 */
import { EventEmitter } from 'node:events';
import { refKey, type ResourceRef } from '../model/keys';
import type { Problem } from '../model/problems';
import { fieldOf, toInputResources, type AnyResource, type InputResources } from '../model/resources';
import { commonEnds } from '../lists';

/** Everything one source currently sees: its objects (in its own order) and its read/parse problems. */
export interface SourceBundle {
  readonly objects: readonly AnyResource[];
  readonly problems: readonly Problem[];
}

/** The store's content at one moment (frozen; replaced, never changed, on the next change). */
export interface StoreState {
  /** Increases by one on every change; 0 while empty. */
  readonly version: number;
  /** Every object of every source (sources in id order, each in its own order). */
  readonly objects: readonly AnyResource[];
  /** Every source's read and parse problems, in the same order. */
  readonly problems: readonly Problem[];
  /** The objects grouped for translateInputs(). */
  readonly inputs: InputResources;
}

const EMPTY_BUNDLE: SourceBundle = Object.freeze({ objects: Object.freeze([]), problems: Object.freeze([]) });

export class ResourceStore {
  private readonly bundles = new Map<string, SourceBundle>();
  private readonly events = new EventEmitter();
  private version = 0;
  private cached: StoreState | undefined;
  /** The last objects grouped into inputs, to regroup only what changed. */
  private grouped: { readonly objects: readonly AnyResource[]; readonly inputs: InputResources } | undefined;

  /** Calls `listener` synchronously after every change; returns the function that unsubscribes. */
  on(event: 'changed', listener: (state: StoreState) => void): () => void {
    this.events.on(event, listener);
    return () => {
      this.events.off(event, listener);
    };
  }

  /**
   * Replaces everything `sourceId` contributed. Returns false (and emits nothing) when the new
   * bundle is deep-equal to the current one. Objects deep-equal to one already held keep the held
   * instance, so unchanged objects stay identical (===) across versions.
   */
  replace(sourceId: string, bundle: SourceBundle): boolean {
    const previous = this.bundles.get(sourceId) ?? EMPTY_BUNDLE;
    const prev = previous.objects;
    const next = bundle.objects;
    const { head, tail } = commonEnds(prev, next);
    const middleSame = prev.length === next.length && sameRange(prev, next, head, next.length - tail);
    if (middleSame && sameList(previous.problems, bundle.problems)) return false;
    const objects = next.slice(0, head);
    if (head < next.length - tail) {
      const held = new Map<string, AnyResource>();
      for (let i = head; i < prev.length - tail; i++) held.set(keyOf(prev[i] as AnyResource), prev[i] as AnyResource);
      for (let i = head; i < next.length - tail; i++) {
        const o = next[i] as AnyResource;
        const old = held.get(keyOf(o));
        objects.push(old !== undefined && (old === o || deepEqual(old, o)) ? old : deepFreeze(o));
      }
    }
    for (let i = next.length - tail; i < next.length; i++) objects.push(next[i] as AnyResource);
    const problems = bundle.problems.map((p) => deepFreeze(p));
    this.bundles.set(sourceId, Object.freeze({ objects: Object.freeze(objects), problems: Object.freeze(problems) }));
    this.changed();
    return true;
  }

  /** Adds or replaces one object of a source (by kind/namespace/name); a deep-equal upsert is a no-op. */
  upsert(sourceId: string, object: AnyResource): boolean {
    const bundle = this.bundles.get(sourceId) ?? EMPTY_BUNDLE;
    const key = keyOf(object);
    const i = bundle.objects.findIndex((o) => keyOf(o) === key);
    if (i >= 0 && deepEqual(bundle.objects[i], object)) return false;
    const objects = i >= 0 ? bundle.objects.map((o, j) => (j === i ? object : o)) : [...bundle.objects, object];
    return this.replace(sourceId, { objects, problems: bundle.problems });
  }

  /** Removes one object of a source; false when the source did not hold it. */
  remove(sourceId: string, ref: ResourceRef): boolean {
    const bundle = this.bundles.get(sourceId);
    const key = refKey(ref);
    if (!bundle || !bundle.objects.some((o) => keyOf(o) === key)) return false;
    return this.replace(sourceId, { objects: bundle.objects.filter((o) => keyOf(o) !== key), problems: bundle.problems });
  }

  /** Forgets a source entirely (its objects disappear from the inputs). */
  drop(sourceId: string): boolean {
    if (!this.bundles.delete(sourceId)) return false;
    this.changed();
    return true;
  }

  /** The current content (the same frozen value until the next change). */
  state(): StoreState {
    if (this.cached) return this.cached;
    const ids = [...this.bundles.keys()].sort();
    const only = ids.length === 1 ? this.bundles.get(ids[0] as string) : undefined;
    const objects = only ? only.objects : Object.freeze(ids.flatMap((id) => (this.bundles.get(id) as SourceBundle).objects));
    const problems = only ? only.problems : Object.freeze(ids.flatMap((id) => (this.bundles.get(id) as SourceBundle).problems));
    const last = this.grouped;
    const inputs = (last && regroup(last.objects, last.inputs, objects)) ?? freezeInputs(toInputResources(objects));
    this.grouped = { objects, inputs };
    this.cached = Object.freeze({ version: this.version, objects, problems, inputs });
    return this.cached;
  }

  private changed(): void {
    this.version++;
    this.cached = undefined;
    if (this.events.listenerCount('changed') > 0) this.events.emit('changed', this.state());
  }
}

/** Keys of held objects (frozen, so a key never changes), to keep upsert/remove cheap on large sources. */
const KEYS = new WeakMap<AnyResource, string>();

function keyOf(o: AnyResource): string {
  let key = KEYS.get(o);
  if (key === undefined) {
    key = refKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
    if (Object.isFrozen(o)) KEYS.set(o, key);
  }
  return key;
}

/** Items from..to (exclusive) of two equally long lists are deep-equal. */
function sameRange<T>(a: readonly T[], b: readonly T[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i] && !deepEqual(a[i], b[i])) return false;
  return true;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !deepEqual(a[i], b[i])) return false;
  return true;
}

/**
 * The grouping of `next` from that of `prev` when a few objects were replaced in place by objects
 * of the same kind; undefined otherwise (group from scratch).
 */
function regroup(prev: readonly AnyResource[], grouped: InputResources, next: readonly AnyResource[]): InputResources | undefined {
  if (prev.length !== next.length) return undefined;
  const { head, tail } = commonEnds(prev, next);
  if (next.length - tail - head > 64) return undefined;
  const out: Record<keyof InputResources, readonly AnyResource[]> = { ...grouped };
  const copied = new Map<keyof InputResources, AnyResource[]>();
  for (let i = head; i < next.length - tail; i++) {
    const a = prev[i] as AnyResource;
    const b = next[i] as AnyResource;
    if (a === b) continue;
    const field = fieldOf(a.kind);
    if (field === undefined || fieldOf(b.kind) !== field) return undefined;
    let list = copied.get(field);
    if (!list) copied.set(field, (list = [...out[field]]));
    const j = list.indexOf(a);
    if (j < 0 || list.indexOf(a, j + 1) >= 0) return undefined;
    list[j] = b;
  }
  for (const [field, list] of copied) out[field] = Object.freeze(list);
  return Object.freeze(out) as unknown as InputResources;
}

function freezeInputs(inputs: InputResources): InputResources {
  for (const list of Object.values(inputs)) Object.freeze(list);
  return Object.freeze(inputs);
}

/** Structural equality of plain data: primitives, arrays, plain objects and Maps (no cycles). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return sameList(a, b as unknown[]);
  if (a instanceof Map || b instanceof Map) return a instanceof Map && b instanceof Map && sameMap(a, b);
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function sameMap(a: ReadonlyMap<unknown, unknown>, b: ReadonlyMap<unknown, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
  return true;
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || value instanceof Map) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
