import { FakeClock } from '../../../test/fakes/fake-clock';
import { waitFor } from '../../../test/fakes/http-client';
import { RawClient, turns } from '../../../test/fakes/raw-http';
import type { DownstreamRequest, DownstreamResponse } from './downstream';
import { HEADERS_TIMEOUT_MS, Http1Server } from './http1-server';
import type { RequestHandler } from './server-connection';
import { InvalidHeadError } from './wire';

/** The `date` value at FakeClock's default start. */
const DATE = 'Tue, 14 Nov 2023 22:13:20 GMT';
const KEEP_ALIVE_MS = 5_000;

let clock: FakeClock;
let server: Http1Server;
let port: number;
let handle: RequestHandler;
/** Per test (a stopped server's sockets may still report closes into the next test's beforeEach). */
interface Seen {
  calls: string[];
  statuses: number[];
  opened: number;
  closed: number;
}
let seen: Seen;
let clients: RawClient[];

beforeEach(async () => {
  clock = new FakeClock();
  const mine: Seen = { calls: [], statuses: [], opened: 0, closed: 0 };
  seen = mine;
  clients = [];
  handle = (req, res) => reply(res, `${req.method} ${req.url}`);
  server = new Http1Server({
    handler: (req, res) => {
      mine.calls.push(req.url);
      handle(req, res);
    },
    clock,
    keepAliveTimeoutMs: KEEP_ALIVE_MS,
    onResponse: (status) => mine.statuses.push(status),
    onConnection: () => {
      mine.opened++;
      return () => mine.closed++;
    },
  });
  port = await server.listen('127.0.0.1', 0);
});

