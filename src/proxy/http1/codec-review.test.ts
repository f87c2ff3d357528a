/**
 * Protocol review of the native proxy's HTTP/1.1 codec, end to end: a ProxyRuntime on FakeClock
 * between a raw client and a raw upstream (exact bytes both ways, 127.0.0.1). Each test names a
 * framing, smuggling or lifecycle guarantee a client-facing reverse proxy must keep.
 */
import type * as ir from '../../ir/types';
import { silentLogger } from '../../log';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { FakeClusterHealth } from '../../../test/fakes/fake-cluster-health';
import { waitFor } from '../../../test/fakes/http-client';
import { aBackend, anIr, aRoute, forwardTo } from '../../../test/fakes/proxy-fixtures';
import { RawClient, turns } from '../../../test/fakes/raw-http';
import { RawUpstream, type RawConnection, type RawScript } from '../../../test/fakes/raw-upstream';
import { PROXY_PORT_KEY, ProxyRuntime } from '../runtime';
import { Stats } from '../stats';
import { BODY_IDLE_TIMEOUT_MS, Http1Server } from './http1-server';

const OK2 = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

interface Harness {
  readonly port: number;
  readonly clock: FakeClock;
  readonly runtime: ProxyRuntime;
}

const runtimes: ProxyRuntime[] = [];
const upstreams: RawUpstream[] = [];
const clients: RawClient[] = [];

async function proxyTo(up: RawUpstream, backend: Partial<ir.Backend> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const runtime = new ProxyRuntime({
    clock,
    random: new FakeRandom([0]),
    stats: new Stats(),
    logger: silentLogger,
    healthFactory: (b) => new FakeClusterHealth(b),
    proxyPort: 0,
    address: '127.0.0.1',
  });
  runtimes.push(runtime);
  await runtime.apply(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [up.port], backend)]));
  const ports = await runtime.listen();
  return { port: ports.get(PROXY_PORT_KEY) ?? 0, clock, runtime };
}

async function upstream(script?: RawScript): Promise<RawUpstream> {
  const up = await RawUpstream.start(script);
  upstreams.push(up);
  return up;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** Complete requests at the start of `data` (bodyless, content-length or chunked bodies). */
function completeRequests(data: string): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return n;
    const head = data.slice(at, headEnd).toLowerCase();
    let end = headEnd + 4;
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    if (length) end += Number(length[1]);
    else if (head.includes('\r\ntransfer-encoding: chunked')) {
      const last = data.indexOf('\r\n0\r\n\r\n', headEnd);
      if (last < 0) return n;
      end = last + 7;
    }
    if (end > data.length) return n;
    n++;
    at = end;
  }
}

/** Answers each complete request (body included) with `response(n)`. */
function answerRequests(response: (n: number, conn: RawConnection) => string | undefined): RawScript {
  return (conn) => {
    while (conn.answered < completeRequests(conn.data) && !conn.socket.destroyed) {
      const r = response(conn.answered++, conn);
      if (r !== undefined) conn.socket.write(r, 'latin1');
    }
  };
}

/** Everything every upstream connection received. */
function allReceived(up: RawUpstream): string {
  return up.connections.map((c) => c.data).join('\n');
}

