import { checkRange, compileBoolRules, compileEnumRules, compileNumericRules } from './numeric-rules';
import { type Violation } from './violation';
import { envoyViolations, upstreamRoot } from '../../../test/envoy/upstream-root';
import { aCluster, aClusterLoadAssignment, aListener, aRouteConfiguration, TYPE, withField } from '../../../test/envoy/envoy-fixtures';

const rulesOf = (violations: readonly Violation[]): string[] => violations.map((v) => `${v.path} ${v.rule}`);

describe('numeric rules on Envoy resources', () => {
  it('OutlierDetection.max_ejection_percent (UInt32Value, lte 100) checks the wrapped value', () => {
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), 'outlier_detection.max_ejection_percent', { value: 101 }))))
      .toEqual(['outlier_detection.max_ejection_percent uint32.lte']);
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), 'outlier_detection.max_ejection_percent', { value: 100 }))).toEqual([]);
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), 'outlier_detection.max_ejection_percent', undefined))).toEqual([]);
  });

  it('an endpoint port of 65536 breaks SocketAddress.port_value lte 65535', () => {
    const cla = withField(aClusterLoadAssignment(), 'endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value', 65536);
    expect(envoyViolations(TYPE.ClusterLoadAssignment, cla)).toEqual([{
      path: 'endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value',
      rule: 'uint32.lte',
      message: 'value must be less than or equal to 65535, got 65536',
    }]);
  });

  it('enum defined_only rejects an out-of-range value', () => {
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), 'lb_policy', 99)))).toEqual(['lb_policy enum.defined_only']);
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), 'type', 17)))).toEqual(['type enum.defined_only']);
    // LbEndpoint.health_status carries no rule upstream, so any number passes.
    const cla = withField(aClusterLoadAssignment(), 'endpoints[0].lb_endpoints[0].health_status', 42);
    expect(envoyViolations(TYPE.ClusterLoadAssignment, cla)).toEqual([]);
  });

  it('enum not_in rejects CONNECT as the health check method', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), 'health_checks[0].http_health_check.method', 'CONNECT'));
    expect(rulesOf(v)).toEqual(['health_checks[0].http_health_check.method enum.not_in']);
  });

  it.each([
    [0.5, 'double.gte'],
    [3.5, 'double.lte'],
  ])('double range [1, 3] on per_upstream_preconnect_ratio: %p breaks %s', (ratio, rule) => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), 'preconnect_policy.per_upstream_preconnect_ratio', { value: ratio }));
    expect(rulesOf(v)).toEqual([`preconnect_policy.per_upstream_preconnect_ratio ${rule}`]);
  });

  it.each([
    [99, 'uint32.gte'],
    [600, 'uint32.lt'],
    [200, undefined],
  ])('DirectResponseAction.status in [200, 600): %p', (status, rule) => {
    const routes = withField(aRouteConfiguration(), 'virtual_hosts[0].routes[0]', { match: { prefix: '/' }, direct_response: { status } });
    const expected = rule ? [`virtual_hosts[0].routes[0].direct_response.status ${rule}`] : [];
    expect(rulesOf(envoyViolations(TYPE.RouteConfiguration, routes))).toEqual(expected);
  });

  it('bool const: a listener filter predicate any_match must be true', () => {
    const filter = { name: 'envoy.filters.listener.tls_inspector', filter_disabled: { any_match: false } };
    const v = envoyViolations(TYPE.Listener, withField(aListener(), 'listener_filters', [filter]));
    expect(rulesOf(v)).toEqual(['listener_filters[0].filter_disabled.any_match bool.const']);
  });

  it('Envoy load-time check: expected_statuses start 99 is outside [100, 600)', () => {
    const cluster = withField(aCluster(), 'health_checks[0].http_health_check.expected_statuses', [{ start: 99, end: 200 }, { start: 200, end: 601 }]);
    expect(rulesOf(envoyViolations(TYPE.Cluster, cluster))).toEqual([
      'health_checks[0].http_health_check.expected_statuses[0].start envoy.http_status_range',
      'health_checks[0].http_health_check.expected_statuses[1].end envoy.http_status_range',
    ]);
    expect(envoyViolations(TYPE.Cluster, cluster, { envoyLoadChecks: false })).toEqual([]);
  });

  it('the upstream root is the one the tests use', () => {
    expect(upstreamRoot().lookupType(TYPE.Cluster).fullName).toBe(`.${TYPE.Cluster}`);
  });
});

