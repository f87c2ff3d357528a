/**
 * Snapshot: one immutable, self-checking set of xDS resources for a node group. Owns each
 * resource's encoded bytes, content-hash version and outgoing references; derives per-type
 * versions from those hashes, so identical content always yields identical versions. Built from
 * already-encoded entries (xds/snapshot-builder.ts encodes messages); never mutated after build.
 */
import { createHash } from 'node:crypto';
import { ALL_TYPE_URLS, TypeUrl } from '../type-urls';
import { RESOURCE_WRAPPER_TYPE_URL, encodeAny, encodeDeltaResource } from './wire';

export interface SnapshotEntryInput {
  readonly name: string;
  /** The encoded resource message (not wrapped in Any). */
  readonly bytes: Uint8Array;
  /**
   * Names this resource depends on in the next type of the chain: a Cluster's EDS service name,
   * a Listener's RDS route configuration name. Used by checkConsistent().
   */
  readonly references?: readonly string[];
  /** Time to live: the client drops the resource unless it is refreshed (heartbeats) in time. */
  readonly ttlMs?: number;
}

export class SnapshotEntry {
  readonly version: string;
  private any?: Uint8Array;
  private delta?: Uint8Array;
  private wrapped?: Uint8Array;

  constructor(
    readonly typeUrl: TypeUrl,
    readonly name: string,
    readonly bytes: Uint8Array,
    readonly references: readonly string[],
    readonly ttlMs?: number,
  ) {
    this.version = contentHash(bytes);
  }

  /** The resource as an encoded google.protobuf.Any (computed once). */
  anyBytes(): Uint8Array {
    return (this.any ??= encodeAny(this.typeUrl, this.bytes));
  }

  /** The resource as an encoded delta envoy.service.discovery.v3.Resource, with its TTL (computed once). */
  deltaResourceBytes(): Uint8Array {
    return (this.delta ??= encodeDeltaResource(this.name, this.version, this.anyBytes(), this.ttlMs));
  }

  /** SotW for clients that accept Resource wrappers: the resource inside a Resource with its TTL. */
  wrappedAnyBytes(): Uint8Array {
    return (this.wrapped ??= encodeAny(RESOURCE_WRAPPER_TYPE_URL, this.deltaResourceBytes()));
  }

  /** A heartbeat for this resource: name, version and TTL, no content (delta form). */
  heartbeatBytes(): Uint8Array {
    return encodeDeltaResource(this.name, this.version, undefined, this.ttlMs);
  }

  /** A heartbeat wrapped for SotW. */
  wrappedHeartbeatBytes(): Uint8Array {
    return encodeAny(RESOURCE_WRAPPER_TYPE_URL, this.heartbeatBytes());
  }
}

export type SnapshotInput = Partial<Record<TypeUrl, readonly SnapshotEntryInput[]>>;

/** Which names of each type changed relative to the snapshot this one replaced. */
export interface SnapshotChanges {
  readonly baseId: number;
  readonly changed: ReadonlyMap<TypeUrl, ReadonlySet<string>>;
}

const EMPTY: ReadonlyMap<string, SnapshotEntry> = new Map();

export class Snapshot {
  private readonly byType: ReadonlyMap<TypeUrl, ReadonlyMap<string, SnapshotEntry>>;
  private readonly typeVersions: ReadonlyMap<TypeUrl, string>;

  /** Throws an Error when one type holds the same name twice. */
  constructor(input: SnapshotInput) {
    const byType = new Map<TypeUrl, ReadonlyMap<string, SnapshotEntry>>();
    const versions = new Map<TypeUrl, string>();
    for (const typeUrl of ALL_TYPE_URLS) {
      const entries = [...(input[typeUrl] ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const map = new Map<string, SnapshotEntry>();
      const parts: string[] = [];
      for (const e of entries) {
        if (map.has(e.name)) throw new Error(`duplicate ${typeUrl} name "${e.name}"`);
        // An entry of a previous snapshot handed back as input is reused: no re-hashing.
        const entry = e instanceof SnapshotEntry && e.typeUrl === typeUrl ? e : new SnapshotEntry(typeUrl, e.name, e.bytes, e.references ?? [], e.ttlMs);
        map.set(e.name, entry);
        parts.push(e.name, '\0', entry.version, `\0${e.ttlMs ?? ''}\n`);
      }
      byType.set(typeUrl, map);
      versions.set(typeUrl, createHash('sha256').update(parts.join('')).digest('hex').slice(0, 16));
    }
    this.byType = byType;
    this.typeVersions = versions;
  }

  /** Content version of one type: equal for equal content, whatever process computed it. */
  version(typeUrl: TypeUrl): string {
    return this.typeVersions.get(typeUrl) ?? '';
  }

  resources(typeUrl: TypeUrl): ReadonlyMap<string, SnapshotEntry> {
    return this.byType.get(typeUrl) ?? EMPTY;
  }

  get(typeUrl: TypeUrl, name: string): SnapshotEntry | undefined {
    return this.byType.get(typeUrl)?.get(name);
  }

  /** Total number of resources over all types. */
  size(): number {
    let n = 0;
    for (const m of this.byType.values()) n += m.size;
    return n;
  }

  /**
   * Every EDS name a Cluster references must exist as a ClusterLoadAssignment, and every RDS
   * name a Listener references must exist as a RouteConfiguration. Returns the problems found.
   */
  checkConsistent(): string[] {
    const problems: string[] = [];
    const pairs: [TypeUrl, TypeUrl, string][] = [
      [TypeUrl.Cluster, TypeUrl.Endpoint, 'ClusterLoadAssignment'],
      [TypeUrl.Listener, TypeUrl.Route, 'RouteConfiguration'],
    ];
    for (const [from, to, label] of pairs) {
      const targets = this.resources(to);
      for (const entry of this.resources(from).values()) {
        for (const ref of entry.references) {
          if (!targets.has(ref)) problems.push(`${entry.name} references ${label} "${ref}", which the snapshot does not contain`);
        }
      }
    }
    return problems;
  }

  /** Names per type whose version differs between `base` and this snapshot (added, changed or removed). */
  changesSince(base: Snapshot): Map<TypeUrl, Set<string>> {
    const out = new Map<TypeUrl, Set<string>>();
    for (const typeUrl of ALL_TYPE_URLS) {
      const names = new Set<string>();
      const now = this.resources(typeUrl);
      const before = base.resources(typeUrl);
      if (this.version(typeUrl) !== base.version(typeUrl)) {
        for (const [name, e] of now) if (before.get(name)?.version !== e.version) names.add(name);
        for (const name of before.keys()) if (!now.has(name)) names.add(name);
      }
      out.set(typeUrl, names);
    }
    return out;
  }
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
