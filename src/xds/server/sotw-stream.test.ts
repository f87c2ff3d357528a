import { XdsProtocolError } from '../../errors';
import { SotwHarness } from '../../../test/fakes/fake-ads-stream';
import { aBundle, anEdsCluster, endpointsFor } from '../../../test/fakes/xds-fixtures';
import { decodeMessage, encodeMessage } from '../proto';
import { decodeSotwRequest } from './sotw-request-decoder';
import { TypeUrl } from '../type-urls';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;
const envoy = { id: 'envoy-1', cluster: 'gw', user_agent_name: 'envoy' };
const grpcNode = { id: 'grpc-1', cluster: 'clients', user_agent_name: 'gRPC Node Pure JS', client_features: ['envoy.lb.does_not_support_overprovisioning'] };

function started(bundle = aBundle(['a', 'b'])): SotwHarness {
  const h = new SotwHarness();
  h.publish(bundle);
  return h;
}

describe('SotwStream (checklist §14)', () => {
  test('1. node from the first request is kept; later requests may omit it; an empty type_url on ADS is rejected', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS });
    const [cds] = h.replies();
    h.ack(cds!, []);
    expect(h.stream.streamCore.node?.id).toBe('envoy-1');
    h.request({ node: { id: 'someone-else' }, type_url: EDS, resource_names: ['a'] });
    expect(h.stream.streamCore.node?.id).toBe('envoy-1');
    expect(() => h.request({ type_url: '' })).toThrow(new XdsProtocolError('HP_XDS_BAD_REQUEST', 'type URL is required for ADS'));
  });

  test('1b. a per-type service fills in the type_url and refuses another type', () => {
    const h = new SotwHarness({ fixedTypeUrl: CDS });
    h.publish(aBundle(['a']));
    h.request({ node: envoy });
    expect(h.replies().map((r) => [r.typeUrl, r.names])).toEqual([[CDS, ['a']]]);
    expect(() => h.request({ type_url: EDS })).toThrow(/serves/);
  });

  test('2. nonces are unique across types and a stale nonce is ignored entirely', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS });
    const [cds] = h.replies();
    h.request({ type_url: EDS, resource_names: ['a'] });
    const [eds] = h.replies();
    expect(cds!.nonce).not.toBe(eds!.nonce);
    h.publish(aBundle(['a', 'b'], [9002])); // endpoints change: a new EDS response supersedes the old nonce
    const [eds2] = h.replies();
    expect(eds2!.names).toEqual(['a']);
    h.request({ type_url: EDS, response_nonce: eds!.nonce, version_info: eds!.version, resource_names: ['a', 'b'] }); // stale
    expect(h.replies()).toEqual([]);
    expect(h.hooks.acks.filter((a) => a.typeUrl === EDS)).toEqual([]);
    h.ack(eds2!, ['a', 'b']); // current nonce: the added name is answered
    expect(h.replies().map((r) => r.names)).toEqual([['b']]);
  });

  test('3. the first request of a type is answered even when the client holds the current version', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS });
    const [first] = h.replies();
    const again = new SotwHarness();
    again.publish(aBundle(['a', 'b']));
    again.request({ node: envoy, type_url: CDS, version_info: first!.version }); // reconnect
    again.request({ type_url: EDS, version_info: 'whatever', resource_names: ['a', 'b'] });
    expect(again.replies().map((r) => [r.typeUrl, r.version, r.names])).toEqual([
      [CDS, first!.version, ['a', 'b']],
      [EDS, expect.any(String), ['a', 'b']],
    ]);
  });

  test('4. a NACK is recorded and the rejected version is never resent; a newer one is', () => {
    const h = started();
    h.request({ node: grpcNode, type_url: EDS, resource_names: ['a'] });
    const [eds] = h.replies();
    h.request({ type_url: EDS, response_nonce: eds!.nonce, version_info: '', resource_names: ['a'], error_detail: { code: 14, message: 'locality unset' } });
    expect(h.replies()).toEqual([]);
    expect(h.hooks.nacks).toEqual([expect.objectContaining({ typeUrl: EDS, nonce: eds!.nonce, rejectedVersion: eds!.version, errorCode: 14, errorMessage: 'locality unset', rejectedResources: ['a'] })]);
    h.publish(aBundle(['a', 'b'])); // same content: still nothing
    expect(h.replies()).toEqual([]);
    h.publish(aBundle(['a', 'b'], [9005])); // newer content
    const [next] = h.replies();
    expect(next!.version).not.toBe(eds!.version);
    h.ack(next!, ['a']);
    expect(h.hooks.acks.map((a) => a.version)).toEqual([next!.version]);
  });

  test('5. LDS/CDS responses carry the full state, also for named (gRPC) subscriptions; EDS only what changed', () => {
    const h = started(aBundle(['a', 'b', 'c']));
    h.request({ node: grpcNode, type_url: CDS, resource_names: ['a', 'b'] });
    const [cds] = h.replies();
    h.ack(cds!, ['a', 'b']);
    h.request({ type_url: EDS, resource_names: ['a', 'b'] });
    const [eds] = h.replies();
    h.ack(eds!, ['a', 'b']);
    const changed = aBundle(['a', 'b', 'c']);
    h.publish({ ...changed, clusters: changed.clusters.map((c) => (c.name === 'b' ? anEdsCluster('b', { connect_timeout: { seconds: 3 } }) : c)), endpoints: changed.endpoints.map((e) => (e.cluster_name === 'a' ? endpointsFor('a', [9100]) : e)) });
    const replies = h.replies();
    expect(replies.map((r) => [r.typeUrl, r.names])).toEqual([
      [CDS, ['a', 'b']], // full state of what was asked for
      [EDS, ['a', 'b']], // a changed; b re-sent because its cluster changed (warming)
    ]);
  });

  test('6. newly requested names are sent even when unchanged, and a subscription to a missing name is kept', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names: ['a'] });
    const [eds] = h.replies();
    h.ack(eds!, ['a', 'zzz']);
    expect(h.replies()).toEqual([]); // zzz does not exist yet: nothing to send
    const later = aBundle(['a', 'b', 'zzz']);
    h.publish(later);
    expect(h.replies().map((r) => r.names)).toEqual([['zzz']]);
    const h2 = started();
    h2.request({ node: envoy, type_url: EDS, resource_names: ['a'] });
    const [first] = h2.replies();
    h2.ack(first!, []);
    h2.request({ type_url: EDS, resource_names: ['a'], response_nonce: first!.nonce, version_info: first!.version });
    expect(h2.replies().map((r) => r.names)).toEqual([['a']]); // removed then re-added: resent though unchanged
  });

  test('7. legacy wildcard only until the first non-empty list, and never for gRPC clients', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS, resource_names: [] });
    const [all] = h.replies();
    expect(all!.names).toEqual(['a', 'b']);
    h.ack(all!, ['a']); // now explicit: only a
    h.publish(aBundle(['a', 'b', 'c'], [9009]));
    expect(h.replies().find((r) => r.typeUrl === CDS)?.names).toEqual(['a']);
    const g = started();
    g.request({ node: grpcNode, type_url: CDS, resource_names: [] });
    expect(g.replies().map((r) => [r.typeUrl, r.names])).toEqual([[CDS, []]]);
  });

  test('8. pushes go clusters, endpoints, listeners, routes; clusters leave only after the others caught up', () => {
    const h = started(aBundle(['a']));
    h.request({ node: envoy, type_url: CDS });
    h.request({ type_url: EDS, resource_names: ['a'] });
    h.request({ type_url: LDS });
    h.request({ type_url: RDS, resource_names: ['echo-routes'] });
    h.replies();
    h.publish(aBundle(['b'])); // route now points at b, a is gone
    const replies = h.replies();
    expect(replies.map((r) => [r.typeUrl, r.names])).toEqual([
      [CDS, ['b', 'a']], // make before break: a kept while the route still points at it
      [RDS, ['echo-routes']],
      [CDS, ['b']], // removal last
    ]);
    expect(replies[0]!.version).not.toBe(replies[2]!.version);
  });

  test('8b. a changed cluster gets its endpoints again even if they did not change', () => {
    const h = started(aBundle(['a']));
    h.request({ node: envoy, type_url: CDS });
    h.request({ type_url: EDS, resource_names: ['a'] });
    h.replies();
    h.publish({ ...aBundle(['a']), clusters: [anEdsCluster('a', { connect_timeout: { seconds: 9 } })] });
    expect(h.replies().map((r) => [r.typeUrl, r.names])).toEqual([[CDS, ['a']], [EDS, ['a']]]);
  });

  test('9. EDS is answered with what exists of the requested names, never held back', () => {
    const h = started(aBundle(['a']));
    h.request({ node: envoy, type_url: EDS, resource_names: ['a', 'missing-1', 'missing-2'] });
    expect(h.replies().map((r) => r.names)).toEqual([['a']]);
  });

  test('11. an identical snapshot pushes nothing, and versions carry the server epoch', () => {
    const h = started();
    h.request({ node: envoy, type_url: CDS });
    const [cds] = h.replies();
    expect(cds!.version.startsWith('e1-')).toBe(true);
    h.publish(aBundle(['a', 'b']));
    expect(h.replies()).toEqual([]);
  });

  test('an empty list after names on EDS unsubscribes from everything', () => {
    const h = started();
    h.request({ node: grpcNode, type_url: EDS, resource_names: ['a'] });
    const [eds] = h.replies();
    h.ack(eds!, []);
    h.publish(aBundle(['a', 'b'], [9333]));
    expect(h.replies()).toEqual([]);
  });

  test('nothing is sent before a snapshot exists; the held request is answered when one arrives', () => {
    const h = new SotwHarness();
    h.request({ node: envoy, type_url: CDS });
    expect(h.replies()).toEqual([]);
    h.publish(aBundle(['a']));
    expect(h.replies().map((r) => r.names)).toEqual([['a']]);
  });

  test('nodes are served their own group, else the default group', () => {
    const h = new SotwHarness();
    h.publish(aBundle(['default']));
    h.request({ node: envoy, type_url: CDS });
    expect(h.replies()[0]!.names).toEqual(['default']);
    h.publish(aBundle(['gw-only']), 'gw');
    expect(h.replies().filter((r) => r.typeUrl === CDS).map((r) => r.names)).toEqual([['gw-only', 'default'], ['gw-only']]);
  });
});