describe('checkRange (PGV range semantics)', () => {
  const fmt = (x: number): string => String(x);
  it.each([
    [{ gt: 0, lt: 10 }, 5, undefined],
    [{ gt: 0, lt: 10 }, 0, 'gt'],
    [{ gt: 0, lt: 10 }, 10, 'lt'],
    [{ gte: 0, lte: 10 }, 10, undefined],
    [{ gte: 0, lte: 10 }, 11, 'lte'],
    [{ gte: 1 }, 0, 'gte'],
    [{ lt: 5 }, 5, 'lt'],
    // Exclusive ranges: lower bound above the upper bound means "outside".
    [{ lt: 0, gt: 10 }, 5, 'range'],
    [{ lt: 0, gt: 10 }, 10, 'range'],
    [{ lt: 0, gt: 10 }, 11, undefined],
    [{ lt: 0, gt: 10 }, -1, undefined],
    [{ lte: 0, gte: 10 }, 0, undefined],
    [{ lte: 0, gte: 10 }, 9, 'range'],
  ])('%j with %p -> %p', (bounds, value, key) => {
    expect(checkRange(value, bounds, fmt)?.key).toBe(key);
  });

  it('describes an exclusive range with the right brackets', () => {
    expect(checkRange(5, { lt: 0, gt: 10 }, fmt)?.message).toBe('value must be outside range [0, 10], got 5');
  });
});

describe('compileNumericRules', () => {
  const run = (kind: string, rules: Record<string, unknown>, value: unknown): string[] => {
    const out: Violation[] = [];
    compileNumericRules(kind, rules)(value, 'f', out);
    return out.map((v) => v.rule);
  };

  it('compares 64-bit values exactly, including protobufjs Longs', () => {
    const big = { low: 1, high: 0x00200000, unsigned: false }; // 2^53 + 1
    expect(run('int64', { lte: '9007199254740992' }, big)).toEqual(['int64.lte']);
    expect(run('int64', { lte: '9007199254740993' }, big)).toEqual([]);
    expect(run('uint64', { gt: 0 }, { low: -1, high: -1, unsigned: true })).toEqual([]);
    expect(run('int64', { gte: 0 }, { low: -1, high: -1, unsigned: false })).toEqual(['int64.gte']);
  });

  it('rounds float bounds to float32 like the generated Go code', () => {
    expect(run('float', { lte: 0.1 }, Math.fround(0.1))).toEqual([]);
    expect(run('double', { lte: 0.1 }, Math.fround(0.1))).toEqual(['double.lte']);
  });

  it('checks const, in and not_in, and applies to the proto3 default', () => {
    expect(run('int32', { const: 3 }, 4)).toEqual(['int32.const']);
    expect(run('uint32', { in: [1, 2] }, 3)).toEqual(['uint32.in']);
    expect(run('uint32', { in: 1 }, 1)).toEqual([]);
    expect(run('sint32', { not_in: [1, 2] }, 2)).toEqual(['sint32.not_in']);
    expect(run('uint32', { gt: 0 }, undefined)).toEqual(['uint32.gt']);
  });

  it('ignore_empty skips the zero value only', () => {
    expect(run('uint32', { gt: 5, ignore_empty: true }, 0)).toEqual([]);
    expect(run('uint32', { gt: 5, ignore_empty: true }, 1)).toEqual(['uint32.gt']);
    expect(run('int64', { gt: 5, ignore_empty: true }, { low: 0, high: 0 })).toEqual([]);
  });

  it('bool and enum rules', () => {
    const out: Violation[] = [];
    compileBoolRules({ const: false })?.(true, 'b', out);
    compileEnumRules({ in: [1, 2] }, undefined)?.(0, 'e', out);
    compileEnumRules({ const: 2 }, undefined)?.(2, 'e', out);
    expect(out.map((v) => `${v.path} ${v.rule}`)).toEqual(['b bool.const', 'e enum.in']);
  });
});
