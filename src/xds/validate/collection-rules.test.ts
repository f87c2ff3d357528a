import { mapKeyValue } from './collection-rules';
import { checkMessage } from './pgv-checker';
import { type Violation } from './violation';
import { envoyViolations } from '../../../test/envoy/upstream-root';
import { syntheticRoot } from '../../../test/envoy/synthetic-root';
import { aCluster, aListener, aRouteConfiguration, TYPE, withField } from '../../../test/envoy/envoy-fixtures';

const rulesOf = (violations: readonly Violation[]): string[] => violations.map((v) => `${v.path} ${v.rule}`);
const vh = 'virtual_hosts[0]';

describe('repeated and map rules on Envoy resources', () => {
  it('a virtual host with no domains breaks repeated.min_items', () => {
    expect(envoyViolations(TYPE.RouteConfiguration, withField(aRouteConfiguration(), `${vh}.domains`, []))).toEqual([
      { path: `${vh}.domains`, rule: 'repeated.min_items', message: 'value must contain at least 1 items, got 0' },
    ]);
  });

  it('item rules apply to each element with its index in the path', () => {
    const routes = withField(aRouteConfiguration(), `${vh}.domains`, ['ok.example.com', 'bad\n.example.com']);
    expect(rulesOf(envoyViolations(TYPE.RouteConfiguration, routes))).toEqual([`${vh}.domains[1] string.well_known_regex`]);
    const removed = withField(aRouteConfiguration(), `${vh}.request_headers_to_remove`, ['x-ok', '']);
    expect(rulesOf(envoyViolations(TYPE.RouteConfiguration, removed))).toEqual([`${vh}.request_headers_to_remove[1] string.min_len`]);
  });

  it('repeated.max_items: at most 1000 request headers to add on a health check', () => {
    const headers = Array.from({ length: 1001 }, (_, i) => ({ header: { key: `x-h${i}`, value: 'v' } }));
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), 'health_checks[0].http_health_check.request_headers_to_add', headers));
    expect(rulesOf(v)).toEqual(['health_checks[0].http_health_check.request_headers_to_add repeated.max_items']);
  });

  it('repeated.unique: internal redirect headers to copy', () => {
    const at = `${vh}.routes[0].route.internal_redirect_policy.response_headers_to_copy`;
    const v = envoyViolations(TYPE.RouteConfiguration, withField(aRouteConfiguration(), at, ['x-a', 'x-b', 'x-a']));
    expect(rulesOf(v)).toEqual([`${at}[2] repeated.unique`]);
  });

  it('repeated items: enum defined_only and uint32 ranges per element', () => {
    const cluster = withField(aCluster(), 'common_lb_config.override_host_status.statuses', ['HEALTHY', 99]);
    expect(rulesOf(envoyViolations(TYPE.Cluster, cluster))).toEqual(['common_lb_config.override_host_status.statuses[1] enum.defined_only']);
    const listener = withField(aListener(), 'filter_chains[0].filter_chain_match.source_ports', [80, 70000, 0]);
    expect(rulesOf(envoyViolations(TYPE.Listener, listener))).toEqual([
      'filter_chains[0].filter_chain_match.source_ports[1] uint32.lte',
      'filter_chains[0].filter_chain_match.source_ports[2] uint32.gte',
    ]);
  });

  it('map keys: Metadata.filter_metadata keys must be non-empty', () => {
    const cluster = withField(aCluster(), 'metadata', { filter_metadata: { 'envoy.lb': { fields: {} }, '': { fields: {} } } });
    expect(rulesOf(envoyViolations(TYPE.Cluster, cluster))).toEqual(['metadata.filter_metadata[""] string.min_len']);
  });
});

