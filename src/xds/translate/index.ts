/**
 * toXdsResources(): the pure IR -> Envoy step. Receives an ir.Ir; emits Clusters,
 * ClusterLoadAssignments, Listeners and RouteConfigurations as proto-loader input objects
 * (keepCase, wrappers as {value}, Durations as {seconds, nanos}, Any as {'@type', ...}), each list
 * sorted by name so output is byte-stable. Never does I/O and never encodes.
 */
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster';
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration';
import type * as ir from '../../ir/types';
import { needsDns, toEnvoyCluster } from './cluster';
import { toEnvoyClusterLoadAssignment } from './endpoint';
import { toEnvoyListener } from './listener';
import { toEnvoyRouteConfiguration } from './route';
import { byName } from './values';

export interface XdsResources {
  readonly clusters: readonly Cluster[];
  readonly endpoints: readonly ClusterLoadAssignment[];
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
}

export function toXdsResources(model: ir.Ir): XdsResources {
  return {
    clusters: byName(model.backends.map(toEnvoyCluster)),
    endpoints: byName(model.backends.filter((b) => !needsDns(b)).map(toEnvoyClusterLoadAssignment)),
    listeners: byName(model.listeners.map(toEnvoyListener)),
    routes: byName(model.listeners.map(toEnvoyRouteConfiguration)),
  };
}
