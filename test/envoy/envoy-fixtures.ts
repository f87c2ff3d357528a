/**
 * Fixture builders for small, realistic Envoy v3 resources in the keepCase object shape that
 * protobufjs Type.fromObject accepts (Any payloads use "@type"). Each builder returns a fresh
 * object, valid against the upstream PGV rules, that a test then breaks in one place.
 */

export const TYPE = {
  Cluster: 'envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'envoy.config.listener.v3.Listener',
  RouteConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  HealthCheck: 'envoy.config.core.v3.HealthCheck',
  HttpConnectionManager: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  Router: 'envoy.extensions.filters.http.router.v3.Router',
} as const;

export const typeUrl = (fullName: string): string => `type.googleapis.com/${fullName}`;

export type Fixture = { [key: string]: unknown };

/**
 * A deep copy of `fixture` with the value at `path` (`a.b[0].c`) replaced; `undefined` deletes
 * it. Intermediate objects are created as needed. Lets a test break exactly one field.
 */
export function withField(fixture: Fixture, path: string, value: unknown): Fixture {
  const copy = structuredClone(fixture);
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const adsSource = (): Fixture => ({ ads: {}, resource_api_version: 'V3' });

export function anHttpHealthCheck(): Fixture {
  return {
    path: '/healthz',
    host: 'backend-a.internal',
    expected_statuses: [{ start: 200, end: 300 }],
    request_headers_to_add: [{ header: { key: 'x-health-check', value: 'healthplane' } }],
    request_headers_to_remove: ['x-drop-me'],
  };
}

export function aHealthCheck(): Fixture {
  return {
    timeout: { seconds: 1 },
    interval: { seconds: 5 },
    interval_jitter: { nanos: 500_000_000 },
    unhealthy_threshold: { value: 3 },
    healthy_threshold: { value: 2 },
    http_health_check: anHttpHealthCheck(),
  };
}

export function anOutlierDetection(): Fixture {
  return {
    consecutive_5xx: { value: 5 },
    consecutive_gateway_failure: { value: 3 },
    interval: { seconds: 10 },
    base_ejection_time: { seconds: 30 },
    max_ejection_percent: { value: 50 },
    enforcing_consecutive_5xx: { value: 100 },
  };
}

export function aCluster(name = 'backend-a'): Fixture {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: adsSource(), service_name: name },
    connect_timeout: { seconds: 5 },
    lb_policy: 'ROUND_ROBIN',
    health_checks: [aHealthCheck()],
    outlier_detection: anOutlierDetection(),
    common_lb_config: { healthy_panic_threshold: { value: 50 } },
  };
}

export function aClusterLoadAssignment(name = 'backend-a'): Fixture {
  const endpoint = (address: string, port: number): Fixture => ({
    endpoint: { address: { socket_address: { address, port_value: port } } },
    health_status: 'HEALTHY',
    load_balancing_weight: { value: 1 },
  });
  return {
    cluster_name: name,
    endpoints: [{ locality: { zone: 'zone-a' }, lb_endpoints: [endpoint('192.0.2.10', 8080), endpoint('192.0.2.11', 8080)] }],
  };
}

export function aRouter(): Fixture {
  return { '@type': typeUrl(TYPE.Router) };
}

export function anHttpConnectionManager(): Fixture {
  return {
    '@type': typeUrl(TYPE.HttpConnectionManager),
    stat_prefix: 'ingress_http',
    codec_type: 'AUTO',
    rds: { route_config_name: 'routes-http', config_source: adsSource() },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: aRouter() }],
  };
}

export function aListener(): Fixture {
  return {
    name: 'listener-http',
    address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: anHttpConnectionManager() }] }],
  };
}

export function aRoute(): Fixture {
  return { name: 'default', match: { prefix: '/' }, route: { cluster: 'backend-a', timeout: { seconds: 15 } } };
}

export function aRouteConfiguration(): Fixture {
  return {
    name: 'routes-http',
    virtual_hosts: [{
      name: 'backend-a',
      domains: ['backend-a.example.com', '*'],
      routes: [aRoute()],
      request_headers_to_remove: ['x-internal'],
    }],
  };
}
