/**
 * FlatList: one output list made of per-group lists (failures per object, a status per object, a
 * backend per name) in group order, built again only where groups changed: when no group was
 * added or removed and every changed group kept its length, the previous list is copied and
 * patched in place. Never mutates a list it has returned (callers may keep them).
 */

export interface FlatGroup {
  /** Position of the group's first item in the last full build. */
  offset: number;
  /** Number of items of the group in the last build. */
  length: number;
}

export class FlatList<G extends FlatGroup, T> {
  private out: readonly T[] = [];
  private valid = false;
  private readonly changed = new Set<G>();

  constructor(private readonly itemsOf: (g: G) => readonly T[]) {}

  /** A group's items changed. */
  touch(g: G): void {
    if (this.valid) this.changed.add(g);
  }

  /** A group was added or removed. */
  restructure(): void {
    this.valid = false;
    this.changed.clear();
  }

  list(groups: readonly G[]): readonly T[] {
    const patches: [G, readonly T[]][] = [];
    if (this.valid) {
      for (const g of this.changed) {
        const items = this.itemsOf(g);
        if (items.length !== g.length) {
          this.valid = false;
          break;
        }
        patches.push([g, items]);
      }
    }
    this.changed.clear();
    if (!this.valid) return this.rebuild(groups);
    if (patches.length === 0) return this.out;
    const out = this.out.slice();
    for (const [g, items] of patches) for (let i = 0; i < items.length; i++) out[g.offset + i] = items[i] as T;
    this.out = out;
    return out;
  }

  private rebuild(groups: readonly G[]): readonly T[] {
    const out: T[] = [];
    for (const g of groups) {
      g.offset = out.length;
      const items = this.itemsOf(g);
      g.length = items.length;
      for (const x of items) out.push(x);
    }
    this.out = out;
    this.valid = true;
    return out;
  }
}