describe('collection rules with a synthetic root', () => {
  const root = syntheticRoot(`
    syntax = "proto3";
    package t;
    message Item { string name = 1 [(validate.rules).string.min_len = 1]; }
    message Bag {
      map<string, Item> items = 1 [(validate.rules).map = {min_pairs: 1, max_pairs: 2, no_sparse: true}];
      map<int64, string> by_id = 2 [(validate.rules).map = {keys: {int64: {gt: 0}}, values: {string: {min_len: 2}}}];
      map<string, string> optional_tags = 3 [(validate.rules).map = {min_pairs: 2, ignore_empty: true}];
      repeated string names = 4 [(validate.rules).repeated = {min_items: 2, ignore_empty: true, items: {string: {min_len: 3}}}];
      repeated Item unique_items = 5 [(validate.rules).repeated.unique = true];
      repeated bytes blobs = 6 [(validate.rules).repeated = {unique: true, items: {bytes: {max_len: 2}}}];
      map<bool, uint32> flags = 7 [(validate.rules).map.values.uint32.lt = 10];
    }
  `);
  const check = (value: object): string[] => rulesOf(checkMessage(root, 't.Bag', value));
  const valid = { items: { a: { name: 'x' } } };

  it('min_pairs / max_pairs, and map values are walked', () => {
    expect(check(valid)).toEqual([]);
    expect(check({})).toEqual(['items map.min_pairs']);
    expect(check({ items: { a: { name: 'x' }, b: { name: 'y' }, c: { name: '' } } })).toEqual(['items map.max_pairs', 'items["c"].name string.min_len']);
  });

  it('no_sparse reports a map entry whose message value is unset (wire form)', () => {
    // items = {"a": <no value>}: entry tag 0x0a, len 3, key field 1 = "a".
    expect(rulesOf(checkMessage(root, 't.Bag', Uint8Array.from([0x0a, 0x03, 0x0a, 0x01, 0x61])))).toEqual(['items["a"] map.no_sparse']);
  });

  it('int64 keys are checked as numbers, values by their own rules', () => {
    expect(check({ ...valid, by_id: { '5': 'ok', '-3': 'ok', '7': 'x' } }).sort()).toEqual(['by_id[-3] int64.gt', 'by_id[7] string.min_len']);
  });

  it('ignore_empty on maps and repeated fields skips empty containers only', () => {
    expect(check({ ...valid, optional_tags: {}, names: [] })).toEqual([]);
    expect(check({ ...valid, optional_tags: { a: 'b' }, names: ['abc'] })).toEqual(['optional_tags map.min_pairs', 'names repeated.min_items']);
    expect(check({ ...valid, names: ['abc', 'de'] })).toEqual(['names[1] string.min_len']);
  });

  it('unique compares messages by encoding and bytes by content', () => {
    expect(check({ ...valid, unique_items: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] })).toEqual(['unique_items[2] repeated.unique']);
    expect(check({ ...valid, blobs: [Uint8Array.from([1]), Uint8Array.from([1, 2, 3]), Uint8Array.from([1])] }))
      .toEqual(['blobs[2] repeated.unique', 'blobs[1] bytes.max_len']);
  });

  it('bool map keys and their value rules (wire form: protobufjs encodes the object key "false" as true)', () => {
    const bag = root.lookupType('t.Bag');
    const base = bag.encode(bag.fromObject(valid)).finish();
    const flags = Uint8Array.from([0x3a, 0x04, 0x08, 0x00, 0x10, 0x0c, 0x3a, 0x04, 0x08, 0x01, 0x10, 0x03]);
    const bytes = new Uint8Array([...base, ...flags]);
    expect(rulesOf(checkMessage(root, 't.Bag', bytes))).toEqual(['flags[false] uint32.lt']);
  });

  it('mapKeyValue turns protobufjs keys back into typed values', () => {
    expect(mapKeyValue('42', 'uint32')).toBe(42);
    expect(mapKeyValue('true', 'bool')).toBe(true);
    expect(mapKeyValue('-7', 'sint64')).toBe(-7n);
  });
});
