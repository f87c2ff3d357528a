import { aHost, FakeClusterHealth } from '../../test/fakes/fake-cluster-health';
import { aBackend } from '../../test/fakes/proxy-fixtures';
import { HostFlag, type HostState } from '../proxy/health/cluster-health';
import { clusterStatusOf, clustersHandler, formatG, renderClustersJson, renderClustersText, type ClusterStatus, type HostStatValues } from './clusters';
import { healthFlagsString } from '../proxy/health/host-health';

const zero: HostStatValues = { cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0 };

function host(address: string, port: number, flags = 0, extra: Partial<HostState> = {}): HostState {
  return { ...aHost(address, { flags, port }), ...extra };
}

function cluster(name: string, hosts: HostState[], extra: Partial<ClusterStatus> = {}, stats: Record<string, Partial<HostStatValues>> = {}): ClusterStatus {
  return { name, addedViaApi: true, hosts, hostStats: (key) => ({ ...zero, ...stats[key] }), ...extra };
}

describe('health_flags text (healthFlagsString)', () => {
  it.each([
    [0, 'healthy'],
    [HostFlag.FAILED_ACTIVE_HC, '/failed_active_hc'],
    [HostFlag.FAILED_OUTLIER_CHECK | HostFlag.FAILED_ACTIVE_HC, '/failed_active_hc/failed_outlier_check'],
    [HostFlag.FAILED_ACTIVE_HC | HostFlag.ACTIVE_HC_TIMEOUT, '/failed_active_hc/active_hc_timeout'],
    [HostFlag.PENDING_DYNAMIC_REMOVAL, '/pending_dynamic_removal'],
    [HostFlag.EDS_STATUS_DRAINING | HostFlag.PENDING_ACTIVE_HC | HostFlag.DEGRADED_EDS_HEALTH, '/degraded_eds_health/pending_active_hc/eds_status_draining'],
    [HostFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL | HostFlag.FAILED_EDS_HEALTH | HostFlag.DEGRADED_ACTIVE_HC, '/failed_eds_health/degraded_active_hc/excluded_via_immediate_hc_fail'],
  ])('%i → %s', (flags, text) => expect(healthFlagsString(flags)).toBe(text));
});

describe('formatG (%g)', () => {
  it.each([
    [-1, '-1'],
    [90, '90'],
    [52, '52'],
    [52.5, '52.5'],
    [14.285714285714286, '14.2857'],
    [0, '0'],
    [1234567, '1.23457e+06'],
    [0.00001234, '1.234e-05'],
  ])('%p → %s', (n, s) => expect(formatG(n)).toBe(s));
});

describe('renderClustersText', () => {
  it('prints the cluster lines, circuit breakers and every host line exactly', () => {
    const c = cluster('httpbin_default', [host('10.0.0.1', 8080, HostFlag.FAILED_ACTIVE_HC, { hostname: 'pod-a' })], {}, {
      '10.0.0.1:8080': { cx_total: 3, cx_active: 1, rq_total: 7, rq_success: 5, rq_error: 2 },
    });
    expect(renderClustersText([c])).toBe(
      [
        'httpbin_default::observability_name::httpbin_default',
        'httpbin_default::default_priority::max_connections::1024',
        'httpbin_default::default_priority::max_pending_requests::1024',
        'httpbin_default::default_priority::max_requests::1024',
        'httpbin_default::default_priority::max_retries::3',
        'httpbin_default::high_priority::max_connections::1024',
        'httpbin_default::high_priority::max_pending_requests::1024',
        'httpbin_default::high_priority::max_requests::1024',
        'httpbin_default::high_priority::max_retries::3',
        'httpbin_default::added_via_api::true',
        'httpbin_default::10.0.0.1:8080::cx_active::1',
        'httpbin_default::10.0.0.1:8080::cx_connect_fail::0',
        'httpbin_default::10.0.0.1:8080::cx_total::3',
        'httpbin_default::10.0.0.1:8080::rq_active::0',
        'httpbin_default::10.0.0.1:8080::rq_error::2',
        'httpbin_default::10.0.0.1:8080::rq_success::5',
        'httpbin_default::10.0.0.1:8080::rq_timeout::0',
        'httpbin_default::10.0.0.1:8080::rq_total::7',
        'httpbin_default::10.0.0.1:8080::hostname::pod-a',
        'httpbin_default::10.0.0.1:8080::health_flags::/failed_active_hc',
        'httpbin_default::10.0.0.1:8080::weight::1',
        'httpbin_default::10.0.0.1:8080::region::',
        'httpbin_default::10.0.0.1:8080::zone::',
        'httpbin_default::10.0.0.1:8080::sub_zone::',
        'httpbin_default::10.0.0.1:8080::canary::false',
        'httpbin_default::10.0.0.1:8080::priority::0',
        'httpbin_default::10.0.0.1:8080::success_rate::-1',
        'httpbin_default::10.0.0.1:8080::local_origin_success_rate::-1',
        '',
      ].join('\n'),
    );
  });

  it('adds the four outlier lines only when outlier detection is configured', () => {
    const withOd = cluster('c', [], {
      outlier: { successRateAverage: 90, successRateEjectionThreshold: 52, localOriginSuccessRateAverage: -1, localOriginSuccessRateEjectionThreshold: -1 },
    });
    const lines = renderClustersText([withOd]).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'c::observability_name::c',
      'c::outlier::success_rate_average::90',
      'c::outlier::success_rate_ejection_threshold::52',
      'c::outlier::local_origin_success_rate_average::-1',
      'c::outlier::local_origin_success_rate_ejection_threshold::-1',
    ]);
    expect(renderClustersText([cluster('c', [])])).not.toContain('outlier');
  });

  it('prints host success rates in shortest round-trip form and IPv6 keys in brackets', () => {
    const h = host('::1', 9000, 0, { key: '[::1]:9000', successRate: 14.285714285714286, localOriginSuccessRate: 50 });
    const text = renderClustersText([cluster('c', [h])]);
    expect(text).toContain('c::[::1]:9000::success_rate::14.285714285714286\n');
    expect(text).toContain('c::[::1]:9000::local_origin_success_rate::50\n');
    expect(text).toContain('c::[::1]:9000::health_flags::healthy\n');
  });

  it('prints clusters in the order given, and nothing for no clusters', () => {
    const text = renderClustersText([cluster('a', []), cluster('b', [])]);
    expect(text.indexOf('a::observability_name')).toBeLessThan(text.indexOf('b::observability_name'));
    expect(renderClustersText([])).toBe('');
  });
});

