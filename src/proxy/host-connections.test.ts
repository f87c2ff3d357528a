/**
 * HostConnections and its ClientConnections, black-box: a bounded pool of kept-alive HTTP/1.1
 * connections to one host, driven against a raw net upstream on 127.0.0.1 that records the exact
 * request bytes and answers exact response bytes. Timers (connect timeout, idle keep-alive) run
 * on a FakeClock; the tests wait only for event-loop turns, never for real time.
 */
import type net from 'node:net';
import { FakeClock } from '../../test/fakes/fake-clock';
import { closedPort, waitFor } from '../../test/fakes/http-client';
import { answer, headCount, RawUpstream, type RawScript } from '../../test/fakes/raw-upstream';
import { Deadlines } from './deadlines';
import { failedOnReusedConnection, HostConnections, PoolClosedError, UpstreamConnectError, type UpstreamHandler, type UpstreamRequest } from './host-connections';
import { UpstreamResetError, type BodySource } from './http1/client-connection';
import type { BodySink } from './http1/downstream';
import { InvalidHeadError } from './http1/wire';

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

class Recorder implements UpstreamHandler {
  readonly events: string[] = [];
  status = 0;
  statusText = '';
  headers: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly errors: Error[] = [];
  abort: ((err?: Error) => void) | undefined;
  resume: (() => void) | undefined;
  /** What onHeaders / the next onData calls return. */
  headersResult = true;
  dataResults: boolean[] = [];

  constructor(private readonly onConnected?: (abort: (err?: Error) => void) => void) {}

