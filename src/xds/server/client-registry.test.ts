import { FakeClock } from '../../../test/fakes/fake-clock';
import { aNack, aNode, aResponse, aStream, anAck } from '../../../test/fakes/hook-events';
import { TypeUrl } from '../type-urls';
import { ClientRegistry, type XdsClientTypeView } from './client-registry';
import type { ResponseEvent } from './hooks';
import { HISTORY_MAX } from './response-history';

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

  it('keeps resource arrays by reference: no hook reads a resource, only the views do', () => {
    const r = setup();
    let reads = 0;
    const counted = (name: string, version: string) => ({
      get name() {
        reads++;
        return name;
      },
      get version() {
        reads++;
        return version;
      },
    });
    const response = (nonce: string, n: number): ResponseEvent => ({
      ...aResponse(EDS, nonce, `v${nonce}`, {}),
      resources: Array.from({ length: n }, (_, i) => counted(`c${i}`, `h${nonce}`)),
    });
    r.onSubscription(7, EDS, Array.from({ length: 50 }, (_, i) => `c${i}`), false);
    for (let i = 1; i <= 3 * HISTORY_MAX; i++) {
      r.onResponse(7, response(String(i), i === 1 ? 50 : 1));
      if (i % 5 === 0) r.onNack(7, aNack(EDS, String(i), `v${i}`, 'bad'));
      else r.onAck(7, anAck(EDS, String(i), `v${i}`));
    }
    r.onStreamOpen(aStream({ id: 8 }));
    for (let i = 1; i <= 3 * HISTORY_MAX; i++) {
      r.onResponse(8, { ...response(String(i), 50), typeUrl: CDS });
      r.onAck(8, anAck(CDS, String(i), `v${i}`));
    }
    // Folding (every HISTORY_MAX / 2 merge-type responses) reads the folded responses once;
    // ACKs, NACKs and full-state responses read nothing.
    const foldReads = reads;
    expect(foldReads).toBeLessThanOrEqual(2 * (50 + 3 * HISTORY_MAX));
    for (let i = 1; i <= 1000; i++) {
      r.onAck(7, anAck(EDS, String(3 * HISTORY_MAX), 'x'));
      r.onAck(8, anAck(CDS, String(3 * HISTORY_MAX), 'x'));
      r.onSubscription(7, EDS, ['c0'], false);
    }
    expect(reads).toBe(foldReads);
    expect(typeView(r, EDS).resources).toHaveLength(1);
    expect(reads).toBeGreaterThan(foldReads);
  });

  it('SotW: a long run of responses and ACKs keeps the history bounded and the per-resource view right', () => {
    const r = setup();
    const names = Array.from({ length: 10 }, (_, i) => `e${i}`);
    r.onSubscription(7, EDS, names, false);
    r.onSubscription(7, CDS, ['*'], true);
    const expected = new Map<string, { version: string; state: string; acked_version: string | null }>();
    for (let round = 1; round <= 1000; round++) {
      const name = names[round % names.length] as string;
      const nonce = String(2 * round);
      r.onResponse(7, aResponse(EDS, nonce, `v${round}`, { [name]: `h${round}` }));
      const before = expected.get(name);
      if (round % 7 === 0) {
        r.onNack(7, aNack(EDS, nonce, `v${round}`, 'rejected'));
        expected.set(name, { version: `h${round}`, state: 'nacked', acked_version: before?.acked_version ?? null });
      } else {
        r.onAck(7, anAck(EDS, nonce, `v${round}`));
        expected.set(name, { version: `h${round}`, state: 'acked', acked_version: `h${round}` });
      }
      r.onResponse(7, aResponse(CDS, String(2 * round + 1), `c${round}`, { a: `ca${round}`, b: 'cb' }));
      r.onAck(7, anAck(CDS, String(2 * round + 1), `c${round}`));
    }
    const kept = r.retained();
    expect(kept).toMatchObject({ streams: 1, types: 2, foldedNames: names.length });
    expect(kept.responses).toBeLessThanOrEqual(2 * HISTORY_MAX);
    const eds = typeView(r, EDS);
    expect(eds.counters).toMatchObject({ responses: 1000, acks: 1000 - 142, nacks: 142 });
    expect(eds.resources).toEqual([...expected].sort().map(([name, e]) => ({ name, ...e })));
    expect(typeView(r, CDS).resources).toEqual([
      { name: 'a', version: 'ca1000', state: 'acked', acked_version: 'ca1000' },
      { name: 'b', version: 'cb', state: 'acked', acked_version: 'cb' },
    ]);
  });

  it('keeps the history bounded for a client that never ACKs, and forgets folded names it unsubscribed from', () => {
    const r = setup();
    r.onSubscription(7, EDS, ['a', 'b', 'c'], false);
    r.onResponse(7, aResponse(EDS, '0', 'v0', { a: 'ha', b: 'hb', c: 'hc' }));
    r.onAck(7, anAck(EDS, '0', 'v0'));
    r.onSubscription(7, EDS, ['a', 'c'], false);
    for (let i = 1; i <= 500; i++) {
      r.onResponse(7, aResponse(EDS, String(i), `v${i}`, { c: `hc${i}` }));
      r.onResponse(7, aResponse(CDS, `c${i}`, `c${i}`, { x: `hx${i}` }));
    }
    const kept = r.retained();
    expect(kept.responses).toBeLessThanOrEqual(2 * HISTORY_MAX);
    expect(kept.foldedNames).toBe(2); // a and c; b was unsubscribed
    expect(typeView(r, EDS).resources).toEqual([
      { name: 'a', version: 'ha', state: 'acked', acked_version: 'ha' },
      { name: 'c', version: 'hc500', state: 'sent', acked_version: 'hc' },
    ]);
    // A late ACK of the newest response accepts everything sent before it (SotW).
    r.onAck(7, anAck(EDS, '500', 'v500'));
    expect(typeView(r, EDS).resources?.map((x) => [x.name, x.state, x.acked_version])).toEqual([
      ['a', 'acked', 'ha'],
      ['c', 'acked', 'hc500'],
    ]);
    expect(typeView(r, CDS).resources).toEqual([{ name: 'x', version: 'hx500', state: 'sent', acked_version: null }]);
  });

  it('delta: per-response ACKs, removals and the CSDS fields stay right across folding', () => {
    const r = setup('delta');
    r.onSubscription(7, CDS, ['*'], true);
    r.onResponse(7, aResponse(CDS, '1', 's1', { a: 'ha', b: 'hb', gone: 'hg' }, { at: 1000 }));
    r.onAck(7, anAck(CDS, '1', 's1', 1001));
    r.onResponse(7, aResponse(CDS, '2', 's2', {}, { removed: ['gone'], at: 1002 }));
    r.onAck(7, anAck(CDS, '2', 's2', 1003));
    for (let i = 3; i <= 300; i++) {
      r.onResponse(7, aResponse(CDS, String(i), `s${i}`, { b: `hb${i}` }, { at: 1000 + 2 * i }));
      if (i === 300) r.onNack(7, aNack(CDS, String(i), `s${i}`, 'no'));
      else r.onAck(7, anAck(CDS, String(i), `s${i}`, 1001 + 2 * i));
    }
    expect(r.retained().responses).toBeLessThanOrEqual(HISTORY_MAX);
    const t = r.streamRecords()[0]?.types.get(CDS);
    expect([...(t?.resources.values() ?? [])]).toEqual([
      { name: 'a', version: 'ha', responseVersion: 's1', nonce: '1', sentAt: 1000, state: 'acked', ackedVersion: 'ha', ackedResponseVersion: 's1', ackedAt: 1001, nack: undefined },
      {
        name: 'b',
        version: 'hb300',
        responseVersion: 's300',
        nonce: '300',
        sentAt: 1600,
        state: 'nacked',
        ackedVersion: 'hb299',
        ackedResponseVersion: 's299',
        ackedAt: 1599,
        nack: t?.lastNack,
      },
    ]);
    expect(t?.lastNack).toMatchObject({ nonce: '300', rejectedVersion: 's300', errorMessage: 'no' });
  });

  it('memory follows the open streams', () => {
    const r = setup();
    for (let id = 10; id < 20; id++) {
      r.onStreamOpen(aStream({ id }));
      r.onResponse(id, aResponse(CDS, '1', 'v1', { a: 'ha' }));
    }
    expect(r.retained()).toMatchObject({ streams: 11, types: 10, responses: 10 });
    for (let id = 7; id < 20; id++) r.onStreamClosed(id);
    expect(r.retained()).toEqual({ streams: 0, types: 0, responses: 0, foldedNames: 0 });
  });
});
