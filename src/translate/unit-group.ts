/**
 * UnitGroup: one group of a translation sink's output (the backend of a name, the status of an
 * object, the failures about an object): what each unit wrote to it, in unit order, and its place
 * in the sink's FlatList. Undoing a unit removes that unit's value and tells the owning sink the
 * group changed; the sink alone decides what that means for its output and indexes.
 */
import type { FlatGroup } from './flat-list';
import { Writers, type Undo, type Unit } from './units';

/** The sink a group belongs to. */
export interface GroupOwner<G> {
  /** A unit's value left `group` (it may now be empty). */
  changed(group: G): void;
}

export class UnitGroup<K, V> implements FlatGroup, Undo {
  readonly writers = new Writers<V>();
  offset = 0;
  length = 0;

  constructor(
    /** What the group is about: a backend name, an object key, an object ref. */
    readonly id: K,
    private readonly owner: GroupOwner<UnitGroup<K, V>>,
  ) {}

  undo(unit: Unit): void {
    this.writers.remove(unit);
    this.owner.changed(this);
  }
}
