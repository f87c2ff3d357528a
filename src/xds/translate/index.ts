/**
 * toXdsResources(): the pure IR -> Envoy step. Receives an ir.Ir (and optionally the XdsCache of
 * earlier calls); emits Clusters, ClusterLoadAssignments, Listeners and RouteConfigurations as
 * proto-loader input objects, each list sorted by name (byte-stable). With a cache, an IR object
 * seen before yields the Envoy object built for it then (unchanged resources keep their identity).
 * Never does I/O and never encodes.
 */
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster';
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type { VirtualHost } from '../generated/envoy/config/route/v3/VirtualHost';
import type * as ir from '../../ir/types';
import { needsDns, toEnvoyCluster } from './cluster';
import { toEnvoyClusterLoadAssignment } from './endpoint';
import { toEnvoyListener } from './listener';
import { toEnvoyRouteConfiguration, toEnvoyVirtualHost } from './route';
import { byName } from './values';

export interface XdsResources {
  readonly clusters: readonly Cluster[];
  readonly endpoints: readonly ClusterLoadAssignment[];
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
}

interface BackendOutput {
  readonly cluster: Cluster;
  readonly endpoints: ClusterLoadAssignment | undefined;
}

interface ListenerOutput {
  readonly listener: Listener;
  readonly routes: RouteConfiguration;
}

/** Envoy objects built for IR objects, by IR object identity (forgotten with the IR objects). */
export class XdsCache {
  readonly backends = new WeakMap<ir.Backend, BackendOutput>();
  readonly listeners = new WeakMap<ir.Listener, ListenerOutput>();
  readonly virtualHosts = new WeakMap<ir.VirtualHost, VirtualHost>();
  /** The last backend list and its outputs, position by position. */
  lastBackends: readonly ir.Backend[] = [];
  lastOutputs: readonly BackendOutput[] = [];
}

export function toXdsResources(model: ir.Ir, cache?: XdsCache): XdsResources {
  const backends = cache ? backendOutputs(model.backends, cache) : model.backends.map((b) => backendOutput(b, undefined));
  const listeners = model.listeners.map((l) => listenerOutput(l, cache));
  const clusters: Cluster[] = [];
  const endpoints: ClusterLoadAssignment[] = [];
  for (const o of backends) {
    clusters.push(o.cluster);
    if (o.endpoints) endpoints.push(o.endpoints);
  }
  return {
    clusters: byName(clusters),
    endpoints: byName(endpoints),
    listeners: byName(listeners.map((o) => o.listener)),
    routes: byName(listeners.map((o) => o.routes)),
  };
}

/** The outputs of a backend list: positions unchanged since the last call are reused as they are. */
function backendOutputs(next: readonly ir.Backend[], cache: XdsCache): readonly BackendOutput[] {
  const prev = cache.lastBackends;
  const n = Math.min(prev.length, next.length);
  let head = 0;
  while (head < n && prev[head] === next[head]) head++;
  let tail = 0;
  while (tail < n - head && prev[prev.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const out = cache.lastOutputs.slice(0, head);
  for (let i = head; i < next.length - tail; i++) out.push(backendOutput(next[i] as ir.Backend, cache));
  for (let i = prev.length - tail; i < prev.length; i++) out.push(cache.lastOutputs[i] as BackendOutput);
  cache.lastBackends = next;
  cache.lastOutputs = out;
  return out;
}

function backendOutput(b: ir.Backend, cache: XdsCache | undefined): BackendOutput {
  const hit = cache?.backends.get(b);
  if (hit) return hit;
  const out = { cluster: toEnvoyCluster(b), endpoints: needsDns(b) ? undefined : toEnvoyClusterLoadAssignment(b) };
  cache?.backends.set(b, out);
  return out;
}

function listenerOutput(l: ir.Listener, cache: XdsCache | undefined): ListenerOutput {
  const hit = cache?.listeners.get(l);
  if (hit) return hit;
  const virtualHost = cache ? (vh: ir.VirtualHost): VirtualHost => memoVirtualHost(vh, cache) : toEnvoyVirtualHost;
  const out = { listener: toEnvoyListener(l), routes: toEnvoyRouteConfiguration(l, virtualHost) };
  cache?.listeners.set(l, out);
  return out;
}

function memoVirtualHost(vh: ir.VirtualHost, cache: XdsCache): VirtualHost {
  let out = cache.virtualHosts.get(vh);
  if (!out) cache.virtualHosts.set(vh, (out = toEnvoyVirtualHost(vh)));
  return out;
}
