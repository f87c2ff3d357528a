import { EnvoyJsonError, formatDuration, formatTimestamp, fromEnvoyJson, toEnvoyJson } from './envoy-json';
import { decodeMessage, encodeMessage, packAny } from './proto';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';
const ROUTES = 'envoy.config.route.v3.RouteConfiguration';
const HCM_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Canonical Envoy JSON (as /config_dump would print it): defaults omitted, WKT in JSON form. */
const clusterJson = {
  name: 'default/echo/8080',
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: 'default/echo/8080' },
  connect_timeout: '0.250s',
  per_connection_buffer_limit_bytes: 32768,
  lb_policy: 'LEAST_REQUEST',
  health_checks: [
    {
      timeout: '2s',
      interval: '5s',
      initial_jitter: '0.000001s',
      interval_jitter: '0.100s',
      interval_jitter_percent: 10,
      unhealthy_threshold: 3,
      healthy_threshold: 2,
      reuse_connection: false,
      http_health_check: {
        host: 'echo.local',
        path: '/healthz',
        send: { binary: 'AAEC/w==' },
        request_headers_to_add: [{ header: { key: 'x-hc', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        expected_statuses: [{ start: '200', end: '300' }],
        retriable_statuses: [{ start: '503', end: '504' }],
        codec_client_type: 'HTTP2',
      },
      no_traffic_interval: '5s',
      unhealthy_edge_interval: '1s',
      healthy_edge_interval: '1.500s',
      event_log_path: '/dev/stdout',
      always_log_health_check_failures: true,
      transport_socket_match_criteria: { tls: true, label: 'a', weight: 1.5, tags: [null, 'x', { deep: [] }] },
    },
  ],
  circuit_breakers: { thresholds: [{ priority: 'HIGH', max_requests: 1000 }] },
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      value: 'CgIIAQ==',
    },
  },
  outlier_detection: {
    consecutive_5xx: 5,
    interval: '10s',
    base_ejection_time: '30s',
    max_ejection_percent: 100,
    enforcing_success_rate: 0,
    split_external_local_origin_errors: true,
    consecutive_local_origin_failure: 3,
    max_ejection_time: '300s',
    successful_active_health_check_uneject_host: false,
    always_eject_one_host: true,
  },
  common_lb_config: { healthy_panic_threshold: {}, update_merge_window: '0s' },
  metadata: { filter_metadata: { healthplane: { source: 'Upstream/default/echo', generation: 7 } } },
  ignore_health_on_host_removal: true,
};

const listenerJson = {
  name: 'echo',
  address: { socket_address: { address: '0.0.0.0', port_value: 10000 } },
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM_URL,
            stat_prefix: 'ingress_http',
            route_config: {
              name: 'local',
              virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: 'echo' } }] }],
            },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_URL } }],
          },
        },
      ],
    },
  ],
  api_listener: {
    api_listener: {
      '@type': HCM_URL,
      rds: { config_source: { ads: {}, initial_fetch_timeout: '15s' }, route_config_name: 'echo-routes' },
      http_filters: [
        { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_URL, suppress_envoy_headers: true } },
      ],
    },
  },
};

