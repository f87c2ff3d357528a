/**
 * TranslationFailure: an error or warning about one input object, as data (never thrown), with
 * the file and line of the field. Report keeps them per object and writing unit across
 * translations: a unit sees the failures of the units before it; `list()` gives them sorted by
 * object, in emission order. `invalidRefs()`: objects that break their own rules (`Invalid`).
 */
import { refKey, compareRefs, type ResourceRef } from '../model/keys';
import { lineOf, type Problem } from '../model/problems';
import type { AnyResource } from '../model/resources';
import { FlatList } from './flat-list';
import { UnitGroup } from './unit-group';
import { SortedList, type Tracker } from './units';

export type TranslationFailure = Problem & { readonly ref: ResourceRef };

export const INVALID = 'Invalid';

export function refOf(obj: AnyResource): ResourceRef {
  return { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

/** The failures about one object (`id`: its kind/namespace/name), per writing unit. */
type Group = UnitGroup<ResourceRef, TranslationFailure[]>;

export class Report {
  /** By kind, namespace and name (never ambiguous). */
  private readonly groups = new Map<string, Map<string, Map<string, Group>>>();
  /** By refKey (what hasErrors/counts look up; two refs can share one when names hold '/'). */
  private readonly byKey = new Map<string, Group[]>();
  private readonly sorted = new SortedList<Group>((a, b) => compareRefs(a.id, b.id));
  /** Groups whose last writer went (removed at the next list(), unless written again). */
  private readonly emptied = new Set<Group>();
  private readonly output = new FlatList<Group, TranslationFailure>((g) => {
    const out: TranslationFailure[] = [];
    for (let i = 0; i < g.writers.size; i++) for (const f of g.writers.at(i)) out.push(f);
    return out;
  });

  constructor(private readonly tracker: Tracker) {}

  error(obj: AnyResource, path: string, message: string, reason: string = INVALID): void {
    this.add('error', obj, path, reason, message);
  }

  warn(obj: AnyResource, path: string, reason: string, message: string): void {
    this.add('warning', obj, path, reason, message);
  }

  /** Errors (reason Invalid) recorded so far for this object, under `pathPrefix`. */
  hasErrors(obj: AnyResource, pathPrefix = ''): boolean {
    return this.seen(obj).some((f) => f.severity === 'error' && within(f.path, pathPrefix));
  }

  /** Numbers of errors and warnings recorded for this object. */
  counts(obj: AnyResource): { errors: number; warnings: number } {
    const mine = this.seen(obj);
    const errors = mine.filter((f) => f.severity === 'error').length;
    return { errors, warnings: mine.length - errors };
  }

  /** Failures sorted by object (kind, namespace, name), keeping emission order within an object. */
  list(): readonly TranslationFailure[] {
    for (const g of this.emptied) if (g.writers.size === 0) this.drop(g);
    this.emptied.clear();
    return this.output.list(this.sorted.items);
  }

  /**
   * What the running unit sees of this object's failures: a read it depends on, unless of its
   * own object (the engine runs a unit again when failures about its object change before it).
   */
  private seen(obj: AnyResource): TranslationFailure[] {
    const key = refKey(refOf(obj));
    const reader = this.tracker.current;
    if (this.tracker.tracking && reader?.obj !== obj) this.tracker.read(`errors:${key}`);
    const out: TranslationFailure[] = [];
    for (const g of this.byKey.get(key) ?? []) for (const list of g.writers.visible(reader)) out.push(...list);
    return out;
  }

  private add(severity: Problem['severity'], obj: AnyResource, path: string, reason: string, message: string): void {
    const line = lineOf(obj.origin, path);
    const failure: TranslationFailure = {
      severity,
      ref: refOf(obj),
      ...(obj.origin ? { file: obj.origin.file } : {}),
      ...(line !== undefined ? { line } : {}),
      path,
      reason,
      message,
    };
    const unit = this.tracker.writer();
    const group = this.group(failure.ref);
    const list = group.writers.own(unit);
    if (!list) this.tracker.undoable(group);
    group.writers.put(unit, list ? list.concat([failure]) : [failure]);
    this.output.touch(group);
    if (this.tracker.tracking) this.tracker.wrote(`errors:${refKey(failure.ref)}`, failure);
  }

  private group(ref: ResourceRef): Group {
    const byNs = getOrSet(getOrSet(this.groups, ref.kind, () => new Map<string, Map<string, Group>>()), ref.namespace, () => new Map<string, Group>());
    let g = byNs.get(ref.name);
    if (!g) {
      g = new UnitGroup<ResourceRef, TranslationFailure[]>(ref, this);
      byNs.set(ref.name, g);
      getOrSet(this.byKey, refKey(ref), () => []).push(g);
      this.sorted.insert(g);
      this.output.restructure();
    }
    return g;
  }

  /** A unit's failures about one object were taken back (UnitGroup.undo). */
  changed(group: Group): void {
    this.output.touch(group);
    if (group.writers.size === 0) this.emptied.add(group);
  }

  private drop(group: Group): void {
    this.output.restructure();
    const { kind, namespace, name } = group.id;
    const byNs = this.groups.get(kind)?.get(namespace);
    byNs?.delete(name);
    if (byNs?.size === 0) this.groups.get(kind)?.delete(namespace);
    const key = refKey(group.id);
    const shared = (this.byKey.get(key) ?? []).filter((g) => g !== group);
    if (shared.length > 0) this.byKey.set(key, shared);
    else this.byKey.delete(key);
    this.sorted.remove(group);
  }
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** Whether `path` is `prefix` or a field below it (`a.b`, `a[0]`), never a sibling like `a[10]` for `a[1]`. */
function within(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Keys (`Kind/ns/name`) of objects that break their own rules and would be refused at admission. */
export function invalidRefs(failures: readonly TranslationFailure[]): Set<string> {
  return new Set(failures.filter((f) => f.severity === 'error' && f.reason === INVALID).map((f) => refKey(f.ref)));
}
