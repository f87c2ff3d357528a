/**
 * SnapshotMemo: builds each snapshot like buildSnapshot(), but encodes only the resources whose
 * content differs from the previous build (same type, name and JSON text); the others reuse their
 * encoded bytes and references. Receives XdsResources; emits a Snapshot equal (same versions) to
 * what buildSnapshot() would build. Holds the last build's entries only; never mutates its inputs.
 */
import { Snapshot, type SnapshotEntryInput } from '../xds/cache/snapshot';
import { buildSnapshot, EMPTY_RESOURCES, type XdsResources } from '../xds/snapshot-builder';
import { TypeUrl } from '../xds/type-urls';

type SectionKey = keyof XdsResources;

const SECTIONS: readonly { readonly key: SectionKey; readonly typeUrl: TypeUrl; readonly nameOf: (r: Record<string, unknown>) => unknown }[] = [
  { key: 'clusters', typeUrl: TypeUrl.Cluster, nameOf: (r) => r.name },
  { key: 'endpoints', typeUrl: TypeUrl.Endpoint, nameOf: (r) => r.cluster_name },
  { key: 'listeners', typeUrl: TypeUrl.Listener, nameOf: (r) => r.name },
  { key: 'routes', typeUrl: TypeUrl.Route, nameOf: (r) => r.name },
];

interface Memo {
  readonly json: string | undefined;
  readonly entry: SnapshotEntryInput;
}

interface Pending {
  readonly key: string;
  readonly typeUrl: TypeUrl;
  readonly name: string;
  readonly json: string | undefined;
}

export class SnapshotMemo {
  private memo = new Map<string, Memo>();
  /** Resources encoded by the last build (the others were reused). */
  lastEncoded = 0;

  constructor(private readonly encode: (resources: XdsResources) => Snapshot = buildSnapshot) {}

  /** Throws like buildSnapshot() (ProtoShapeError, duplicate names); the memo is then unchanged. */
  build(resources: XdsResources): Snapshot {
    const next = new Map<string, Memo>();
    const input = new Map<TypeUrl, SnapshotEntryInput[]>(SECTIONS.map((s) => [s.typeUrl, []]));
    const missing: Record<SectionKey, unknown[]> = { clusters: [], endpoints: [], listeners: [], routes: [] };
    const pending: Pending[] = [];
    for (const section of SECTIONS) {
      for (const resource of resources[section.key] as readonly Record<string, unknown>[]) {
        const name = String(section.nameOf(resource) ?? '');
        const key = `${section.typeUrl}\u0000${name}`;
        const json = jsonOf(resource);
        const hit = this.memo.get(key);
        if (hit && json !== undefined && hit.json === json && !next.has(key)) {
          input.get(section.typeUrl)?.push(hit.entry);
          next.set(key, hit);
        } else {
          missing[section.key].push(resource);
          pending.push({ key, typeUrl: section.typeUrl, name, json });
        }
      }
    }
    if (pending.length > 0) this.encodeMissing({ ...EMPTY_RESOURCES, ...missing } as unknown as XdsResources, pending, input, next);
    const snapshot = new Snapshot(Object.fromEntries(input));
    this.memo = next;
    this.lastEncoded = pending.length;
    return snapshot;
  }

  private encodeMissing(missing: XdsResources, pending: readonly Pending[], input: Map<TypeUrl, SnapshotEntryInput[]>, next: Map<string, Memo>): void {
    const built = this.encode(missing);
    for (const p of pending) {
      const e = built.get(p.typeUrl, p.name);
      if (!e) throw new Error(`${p.typeUrl} "${p.name}" is missing from the encoded resources`);
      const entry: SnapshotEntryInput = { name: e.name, bytes: e.bytes, references: e.references };
      input.get(p.typeUrl)?.push(entry);
      next.set(p.key, { json: p.json, entry });
    }
  }
}

/** The JSON text of a resource, or undefined when it has none (e.g. a BigInt): never memoised then. */
function jsonOf(resource: unknown): string | undefined {
  try {
    return JSON.stringify(resource);
  } catch {
    return undefined;
  }
}