describe('SotwStream TTL (checklist line 12)', () => {
  const ttl = { ttlMs: (t: string, name: string) => (t === EDS && name === 'a' ? 30_000 : undefined) };
  const ttlEnvoy = { ...envoy, client_features: ['envoy.config.resource-in-sotw', 'envoy.config.supports-resource-ttl'] };

  test('resources with a TTL are wrapped in Resource only for clients that advertise it, and refreshed by heartbeats', () => {
    const h = new SotwHarness({ limits: { heartbeatIntervalMs: 10_000 } });
    h.publish(aBundle(['a', 'b']), '*', ttl);
    h.request({ node: ttlEnvoy, type_url: EDS, resource_names: ['a', 'b'] });
    const [eds] = h.replies();
    expect(eds!.anys.map((a) => a.type_url)).toEqual(['type.googleapis.com/envoy.service.discovery.v3.Resource', EDS]);
    const wrapped = decodeMessage('envoy.service.discovery.v3.Resource', eds!.anys[0]!.value);
    expect(wrapped).toMatchObject({ name: 'a', ttl: { seconds: '30', nanos: 0 } });
    expect(wrapped.resource?.type_url).toBe(EDS);
    h.ack(eds!, ['a', 'b']);
    h.clock.advance(10_000);
    const [beat] = h.replies();
    expect(beat!.version).toBe(eds!.version);
    const hb = decodeMessage('envoy.service.discovery.v3.Resource', beat!.anys[0]!.value);
    expect(beat!.anys).toHaveLength(1);
    expect(hb).toMatchObject({ name: 'a', version: wrapped.version, resource: null, ttl: { seconds: '30' } });
  });

  test('gRPC clients never get wrapped resources or heartbeats', () => {
    const h = new SotwHarness({ limits: { heartbeatIntervalMs: 10_000 } });
    h.publish(aBundle(['a']), '*', ttl);
    h.request({ node: grpcNode, type_url: EDS, resource_names: ['a'] });
    expect(h.replies()[0]!.anys.map((a) => a.type_url)).toEqual([EDS]);
    h.clock.advance(60_000);
    expect(h.replies()).toEqual([]);
  });
});

