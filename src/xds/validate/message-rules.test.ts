import { checkMessage } from './pgv-checker';
import { type Violation } from './violation';
import { envoyViolations } from '../../../test/envoy/upstream-root';
import { syntheticRoot } from '../../../test/envoy/synthetic-root';
import { aCluster, aListener, aRoute, aRouteConfiguration, TYPE, withField } from '../../../test/envoy/envoy-fixtures';

const rulesOf = (violations: readonly Violation[]): string[] => violations.map((v) => `${v.path} ${v.rule}`);
const hc = 'health_checks[0]';

describe('message, oneof, Duration and Any rules on Envoy resources', () => {
  it.each([
    ['timeout', 'duration.required'],
    ['interval', 'duration.required'],
    ['unhealthy_threshold', 'message.required'],
    ['healthy_threshold', 'message.required'],
  ])('a HealthCheck without %s breaks %s', (field, rule) => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), `${hc}.${field}`, undefined));
    expect(v).toEqual([{ path: `${hc}.${field}`, rule, message: 'value is required' }]);
  });

  it('a HealthCheck with no health checker breaks the required oneof', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), `${hc}.http_health_check`, undefined));
    expect(rulesOf(v)).toEqual([`${hc}.health_checker oneof.required`]);
    expect(v[0]?.message).toContain('http_health_check, tcp_health_check, grpc_health_check, custom_health_check');
  });

  it('an interval of 0s breaks duration.gt', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), `${hc}.interval`, { seconds: 0 }));
    expect(v).toEqual([{ path: `${hc}.interval`, rule: 'duration.gt', message: 'value must be greater than 0s, got 0s' }]);
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), `${hc}.interval`, { nanos: 1 }))).toEqual([]);
  });

  it('a Duration with mixed signs is not a valid duration', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), `${hc}.timeout`, { seconds: 1, nanos: -5 }));
    expect(rulesOf(v)).toEqual([`${hc}.timeout duration.valid`]);
  });

  it('Duration bounds with nanos: dns_refresh_rate must exceed 1ms', () => {
    const ok = withField(withField(aCluster(), 'type', 'STRICT_DNS'), 'dns_refresh_rate', { nanos: 1_000_001 });
    expect(envoyViolations(TYPE.Cluster, ok)).toEqual([]);
    const v = envoyViolations(TYPE.Cluster, withField(ok, 'dns_refresh_rate', { nanos: 1_000_000 }));
    expect(v).toEqual([{ path: 'dns_refresh_rate', rule: 'duration.gt', message: 'value must be greater than 0.001s, got 0.001s' }]);
  });

  it('a route with no action breaks the required action oneof', () => {
    const routes = withField(aRouteConfiguration(), 'virtual_hosts[0].routes[0].route', undefined);
    expect(rulesOf(envoyViolations(TYPE.RouteConfiguration, routes))).toEqual(['virtual_hosts[0].routes[0].action oneof.required']);
  });

  it('a route without a match breaks message.required', () => {
    const routes = withField(aRouteConfiguration(), 'virtual_hosts[0].routes', [withField(aRoute(), 'match', undefined)]);
    expect(rulesOf(envoyViolations(TYPE.RouteConfiguration, routes))).toEqual(['virtual_hosts[0].routes[0].match message.required']);
  });

  it('rules inside an unset oneof member are not applied', () => {
    const routes = withField(aRouteConfiguration(), 'virtual_hosts[0].routes[0].route', { cluster_header: 'x-cluster' });
    expect(envoyViolations(TYPE.RouteConfiguration, routes)).toEqual([]);
  });

  it('any.required: a TypedExtensionConfig needs its typed_config', () => {
    const at = 'load_balancing_policy.policies[0].typed_extension_config';
    const cluster = withField(aCluster(), 'load_balancing_policy', { policies: [{ typed_extension_config: { name: 'envoy.lb' } }] });
    expect(rulesOf(envoyViolations(TYPE.Cluster, cluster))).toEqual([`${at}.typed_config any.required`]);
  });

  it('an optional Any (Filter.typed_config) may be left out', () => {
    expect(envoyViolations(TYPE.Listener, withField(aListener(), 'filter_chains[0].filters[0].typed_config', undefined))).toEqual([]);
  });
});

