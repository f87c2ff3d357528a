import {
  decodeMessage,
  encodeMessage,
  packAny,
  ProtoShapeError,
  unpackAny,
  xdsPackageDefinition,
  xdsRoot,
  xdsService,
} from './proto';
import type { Cluster } from './generated/envoy/config/cluster/v3/Cluster';
import type { HttpConnectionManager__Output } from './generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';

const cluster: Cluster = {
  name: 'echo-a',
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {} }, service_name: 'echo-a' },
  connect_timeout: { seconds: 1, nanos: 500_000_000 },
  health_checks: [
    {
      timeout: { seconds: 2 },
      interval: { seconds: 5 },
      unhealthy_threshold: { value: 3 },
      healthy_threshold: { value: 1 },
      http_health_check: { path: '/healthz', expected_statuses: [{ start: 200, end: 300 }] },
    },
  ],
  outlier_detection: { consecutive_5xx: { value: 5 }, max_ejection_percent: { value: 100 } },
  common_lb_config: { healthy_panic_threshold: { value: 0 } },
  per_connection_buffer_limit_bytes: { value: 32768 },
};

describe('xdsRoot', () => {
  it('loads every proto once, with snake_case field names', () => {
    const root = xdsRoot();
    expect(xdsRoot()).toBe(root);
    expect(root.files.length).toBeGreaterThanOrEqual(38);
    const type = root.lookupType('envoy.config.core.v3.HealthCheck');
    expect(type.fields.no_traffic_interval?.id).toBe(12);
    expect(root.lookupService('envoy.service.status.v3.ClientStatusDiscoveryService').methods.FetchClientStatus).toBeDefined();
  });
});

describe('encodeMessage / decodeMessage', () => {
  it('round-trips a cluster to the proto-loader __Output shape', () => {
    const out = decodeMessage(CLUSTER, encodeMessage(CLUSTER, cluster));
    expect(out.name).toBe('echo-a');
    expect(out.type).toBe('EDS');
    expect(out.cluster_discovery_type).toBe('type');
    expect(out.lb_policy).toBe('ROUND_ROBIN'); // default filled in
    expect(out.connect_timeout).toEqual({ seconds: '1', nanos: 500_000_000 }); // int64 as string
    expect(out.load_assignment).toBeNull();
    expect(out.health_checks[0]?.http_health_check?.expected_statuses).toEqual([{ start: '200', end: '300' }]);
    expect(out.health_checks[0]?.health_checker).toBe('http_health_check');
    expect(out.outlier_detection?.consecutive_5xx).toEqual({ value: 5 });
    expect(out.typed_extension_protocol_options).toEqual({});
  });

  it('decodes bytes fields as Buffers even from a plain Uint8Array', () => {
    const bytes = encodeMessage('envoy.service.discovery.v3.DiscoveryResponse', {
      resources: [packAny(CLUSTER, { name: 'c' })],
    });
    const out = decodeMessage('envoy.service.discovery.v3.DiscoveryResponse', new Uint8Array(bytes));
    expect(Buffer.isBuffer(out.resources[0]?.value)).toBe(true);
    expect(unpackAny<{ name: string }>(out.resources[0]!).name).toBe('c');
  });

  it('rejects unknown fields, bad enum names and values of the wrong type with their path', () => {
    const bad = {
      name: 'x',
      health_checks: [{ timeout: { seconds: 1 }, http_health_check: { pathh: '/' } }],
      lb_policy: 'ROUND_ROBINN',
      respect_dns_ttl: 'yes',
    };
    let err: unknown;
    try {
      encodeMessage(CLUSTER, bad as unknown as Cluster);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtoShapeError);
    const problems = (err as ProtoShapeError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('health_checks[0].http_health_check.pathh: unknown field'),
        expect.stringContaining('lb_policy: "ROUND_ROBINN" is not a value of envoy.config.cluster.v3.Cluster.LbPolicy'),
        expect.stringContaining('respect_dns_ttl: "yes" is not a valid bool'),
      ]),
    );
  });

  it('rejects two members of one oneof', () => {
    expect(() => encodeMessage('envoy.config.route.v3.RouteMatch', { prefix: '/', path: '/a' })).toThrow(
      /oneof path_specifier has several members set: prefix, path/,
    );
  });

  it('checks the fields inside an expanded Any and rejects unknown type URLs', () => {
    const listener = (hcm: { '@type': string; [key: string]: unknown }) => ({ name: 'l', api_listener: { api_listener: hcm } });
    const hcmUrl = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
    expect(() => encodeMessage('envoy.config.listener.v3.Listener', listener({ '@type': hcmUrl, stat_prfix: 'x' }))).toThrow(
      /api_listener\.api_listener\.stat_prfix: unknown field/,
    );
    expect(() =>
      encodeMessage('envoy.config.listener.v3.Listener', listener({ '@type': 'type.googleapis.com/no.Such' })),
    ).toThrow(/unknown or malformed type URL/);
    const bytes = encodeMessage('envoy.config.listener.v3.Listener', listener({ '@type': hcmUrl, stat_prefix: 'x' }));
    const any = decodeMessage('envoy.config.listener.v3.Listener', bytes).api_listener!.api_listener!;
    expect(any.type_url).toBe(hcmUrl);
    expect(unpackAny<HttpConnectionManager__Output>(any).stat_prefix).toBe('x');
  });

  it('fails for unknown message names', () => {
    expect(() => encodeMessage('envoy.nope.Thing', {})).toThrow(/unknown proto message envoy.nope.Thing/);
  });
});

