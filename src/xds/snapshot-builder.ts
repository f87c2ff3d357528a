/**
 * buildSnapshot: Envoy resources (proto-loader input shape) -> an immutable Snapshot: encodes each
 * resource and records what it references (a Cluster's EDS name, a Listener's RDS name). Throws
 * ProtoShapeError when a resource does not fit its message. With an EncodingCache a large
 * RouteConfiguration is spliced from its virtual hosts' cached bytes (the same bytes as whole).
 */
import { Snapshot, type SnapshotEntryInput } from './cache/snapshot';
import type { Cluster } from './generated/envoy/config/cluster/v3/Cluster';
import type { ClusterLoadAssignment } from './generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { Listener, Listener__Output } from './generated/envoy/config/listener/v3/Listener';
import type { RouteConfiguration } from './generated/envoy/config/route/v3/RouteConfiguration';
import type { HttpConnectionManager__Output } from './generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { Any__Output } from './generated/google/protobuf/Any';
import { decodeMessage, encodeMessage, messageType, ProtoShapeError, shapeProblems, typeNameOfUrl, unpackAny } from './proto';
import { ExtensionTypeUrl, TypeUrl } from './type-urls';

export interface XdsResources {
  readonly clusters: readonly Cluster[];
  readonly endpoints: readonly ClusterLoadAssignment[];
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
}

export const EMPTY_RESOURCES: XdsResources = { clusters: [], endpoints: [], listeners: [], routes: [] };

const HCM = typeNameOfUrl(ExtensionTypeUrl.HttpConnectionManager);

export interface BuildOptions {
  /** A time to live for some resources (clients drop them unless refreshed by heartbeats). */
  readonly ttlMs?: (typeUrl: TypeUrl, name: string) => number | undefined;
  /** Encoded parts of earlier builds, reused by object identity. */
  readonly encoding?: EncodingCache;
}

/** Encoded virtual hosts by object identity (forgotten with the objects). */
export class EncodingCache {
  readonly virtualHosts = new WeakMap<object, Uint8Array>();
  /** Route configurations with fewer virtual hosts are encoded whole. */
  constructor(readonly spliceFrom = 64) {}
}

export function buildSnapshot(resources: XdsResources, options: BuildOptions = {}): Snapshot {
  const withTtl = (typeUrl: TypeUrl) => (e: SnapshotEntryInput): SnapshotEntryInput => {
    const ttlMs = options.ttlMs?.(typeUrl, e.name);
    return ttlMs === undefined ? e : { ...e, ttlMs };
  };
  return new Snapshot({
    [TypeUrl.Cluster]: resources.clusters.map(clusterEntry).map(withTtl(TypeUrl.Cluster)),
    [TypeUrl.Endpoint]: resources.endpoints
      .map((e) => ({ name: e.cluster_name ?? '', bytes: encodeMessage('envoy.config.endpoint.v3.ClusterLoadAssignment', e) }))
      .map(withTtl(TypeUrl.Endpoint)),
    [TypeUrl.Listener]: resources.listeners.map(listenerEntry).map(withTtl(TypeUrl.Listener)),
    [TypeUrl.Route]: resources.routes
      .map((r) => ({ name: r.name ?? '', bytes: encodeRoutes(r, options.encoding) }))
      .map(withTtl(TypeUrl.Route)),
  });
}

const ROUTES = 'envoy.config.route.v3.RouteConfiguration';
const VIRTUAL_HOSTS_FIELD = 2;

/** A RouteConfiguration's bytes, spliced from cached virtual hosts when it is large. */
export function encodeRoutes(r: RouteConfiguration, cache: EncodingCache | undefined): Uint8Array {
  const hosts = r.virtual_hosts;
  if (!cache || !Array.isArray(hosts) || hosts.length < cache.spliceFrom) return encodeMessage(ROUTES, r);
  try {
    return splicedRoutes(r, hosts, cache);
  } catch (err) {
    if (err instanceof ProtoShapeError) return encodeMessage(ROUTES, r); // the error, with its paths in the whole message
    throw err;
  }
}

/**
 * protobufjs writes fields in field-number order and a repeated message as (tag, length, bytes)
 * per item, so the whole message is: the fields before virtual_hosts, each virtual host, the rest.
 */
function splicedRoutes(r: RouteConfiguration, hosts: readonly object[], cache: EncodingCache): Uint8Array {
  const type = messageType(ROUTES);
  const { virtual_hosts: _hosts, ...shell } = r;
  if (shapeProblems(type, shell).length > 0) throw new ProtoShapeError(ROUTES, ['the fields besides virtual_hosts']);
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(shell)) {
    ((type.fields[key]?.id ?? Infinity) < VIRTUAL_HOSTS_FIELD ? before : after)[key] = value;
  }
  const parts: Uint8Array[] = [encodeMessage(ROUTES, before)];
  for (const vh of hosts) {
    let bytes = cache.virtualHosts.get(vh);
    if (!bytes) cache.virtualHosts.set(vh, (bytes = encodeMessage('envoy.config.route.v3.VirtualHost', vh)));
    parts.push(lengthDelimitedTag(VIRTUAL_HOSTS_FIELD, bytes.length), bytes);
  }
  parts.push(encodeMessage(ROUTES, after));
  return Buffer.concat(parts);
}

/** The key (field number, wire type 2) and varint length that precede a length-delimited field. */
function lengthDelimitedTag(field: number, length: number): Uint8Array {
  const out: number[] = [];
  for (let v = (field << 3) | 2; ; v >>>= 7) {
    if (v < 0x80) {
      out.push(v);
      break;
    }
    out.push((v & 0x7f) | 0x80);
  }
  for (let v = length; ; v = Math.floor(v / 128)) {
    if (v < 0x80) {
      out.push(v);
      break;
    }
    out.push((v % 128) | 0x80);
  }
  return Uint8Array.from(out);
}

function clusterEntry(c: Cluster): SnapshotEntryInput {
  const bytes = encodeMessage('envoy.config.cluster.v3.Cluster', c);
  const name = c.name ?? '';
  const isEds = c.type === 'EDS' || c.type === 3;
  return { name, bytes, references: isEds ? [c.eds_cluster_config?.service_name || name] : [] };
}

function listenerEntry(l: Listener): SnapshotEntryInput {
  const bytes = encodeMessage('envoy.config.listener.v3.Listener', l);
  const decoded = decodeMessage('envoy.config.listener.v3.Listener', bytes);
  return { name: l.name ?? '', bytes, references: rdsNamesOf(decoded) };
}

/** RDS route configuration names referenced by a listener's HTTP connection managers. */
export function rdsNamesOf(listener: Listener__Output): string[] {
  const anys: (Any__Output | null | undefined)[] = [listener.api_listener?.api_listener];
  for (const chain of listener.filter_chains) {
    for (const f of chain?.filters ?? []) anys.push(f.typed_config);
  }
  const names = new Set<string>();
  for (const any of anys) {
    if (!any || typeNameOfUrl(any.type_url) !== HCM) continue;
    const hcm = unpackAny<HttpConnectionManager__Output>(any);
    if (hcm.route_specifier === 'rds' && hcm.rds) names.add(hcm.rds.route_config_name);
  }
  return [...names].sort();
}