describe('message rules with a synthetic root (kinds upstream never uses)', () => {
  const root = syntheticRoot(`
    syntax = "proto3";
    package t;
    import "google/protobuf/any.proto";
    import "google/protobuf/timestamp.proto";
    import "google/protobuf/wrappers.proto";
    message Inner { string name = 1 [(validate.rules).string.min_len = 1]; }
    message Off { option (validate.disabled) = true; string name = 1 [(validate.rules).string.min_len = 1]; Inner inner = 2; }
    message Ignored { option (validate.ignored) = true; string name = 1 [(validate.rules).string.min_len = 1]; }
    message Outer {
      Inner checked = 1;
      Inner skipped = 2 [(validate.rules).message.skip = true];
      Inner required = 3 [(validate.rules).message.required = true];
      Off off = 4;
      Ignored ignored = 5;
      google.protobuf.Timestamp at = 6 [(validate.rules).timestamp = {required: true, gt: {seconds: 1000}, lt_now: true}];
      google.protobuf.Any payload = 7 [(validate.rules).any = {in: ["type.googleapis.com/t.Inner"]}];
      google.protobuf.Any other = 8 [(validate.rules).any = {not_in: ["type.googleapis.com/t.Inner"]}];
      google.protobuf.UInt32Value pct = 9 [(validate.rules).uint32 = {lte: 100, ignore_empty: true}];
      optional uint32 opt = 10 [(validate.rules).uint32.gt = 5];
      repeated Inner items = 11 [(validate.rules).repeated.items.message.skip = true];
    }
  `);
  const check = (value: object): string[] => rulesOf(checkMessage(root, 't.Outer', value));
  const valid = { required: { name: 'r' }, at: { seconds: 2000 } };

  it('checks set messages and reports a missing required one', () => {
    expect(check(valid)).toEqual([]);
    expect(check({ ...valid, checked: { name: '' } })).toEqual(['checked.name string.min_len']);
    expect(check({ at: valid.at })).toEqual(['required message.required']);
  });

  it('message.skip stops descent, also for repeated items', () => {
    expect(check({ ...valid, skipped: { name: '' }, items: [{ name: '' }] })).toEqual([]);
  });

  it('(validate.disabled) and (validate.ignored) turn off the whole message and below', () => {
    expect(check({ ...valid, off: { name: '', inner: { name: '' } }, ignored: { name: '' } })).toEqual([]);
  });

  it('Timestamp required and gt; lt_now is skipped (no clock)', () => {
    expect(check({ required: valid.required })).toEqual(['at timestamp.required']);
    expect(check({ ...valid, at: { seconds: 1000 } })).toEqual(['at timestamp.gt']);
    expect(check({ ...valid, at: { seconds: 4_000_000_000 } })).toEqual([]);
    expect(check({ ...valid, at: { seconds: 2000, nanos: -1 } })).toEqual(['at timestamp.valid']);
  });

  it('any.in / any.not_in compare type URLs, and the payload is still checked', () => {
    const inner = { '@type': 'type.googleapis.com/t.Inner', name: '' };
    expect(check({ ...valid, payload: inner })).toEqual(['payload.name string.min_len']);
    expect(check({ ...valid, payload: { '@type': 'type.googleapis.com/t.Off' } })).toEqual(['payload any.in']);
    expect(check({ ...valid, other: { ...inner, name: 'x' } })).toEqual(['other any.not_in']);
  });

  it('wrapper rules apply to the wrapped value when set, honouring ignore_empty', () => {
    expect(check({ ...valid, pct: { value: 101 } })).toEqual(['pct uint32.lte']);
    expect(check({ ...valid, pct: {} })).toEqual([]);
  });

  it('proto3 optional scalars are checked only when present', () => {
    expect(check(valid)).toEqual([]);
    expect(check({ ...valid, opt: 0 })).toEqual(['opt uint32.gt']);
    expect(check({ ...valid, opt: 6 })).toEqual([]);
  });
});