describe('SotwStream with the wire decoder', () => {
  const wire = (req: Parameters<typeof encodeMessage<'envoy.service.discovery.v3.DiscoveryRequest'>>[1]) =>
    decodeSotwRequest(encodeMessage('envoy.service.discovery.v3.DiscoveryRequest', req));

  test('an ACK repeating the name list byte for byte changes nothing; a new list is applied', () => {
    const h = started(aBundle(['a', 'b', 'c']));
    h.request(wire({ node: envoy, type_url: EDS, resource_names: ['a', 'b'] }));
    const [eds] = h.replies();
    expect(eds!.names).toEqual(['a', 'b']);
    h.request(wire({ type_url: EDS, resource_names: ['a', 'b'], response_nonce: eds!.nonce, version_info: eds!.version }));
    expect(h.replies()).toEqual([]);
    h.request(wire({ type_url: EDS, resource_names: ['a', 'b', 'c'], response_nonce: eds!.nonce, version_info: eds!.version }));
    expect(h.replies().map((r) => r.names)).toEqual([['c']]);
    expect(h.hooks.acks).toHaveLength(2);
  });
});

describe('SotwStream bad input and flow control', () => {
  test('too many names is RESOURCE_EXHAUSTED; a garbage type URL is INVALID_ARGUMENT; an unknown xDS type is ignored', () => {
    const h = new SotwHarness({ limits: { maxNamesPerRequest: 3 } });
    h.publish(aBundle(['a']));
    expect(() => h.request({ node: envoy, type_url: EDS, resource_names: ['1', '2', '3', '4'] })).toThrow(expect.objectContaining({ code: 'HP_XDS_RESOURCE_EXHAUSTED' }));
    expect(() => h.request({ type_url: 'not-a-type' })).toThrow(expect.objectContaining({ code: 'HP_XDS_BAD_REQUEST' }));
    h.request({ type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', resource_names: ['cert'] });
    expect(h.replies()).toEqual([]);
  });

  test('a client that stops reading gets nothing more until it drains, then only the latest state', () => {
    const h = started();
    h.request({ node: envoy, type_url: EDS, resource_names: ['a'] });
    h.replies();
    h.transport.accepting = false;
    h.publish(aBundle(['a', 'b'], [9001, 9002])); // written, but the transport reports back-pressure
    h.publish(aBundle(['a', 'b'], [9003]));
    h.publish(aBundle(['a', 'b'], [9004]));
    expect(h.replies()).toHaveLength(1);
    h.transport.accepting = true;
    h.stream.streamCore.drained();
    const after = h.replies();
    expect(after).toHaveLength(1);
    expect(after[0]!.version).toContain(h.cache.snapshotFor('*')!.snapshot.version(EDS));
  });

  test('a client that never drains is closed after the slow-reader timeout', () => {
    const h = new SotwHarness({ limits: { slowReaderTimeoutMs: 5000 } });
    h.publish(aBundle(['a']));
    h.transport.accepting = false;
    h.request({ node: envoy, type_url: CDS });
    h.clock.advance(4999);
    expect(h.transport.closed).toBeUndefined();
    h.clock.advance(1);
    expect(h.transport.closed).toEqual({ code: 8, message: 'client did not read responses for 5000 ms' });
    expect(h.cache.watchCount()).toBe(0);
  });
});
