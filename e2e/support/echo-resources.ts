/**
 * The Envoy resources the e2e control plane serves to the gRPC client, written in Envoy's JSON
 * form (snake_case, "1s" durations, bare wrapper values, `@type` on Any) exactly as they go into
 * the --xds-resources file: Listener `echo` (API listener, RDS over ADS) -> RouteConfiguration
 * `echo-routes` -> Cluster `echo` (EDS) -> ClusterLoadAssignment `echo`. Pure data; no I/O.
 */
import { ECHO_METHOD } from './echo-backend';

export const LISTENER_NAME = 'echo';
export const ROUTE_NAME = 'echo-routes';
export const CLUSTER_NAME = 'echo';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The content of a --xds-resources file. */
export interface EchoResources {
  readonly clusters: JsonObject[];
  readonly endpoints: JsonObject[];
  readonly listeners: JsonObject[];
  readonly routes: JsonObject[];
}

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function lbEndpoint(port: number): JsonObject {
  return { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, health_status: 'HEALTHY', load_balancing_weight: 1 };
}

/** A valid ClusterLoadAssignment: one locality holding the given backend ports on 127.0.0.1. */
export function echoEndpoints(ports: readonly number[]): JsonObject {
  return {
    cluster_name: CLUSTER_NAME,
    endpoints: [{ locality: { region: 'local', zone: 'e2e' }, load_balancing_weight: 1, priority: 0, lb_endpoints: ports.map(lbEndpoint) }],
  };
}

/**
 * A ClusterLoadAssignment Envoy's own validation accepts but grpc-js rejects: its
 * LocalityLbEndpoints has no `locality` (grpc-js: "endpoints[0].locality unset").
 */
export function echoEndpointsWithoutLocality(ports: readonly number[]): JsonObject {
  return { cluster_name: CLUSTER_NAME, endpoints: [{ load_balancing_weight: 1, lb_endpoints: ports.map(lbEndpoint) }] };
}

/** The whole tree; `endpoints` defaults to a valid assignment of `ports`. */
export function echoResources(ports: readonly number[], endpoints: JsonObject = echoEndpoints(ports)): EchoResources {
  return {
    clusters: [
      {
        name: CLUSTER_NAME,
        type: 'EDS',
        eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: CLUSTER_NAME },
        connect_timeout: '1s',
        lb_policy: 'ROUND_ROBIN',
      },
    ],
    endpoints: [endpoints],
    listeners: [
      {
        name: LISTENER_NAME,
        api_listener: {
          api_listener: {
            '@type': HCM_TYPE,
            stat_prefix: LISTENER_NAME,
            rds: { route_config_name: ROUTE_NAME, config_source: { ads: {}, resource_api_version: 'V3' } },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } }],
          },
        },
      },
    ],
    routes: [
      {
        name: ROUTE_NAME,
        virtual_hosts: [
          {
            name: 'echo-vh',
            domains: [LISTENER_NAME],
            routes: [{ name: 'echo', match: { path: ECHO_METHOD }, route: { cluster: CLUSTER_NAME, timeout: '5s' } }],
          },
        ],
      },
    ],
  };
}
