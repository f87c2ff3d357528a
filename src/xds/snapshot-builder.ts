/**
 * buildSnapshot: turns Envoy resources (plain objects in the proto-loader input shape) into an
 * immutable Snapshot: encodes each resource once and records what it references (a Cluster's EDS
 * name, a Listener's RDS name) for the consistency check. Throws ProtoShapeError when a resource
 * does not fit its message; the caller keeps its last good snapshot.
 */
import { Snapshot, type SnapshotEntryInput } from './cache/snapshot';
import type { Cluster } from './generated/envoy/config/cluster/v3/Cluster';
import type { ClusterLoadAssignment } from './generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { Listener, Listener__Output } from './generated/envoy/config/listener/v3/Listener';
import type { RouteConfiguration } from './generated/envoy/config/route/v3/RouteConfiguration';
import type { HttpConnectionManager__Output } from './generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';
import type { Any__Output } from './generated/google/protobuf/Any';
import { decodeMessage, encodeMessage, typeNameOfUrl, unpackAny } from './proto';
import { TypeUrl } from './type-urls';

export interface XdsResources {
  readonly clusters: readonly Cluster[];
  readonly endpoints: readonly ClusterLoadAssignment[];
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
}

export const EMPTY_RESOURCES: XdsResources = { clusters: [], endpoints: [], listeners: [], routes: [] };

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export interface BuildOptions {
  /** A time to live for some resources (clients drop them unless refreshed by heartbeats). */
  readonly ttlMs?: (typeUrl: TypeUrl, name: string) => number | undefined;
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
      .map((r) => ({ name: r.name ?? '', bytes: encodeMessage('envoy.config.route.v3.RouteConfiguration', r) }))
      .map(withTtl(TypeUrl.Route)),
  });
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
