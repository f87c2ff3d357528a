import { DeltaHarness } from '../../../test/fakes/fake-ads-stream';
import { aBundle, anEdsCluster } from '../../../test/fakes/xds-fixtures';
import { buildSnapshot } from '../snapshot-builder';
import { TypeUrl } from '../type-urls';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;
const envoy = { id: 'envoy-1', cluster: 'gw', user_agent_name: 'envoy' };

function started(bundle = aBundle(['a', 'b'])): DeltaHarness {
  const h = new DeltaHarness();
  h.publish(bundle);
  return h;
}

function versionsOf(names: readonly string[], type: TypeUrl = EDS, bundle = aBundle(['a', 'b'])): Record<string, string> {
  const snap = buildSnapshot(bundle);
  return Object.fromEntries(names.map((n) => [n, snap.get(type, n)!.version]));
}

describe('DeltaStream (checklist §14, line 10 and friends)', () => {
  test('legacy wildcard: an empty first request on CDS means everything; removals are reported', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS });
    expect(h.replies().map((r) => [r.typeUrl, r.names, r.removed])).toEqual([[CDS, ['a', 'b'], []]]);
    h.publish(aBundle(['a']));
    expect(h.replies().map((r) => [r.typeUrl, r.names, r.removed])).toEqual([[CDS, [], ['b']]]);
  });

  test('per-resource versions are content hashes and only changed resources are sent', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names_subscribe: ['a', 'b'] });
    const [first] = h.replies();
    expect(first!.versions).toEqual(versionsOf(['a', 'b']));
    const changed = aBundle(['a', 'b']);
    h.publish({ ...changed, endpoints: [changed.endpoints[0]!, { ...changed.endpoints[1]!, endpoints: [] }] });
    expect(h.replies().map((r) => r.names)).toEqual([['b']]);
  });

  test('reconnect: initial_resource_versions are honoured, vanished and untracked resources removed', () => {
    const h = started();
    h.request({
      node: envoy,
      type_url: EDS,
      resource_names_subscribe: ['a', 'gone'],
      initial_resource_versions: { ...versionsOf(['a']), gone: 'v-old', stray: 'v-x' },
    });
    // a is named in subscribe, so it is sent even though the client claims the current version (envoy#22418)
    expect(h.replies().map((r) => [r.names, r.removed.sort()])).toEqual([[['a'], []], [[], ['gone', 'stray']]]);
  });

  test('reconnect with wildcard CDS: unchanged clusters are not resent, changed ones are', () => {
    const h = started();
    const held = versionsOf(['a', 'b'], CDS);
    held['b'] = 'stale';
    h.request({ node: envoy, type_url: CDS, initial_resource_versions: held });
    expect(h.replies().map((r) => [r.names, r.removed])).toEqual([[['b'], []]]);
  });

  test('Envoy < 1.19 re-subscribing wildcard CDS by name is still treated as wildcard', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS, resource_names_subscribe: ['a'], initial_resource_versions: versionsOf(['a'], CDS) });
    h.replies();
    h.publish(aBundle(['a', 'b', 'c']));
    expect(h.replies().map((r) => r.names)).toEqual([['c']]);
  });

  test('a subscription to an unknown name is answered as removed and kept: the resource is sent when it appears', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names_subscribe: ['later'] });
    expect(h.replies().map((r) => [r.names, r.removed])).toEqual([[[], ['later']]]);
    h.publish(aBundle(['a', 'b', 'later']));
    expect(h.replies().map((r) => [r.names, r.removed])).toEqual([[['later'], []]]);
  });

  test('everything named in subscribe is sent, even if the client should already have it', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names_subscribe: ['a'] });
    const [r1] = h.replies();
    h.request({ type_url: EDS, response_nonce: r1!.nonce });
    h.request({ type_url: EDS, resource_names_subscribe: ['a'] });
    expect(h.replies().map((r) => r.names)).toEqual([['a']]);
  });

  test('subscription changes carried by a stale nonce still apply; unsubscribing needs no response', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names_subscribe: ['a'] });
    const [r1] = h.replies();
    h.request({ type_url: EDS, resource_names_subscribe: ['b'], response_nonce: 'stale-999' });
    expect(h.replies().map((r) => r.names)).toEqual([['b']]);
    expect(h.hooks.acks).toEqual([]);
    h.request({ type_url: EDS, resource_names_unsubscribe: ['a'], response_nonce: r1!.nonce }); // r1 is stale now
    expect(h.replies()).toEqual([]);
    h.publish(aBundle(['a', 'b'], [9555]));
    expect(h.replies().map((r) => r.names)).toEqual([['b']]);
  });

  test('wildcard plus explicit: unsubscribing the explicit name is answered with the resource (still covered)', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS, resource_names_subscribe: ['*', 'a'] });
    h.replies();
    h.request({ type_url: CDS, resource_names_unsubscribe: ['a'] });
    expect(h.replies().map((r) => [r.names, r.removed])).toEqual([[['a'], []]]);
    h.request({ type_url: CDS, resource_names_unsubscribe: ['*'], resource_names_subscribe: ['b'] });
    h.replies();
    h.publish(aBundle(['a', 'b', 'c'], [9010]));
    expect(h.replies()).toEqual([]); // only b is tracked now and b did not change
  });

  test('a NACKed version is not resent; the next change is', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names_subscribe: ['a'] });
    const [r1] = h.replies();
    h.request({ type_url: EDS, response_nonce: r1!.nonce, error_detail: { code: 3, message: 'bad endpoint' } });
    expect(h.hooks.nacks).toEqual([expect.objectContaining({ nonce: r1!.nonce, errorMessage: 'bad endpoint', rejectedResources: ['a'] })]);
    expect(h.replies()).toEqual([]);
    h.publish(aBundle(['a', 'b'])); // identical: nothing
    expect(h.replies()).toEqual([]);
    h.publish(aBundle(['a', 'b'], [9777]));
    const [r2] = h.replies();
    expect(r2!.names).toEqual(['a']);
    h.request({ type_url: EDS, response_nonce: r2!.nonce });
    expect(h.hooks.acks.map((a) => a.nonce)).toEqual([r2!.nonce]);
  });

  test('push order is clusters, endpoints, listeners, routes, with removals last', () => {
    const h = started(aBundle(['a']));
    h.request({ node: envoy, type_url: CDS });
    h.request({ type_url: EDS, resource_names_subscribe: ['a'] });
    h.request({ type_url: LDS });
    h.request({ type_url: RDS, resource_names_subscribe: ['echo-routes'] });
    h.request({ type_url: EDS, resource_names_subscribe: ['b'] });
    h.replies();
    h.publish(aBundle(['b']));
    expect(h.replies().map((r) => [r.typeUrl, r.names, r.removed])).toEqual([
      [CDS, ['b'], []],
      [EDS, ['b'], []], // endpoints of a new cluster after its CDS
      [RDS, ['echo-routes'], []],
      [CDS, [], ['a']],
      [EDS, [], ['a']],
    ]);
  });

  test('a changed cluster gets its endpoints again', () => {
    const h = started(aBundle(['a']));
    h.request({ node: envoy, type_url: CDS });
    h.request({ type_url: EDS, resource_names_subscribe: ['a'] });
    h.replies();
    h.publish({ ...aBundle(['a']), clusters: [anEdsCluster('a', { connect_timeout: { seconds: 7 } })] });
    expect(h.replies().map((r) => [r.typeUrl, r.names])).toEqual([[CDS, ['a']], [EDS, ['a']]]);
  });

  test('resources with a TTL carry it, and heartbeats without content refresh them', () => {
    const h = new DeltaHarness({ limits: { heartbeatIntervalMs: 5_000 } });
    h.publish(aBundle(['a', 'b']), '*', { ttlMs: (t, name) => (t === EDS && name === 'b' ? 1_500 : undefined) });
    h.request({ node: envoy, type_url: EDS, resource_names_subscribe: ['a', 'b'] });
    const [r] = h.replies();
    expect(r!.resources.map((x) => [x.name, x.ttl])).toEqual([['a', null], ['b', { seconds: '1', nanos: 500_000_000 }]]);
    h.clock.advance(5_000);
    const [beat] = h.replies();
    expect(beat!.resources.map((x) => [x.name, x.version, x.resource, x.ttl?.seconds])).toEqual([['b', r!.versions['b'], null, '1']]);
    h.publish(aBundle(['a']));
    h.clock.advance(5_000);
    expect(h.replies().map((x) => x.removed)).toEqual([['b']]); // gone: no more heartbeats
    h.clock.advance(20_000);
    expect(h.replies()).toEqual([]);
  });

  test('nonces are unique on the stream', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS });
    h.request({ type_url: EDS, resource_names_subscribe: ['a', 'b'] });
    h.publish(aBundle(['a', 'b', 'c'], [9999]));
    const nonces = h.replies().map((r) => r.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(nonces.length).toBeGreaterThan(2);
  });
});
