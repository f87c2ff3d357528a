/**
 * The xDS type URLs healthplane serves, and the order in which ADS pushes them ("make before
 * break": clusters, endpoints, listeners, routes). The only place type URL strings are spelled.
 */

export const TypeUrl = {
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  Endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  Route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;

export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Push order on an ADS stream. */
export const PUSH_ORDER: readonly TypeUrl[] = [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.Route];

/** Types whose SotW responses must carry the full state (absence means deletion). */
export const FULL_STATE_TYPES: ReadonlySet<TypeUrl> = new Set([TypeUrl.Cluster, TypeUrl.Listener]);

/** Types for which wildcard subscriptions exist. */
export const WILDCARD_TYPES: ReadonlySet<TypeUrl> = new Set([TypeUrl.Cluster, TypeUrl.Listener]);

/** Other Envoy resource types a client may ask for over ADS; we hold none of them. */
export const KNOWN_UNSERVED_TYPE_URLS: ReadonlySet<string> = new Set([
  'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration',
  'type.googleapis.com/envoy.config.route.v3.VirtualHost',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  'type.googleapis.com/envoy.service.runtime.v3.Runtime',
  'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig',
  'type.googleapis.com/envoy.config.endpoint.v3.LbEndpoint',
]);

export const ALL_TYPE_URLS: readonly TypeUrl[] = PUSH_ORDER;

export function isServedTypeUrl(value: string): value is TypeUrl {
  return (ALL_TYPE_URLS as readonly string[]).includes(value);
}

/** Short names used in logs, /xds/clients and CSDS. */
export const TYPE_SHORT_NAME: Readonly<Record<TypeUrl, string>> = {
  [TypeUrl.Cluster]: 'clusters',
  [TypeUrl.Endpoint]: 'endpoints',
  [TypeUrl.Listener]: 'listeners',
  [TypeUrl.Route]: 'routes',
};

/** Type URLs of the extensions embedded in our Listeners. */
export const ExtensionTypeUrl = {
  HttpConnectionManager: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
} as const;
