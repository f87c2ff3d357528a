import { FakeClock } from '../../../test/fakes/fake-clock';
import { aNack, aNode, aResponse, aStream, anAck } from '../../../test/fakes/hook-events';
import { TypeUrl } from '../type-urls';
import { ClientRegistry, type XdsClientTypeView } from './client-registry';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;

function setup(protocol: 'sotw' | 'delta' = 'sotw'): ClientRegistry {
  const r = new ClientRegistry({ clock: new FakeClock(1_700_000_009_000) });
  r.onStreamOpen(aStream({ id: 7, protocol }));
  r.onNode(7, aNode({ clientFeatures: ['envoy.lb.does_not_support_overprovisioning'] }), 'edge');
  return r;
}

function typeView(r: ClientRegistry, typeUrl: string, streamId = 7): XdsClientTypeView {
  const client = r.clients().clients.find((c) => c.stream_id === streamId);
  const t = client?.types.find((x) => x.type_url === typeUrl);
  if (!t) throw new Error(`no ${typeUrl} on stream ${streamId}`);
  return t;
}

describe('ClientRegistry', () => {
  it('records the stream and its node in the documented shape', () => {
    const r = setup();
    expect(r.clients()).toEqual({
      generated_at: '2023-11-14T22:13:29.000Z',
      clients: [
        {
          stream_id: 7,
          protocol: 'sotw',
          service: 'ads',
          peer: 'ipv4:127.0.0.1:40000',
          opened_at: '2023-11-14T22:13:20.000Z',
          node: {
            id: 'envoy-1',
            cluster: 'edge',
            user_agent: 'envoy/1.30.0',
            client_features: ['envoy.lb.does_not_support_overprovisioning'],
            locality: { region: '', zone: '', sub_zone: '' },
          },
          group: 'edge',
          types: [],
        },
      ],
    });
  });

  it('shows a stream before its node arrives with a null node and group', () => {
    const r = new ClientRegistry({ clock: new FakeClock() });
    r.onStreamOpen(aStream({ id: 3 }));
    expect(r.clients().clients[0]).toMatchObject({ stream_id: 3, node: null, group: null, types: [] });
  });

  it('records subscription, the response sent and its ACK', () => {
    const r = setup();
    r.onSubscription(7, CDS, [], true);
    r.onResponse(7, aResponse(CDS, '1', 'v1', { a: 'ha', b: 'hb' }, { bytes: 321 }));
    let t = typeView(r, CDS);
    expect(t).toMatchObject({
      type: 'clusters',
      wildcard: true,
      sent: { version: 'v1', nonce: '1', resources: 2, removed: 0, bytes: 321, at: '2023-11-14T22:13:21.000Z' },
      acked: null,
      counters: { responses: 1, acks: 0, nacks: 0, bytes_sent: 321 },
    });
    expect(t.resources).toEqual([
      { name: 'a', version: 'ha', state: 'sent', acked_version: null },
      { name: 'b', version: 'hb', state: 'sent', acked_version: null },
    ]);
    r.onAck(7, anAck(CDS, '1', 'v1'));
    t = typeView(r, CDS);
    expect(t.acked).toEqual({ version: 'v1', nonce: '1', at: '2023-11-14T22:13:22.000Z' });
    expect(t.counters.acks).toBe(1);
    expect(t.resources?.map((x) => [x.name, x.state, x.acked_version])).toEqual([
      ['a', 'acked', 'ha'],
      ['b', 'acked', 'hb'],
    ]);
  });

  it('records a NACK with its error, keeps the previously ACKed version, and clears it on a later ACK', () => {
    const r = setup();
    r.onSubscription(7, EDS, ['a'], false);
    r.onResponse(7, aResponse(EDS, '1', 'v1', { a: 'h1' }));
    r.onAck(7, anAck(EDS, '1', 'v1'));
    r.onResponse(7, aResponse(EDS, '2', 'v2', { a: 'h2' }));
    r.onNack(7, aNack(EDS, '2', 'v2', 'endpoints[0].locality unset', { version: 'v1', rejectedResources: ['a'] }));
    let t = typeView(r, EDS);
    expect(t.last_nack).toEqual({
      nonce: '2',
      version: 'v1',
      rejected_version: 'v2',
      error_code: 14,
      error_message: 'endpoints[0].locality unset',
      resources: ['a'],
      at: '2023-11-14T22:13:23.000Z',
    });
    expect(t.resources).toEqual([{ name: 'a', version: 'h2', state: 'nacked', acked_version: 'h1' }]);
    expect(t.counters).toMatchObject({ responses: 2, acks: 1, nacks: 1 });
    r.onResponse(7, aResponse(EDS, '3', 'v3', { a: 'h3' }));
    r.onAck(7, anAck(EDS, '3', 'v3'));
    t = typeView(r, EDS);
    expect(t.resources).toEqual([{ name: 'a', version: 'h3', state: 'acked', acked_version: 'h3' }]);
    expect(t.last_nack?.rejected_version).toBe('v2');
  });

  it('SotW: an ACK covers earlier unacknowledged responses of the type', () => {
    const r = setup();
    r.onSubscription(7, EDS, ['a', 'b'], false);
    r.onResponse(7, aResponse(EDS, '1', 'v1', { a: 'ha' }));
    r.onResponse(7, aResponse(EDS, '2', 'v2', { b: 'hb' }));
    r.onAck(7, anAck(EDS, '2', 'v2'));
    expect(typeView(r, EDS).resources?.map((x) => x.state)).toEqual(['acked', 'acked']);
  });

  it('delta: an ACK covers only the response it names', () => {
    const r = setup('delta');
    r.onSubscription(7, EDS, ['a', 'b'], false);
    r.onResponse(7, aResponse(EDS, '1', 's1', { a: 'ha' }));
    r.onResponse(7, aResponse(EDS, '2', 's2', { b: 'hb' }));
    r.onAck(7, anAck(EDS, '2', 's2'));
    expect(typeView(r, EDS).resources?.map((x) => [x.name, x.state])).toEqual([
      ['a', 'sent'],
      ['b', 'acked'],
    ]);
  });

  it('delta: removed resources are forgotten', () => {
    const r = setup('delta');
    r.onSubscription(7, CDS, [], true);
    r.onResponse(7, aResponse(CDS, '1', 's1', { a: 'ha', b: 'hb' }));
    r.onResponse(7, aResponse(CDS, '2', 's2', {}, { removed: ['a'] }));
    expect(typeView(r, CDS).resources?.map((x) => x.name)).toEqual(['b']);
    expect(typeView(r, CDS).sent).toMatchObject({ resources: 0, removed: 1 });
  });

  it('SotW full-state types: a response replaces what the client holds; other types merge', () => {
    const r = setup();
    r.onSubscription(7, CDS, [], true);
    r.onResponse(7, aResponse(CDS, '1', 'v1', { a: 'ha', b: 'hb' }));
    r.onResponse(7, aResponse(CDS, '2', 'v2', { b: 'hb2' }));
    expect(typeView(r, CDS).resources?.map((x) => x.name)).toEqual(['b']);
    r.onSubscription(7, EDS, ['a', 'b'], false);
    r.onResponse(7, aResponse(EDS, '3', 'e1', { a: 'ea' }));
    r.onResponse(7, aResponse(EDS, '4', 'e2', { b: 'eb' }));
    expect(typeView(r, EDS).resources?.map((x) => x.name)).toEqual(['a', 'b']);
  });

  it('forgets resources the client unsubscribed from, and records the new name set', () => {
    const r = setup();
    r.onSubscription(7, EDS, ['b', 'a'], false);
    r.onResponse(7, aResponse(EDS, '1', 'v1', { a: 'ha', b: 'hb' }));
    r.onSubscription(7, EDS, ['b'], false);
    const t = typeView(r, EDS);
    expect(t.subscribed).toEqual(['b']);
    expect(t.resources?.map((x) => x.name)).toEqual(['b']);
  });

  it('orders types in push order and names unserved types by URL', () => {
    const r = setup();
    const secret = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
    for (const t of [secret, TypeUrl.Route, TypeUrl.Listener, EDS, CDS]) r.onSubscription(7, t, [], false);
    expect(r.clients().clients[0]?.types.map((t) => t.type)).toEqual(['clusters', 'endpoints', 'listeners', 'routes', secret]);
  });

  it('drops closed streams and ignores events for unknown streams', () => {
    const r = setup();
    r.onStreamOpen(aStream({ id: 8, protocol: 'delta' }));
    r.onStreamClosed(7);
    r.onResponse(7, aResponse(CDS, '1', 'v1', { a: 'ha' }));
    r.onAck(99, anAck(CDS, '1', 'v1'));
    r.onNack(99, aNack(CDS, '1', 'v1', 'x'));
    r.onNode(99, aNode(), 'g');
    expect(r.size).toBe(1);
    expect(r.clients().clients.map((c) => c.stream_id)).toEqual([8]);
  });

  it('bounds the number of types tracked per stream', () => {
    const r = new ClientRegistry({ clock: new FakeClock(), maxTypesPerStream: 2 });
    r.onStreamOpen(aStream({ id: 1 }));
    for (let i = 0; i < 10; i++) r.onSubscription(1, `type.googleapis.com/x.T${i}`, [], false);
    expect(r.clients().clients[0]?.types).toHaveLength(2);
  });

  it('filters by node id and can omit per-resource lists', () => {
    const r = setup();
    r.onStreamOpen(aStream({ id: 8 }));
    r.onNode(8, aNode({ id: 'other' }), 'edge');
    r.onResponse(7, aResponse(CDS, '1', 'v1', { a: 'ha' }));
    expect(r.clients({ nodeId: 'other' }).clients.map((c) => c.stream_id)).toEqual([8]);
    const t = r.clients({ resources: false }).clients[0]?.types[0];
    expect(t).toBeDefined();
    expect(t && 'resources' in t).toBe(false);
  });

  it('produces JSON-able output', () => {
    const r = setup();
    r.onResponse(7, aResponse(CDS, '1', 'v1', { a: 'ha' }));
    const view = r.clients();
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });
});