describe('renderClustersJson', () => {
  it('has the proto-JSON shape with defaults omitted', () => {
    const hosts = [
      host('10.0.0.1', 8080, HostFlag.FAILED_ACTIVE_HC | HostFlag.FAILED_OUTLIER_CHECK | HostFlag.ACTIVE_HC_TIMEOUT),
      host('10.0.0.2', 8080, HostFlag.EDS_STATUS_DRAINING | HostFlag.FAILED_EDS_HEALTH, { hostname: 'b', weight: 3, successRate: 50 }),
    ];
    const c = cluster('c1', hosts, {}, { '10.0.0.1:8080': { cx_total: 3, cx_active: 1 } });
    expect(renderClustersJson([c])).toEqual({
      cluster_statuses: [
        {
          name: 'c1',
          observability_name: 'c1',
          added_via_api: true,
          circuit_breakers: {
            thresholds: [
              { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
              { priority: 'HIGH', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
            ],
          },
          host_statuses: [
            {
              address: { socket_address: { address: '10.0.0.1', port_value: 8080 } },
              stats: [
                { name: 'cx_connect_fail' },
                { name: 'cx_total', value: '3' },
                { name: 'rq_error' },
                { name: 'rq_success' },
                { name: 'rq_timeout' },
                { name: 'rq_total' },
                { type: 'GAUGE', name: 'cx_active', value: '1' },
                { type: 'GAUGE', name: 'rq_active' },
              ],
              health_status: { failed_active_health_check: true, failed_outlier_check: true, active_hc_timeout: true, eds_health_status: 'HEALTHY' },
              weight: 1,
              locality: {},
            },
            {
              address: { socket_address: { address: '10.0.0.2', port_value: 8080 } },
              stats: expect.any(Array) as unknown,
              health_status: { eds_health_status: 'DRAINING' },
              success_rate: { value: 50 },
              weight: 3,
              hostname: 'b',
              locality: {},
            },
          ],
        },
      ],
    });
  });

  it('shows SR ejection thresholds only when positive, and added_via_api only when true', () => {
    const c = cluster('c', [], {
      addedViaApi: false,
      outlier: { successRateAverage: 90, successRateEjectionThreshold: 52, localOriginSuccessRateAverage: -1, localOriginSuccessRateEjectionThreshold: -1 },
    });
    const [json] = renderClustersJson([c]).cluster_statuses as Record<string, unknown>[];
    expect(json).toMatchObject({ success_rate_ejection_threshold: { value: 52 } });
    expect(json).not.toHaveProperty('local_origin_success_rate_ejection_threshold');
    expect(json).not.toHaveProperty('added_via_api');
  });

  it.each([
    [HostFlag.FAILED_EDS_HEALTH, 'UNHEALTHY'],
    [HostFlag.DEGRADED_EDS_HEALTH, 'DEGRADED'],
    [HostFlag.DEGRADED_ACTIVE_HC, 'HEALTHY'],
  ])('eds_health_status for flags %i is %s', (flags, status) => {
    const [json] = renderClustersJson([cluster('c', [host('1.2.3.4', 1, flags)])]).cluster_statuses as { host_statuses: { health_status: Record<string, unknown> }[] }[];
    expect(json?.host_statuses[0]?.health_status['eds_health_status']).toBe(status);
  });
});

describe('clustersHandler', () => {
  const source = () => [cluster('c', [host('10.0.0.1', 80)])];

  it('answers text by default and JSON with ?format=json', async () => {
    const text = await clustersHandler(source)({ path: '/clusters', query: new URLSearchParams() });
    expect(text.status).toBe(200);
    expect(typeof text.body).toBe('string');
    const json = await clustersHandler(source)({ path: '/clusters', query: new URLSearchParams('format=json') });
    expect(json.body).toHaveProperty('cluster_statuses');
  });

  it('rejects an unknown format', async () => {
    const r = await clustersHandler(source)({ path: '/clusters', query: new URLSearchParams('format=yaml') });
    expect(r.status).toBe(400);
  });
});

describe('circuit breakers', () => {
  const set = { maxConnections: 100, maxPendingRequests: 200, maxRequests: 300, maxRetries: 10 };

  it("text: default_priority shows the cluster's thresholds, high_priority Envoy's defaults", () => {
    const lines = renderClustersText([cluster('c', [], { circuitBreakers: set })]).split('\n').filter((l) => l.includes('_priority::'));
    expect(lines).toEqual([
      'c::default_priority::max_connections::100',
      'c::default_priority::max_pending_requests::200',
      'c::default_priority::max_requests::300',
      'c::default_priority::max_retries::10',
      'c::high_priority::max_connections::1024',
      'c::high_priority::max_pending_requests::1024',
      'c::high_priority::max_requests::1024',
      'c::high_priority::max_retries::3',
    ]);
  });

  it('json: the DEFAULT thresholds (priority omitted) then HIGH with the defaults', () => {
    const [json] = renderClustersJson([cluster('c', [], { circuitBreakers: set })]).cluster_statuses as Record<string, unknown>[];
    expect(json?.['circuit_breakers']).toEqual({
      thresholds: [
        { max_connections: 100, max_pending_requests: 200, max_requests: 300, max_retries: 10 },
        { priority: 'HIGH', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
      ],
    });
  });

  it("clusterStatusOf fills the thresholds the backend leaves out with Envoy's defaults", () => {
    const backend = aBackend('web', [8080], { circuitBreakers: { maxRetries: 10 } });
    const status = clusterStatusOf({ name: 'web', backend, health: new FakeClusterHealth(backend), traffic: () => zero });
    expect(status.circuitBreakers).toEqual({ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 10 });
    expect(renderClustersText([status])).toContain('web::default_priority::max_retries::10\nweb::high_priority::max_connections::1024\n');
  });
});

describe('clusterStatusOf', () => {
  it('takes hosts from the engine, traffic from the pool, and outlier lines only with outlier detection', () => {
    const backend = aBackend('web', [8080]);
    const health = new FakeClusterHealth(backend);
    health.setFlags('127.0.0.1:8080', HostFlag.FAILED_OUTLIER_CHECK);
    const traffic = (key: string) => ({ ...zero, rq_total: key === '127.0.0.1:8080' ? 4 : 0 });
    const plain = clusterStatusOf({ name: 'web', backend, health, traffic });
    expect(plain.outlier).toBeUndefined();
    expect(renderClustersText([plain])).toContain('web::127.0.0.1:8080::health_flags::/failed_outlier_check\n');
    expect(renderClustersText([plain])).toContain('web::127.0.0.1:8080::rq_total::4\n');

    const withOd = clusterStatusOf({ name: 'web', backend: { ...backend, outlierDetection: {} }, health, traffic });
    expect(withOd.outlier).toEqual({ successRateAverage: -1, successRateEjectionThreshold: -1, localOriginSuccessRateAverage: -1, localOriginSuccessRateEjectionThreshold: -1 });
    health.outlier = { successRateAverage: 90, successRateEjectionThreshold: 52, localOriginSuccessRateAverage: -1, localOriginSuccessRateEjectionThreshold: -1 };
    expect(clusterStatusOf({ name: 'web', backend: { ...backend, outlierDetection: {} }, health, traffic }).outlier?.successRateEjectionThreshold).toBe(52);
  });
});
