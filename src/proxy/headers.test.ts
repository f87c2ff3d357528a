import { FakeRandom } from '../../test/fakes/fake-clock';
import { addForwardingHeaders, applyHeaderModifier, plainAddress, recordOf, responseHeaderList, uuidV4, withoutHopByHop, type HeaderRecord } from './headers';

describe('withoutHopByHop', () => {
  it('drops connection-specific headers and those named in Connection', () => {
    const out = withoutHopByHop({
      host: 'a',
      connection: 'keep-alive, X-Private',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      'transfer-encoding': 'chunked',
      upgrade: 'websocket',
      'x-private': 'secret',
      'x-kept': ['1', '2'],
      te: 'gzip',
      trailer: 'x',
    });
    expect(out).toEqual({ host: 'a', 'x-kept': ['1', '2'] });
  });

  it('keeps `te: trailers`', () => {
    expect(withoutHopByHop({ te: 'trailers, deflate' })).toEqual({ te: 'trailers' });
  });
});

describe('applyHeaderModifier (remove, then add, then set)', () => {
  it.each<[string, HeaderRecord, Parameters<typeof applyHeaderModifier>[1], HeaderRecord]>([
    ['set replaces', { 'x-a': 'old' }, { set: [{ name: 'X-A', value: 'new' }], add: [], remove: [] }, { 'x-a': 'new' }],
    ['set creates', {}, { set: [{ name: 'x-a', value: 'v' }], add: [], remove: [] }, { 'x-a': 'v' }],
    ['add appends a value', { 'x-a': 'one' }, { set: [], add: [{ name: 'x-a', value: 'two' }], remove: [] }, { 'x-a': ['one', 'two'] }],
    ['add to an absent header', {}, { set: [], add: [{ name: 'X-B', value: 'v' }], remove: [] }, { 'x-b': 'v' }],
    ['add to a repeated header', { 'x-a': ['1', '2'] }, { set: [], add: [{ name: 'x-a', value: '3' }], remove: [] }, { 'x-a': ['1', '2', '3'] }],
    ['remove is case-insensitive', { 'x-a': 'v', 'x-b': 'w' }, { set: [], add: [], remove: ['X-A'] }, { 'x-b': 'w' }],
    ['remove runs before add', { 'x-a': 'old' }, { set: [], add: [{ name: 'x-a', value: 'new' }], remove: ['x-a'] }, { 'x-a': 'new' }],
    ['set wins over add', {}, { set: [{ name: 'x-a', value: 's' }], add: [{ name: 'x-a', value: 'a' }], remove: [] }, { 'x-a': 's' }],
  ])('%s', (_name, headers, modifier, expected) => {
    const h = { ...headers };
    applyHeaderModifier(h, modifier);
    expect(h).toEqual(expected);
  });

  it('does nothing without a modifier', () => {
    const h: HeaderRecord = { a: '1' };
    applyHeaderModifier(h, undefined);
    expect(h).toEqual({ a: '1' });
  });
});

describe('addForwardingHeaders', () => {
  const random = new FakeRandom([0.1, 0.9, 0.5]);

  it('starts x-forwarded-for with the peer and sets proto, request id and expected timeout', () => {
    const h: HeaderRecord = {};
    addForwardingHeaders(h, { remoteAddress: '::ffff:127.0.0.1', scheme: 'http', timeoutMs: 15000, random });
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-envoy-expected-rq-timeout-ms']).toBe('15000');
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('appends to an existing x-forwarded-for with a bare comma, keeps a client request id, overwrites proto', () => {
    const h: HeaderRecord = { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'abc', 'x-forwarded-proto': 'https' };
    addForwardingHeaders(h, { remoteAddress: '10.0.0.5', scheme: 'http', timeoutMs: 0, random });
    expect(h).toEqual({ 'x-forwarded-for': '203.0.113.9,10.0.0.5', 'x-request-id': 'abc', 'x-forwarded-proto': 'http' });
  });
});

describe('helpers', () => {
  it('plainAddress unwraps IPv4-mapped addresses only', () => {
    expect(plainAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(plainAddress('::1')).toBe('::1');
  });

  it('uuidV4 is deterministic for a given Random and differs across draws', () => {
    const a = uuidV4(new FakeRandom([0]));
    expect(a).toBe('00000000-0000-4000-8000-000000000000');
    const r = new FakeRandom([0.25, 0.5, 0.75]);
    expect(uuidV4(r)).not.toBe(a);
  });
});

describe("responseHeaderList (the parser's flat response headers → writeHead list)", () => {
  const raw = (...pairs: string[]): string[] => pairs;

  it('keeps order and case, drops hop-by-hop headers, those named in Connection and an upstream service time', () => {
    const list = responseHeaderList(
      raw('Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Private', 'Keep-Alive', 'timeout=5', 'X-Private', 'p', 'Set-Cookie', 'a=1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'b=2', 'X-Envoy-Upstream-Service-Time', '9'),
    );
    expect(list).toEqual({ flat: ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'], immediateHealthCheckFail: false });
    expect(recordOf(list.flat)).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });

  it('a plain `Connection: keep-alive` drops only hop-by-hop headers; `Connection: close, x-a` also drops x-a in any case', () => {
    expect(responseHeaderList(raw('Server', 'n', 'Connection', 'Keep-Alive', 'X-A', '1')).flat).toEqual(['Server', 'n', 'X-A', '1']);
    expect(responseHeaderList(raw('X-A', '1', 'Connection', 'close, x-a', 'X-B', '2', 'Close', 'c')).flat).toEqual(['X-B', '2']);
    expect(responseHeaderList(raw('Connection', 'keep-alive', 'Connection', 'X-B', 'X-B', '2', 'X-C', '3')).flat).toEqual(['X-C', '3']);
  });

  it('notices x-envoy-immediate-health-check-fail in any case, and passes it on', () => {
    const list = responseHeaderList(raw('X-Envoy-Immediate-Health-Check-Fail', 'true', 'Te', 'trailers', 'Upgrade', 'h2c'));
    expect(list).toEqual({ flat: ['X-Envoy-Immediate-Health-Check-Fail', 'true'], immediateHealthCheckFail: true });
  });
});

describe('request ids', () => {
  it("use the Random's own uuid() when it has one", () => {
    const headers: HeaderRecord = {};
    addForwardingHeaders(headers, { remoteAddress: undefined, scheme: 'http', timeoutMs: 0, random: { next: () => 0, uuid: () => 'from-the-seam' } });
    expect(headers['x-request-id']).toBe('from-the-seam');
  });
});