  get body(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
  /** onComplete or onError was called. */
  get done(): boolean {
    return this.events.includes('complete') || this.errors.length > 0;
  }
  onConnect(abort: (err?: Error) => void): void {
    this.events.push('connect');
    this.abort = abort;
    this.onConnected?.(abort);
  }
  onHeaders(status: number, headers: string[], resume: () => void, statusText: string): boolean {
    this.events.push(`headers ${status}`);
    Object.assign(this, { status, headers, resume, statusText });
    return this.headersResult;
  }
  onData(chunk: Buffer): boolean {
    this.events.push('data');
    this.chunks.push(chunk);
    return this.dataResults.shift() ?? true;
  }
  onComplete(): void {
    this.events.push('complete');
  }
  onError(err: Error): void {
    this.events.push('error');
    this.errors.push(err);
  }
}

/** A streamed request body the test feeds by hand. */
class FakeBody implements BodySource {
  sink: BodySink | undefined;
  pipe(sink: BodySink): void {
    this.sink = sink;
  }
  flow(): void {}
}

const get = (path: string, headers: UpstreamRequest['headers'] = {}): UpstreamRequest => ({ method: 'GET', path, headers, body: null });

/** Lets `n` event-loop turns pass (to show that something does not happen). */
async function turns(n = 50): Promise<void> {
  let i = 0;
  await waitFor(() => ++i > n);
}

let clock: FakeClock;
let up: RawUpstream;
let pool: HostConnections;
let sockets: net.Socket[];

async function setup(script?: RawScript, maxConnections = 1, port?: number, connectTimeoutMs = 1000): Promise<void> {
  up = await RawUpstream.start(script);
  clock = new FakeClock();
  sockets = [];
  pool = new HostConnections({ address: '127.0.0.1', port: port ?? up.port, clock, deadlines: new Deadlines(clock), connectTimeoutMs: () => connectTimeoutMs, maxConnections, onConnection: (s) => sockets.push(s) });
}

async function roundTrip(req: UpstreamRequest, h = new Recorder()): Promise<Recorder> {
  pool.dispatch(req, h);
  await waitFor(() => h.done);
  return h;
}

/** Waits until connection `i` received `expected`'s length, then compares the exact bytes. */
async function expectReceived(i: number, expected: string): Promise<void> {
  await waitFor(() => up.connections.length > i && up.conn(i).data.length >= expected.length);
  expect(up.conn(i).data).toBe(expected);
}

afterEach(async () => {
  pool.destroy();
  for (const s of sockets) s.destroy();
  await up.close();
});

describe('the request on the wire', () => {
  it('sends the request line and headers as given, adding host only when the headers carry none', async () => {
    await setup(answer(() => OK));
    await roundTrip(get('/a?b=1', { 'X-One': '1', 'x-multi': ['a', 'b'] }));
    await roundTrip({ method: 'DELETE', path: '/b', headers: { Host: 'example.test' }, body: null });
    await expectReceived(0, `GET /a?b=1 HTTP/1.1\r\nX-One: 1\r\nx-multi: a\r\nx-multi: b\r\nhost: 127.0.0.1:${up.port}\r\n\r\nDELETE /b HTTP/1.1\r\nHost: example.test\r\n\r\n`);
  });

  it('sends a Buffer body after the head, with its content-length', async () => {
    await setup(answer(() => OK));
    const h = await roundTrip({ method: 'POST', path: '/p', headers: { 'content-length': '5' }, body: Buffer.from('hello') });
    expect(h.errors).toEqual([]);
    await expectReceived(0, `POST /p HTTP/1.1\r\ncontent-length: 5\r\nhost: 127.0.0.1:${up.port}\r\n\r\nhello`);
  });

  it('streams a body of known length raw, and keeps the connection once it is all sent', async () => {
    await setup();
    const body = new FakeBody();
    const h = new Recorder();
    pool.dispatch({ method: 'PUT', path: '/s', headers: { 'content-length': '6' }, body }, h);
    await waitFor(() => body.sink !== undefined);
    body.sink?.data(Buffer.from('abc'));
    body.sink?.data(Buffer.from('def'));
    body.sink?.end();
    await expectReceived(0, `PUT /s HTTP/1.1\r\ncontent-length: 6\r\nhost: 127.0.0.1:${up.port}\r\n\r\nabcdef`);
    up.conn(0).socket.write(OK);
    await waitFor(() => h.done);
    expect(h.events).toEqual(['connect', 'headers 200', 'data', 'complete']);
    up.conn(0).socket.write(OK);
    await expect(roundTrip(get('/next')).then((r) => r.events.at(-1))).resolves.toBe('complete');
    expect(up.connections).toHaveLength(1);
  });

  it('streams a body of unknown length chunked, with the terminating 0 chunk', async () => {
    await setup();
    const body = new FakeBody();
    pool.dispatch({ method: 'POST', path: '/c', headers: { 'x-a': 'b' }, body }, new Recorder());
    await waitFor(() => body.sink !== undefined);
    body.sink?.data(Buffer.from('abc'));
    body.sink?.data(Buffer.alloc(0));
    body.sink?.data(Buffer.from('0123456789abcdef'));
    body.sink?.end();
    const head = `POST /c HTTP/1.1\r\nx-a: b\r\nhost: 127.0.0.1:${up.port}\r\ntransfer-encoding: chunked\r\n\r\n`;
    await expectReceived(0, `${head}3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n`);
  });
});

describe('response parsing', () => {
  it('reports status, status text, flat headers in order and case, body and completion', async () => {
    await setup(answer(() => 'HTTP/1.1 201 Made It\r\nX-A: 1\r\nx-b: two\r\nX-A: 3\r\nContent-Length: 5\r\n\r\nhello'));
    const h = await roundTrip(get('/'));
    expect([h.status, h.statusText, h.headers, h.body]).toEqual([201, 'Made It', ['X-A', '1', 'x-b', 'two', 'X-A', '3', 'Content-Length', '5'], 'hello']);
    expect(h.events.filter((e) => e !== 'data')).toEqual(['connect', 'headers 201', 'complete']);
  });

  it('decodes a chunked response and keeps the connection', async () => {
    await setup(answer(() => 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'));
    const h = await roundTrip(get('/1'));
    expect([h.body, h.events.at(-1)]).toEqual(['abcde', 'complete']);
    expect((await roundTrip(get('/2'))).body).toBe('abcde');
    expect(sockets).toHaveLength(1);
  });

  it('completes a close-delimited response when the upstream closes', async () => {
    await setup((c) => c.socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close'));
    const h = await roundTrip(get('/'));
    expect([h.errors, h.body, h.events.at(-1)]).toEqual([[], 'until close', 'complete']);
  });

  it('skips a 100 Continue and reports only the final response', async () => {
    await setup(answer(() => `HTTP/1.1 100 Continue\r\n\r\n${OK}`));
    const h = await roundTrip(get('/'));
    expect(h.events).toEqual(['connect', 'headers 200', 'data', 'complete']);
    expect(h.body).toBe('ok');
  });

  it('completes a HEAD response with a content-length and no body, then reuses the connection', async () => {
    await setup(answer((n) => (n === 0 ? 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n' : OK)));
    const h = await roundTrip({ method: 'HEAD', path: '/', headers: {}, body: null });
    expect(h.events).toEqual(['connect', 'headers 200', 'complete']);
    expect((await roundTrip(get('/after'))).body).toBe('ok');
    expect([sockets.length, up.connections.length]).toEqual([1, 1]);
  });
});

describe('keep-alive reuse', () => {
  it('sends two sequential requests on one connection', async () => {
    await setup(answer(() => OK));
    await roundTrip(get('/1'));
    await roundTrip(get('/2'));
    expect([sockets.length, up.connections.length, headCount(up.conn(0).data)]).toEqual([1, 1, 2]);
  });

  it.each([
    ['a `connection: close` response', 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok'],
    ['an HTTP/1.0 response', 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok'],
  ])('opens a new connection after %s', async (_, response) => {
    await setup(answer(() => response));
    expect((await roundTrip(get('/1'))).body).toBe('ok');
    expect((await roundTrip(get('/2'))).body).toBe('ok');
    expect([sockets.length, up.connections.length]).toEqual([2, 2]);
    await waitFor(() => up.conn(0).closed);
  });
});

describe('the bound on connections', () => {
  it('with maxConnections 1, a second request waits for the first and then goes on the same connection', async () => {
    await setup();
    const a = new Recorder();
    const b = new Recorder();
    pool.dispatch(get('/a'), a);
    pool.dispatch(get('/b'), b);
    await waitFor(() => up.connections.length === 1 && headCount(up.conn(0).data) === 1);
    await turns();
    expect([up.connections.length, b.events]).toEqual([1, []]);
    up.conn(0).socket.write(OK);
    await waitFor(() => headCount(up.conn(0).data) === 2);
    expect(a.events.at(-1)).toBe('complete');
    expect(up.conn(0).data).toContain('GET /b HTTP/1.1');
    up.conn(0).socket.write(OK);
    await waitFor(() => b.done);
    expect([b.body, sockets.length, up.connections.length]).toEqual(['ok', 1, 1]);
  });

  it('with maxConnections 2, two concurrent requests open two connections', async () => {
    await setup(undefined, 2);
    pool.dispatch(get('/a'), new Recorder());
    pool.dispatch(get('/b'), new Recorder());
    await waitFor(() => up.connections.length === 2 && up.connections.every((c) => headCount(c.data) === 1));
    expect(sockets).toHaveLength(2);
  });
});

describe('idle keep-alive connections', () => {
  it.each([
    ["1 s before the upstream's `keep-alive: timeout=5` hint", 'Keep-Alive: timeout=5, max=100\r\n', 4000],
    ['after 60 s without a hint', '', 60_000],
  ])('closes an idle connection %s', async (_, hint, idleMs) => {
    await setup(answer(() => `HTTP/1.1 200 OK\r\n${hint}content-length: 0\r\n\r\n`));
    await roundTrip(get('/'));
    clock.advance(idleMs - 100);
    expect(sockets[0]?.destroyed).toBe(false);
    clock.advance(100);
    expect(sockets[0]?.destroyed).toBe(true);
    await waitFor(() => up.conn(0).closed);
  });

  it('does not hand out a connection its idle timer has just closed', async () => {
    await setup(answer(() => OK));
    await roundTrip(get('/1'));
    clock.advance(60_000);
    const h = await roundTrip(get('/2'));
    expect(h.errors.map((e) => [e.message, failedOnReusedConnection(e)])).toEqual([]);
    expect(h.body).toBe('ok');
  });
});

describe('connect failures', () => {
  it('reports a refused connection as UpstreamConnectError (not timed out)', async () => {
    await setup(undefined, 1, await closedPort());
    const h = await roundTrip(get('/'));
    expect(h.errors[0]).toBeInstanceOf(UpstreamConnectError);
    expect(h.errors[0]).toEqual(expect.objectContaining({ timedOut: false }));
    expect([h.events, sockets.length]).toEqual([['error'], 0]);
  });

  it('reports a connect timeout on the clock as UpstreamConnectError (timed out), then connects again', async () => {
    // net.connect issues the connect on a later tick: fake time passing synchronously beats it.
    await setup(answer(() => OK));
    const h = new Recorder();
    pool.dispatch(get('/'), h);
    clock.advance(999);
    expect(h.errors).toEqual([]);
    clock.advance(1);
    expect(h.errors[0]).toBeInstanceOf(UpstreamConnectError);
    expect(h.errors[0]).toEqual(expect.objectContaining({ timedOut: true }));
    await turns();
    expect([h.events, sockets.length]).toEqual([['error'], 0]);
    expect((await roundTrip(get('/again'))).body).toBe('ok');
  });
});

describe('stale and broken connections', () => {
  it('a kept-alive connection the upstream closed before the next request fails as reused', async () => {
    await setup(answer(() => OK));
    await roundTrip(get('/1'));
    const h = new Recorder();
    up.conn(0).socket.destroy(); // the client cannot have noticed before the dispatch below
    pool.dispatch(get('/2'), h);
    await waitFor(() => h.done);
    expect(h.errors[0]).toBeInstanceOf(UpstreamResetError);
    expect(failedOnReusedConnection(h.errors[0] as Error)).toBe(true);
    expect(h.events).toEqual(['connect', 'error']);
  });

  it('the upstream closing a kept-alive connection when the next request arrives fails as reused', async () => {
    await setup((c) => (headCount(c.data) === 1 ? answer(() => OK)(c) : c.socket.destroy()));
    await roundTrip(get('/1'));
    const h = await roundTrip(get('/2'));
    expect(h.errors[0]).toBeInstanceOf(UpstreamResetError);
    expect(failedOnReusedConnection(h.errors[0] as Error)).toBe(true);
  });

  it('a close on a fresh connection is not "reused"', async () => {
    const fresh = new Recorder();
    await setup((c) => c.socket.destroy());
    await roundTrip(get('/'), fresh);
    expect(fresh.errors[0]).toBeInstanceOf(UpstreamResetError);
    expect(failedOnReusedConnection(fresh.errors[0] as Error)).toBe(false);
  });

  it('a reused connection closed mid-response is not "reused"', async () => {
    await setup((c) => (headCount(c.data) === 1 ? answer(() => OK)(c) : c.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\npart')));
    await roundTrip(get('/1'));
    const h = await roundTrip(get('/2'));
    expect(h.errors[0]).toBeInstanceOf(UpstreamResetError);
    expect(failedOnReusedConnection(h.errors[0] as Error)).toBe(false);
  });

  it('invalid response bytes fail as UpstreamResetError and the connection is not reused', async () => {
    let served = 0;
    await setup(answer(() => (served++ === 0 ? 'HTTP/1.1 abc\r\n\r\n' : OK)));
    const h = await roundTrip(get('/1'));
    expect(h.errors[0]).toBeInstanceOf(UpstreamResetError);
    expect(h.events).toEqual(['connect', 'error']);
    expect((await roundTrip(get('/2'))).body).toBe('ok');
    expect([sockets.length, up.connections.length]).toEqual([2, 2]);
  });
});

describe('abort', () => {
  it('aborting a request in flight destroys its connection; onError follows exactly once', async () => {
    await setup();
    const h = new Recorder();
    pool.dispatch(get('/'), h);
    await waitFor(() => up.connections.length === 1 && headCount(up.conn(0).data) === 1);
    const cause = new Error('client went away');
    h.abort?.(cause);
    h.abort?.();
    expect(h.errors).toEqual([cause]);
    expect(sockets[0]?.destroyed).toBe(true);
    await waitFor(() => up.conn(0).closed);
    await turns();
    expect(h.events).toEqual(['connect', 'error']);
  });

  it('aborting inside onConnect sends nothing and leaves the connection for the next request', async () => {
    await setup(answer(() => OK));
    const cause = new Error('early');
    const h = new Recorder((abort) => abort(cause));
    pool.dispatch(get('/never'), h);
    await waitFor(() => h.done);
    expect(h.events).toEqual(['connect', 'error']);
    expect(h.errors).toEqual([cause]);
    await waitFor(() => up.connections.length === 1);
    await turns();
    expect(up.conn(0).data).toBe('');
    expect((await roundTrip(get('/after'))).body).toBe('ok');
    expect(up.conn(0).data).toMatch(/^GET \/after HTTP\/1\.1\r\n/);
    expect([sockets.length, up.connections.length]).toEqual([1, 1]);
  });
});

describe('heads that cannot be sent', () => {
  it.each([
    ['a header value with CRLF', get('/', { 'x-a': 'one\r\nx-injected: 1' })],
    ['a path with a space', get('/a b')],
    ['a header name with a space', get('/', { 'bad name': 'v' })],
  ])('%s fails with InvalidHeadError before any connection is made', async (_, req) => {
    await setup(answer(() => OK));
    const h = new Recorder();
    pool.dispatch(req, h);
    expect(h.errors[0]).toBeInstanceOf(InvalidHeadError);
    expect(h.events).toEqual(['error']);
    await turns();
    expect([sockets.length, up.connections.length]).toEqual([0, 0]);
  });
});

describe('back-pressure', () => {
  const big = Buffer.alloc(1024 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789');
  const bigResponse = (): RawScript => (c) => {
    if (c.answered++ > 0) return;
    c.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${big.length}\r\n\r\n`);
    c.socket.write(big);
  };

  it('onData returning false stops reading until resume; a 1 MiB response arrives whole', async () => {
    await setup(bigResponse());
    const h = new Recorder();
    h.dataResults = [false];
    pool.dispatch(get('/big'), h);
    await waitFor(() => h.chunks.length === 1);
    await turns();
    // Reading stopped: no further chunk arrives, however long the test waits.
    expect(h.chunks).toHaveLength(1);
    h.resume?.();
    await waitFor(() => h.done);
    expect(h.events.at(-1)).toBe('complete');
    expect(Buffer.concat(h.chunks).equals(big)).toBe(true);
  });

  // Only the socket pauses: the rest of the chunk that carried the head still reaches onData.
  it('onHeaders returning false stops reading the socket until resume', async () => {
    await setup(bigResponse());
    const h = new Recorder();
    h.headersResult = false;
    pool.dispatch(get('/big'), h);
    await waitFor(() => h.status === 200);
    const held = h.chunks.length;
    await turns();
    expect(h.chunks.length).toBe(held);
    expect(held).toBeLessThanOrEqual(1);
    h.resume?.();
    await waitFor(() => h.done);
    expect(Buffer.concat(h.chunks).equals(big)).toBe(true);
  });
});

describe('destroy()', () => {
  it('fails the request in flight and the waiting ones, and every later dispatch at once', async () => {
    await setup();
    const inFlight = new Recorder();
    const waiting = new Recorder();
    pool.dispatch(get('/a'), inFlight);
    pool.dispatch(get('/b'), waiting);
    await waitFor(() => up.connections.length === 1 && headCount(up.conn(0).data) === 1);
    pool.destroy();
    expect(waiting.events).toEqual(['error']);
    expect(waiting.errors[0]).toBeInstanceOf(PoolClosedError);
    await waitFor(() => inFlight.done && up.conn(0).closed);
    expect(inFlight.events).toEqual(['connect', 'error']);
    const later = new Recorder();
    pool.dispatch(get('/c'), later);
    expect(later.errors[0]).toBeInstanceOf(PoolClosedError);
    await turns();
    expect([inFlight.errors.length, waiting.errors.length, later.errors.length, sockets.length]).toEqual([1, 1, 1, 1]);
  });

  it('fails a request still waiting for its connection, and never reports that connection', async () => {
    await setup(answer(() => OK));
    const h = new Recorder();
    pool.dispatch(get('/'), h);
    pool.destroy();
    expect(h.errors[0]).toBeInstanceOf(PoolClosedError);
    await turns();
    expect([h.events, sockets.length]).toEqual([['error'], 0]);
  });
});
