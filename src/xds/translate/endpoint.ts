/**
 * ir.Backend endpoints -> envoy.config.endpoint.v3.ClusterLoadAssignment: one locality `{}`,
 * every host with its load_balancing_weight and the health discovery reported
 * (EndpointSlice ready/serving/terminating -> HEALTHY/UNHEALTHY/DRAINING).
 */
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment';
import type { LbEndpoint } from '../generated/envoy/config/endpoint/v3/LbEndpoint';
import type * as ir from '../../ir/types';
import { u32 } from './values';

const HEALTH_STATUS = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY', draining: 'DRAINING' } as const;

export function toEnvoyClusterLoadAssignment(b: ir.Backend): ClusterLoadAssignment {
  const lbEndpoints = b.endpoints.map(lbEndpoint);
  return { cluster_name: b.name, endpoints: lbEndpoints.length ? [{ locality: {}, lb_endpoints: lbEndpoints }] : [] };
}

function lbEndpoint(e: ir.Endpoint): LbEndpoint {
  return {
    endpoint: {
      address: { socket_address: { address: e.address, port_value: e.port } },
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.healthCheckHostname ? { health_check_config: { hostname: e.healthCheckHostname } } : {}),
    },
    health_status: HEALTH_STATUS[e.health],
    load_balancing_weight: u32(e.weight),
  };
}