describe('trailers are never taken for the next message', () => {
  it("an upstream response's trailers never reach the next response on the pooled connection (another client's)", async () => {
    const up = await upstream(
      answerRequests((n) => (n === 0 ? 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nA!\r\n0\r\nSet-Cookie: session=victim\r\n\r\n' : OK2)),
    );
    const h = await proxyTo(up);
    const a = await client(h.port);
    a.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    await a.until((t) => t.endsWith('\r\n0\r\n\r\n'), 'response a');
    const b = await client(h.port);
    b.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await b.until((t) => t.endsWith('\r\n\r\nok'), 'response b');
    expect(up.connections).toHaveLength(1); // the same upstream connection served both
    expect(got).not.toMatch(/victim/);
  });

  it('the trailers of a chunked request never become headers (or URL) of the next request on the connection', async () => {
    const up = await upstream(answerRequests(() => OK2));
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write('POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nX-Smuggled: yes\r\n\r\n');
    c.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.until((t) => t.split('\r\n\r\nok').length === 3, 'two responses');
    const received = allReceived(up);
    expect(received).toMatch(/(^|\n)GET \/b HTTP\/1\.1\r\n/);
    expect(received.toLowerCase()).not.toContain('x-smuggled');
  });
});

describe('heads with many headers (the parser hands them over in batches)', () => {
  it('40 request headers split across packets and 40 response headers arrive whole, in order', async () => {
    const many = (prefix: string): string => Array.from({ length: 40 }, (_, i) => `${prefix}-${i}: v${i}\r\n`).join('');
    const up = await upstream(answerRequests(() => `HTTP/1.1 200 OK\r\n${many('X-Res')}content-length: 2\r\n\r\nok`));
    const h = await proxyTo(up);
    const c = await client(h.port);
    const head = `GET /many HTTP/1.1\r\nHost: x\r\n${many('X-Req')}\r\n`;
    c.write(head.slice(0, 300));
    await turns(50);
    c.write(head.slice(300));
    const got = await c.until((t) => t.endsWith('\r\n\r\nok'), 'response');
    expect(got).toContain(`\r\n${many('X-Res')}`);
    expect(up.conn(0).data).toMatch(new RegExp(`^GET /many HTTP/1\\.1\r\nhost: x\r\n${many('x-req')}x-forwarded-for`));
  });
});

describe('upstream response framing', () => {
  it("a second response the upstream sent in the same read is never handed to another client's request", async () => {
    let release: (() => void) | undefined;
    const up = await upstream(
      answerRequests((n, conn) => {
        if (n > 0 || conn !== up.connections[0]) return 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nmine';
        // The first request gets two responses in one write (an upstream bug or an attack).
        release = () => conn.socket.write(`${OK2}HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nSTOLEN`);
        return undefined;
      }),
    );
    const h = await proxyTo(up, { circuitBreakers: { maxConnections: 1 } });
    const a = await client(h.port);
    a.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => release !== undefined);
    const b = await client(h.port);
    b.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => h.runtime.clusters()[0]?.traffic(`127.0.0.1:${up.port}`).rq_active === 2);
    release?.();
    expect(await a.until((t) => t.endsWith('\r\n\r\nok'), 'response a')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const got = await b.until((t) => /\r\n\r\n(mine|STOLEN)$/.test(t) || b.closed, 'response b');
    expect(got).not.toContain('STOLEN');
    expect(got.endsWith('\r\n\r\nmine')).toBe(true);
  });

  it.each([
    ['shorter than its content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabcd'],
    ['chunked without its last chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nabcd\r\n'],
  ])('an upstream body %s that ends with a close cuts the client connection, never completes the response', async (_name, response) => {
    const up = await upstream(answerRequests((_n, conn) => (conn.socket.end(response, 'latin1'), undefined)));
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.untilClosed();
    expect(c.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.text).toContain('abcd');
    expect(c.text.endsWith('0\r\n\r\n')).toBe(false);
  });

  it('a status text with a control byte is replaced by the standard one (llhttp lets it through)', async () => {
    const up = await upstream(answerRequests(() => 'HTTP/1.1 200 O\x01K\r\ncontent-length: 2\r\n\r\nok'));
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.until((t) => t.endsWith('\r\n\r\nok'), 'response')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('a 103 from the upstream is not forwarded; the final response is framed on its own', async () => {
    const up = await upstream(answerRequests(() => `HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n${OK2}`));
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await c.until((t) => t.split('\r\n\r\nok').length === 3, 'two responses');
    expect(got).not.toMatch(/103|Link/);
    expect(got.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
  });
});

describe('request bodies', () => {
  it('a request llhttp rejects right after its head (Transfer-Encoding: identity) gets 400 and never reaches the upstream', async () => {
    const up = await upstream(answerRequests(() => OK2));
    const h = await proxyTo(up);
    const warm = await client(h.port); // leaves an idle pooled connection: a dispatch writes at once
    warm.write('GET /warm HTTP/1.1\r\nHost: x\r\n\r\n');
    await warm.until((t) => t.endsWith('\r\n\r\nok'), 'warm-up');
    const c = await client(h.port);
    c.write('POST /bad HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\nabc');
    await c.untilClosed();
    await turns();
    expect(allReceived(up)).not.toContain('/bad');
    expect(c.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
  it('a response that completes before the request body drops the upstream connection, and the rest of the body is never read as a request', async () => {
    // The upstream answers as soon as it has a head, without waiting for the body.
    let heads = 0;
    const up = await upstream((conn) => {
      const n = conn.data.split('\r\n\r\n').length - 1;
      while (conn.answered < n) {
        conn.answered++;
        heads++;
        conn.socket.write(OK2, 'latin1');
      }
    });
    const h = await proxyTo(up);
    const c = await client(h.port);
    const inner = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    c.write(`POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${5 + inner.length}\r\n\r\nhello`);
    await c.until((t) => t.endsWith('\r\n\r\nok'), 'first response');
    await waitFor(() => up.conn(0).closed); // not reusable: its request body was cut short
    c.write(`${inner}GET /next HTTP/1.1\r\nHost: x\r\n\r\n`);
    await c.until((t) => t.split('\r\n\r\nok').length === 3, 'second response');
    const lines = allReceived(up).match(/^[A-Z]+ \S+ HTTP\/1\.1$/gm);
    expect(lines).toEqual(['POST /a HTTP/1.1', 'GET /next HTTP/1.1']);
    expect(heads).toBe(2);
  });

  it('an h2c upgrade request (as curl --http2 sends a POST) whose body spans two packets is forwarded whole', async () => {
    const up = await upstream(answerRequests(() => OK2));
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write(
      'POST /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
        'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 10\r\n\r\nabcde',
    );
    await waitFor(() => up.connections.length === 1 && up.conn(0).data.endsWith('abcde'));
    c.write('fghij');
    await waitFor(() => up.conn(0).data.endsWith('abcdefghij'), 20_000).catch(() => undefined);
    expect(up.conn(0).data).toMatch(/\r\n\r\nabcdefghij$/);
    expect(up.conn(0).data.toLowerCase()).not.toMatch(/\r\n(upgrade|http2-settings|connection):/);
    expect(await c.until((t) => t.endsWith('\r\n\r\nok') || c.closed, 'response', 20_000)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('a request body that stalls does not hold the client and upstream connections forever', async () => {
    const up = await upstream();
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    await waitFor(() => up.connections.length === 1 && up.conn(0).data.endsWith('abc'));
    // Envoy's stream_idle_timeout (5 min) ends such a request: 408 while nothing was answered.
    h.clock.advance(BODY_IDLE_TIMEOUT_MS - 1);
    await turns(20);
    expect(c.closed).toBe(false);
    h.clock.advance(1);
    await waitFor(() => c.closed && up.conn(0).closed, 20_000).catch(() => undefined);
    expect({ client: c.closed, upstream: up.conn(0).closed }).toEqual({ client: true, upstream: true });
    expect(c.text).toBe('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
});

describe('resource bounds', () => {
  it('an upstream response head over 16 KiB is refused with a 503 and its connection is not kept', async () => {
    const up = await upstream(answerRequests(() => `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(17 * 1024)}\r\ncontent-length: 2\r\n\r\nok`));
    const h = await proxyTo(up);
    const c = await client(h.port);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await c.until((t) => /reset reason: [a-z ]+$/.test(t), 'local reply');
    expect(got).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(got).not.toContain('aaaa');
    await waitFor(() => up.conn(0).closed);
  });
});

describe('downstream back-pressure', () => {
  it("a finished request's back-pressure does not stop the connection from reading the next request", async () => {
    // The body consumer said "pause" on the last chunk and never resumed: what ClientConnection's
    // sink does when its socket's 'drain' never comes (the upstream connection died first).
    const server = new Http1Server({
      handler: (req, res) =>
        req.pipe({
          data: () => false,
          end: () => {
            res.writeHead(200, undefined, { 'content-length': '2' });
            res.end('ok');
          },
        }),
      clock: new FakeClock(),
      keepAliveTimeoutMs: 60_000,
      onResponse: () => undefined,
      onConnection: () => () => undefined,
    });
    try {
      const c = await client(await server.listen('127.0.0.1', 0));
      c.write('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
      await c.until((t) => t.endsWith('\r\n\r\nok'), 'first response');
      c.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => c.text.split('\r\n\r\nok').length === 3, 20_000).catch(() => undefined);
      expect(c.text.split('\r\n\r\nok')).toHaveLength(3);
    } finally {
      await server.stop();
    }
  });
});
