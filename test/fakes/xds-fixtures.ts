/**
 * Fixture builders for Envoy resources (proto-loader input shape): an EDS cluster, its endpoints,
 * an API listener with RDS over ADS, and a route configuration. Small and realistic; tests change
 * what they need through the overrides.
 */
import type { Cluster } from '../../src/xds/generated/envoy/config/cluster/v3/Cluster';
import type { ClusterLoadAssignment } from '../../src/xds/generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { Listener } from '../../src/xds/generated/envoy/config/listener/v3/Listener';
import type { RouteConfiguration } from '../../src/xds/generated/envoy/config/route/v3/RouteConfiguration';
import type { XdsResources } from '../../src/xds/snapshot-builder';

export function anEdsCluster(name: string, overrides: Partial<Cluster> = {}): Cluster {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
    connect_timeout: { seconds: 1, nanos: 0 },
    lb_policy: 'ROUND_ROBIN',
    ...overrides,
  };
}

export function endpointsFor(clusterName: string, ports: readonly number[], overrides: Partial<ClusterLoadAssignment> = {}): ClusterLoadAssignment {
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        locality: { region: '', zone: '', sub_zone: '' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: ports.map((port) => ({
          endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } },
          health_status: 'HEALTHY',
          load_balancing_weight: { value: 1 },
        })),
      },
    ],
    ...overrides,
  };
}

export function anApiListener(name: string, routeConfigName: string): Listener {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        stat_prefix: name,
        rds: { route_config_name: routeConfigName, config_source: { ads: {}, resource_api_version: 'V3' } },
        http_filters: [
          { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
        ],
      },
    },
  } as Listener;
}

export function aRouteConfig(name: string, clusterName: string, domains: readonly string[] = ['*']): RouteConfiguration {
  return {
    name,
    virtual_hosts: [{ name: `${name}-vh`, domains: [...domains], routes: [{ match: { prefix: '' }, route: { cluster: clusterName } }] }],
  };
}

/** One listener -> one route config -> the given clusters (the first is the route's target). */
export function aBundle(clusters: readonly string[], ports: readonly number[] = [9001]): XdsResources {
  return {
    clusters: clusters.map((c) => anEdsCluster(c)),
    endpoints: clusters.map((c) => endpointsFor(c, ports)),
    listeners: [anApiListener('echo', 'echo-routes')],
    routes: [aRouteConfig('echo-routes', clusters[0] ?? 'none')],
  };
}
