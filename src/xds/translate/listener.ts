/**
 * ir.Listener -> envoy.config.listener.v3.Listener: one socket with an HttpConnectionManager that
 * takes its routes over RDS on the ADS stream (route configuration of the same name) and ends
 * with the router filter.
 */
import type { Listener } from '../generated/envoy/config/listener/v3/Listener';
import type * as ir from '../../ir/types';
import { routeConfigName } from '../../ir/names';
import { ExtensionTypeUrl } from '../type-urls';
import { ADS_CONFIG_SOURCE } from './values';

export function toEnvoyListener(l: ir.Listener): Listener {
  const hcm = {
    '@type': ExtensionTypeUrl.HttpConnectionManager,
    stat_prefix: l.name,
    rds: { config_source: ADS_CONFIG_SOURCE, route_config_name: routeConfigName(l.port) },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ExtensionTypeUrl.Router } }],
  };
  return {
    name: l.name,
    address: { socket_address: { address: l.address, port_value: l.port } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }],
  };
}
