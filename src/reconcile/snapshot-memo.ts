/**
 * SnapshotMemo: builds each snapshot like buildSnapshot() but encodes only resources that changed
 * since the last build (not the same object and not the same data, compared with identity
 * shortcuts); the others reuse their entries. Large route configurations are encoded per virtual
 * host (EncodingCache). Emits a Snapshot equal (versions, bytes) to buildSnapshot()'s. Holds the
 * last build's entries only; never mutates its inputs.
 */
import { Snapshot, type SnapshotEntryInput } from '../xds/cache/snapshot';
import { buildSnapshot, EMPTY_RESOURCES, EncodingCache, type XdsResources } from '../xds/snapshot-builder';
import { TypeUrl } from '../xds/type-urls';

type SectionKey = keyof XdsResources;

const SECTIONS: readonly { readonly key: SectionKey; readonly typeUrl: TypeUrl; readonly nameOf: (r: Record<string, unknown>) => unknown }[] = [
  { key: 'clusters', typeUrl: TypeUrl.Cluster, nameOf: (r) => r.name },
  { key: 'endpoints', typeUrl: TypeUrl.Endpoint, nameOf: (r) => r.cluster_name },
  { key: 'listeners', typeUrl: TypeUrl.Listener, nameOf: (r) => r.name },
  { key: 'routes', typeUrl: TypeUrl.Route, nameOf: (r) => r.name },
];

interface Memo {
  /** The resource object the entry was built from (or found equal to). */
  readonly resource: object;
  readonly entry: SnapshotEntryInput;
}

/** One type's resources as last built: the list, its entries position by position, and by name. */
interface Section {
  readonly list: readonly object[];
  readonly entries: readonly SnapshotEntryInput[];
  readonly byName: Map<string, Memo>;
}

interface Pending {
  readonly section: number;
  readonly name: string;
  readonly resource: object;
  /** Where the entry goes in its section's list (input order is kept). */
  readonly index: number;
}

/** A section's new entries, and the name index changes to apply once the snapshot is built. */
interface SectionBuild {
  readonly entries: (SnapshotEntryInput | undefined)[];
  readonly deleted: string[];
  readonly set: Map<string, Memo>;
}

export class SnapshotMemo {
  private sections: Section[] = SECTIONS.map(() => ({ list: [], entries: [], byName: new Map() }));
  /** Resources encoded by the last build (the others were reused). */
  lastEncoded = 0;

  private readonly encode: (resources: XdsResources) => Snapshot;

  constructor(encode?: (resources: XdsResources) => Snapshot) {
    const encoding = new EncodingCache();
    this.encode = encode ?? ((resources) => buildSnapshot(resources, { encoding }));
  }

  /** Throws like buildSnapshot() (ProtoShapeError, duplicate names); the memo is then unchanged. */
  build(resources: XdsResources): Snapshot {
    const pending: Pending[] = [];
    const builds = SECTIONS.map((section, s) => this.section(s, resources[section.key] as readonly Record<string, unknown>[], pending));
    if (pending.length > 0) this.encodeMissing(pending, builds);
    const snapshot = new Snapshot(Object.fromEntries(SECTIONS.map((section, s) => [section.typeUrl, (builds[s] as SectionBuild).entries as SnapshotEntryInput[]])));
    builds.forEach((b, s) => {
      const section = this.sections[s] as Section;
      for (const name of b.deleted) section.byName.delete(name);
      for (const [name, memo] of b.set) section.byName.set(name, memo);
      this.sections[s] = { list: resources[(SECTIONS[s] as (typeof SECTIONS)[number]).key] as readonly object[], entries: b.entries as SnapshotEntryInput[], byName: section.byName };
    });
    this.lastEncoded = pending.length;
    return snapshot;
  }

  /** Entries of one type: unchanged positions (same objects) reused, the rest looked up by name or left pending. */
  private section(s: number, list: readonly Record<string, unknown>[], pending: Pending[]): SectionBuild {
    const { nameOf } = SECTIONS[s] as (typeof SECTIONS)[number];
    const prev = this.sections[s] as Section;
    const n = Math.min(prev.list.length, list.length);
    let head = 0;
    while (head < n && prev.list[head] === list[head]) head++;
    let tail = 0;
    while (tail < n - head && prev.list[prev.list.length - 1 - tail] === list[list.length - 1 - tail]) tail++;
    const out: SectionBuild = { entries: prev.entries.slice(0, head), deleted: [], set: new Map() };
    for (let i = head; i < prev.list.length - tail; i++) out.deleted.push(String(nameOf(prev.list[i] as Record<string, unknown>) ?? ''));
    for (let i = head; i < list.length - tail; i++) {
      const resource = list[i] as Record<string, unknown>;
      const name = String(nameOf(resource) ?? '');
      const hit = prev.byName.get(name);
      if (hit && !out.set.has(name) && unchanged(hit, resource)) {
        out.entries.push(hit.entry);
        out.set.set(name, hit.resource === resource ? hit : { resource, entry: hit.entry });
      } else {
        out.entries.push(undefined);
        pending.push({ section: s, name, resource, index: i });
      }
    }
    for (let i = prev.list.length - tail; i < prev.list.length; i++) out.entries.push(prev.entries[i]);
    return out;
  }

  private encodeMissing(pending: readonly Pending[], builds: readonly SectionBuild[]): void {
    const missing: Record<SectionKey, unknown[]> = { clusters: [], endpoints: [], listeners: [], routes: [] };
    for (const p of pending) missing[(SECTIONS[p.section] as (typeof SECTIONS)[number]).key].push(p.resource);
    const built = this.encode({ ...EMPTY_RESOURCES, ...missing } as unknown as XdsResources);
    for (const p of pending) {
      const { typeUrl } = SECTIONS[p.section] as (typeof SECTIONS)[number];
      const e = built.get(typeUrl, p.name);
      if (!e) throw new Error(`${typeUrl} "${p.name}" is missing from the encoded resources`);
      const entry: SnapshotEntryInput = e; // the SnapshotEntry itself: a Snapshot may reuse it as it is
      const b = builds[p.section] as SectionBuild;
      b.entries[p.index] = entry;
      if (!b.set.has(p.name)) b.set.set(p.name, { resource: p.resource, entry });
    }
  }
}

/** Same object, or the same data: what JSON.stringify keeps, in any key order; bytes by content. */
function unchanged(hit: Memo, resource: object): boolean {
  return sameData(hit.resource, resource);
}

export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (!Object.prototype.hasOwnProperty.call(ra, k) || ra[k] === undefined) continue;
    n++;
    if (!Object.prototype.hasOwnProperty.call(rb, k) || !sameData(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (Object.prototype.hasOwnProperty.call(rb, k) && rb[k] !== undefined) n--;
  return n === 0;
}
