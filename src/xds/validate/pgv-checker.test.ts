import * as protobuf from 'protobufjs';
import { checkMessage, formatViolations } from './pgv-checker';
import { planFor } from './compile-rules';
import { expectEnvoyValid, envoyViolations, upstreamRoot } from '../../../test/envoy/upstream-root';
import {
  aCluster, aClusterLoadAssignment, aListener, anHttpConnectionManager, aRouteConfiguration, TYPE, typeUrl, withField,
} from '../../../test/envoy/envoy-fixtures';

const encode = (fullName: string, value: object): Uint8Array => {
  const type = upstreamRoot().lookupType(fullName);
  return type.encode(type.fromObject(value)).finish();
};

describe('checkMessage: whole resources', () => {
  it.each([
    ['Cluster (EDS, health checks, outlier detection)', TYPE.Cluster, aCluster()],
    ['ClusterLoadAssignment', TYPE.ClusterLoadAssignment, aClusterLoadAssignment()],
    ['Listener with HCM and router in Anys', TYPE.Listener, aListener()],
    ['RouteConfiguration', TYPE.RouteConfiguration, aRouteConfiguration()],
  ])('passes a valid %s, as object, as bytes and by type URL', (_label, fullName, value) => {
    expect(envoyViolations(fullName, value)).toEqual([]);
    expect(envoyViolations(fullName, encode(fullName, value))).toEqual([]);
    expect(() => expectEnvoyValid(typeUrl(fullName), encode(fullName, value))).not.toThrow();
  });

  it('finds the same violations in bytes as in the object they encode', () => {
    const broken = withField(withField(aCluster(), 'name', ''), 'health_checks[0].timeout', undefined);
    const fromObject = envoyViolations(TYPE.Cluster, broken);
    expect(fromObject.map((v) => v.rule).sort()).toEqual(['duration.required', 'string.min_len']);
    expect(envoyViolations(TYPE.Cluster, encode(TYPE.Cluster, broken))).toEqual(fromObject);
  });

  it('accepts the protobufjs toObject shape (keepCase, oneofs: true, enums as strings)', () => {
    const type = upstreamRoot().lookupType(TYPE.Cluster);
    const shape = type.toObject(type.decode(encode(TYPE.Cluster, aCluster())), { oneofs: true, enums: String, longs: String });
    expect(envoyViolations(TYPE.Cluster, shape)).toEqual([]);
  });

  it('throws on a type the root does not know', () => {
    expect(() => checkMessage(upstreamRoot(), 'envoy.config.cluster.v3.NoSuchThing', {})).toThrow(/NoSuchThing/);
  });

  it('expectEnvoyValid lists every violation', () => {
    const broken = withField(withField(aCluster(), 'name', ''), 'outlier_detection.max_ejection_percent', { value: 101 });
    expect(() => expectEnvoyValid(TYPE.Cluster, broken)).toThrow(
      /Cluster breaks 2 Envoy validation rule\(s\):\nname: string.min_len: .*\noutlier_detection.max_ejection_percent: uint32.lte: /,
    );
  });

  it('formats violations one per line, naming the root as <root>', () => {
    expect(formatViolations([{ path: '', rule: 'r', message: 'm' }, { path: 'a.b', rule: 's', message: 'n' }])).toBe('<root>: r: m\na.b: s: n');
  });

  it('compiles every upstream type and checks its empty instance without throwing or unknown rule kinds', () => {
    const types: protobuf.Type[] = [];
    const collect = (ns: protobuf.NamespaceBase): void => {
      for (const nested of ns.nestedArray) {
        if (nested instanceof protobuf.Type) types.push(nested);
        if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) collect(nested);
      }
    };
    collect(upstreamRoot());
    expect(types.length).toBeGreaterThan(300);
    const rules = new Set<string>();
    for (const type of types) for (const v of checkMessage(upstreamRoot(), type.fullName, new Uint8Array())) rules.add(v.rule);
    expect([...rules].filter((r) => r.endsWith('unsupported'))).toEqual([]);
    expect(rules.has('oneof.required') && rules.has('string.min_len') && rules.has('duration.required')).toBe(true);
  });

  it('compiles each type once and reuses the plan', () => {
    const type = upstreamRoot().lookupType(TYPE.Cluster);
    expect(planFor(type)).toBe(planFor(type));
    expect(envoyViolations(TYPE.Cluster, aCluster())).toEqual([]);
  });
});