const routesJson = {
  name: 'echo-routes',
  virtual_hosts: [
    {
      name: 'echo-vh',
      domains: ['echo', 'echo.default.svc'],
      routes: [
        {
          name: 'canary',
          match: {
            prefix: '/',
            headers: [{ name: 'x-canary', string_match: { exact: 'true' } }],
            query_parameters: [{ name: 'debug', present_match: true }],
          },
          route: {
            weighted_clusters: { clusters: [{ name: 'echo-a', weight: 10 }, { name: 'echo-b', weight: 90 }] },
            timeout: '0s',
            regex_rewrite: { pattern: { regex: '^/v1/(.*)' }, substitution: '/\\1' },
          },
          typed_per_filter_config: {
            'example.timeout': { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.500s' },
          },
        },
        { match: { safe_regex: { regex: '/old/.*' } }, redirect: { path_redirect: '/new', response_code: 'FOUND' } },
        { match: { path: '/healthz' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
      ],
      request_headers_to_add: [{ header: { key: 'x-vh', value: 'echo' } }],
      response_headers_to_remove: ['server'],
    },
  ],
  validate_clusters: false,
};

function roundTrip(name: string, json: unknown): unknown {
  return toEnvoyJson(name, encodeMessage(name, fromEnvoyJson(name, json)));
}

describe('Envoy JSON round trips', () => {
  it.each([
    ['Cluster with health checks, outlier detection and EDS config', CLUSTER, clusterJson],
    ['Listener with an HCM in an Any', LISTENER, listenerJson],
    ['RouteConfiguration', ROUTES, routesJson],
  ])('%s: JSON -> object -> bytes -> JSON is the identity', (_label, name, json) => {
    expect(roundTrip(name, json)).toEqual(json);
  });

  it('JSON -> object -> bytes -> JSON -> object -> bytes keeps the bytes', () => {
    const first = encodeMessage(CLUSTER, fromEnvoyJson(CLUSTER, clusterJson));
    const second = encodeMessage(CLUSTER, fromEnvoyJson(CLUSTER, toEnvoyJson(CLUSTER, first)));
    expect(Buffer.from(second)).toEqual(Buffer.from(first));
  });
});

describe('toEnvoyJson', () => {
  it('maps a proto-loader style object to Envoy JSON, omitting defaults', () => {
    const json = toEnvoyJson(CLUSTER, {
      name: 'c',
      type: 'STATIC',
      lb_policy: 'ROUND_ROBIN',
      respect_dns_ttl: false,
      connect_timeout: { seconds: 1, nanos: 500_000_000 },
      outlier_detection: { consecutive_5xx: { value: 0 } },
      health_checks: [],
    });
    // `type` is a oneof member, so an explicit STATIC is present; lb_policy and respect_dns_ttl are not.
    expect(json).toEqual({ name: 'c', type: 'STATIC', connect_timeout: '1.500s', outlier_detection: { consecutive_5xx: 0 } });
  });

  it('keeps a oneof member that holds its default value', () => {
    expect(toEnvoyJson('envoy.config.route.v3.RouteMatch', { prefix: '' })).toEqual({ prefix: '' });
  });

  it('expands Anys of our types inside a DiscoveryResponse', () => {
    const bytes = encodeMessage('envoy.service.discovery.v3.DiscoveryResponse', {
      version_info: '3',
      resources: [packAny(CLUSTER, { name: 'x', connect_timeout: { seconds: 2 } })],
      type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    });
    expect(toEnvoyJson('envoy.service.discovery.v3.DiscoveryResponse', bytes)).toEqual({
      version_info: '3',
      resources: [{ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'x', connect_timeout: '2s' }],
      type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    });
  });

  it('prints timestamps in RFC 3339 and NaN/Infinity doubles as strings', () => {
    const config = {
      generic_xds_configs: [
        {
          type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
          last_updated: { seconds: 1_700_000_000, nanos: 123_000_000 },
          config_status: 'ERROR',
          client_status: 'NACKED',
          error_state: { details: 'bad', last_update_attempt: { seconds: 0, nanos: 0 } },
        },
      ],
    };
    expect(toEnvoyJson('envoy.service.status.v3.ClientConfig', config)).toEqual({
      generic_xds_configs: [
        {
          type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
          last_updated: '2023-11-14T22:13:20.123Z',
          config_status: 'ERROR',
          client_status: 'NACKED',
          error_state: { details: 'bad', last_update_attempt: '1970-01-01T00:00:00Z' },
        },
      ],
    });
    expect(toEnvoyJson('envoy.type.v3.Percent', { value: Infinity })).toEqual({ value: 'Infinity' });
    expect(toEnvoyJson('envoy.type.v3.Percent', { value: NaN })).toEqual({ value: 'NaN' });
  });

  it('formats durations with 0, 3, 6 or 9 fractional digits', () => {
    expect(formatDuration(5n, 0)).toBe('5s');
    expect(formatDuration(0n, 500_000_000)).toBe('0.500s');
    expect(formatDuration(1n, 1_000)).toBe('1.000001s');
    expect(formatDuration(0n, 1)).toBe('0.000000001s');
    expect(formatDuration(-1n, -250_000_000)).toBe('-1.250s');
    expect(formatDuration(0n, -5_000_000)).toBe('-0.005s');
    expect(formatTimestamp(0, 1_000)).toBe('1970-01-01T00:00:00.000001Z');
  });
});

describe('fromEnvoyJson', () => {
  it('produces objects encodeMessage accepts, with durations and wrappers in proto form', () => {
    const obj = fromEnvoyJson(CLUSTER, { name: 'c', connect_timeout: '-0.5s', per_connection_buffer_limit_bytes: '10' });
    expect(obj).toEqual({ name: 'c', connect_timeout: { seconds: '0', nanos: -500_000_000 }, per_connection_buffer_limit_bytes: { value: 10 } });
    expect(decodeMessage(CLUSTER, encodeMessage(CLUSTER, obj)).connect_timeout).toEqual({ seconds: '0', nanos: -500_000_000 });
  });

  it('accepts lowerCamelCase field names and prints snake_case', () => {
    const obj = fromEnvoyJson(CLUSTER, { ignoreHealthOnHostRemoval: true, outlierDetection: { consecutive5xx: 2 } });
    expect(toEnvoyJson(CLUSTER, obj)).toEqual({ ignore_health_on_host_removal: true, outlier_detection: { consecutive_5xx: 2 } });
  });

  it('parses timestamps with offsets', () => {
    const obj = fromEnvoyJson('envoy.admin.v3.UpdateFailureState', { last_update_attempt: '2024-02-29T12:00:00.5+02:00' });
    expect(obj).toEqual({ last_update_attempt: { seconds: String(Date.UTC(2024, 1, 29, 10) / 1000), nanos: 500_000_000 } });
  });

  it.each([
    [{ health_checks: [{ timeout: '5' }] }, 'health_checks[0].timeout: invalid duration "5"'],
    [{ health_checks: [{ http_health_check: { paht: '/' } }] }, 'health_checks[0].http_health_check.paht: unknown field of envoy.config.core.v3.HealthCheck.HttpHealthCheck'],
    [{ lb_policy: 'FASTEST' }, 'lb_policy: invalid envoy.config.cluster.v3.Cluster.LbPolicy "FASTEST"'],
    [{ per_connection_buffer_limit_bytes: -1 }, 'per_connection_buffer_limit_bytes: invalid uint32 -1'],
    [{ per_connection_buffer_limit_bytes: 4294967296 }, 'per_connection_buffer_limit_bytes: invalid uint32 4294967296'],
    [{ health_checks: [{ http_health_check: { expected_statuses: [{ start: '2x' }] } }] }, 'health_checks[0].http_health_check.expected_statuses[0].start: invalid int64 "2x"'],
    [{ health_checks: [{ tcp_health_check: { send: { binary: 'not base64!' } } }] }, 'health_checks[0].tcp_health_check.send.binary: invalid bytes "not base64!"'],
    [{ health_checks: {} }, 'health_checks: expected an array'],
    [{ metadata: { filter_metadata: { a: 'x' } } }, 'metadata.filter_metadata["a"]: expected a JSON object, got "x"'],
    [{ health_checks: [{ http_health_check: {}, tcp_health_check: {} }] }, 'health_checks[0].tcp_health_check: oneof health_checker already has a member set'],
    [{ typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/no.Such', a: 1 } } }, 'typed_extension_protocol_options["x"].@type: unknown type "type.googleapis.com/no.Such"'],
    [{ typed_extension_protocol_options: { x: { a: 1 } } }, 'typed_extension_protocol_options["x"].@type: invalid type URL undefined'],
    ['nope', '(root): expected an object for envoy.config.cluster.v3.Cluster, got "nope"'],
  ])('rejects %j with the field path', (json, message) => {
    expect(() => fromEnvoyJson(CLUSTER, json)).toThrow(EnvoyJsonError);
    expect(() => fromEnvoyJson(CLUSTER, json)).toThrow(message);
  });

  it('names the path through an Any inside a DiscoveryResponse', () => {
    const response = {
      resources: [{ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', health_checks: [{ timeout: '5' }] }],
    };
    expect(() => fromEnvoyJson('envoy.service.discovery.v3.DiscoveryResponse', response)).toThrow(
      'resources[0].health_checks[0].timeout: invalid duration "5"',
    );
  });
});