describe('packAny', () => {
  it('uses the type.googleapis.com URL and the encoded bytes', () => {
    const any = packAny(CLUSTER, { name: 'c' });
    expect(any.type_url).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
    expect(Buffer.isBuffer(any.value)).toBe(true);
    expect(xdsRoot().lookupType(CLUSTER).decode(any.value).toJSON()).toEqual({ name: 'c' });
  });
});

describe('xdsPackageDefinition', () => {
  it('defines ADS, the per-type services and CSDS with the right streaming flags', () => {
    const def = xdsPackageDefinition();
    expect(xdsPackageDefinition()).toBe(def);
    const ads = xdsService('envoy.service.discovery.v3.AggregatedDiscoveryService');
    expect(ads.StreamAggregatedResources.path).toBe('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources');
    expect(ads.DeltaAggregatedResources.requestStream && ads.DeltaAggregatedResources.responseStream).toBe(true);
    const csds = xdsService('envoy.service.status.v3.ClientStatusDiscoveryService');
    expect(csds.FetchClientStatus.requestStream || csds.FetchClientStatus.responseStream).toBe(false);
    expect(xdsService('envoy.service.cluster.v3.ClusterDiscoveryService').DeltaClusters.path).toBe(
      '/envoy.service.cluster.v3.ClusterDiscoveryService/DeltaClusters',
    );
    for (const name of ['EndpointDiscoveryService', 'ListenerDiscoveryService', 'RouteDiscoveryService']) {
      expect(Object.keys(def).some((k) => k.endsWith(`.v3.${name}`))).toBe(true);
    }
  });

  it('serializes requests the same way the protobufjs root does', () => {
    const ads = xdsService('envoy.service.discovery.v3.AggregatedDiscoveryService');
    const req = { type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', resource_names: ['a'], node: { id: 'n1' } };
    const viaLoader = ads.StreamAggregatedResources.requestSerialize(req);
    expect(Buffer.from(encodeMessage('envoy.service.discovery.v3.DiscoveryRequest', req))).toEqual(viaLoader);
    const back = ads.StreamAggregatedResources.requestDeserialize(viaLoader);
    expect(back).toEqual(decodeMessage('envoy.service.discovery.v3.DiscoveryRequest', viaLoader));
  });
});