describe('checkMessage: input handling', () => {
  it('reports keys that fromObject would drop, with a spelling hint', () => {
    const camel = withField(aCluster(), 'connectTimeout', { seconds: 1 });
    expect(envoyViolations(TYPE.Cluster, camel)).toEqual([
      expect.objectContaining({ path: 'connectTimeout', rule: 'object.unknown_field', message: expect.stringContaining('did you mean "connect_timeout"') }),
    ]);
  });

  it('reports unknown enum names instead of letting them become 0', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), 'lb_policy', 'FASTEST'));
    expect(v).toContainEqual(expect.objectContaining({ path: 'lb_policy', rule: 'object.unknown_enum_value' }));
  });

  it('reports objects fromObject cannot convert', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), 'connect_timeout', '5s'));
    expect(v).toEqual([expect.objectContaining({ path: '', rule: 'object.invalid' })]);
  });

  it('reports bytes that do not decode', () => {
    expect(envoyViolations(TYPE.Cluster, new Uint8Array([0x0a, 0x05, 0x61]))).toEqual([expect.objectContaining({ rule: 'wire.decode' })]);
  });
});

describe('checkMessage: Any payloads', () => {
  const hcmPath = 'filter_chains[0].filters[0].typed_config';

  it('descends into a packed HttpConnectionManager (empty stat_prefix)', () => {
    const listener = withField(aListener(), `${hcmPath}.stat_prefix`, '');
    expect(envoyViolations(TYPE.Listener, listener)).toEqual([
      expect.objectContaining({ path: `${hcmPath}.stat_prefix`, rule: 'string.min_len' }),
    ]);
    expect(envoyViolations(TYPE.Listener, encode(TYPE.Listener, listener))).toHaveLength(1);
  });

  it('descends through nested Anys (router inside HCM inside Listener)', () => {
    const hcm = withField(anHttpConnectionManager(), 'http_filters[0].typed_config.strict_check_headers', ['x-envoy-max-retries', 'x-bogus']);
    const v = envoyViolations(TYPE.Listener, withField(aListener(), hcmPath, hcm));
    expect(v).toEqual([expect.objectContaining({ path: `${hcmPath}.http_filters[0].typed_config.strict_check_headers[1]`, rule: 'string.in' })]);
  });

  it('reports an Any whose type the root does not know', () => {
    const filter = { name: 'custom', typed_config: { type_url: 'type.googleapis.com/acme.Filter', value: new Uint8Array([8, 1]) } };
    const v = envoyViolations(TYPE.Listener, withField(aListener(), 'filter_chains[0].filters[0]', filter));
    expect(v).toEqual([expect.objectContaining({ path: hcmPath, rule: 'any.unknown_type' })]);
  });

  it('reports an "@type" object of unknown type before fromObject empties it', () => {
    const v = envoyViolations(TYPE.Listener, withField(aListener(), hcmPath, { '@type': 'type.googleapis.com/acme.Filter', x: 1 }));
    expect(v.map((x) => x.rule)).toContain('any.unknown_type');
  });

  it('lets google.protobuf payloads through', () => {
    const filter = { name: 'custom', typed_config: { type_url: 'type.googleapis.com/google.protobuf.NotLoaded', value: new Uint8Array() } };
    expect(envoyViolations(TYPE.Listener, withField(aListener(), 'filter_chains[0].filters[0]', filter))).toEqual([]);
  });

  it('reports an Any payload that does not decode as its type', () => {
    const filter = { name: 'hcm', typed_config: { type_url: typeUrl(TYPE.HttpConnectionManager), value: new Uint8Array([0x0a, 0x09, 0x61]) } };
    const v = envoyViolations(TYPE.Listener, withField(aListener(), 'filter_chains[0].filters[0]', filter));
    expect(v).toEqual([expect.objectContaining({ path: hcmPath, rule: 'any.decode' })]);
  });
});