afterEach(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

async function open(): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

function get(path: string, extra = '', version = '1.1'): string {
  return `GET ${path} HTTP/${version}\r\nHost: x\r\n${extra}\r\n`;
}

/** Answers 200 with a content-length body. */
function reply(res: DownstreamResponse, body: string): void {
  res.writeHead(200, undefined, { 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** What `reply` puts on the wire. */
function ok(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\ndate: ${DATE}\r\n${extra}\r\n${body}`;
}

/** Sends `request` on a fresh connection and waits for exactly `expected` back. */
async function exchange(request: string, expected: string): Promise<RawClient> {
  const c = await open();
  c.write(request);
  expect(await c.untilLength(expected.length)).toBe(expected);
  return c;
}

describe('heads', () => {
  test('a GET reaches the handler as node:http presents it and gets the given head plus date', async () => {
    const reqs: DownstreamRequest[] = [];
    handle = (req, res) => {
      reqs.push(req);
      if (req.url === '/own-date') {
        res.writeHead(200, 'Fine', { Date: 'then', 'content-length': '0' });
        res.end();
        return;
      }
      res.writeHead(201, undefined, { 'x-reply': 'yes', 'content-length': '5' });
      res.end('hello');
    };
    const head =
      'GET /path?q=1 HTTP/1.1\r\nHost: first.example\r\nHost: second.example\r\nAccept: a\r\nAccept: b\r\n' +
      'Cookie: c1=1\r\nCookie: c2=2\r\nSet-Cookie: s1=1\r\nSet-Cookie: s2=2\r\nContent-Type: text/plain\r\n' +
      'Content-Type: text/html\r\nX-Mixed-Case: Value\r\n\r\n';
    const c = await exchange(head, `HTTP/1.1 201 Created\r\nx-reply: yes\r\ncontent-length: 5\r\ndate: ${DATE}\r\n\r\nhello`);
    const req = reqs[0] as DownstreamRequest;
    expect({ method: req.method, url: req.url, httpVersion: req.httpVersion, remoteAddress: req.remoteAddress, localPort: req.localPort }).toEqual({
      method: 'GET',
      url: '/path?q=1',
      httpVersion: '1.1',
      remoteAddress: '127.0.0.1',
      localPort: port,
    });
    expect({ ...req.headers }).toEqual({
      host: 'first.example',
      accept: 'a, b',
      cookie: 'c1=1; c2=2',
      'set-cookie': ['s1=1', 's2=2'],
      'content-type': 'text/plain',
      'x-mixed-case': 'Value',
    });
    const first = c.text.length;
    c.write(get('/own-date'));
    const second = 'HTTP/1.1 200 Fine\r\nDate: then\r\ncontent-length: 0\r\n\r\n';
    expect((await c.untilLength(first + second.length)).slice(first)).toBe(second);
  });

  test('without content-length an HTTP/1.1 response is chunked and the connection stays open', async () => {
    handle = (req, res) => {
      res.writeHead(200, undefined, { 'x-a': 'b' });
      res.write(Buffer.from('hello'));
      res.write(Buffer.alloc(0));
      res.end(`${req.url}!`);
    };
    const one = `HTTP/1.1 200 OK\r\nx-a: b\r\ndate: ${DATE}\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\n/1!\r\n0\r\n\r\n`;
    const c = await exchange(get('/1'), one);
    c.write(get('/2'));
    await c.untilLength(2 * one.length);
    expect(c.text).toBe(one + one.replace('/1!', '/2!'));
    await turns();
    expect(c.ended).toBe(false);
  });

  test('without content-length an HTTP/1.0 response is close-delimited', async () => {
    handle = (_req, res) => {
      res.writeHead(200, undefined, { 'x-a': 'b' });
      res.write(Buffer.from('hello'));
      res.end(' world');
    };
    const expected = `HTTP/1.1 200 OK\r\nx-a: b\r\ndate: ${DATE}\r\nconnection: close\r\n\r\nhello world`;
    const c = await exchange(get('/', '', '1.0'), expected);
    await c.untilClosed();
    expect(c.text).toBe(expected); // nothing after the body: the close ends it
  });

  test('HTTP/1.0 with Connection: keep-alive is kept alive', async () => {
    const c = await exchange(get('/a', 'Connection: keep-alive\r\n', '1.0'), ok('GET /a', 'connection: keep-alive\r\n'));
    c.write(get('/b', 'Connection: keep-alive\r\n', '1.0'));
    await c.untilLength(2 * ok('GET /a', 'connection: keep-alive\r\n').length);
    expect(c.text).toBe(ok('GET /a', 'connection: keep-alive\r\n') + ok('GET /b', 'connection: keep-alive\r\n'));
    expect(c.ended).toBe(false);
  });

  test('HTTP/1.1 with Connection: close gets connection: close and the socket closes', async () => {
    const c = await exchange(get('/a', 'Connection: close\r\n'), ok('GET /a', 'connection: close\r\n'));
    await c.untilClosed();
    expect(c.text).toBe(ok('GET /a', 'connection: close\r\n'));
  });

  test.each([
    ['Connection: close', get('/a', 'Connection: close\r\n'), `date: ${DATE}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n6\r\nGET /a\r\n0\r\n\r\n`, ['/a']],
    ['a 417', get('/a', 'Expect: something-else\r\n'), `content-length: 0\r\ndate: ${DATE}\r\nconnection: close\r\n\r\n`, []],
    ['a close-delimited response', get('/a', 'Connection: keep-alive\r\n', '1.0'), `date: ${DATE}\r\nconnection: close\r\n\r\nGET /a`, ['/a']],
  ])('a request pipelined behind %s is never handed to the handler', async (_name, first, expected, calls) => {
    handle = (req, res) => {
      res.writeHead(200, undefined, {});
      res.end(`${req.method} ${req.url}`);
    };
    const c = await open();
    c.write(first + get('/b', 'Connection: keep-alive\r\n', '1.0'));
    await c.untilClosed();
    expect(c.text).toBe((calls.length ? 'HTTP/1.1 200 OK\r\n' : 'HTTP/1.1 417 Expectation Failed\r\n') + expected);
    expect(seen.calls).toEqual(calls);
    expect(seen.statuses).toEqual([calls.length ? 200 : 417]);
  });

  test('HEAD responses carry no body even if the handler writes one; neither do 204 and 304', async () => {
    handle = (req, res) => {
      const status = req.url === '/204' ? 204 : req.url === '/304' ? 304 : 200;
      res.writeHead(status, undefined, req.method === 'HEAD' ? { 'content-length': '5' } : {});
      res.write(Buffer.from('body!'));
      res.end('more');
    };
    const c = await open();
    c.write(`HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n${get('/204')}${get('/304')}${get('/end')}`);
    const expected =
      `HTTP/1.1 200 OK\r\ncontent-length: 5\r\ndate: ${DATE}\r\n\r\n` +
      `HTTP/1.1 204 No Content\r\ndate: ${DATE}\r\n\r\n` +
      `HTTP/1.1 304 Not Modified\r\ndate: ${DATE}\r\n\r\n` +
      `HTTP/1.1 200 OK\r\ndate: ${DATE}\r\ntransfer-encoding: chunked\r\n\r\n5\r\nbody!\r\n4\r\nmore\r\n0\r\n\r\n`;
    expect(await c.untilLength(expected.length)).toBe(expected);
  });

  test('writeHead with an invalid header value throws InvalidHeadError and sends nothing', async () => {
    const errors: unknown[] = [];
    handle = (_req, res) => {
      try {
        res.writeHead(500, undefined, { 'x-bad': 'a\r\nx-injected: 1', 'content-length': '0' });
      } catch (err) {
        errors.push(err);
      }
      expect(res.headersSent).toBe(false);
      reply(res, 'fine');
    };
    await exchange(get('/'), ok('fine'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidHeadError);
    expect(seen.statuses).toEqual([200]);
  });
});

describe('pipelining', () => {
  test('the second request is handed over only after the first response ended', async () => {
    const held: DownstreamResponse[] = [];
    handle = (_req, res) => held.push(res);
    const c = await open();
    c.write(get('/1') + get('/2'));
    await waitFor(() => seen.calls.length === 1);
    await turns();
    expect(seen.calls).toEqual(['/1']);
    expect(c.text).toBe('');
    reply(held[0] as DownstreamResponse, 'one');
    expect(seen.calls).toEqual(['/1', '/2']);
    reply(held[1] as DownstreamResponse, 'two');
    expect(await c.untilLength((ok('one') + ok('two')).length)).toBe(ok('one') + ok('two'));
  });

  test('three pipelined requests are answered in order when later ones answer at once', async () => {
    let first: DownstreamResponse | undefined;
    handle = (req, res) => (req.url === '/1' ? (first = res) : reply(res, req.url));
    const c = await open();
    c.write(get('/1') + get('/2') + get('/3'));
    await waitFor(() => first !== undefined);
    await turns();
    expect(seen.calls).toEqual(['/1']);
    reply(first as DownstreamResponse, '/1');
    const expected = ok('/1') + ok('/2') + ok('/3');
    expect(await c.untilLength(expected.length)).toBe(expected);
    expect(seen.calls).toEqual(['/1', '/2', '/3']);
  });
});

describe('request bodies', () => {
  const echo: RequestHandler = (req, res) => req.readAll((body) => reply(res, body.toString('latin1')));

  test('a content-length body arriving in two packets reaches readAll whole', async () => {
    handle = echo;
    const c = await open();
    c.write('POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello');
    await waitFor(() => seen.calls.length === 1);
    await turns();
    expect(c.text).toBe('');
    c.write(' world');
    expect(await c.untilLength(ok('hello world').length)).toBe(ok('hello world'));
  });

  test('a chunked body reaches readAll whole and pipe chunk by chunk', async () => {
    handle = (req, res) => {
      if (req.url === '/all') return echo(req, res);
      res.writeHead(200, undefined, {});
      req.pipe({ data: (chunk) => res.write(chunk) || true, end: () => res.end() });
    };
    const body = 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
    const c = await exchange(`POST /all HTTP/1.1\r\nHost: x\r\n${body}`, ok('hello world'));
    const before = c.text.length;
    c.write(`POST /pipe HTTP/1.1\r\nHost: x\r\n${body}`);
    const piped = `HTTP/1.1 200 OK\r\ndate: ${DATE}\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`;
    expect((await c.untilLength(before + piped.length)).slice(before)).toBe(piped);
  });

  test('a body over 64 KiB reaches a slow pipe consumer complete and in order', async () => {
    const body = Buffer.alloc(300 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 251;
    const got: Buffer[] = [];
    let request: DownstreamRequest | undefined;
    let ended = false;
    handle = (req, res) => {
      request = req;
      req.pipe({ data: (chunk) => (got.push(chunk), false), end: () => ((ended = true), reply(res, 'done')) });
    };
    const c = await open();
    c.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    c.write(body);
    await waitFor(() => got.length > 0);
    await turns();
    const received = (): number => got.reduce((n, b) => n + b.length, 0);
    expect(received()).toBeLessThan(body.length); // paused while the sink is full
    for (let i = 0; i < 10_000 && !ended; i++) {
      request?.flow(true);
      await turns(5);
    }
    expect(Buffer.concat(got).equals(body)).toBe(true);
    expect(await c.untilLength(ok('done').length)).toBe(ok('done'));
  });

  test('a body over 64 KiB waits for a consumer that attaches late', async () => {
    const body = Buffer.alloc(200 * 1024, 'abcdefgh');
    let late: (() => void) | undefined;
    handle = (req, res) => (late = () => echo(req, res));
    const c = await open();
    c.write(Buffer.concat([Buffer.from(`PUT /late HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    await waitFor(() => late !== undefined);
    await turns();
    late?.();
    const expected = ok(body.toString('latin1'));
    expect(await c.untilLength(expected.length)).toBe(expected);
  });
});

describe('expectations', () => {
  test('Expect: 100-continue gets 100 Continue before the final response', async () => {
    handle = (req, res) => req.readAll((body) => reply(res, body.toString()));
    const c = await open();
    c.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    expect(await c.untilLength(25)).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    c.write('hello');
    expect(await c.untilLength(25 + ok('hello').length)).toBe('HTTP/1.1 100 Continue\r\n\r\n' + ok('hello'));
  });

  test.each([
    ['another expectation', get('/', 'Expect: something-else\r\n')],
    ['100-continue on HTTP/1.0', get('/', 'Expect: 100-continue\r\n', '1.0')],
  ])('%s gets 417 and the handler is not called', async (_name, request) => {
    const c = await exchange(request, `HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\ndate: ${DATE}\r\nconnection: close\r\n\r\n`);
    await c.untilClosed();
    expect(seen.calls).toEqual([]);
    expect(seen.statuses).toEqual([417]);
  });
});

describe('malformed requests', () => {
  const bad = (status: string): string => `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;

  test.each([
    ['an invalid method', 400, 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad protocol name', 400, 'GET / HTTX/1.1\r\nHost: x\r\n\r\n'],
    ['a request line with a fourth field', 400, 'GET / HTTP/1.1 x\r\nHost: x\r\n\r\n'],
    ['an HTTP/1.1 request without Host', 400, 'GET / HTTP/1.1\r\n\r\n'],
    ['a header line without a colon', 400, 'GET / HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n'],
    ['a head over 16 KiB', 431, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
    ['Content-Length with Transfer-Encoding', 400, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Length values', 400, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
  ])('%s gets %d, the connection closes and the handler is never called', async (_name, status, request) => {
    const expected = bad(status === 431 ? '431 Request Header Fields Too Large' : '400 Bad Request');
    const c = await exchange(request, expected);
    await c.untilClosed();
    expect(c.text).toBe(expected);
    expect(seen.calls).toEqual([]);
  });

  test('the server closes its side itself: a client that keeps its half open does not keep the connection', async () => {
    const c = await RawClient.connect(port, true);
    clients.push(c);
    c.write('FOO / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.untilLength(bad('400 Bad Request').length)).toBe(bad('400 Bad Request'));
    await waitFor(() => seen.closed === 1);
    // A response that ends the connection (HTTP/1.0 without keep-alive) likewise.
    const d = await RawClient.connect(port, true);
    clients.push(d);
    d.write(get('/old', '', '1.0'));
    await waitFor(() => seen.closed === 2);
    expect(d.text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
  });

  test('a bad request pipelined behind a good one is answered after it', async () => {
    const c = await exchange(get('/ok') + 'FOO / HTTP/1.1\r\n\r\n', ok('GET /ok') + bad('400 Bad Request'));
    await c.untilClosed();
    expect(seen.calls).toEqual(['/ok']);
  });
});

describe('timeouts', () => {
  test('a head that never completes gets 408 after the headers timeout', async () => {
    const c = await open();
    await waitFor(() => seen.opened === 1 && clock.pendingWithin(KEEP_ALIVE_MS) === 1);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await waitFor(() => clock.pendingWithin(KEEP_ALIVE_MS) === 0); // the idle timer gave way to the headers timer
    clock.advance(HEADERS_TIMEOUT_MS - 1);
    await turns();
    expect(c.text).toBe('');
    clock.advance(1);
    await c.untilClosed();
    expect(c.text).toBe('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect(seen.calls).toEqual([]);
  });

  test('an idle kept-alive connection closes after keepAliveTimeoutMs, not before', async () => {
    const c = await exchange(get('/'), ok('GET /'));
    await waitFor(() => clock.pendingWithin(KEEP_ALIVE_MS) === 1);
    clock.advance(KEEP_ALIVE_MS - 1);
    await turns();
    expect(c.ended).toBe(false);
    expect(seen.closed).toBe(0);
    expect(clock.pendingWithin(1)).toBe(1);
    clock.advance(1);
    await c.untilClosed();
    await waitFor(() => seen.closed === 1);
    expect(c.text).toBe(ok('GET /'));
  });
});

describe('connection lifecycle', () => {
  test.each([
    ['closes (FIN)', (c: RawClient): void => void c.destroy()],
    ['resets (RST)', (c: RawClient): void => void c.socket.resetAndDestroy()],
  ])('a client that %s mid-response abandons it; a finished response is not abandoned', async (_how, leave) => {
    const abandoned: string[] = [];
    handle = (req, res) => {
      res.onAbandon = () => abandoned.push(req.url);
      res.writeHead(200, undefined, {});
      res.write(Buffer.from('partial'));
      if (req.url === '/done') res.end();
    };
    const done = await exchange(get('/done'), `HTTP/1.1 200 OK\r\ndate: ${DATE}\r\ntransfer-encoding: chunked\r\n\r\n7\r\npartial\r\n0\r\n\r\n`);
    leave(done);
    await waitFor(() => seen.closed === 1);
    const cut = await open();
    cut.write(get('/cut'));
    await cut.until((t) => t.includes('partial'));
    leave(cut);
    await waitFor(() => abandoned.length > 0, 20_000).catch(() => undefined);
    expect(abandoned).toEqual(['/cut']);
    expect(seen.closed).toBe(2);
  });

  test('onResponse sees each status; onConnection closers run; stop() closes idle connections', async () => {
    handle = (req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 200, undefined, { 'content-length': '0' });
      res.end();
    };
    const a = await open();
    a.write(get('/') + get('/missing'));
    await a.untilLength(1);
    const b = await open();
    b.write(get('/x'));
    await waitFor(() => seen.statuses.length === 3);
    expect(seen.statuses).toEqual([200, 404, 200]);
    expect(seen.opened).toBe(2);
    expect(seen.closed).toBe(0);
    await server.stop();
    await a.untilClosed();
    await b.untilClosed();
    await waitFor(() => seen.closed === 2);
  });

  test('a handler that throws closes that connection and reports the error; the process and the server go on', async () => {
    const errors: unknown[] = [];
    const own = new Http1Server({
      handler: (req, res) => {
        if (req.url === '/boom') throw new Error('handler bug');
        reply(res, 'fine');
      },
      clock,
      keepAliveTimeoutMs: KEEP_ALIVE_MS,
      onResponse: () => undefined,
      onConnection: () => () => undefined,
      onError: (err) => errors.push(err),
    });
    const ownPort = await own.listen('127.0.0.1', 0);
    try {
      const a = await RawClient.connect(ownPort);
      clients.push(a);
      a.write(get('/boom'));
      await a.untilClosed();
      expect(a.text).toBe('');
      expect(errors).toEqual([new Error('handler bug')]);
      const b = await RawClient.connect(ownPort);
      clients.push(b);
      b.write(get('/ok'));
      expect(await b.untilLength(ok('fine').length)).toBe(ok('fine'));
    } finally {
      await own.stop();
    }
  });
});
