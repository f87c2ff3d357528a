import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../../test/fakes/fake-clock';
import type * as ir from '../../ir/types';
import { HttpProber, probeHeaders } from './http-prober';
import type { ProbeResult, ProbeTarget } from './prober';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Upstream {
  target: ProbeTarget;
  connections: number;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

async function upstream(handler: Handler): Promise<Upstream> {
  const sockets = new Set<import('node:net').Socket>();
  const u = { connections: 0, requests: [] as http.IncomingMessage[] };
  const server = http.createServer((req, res) => {
    u.requests.push(req);
    handler(req, res);
  });
  server.on('connection', (s) => {
    u.connections += 1;
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(u, {
    target: { address: '127.0.0.1', port, authority: 'svc.example' },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
}

function run(prober: HttpProber, target: ProbeTarget, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => prober.probe(target, timeoutMs, resolve));
}

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const probe = (extra: Partial<ir.HttpProbe> = {}): ir.HttpProbe => ({ type: 'http', path: '/healthz', ...extra });

describe('HttpProber over real sockets', () => {
  const clock = new FakeClock();
  let up: Upstream | undefined;
  afterEach(async () => {
    await up?.close();
    up = undefined;
  });

  it('sends method, path, Host, user-agent and the configured headers; reports status and degraded', async () => {
    up = await upstream((_req, res) => {
      res.writeHead(200, { 'x-envoy-degraded': '1', 'x-envoy-upstream-healthchecked-cluster': 'prod-a' });
      res.end('ok');
    });
    const prober = new HttpProber({
      clock,
      reuseConnection: true,
      probe: probe({
        method: 'head',
        requestHeadersToAdd: [
          { name: 'X-Probe', value: 'a', append: true },
          { name: 'x-probe', value: 'b', append: true },
          { name: 'user-agent', value: 'custom/1', append: false },
        ],
        requestHeadersToRemove: ['x-remove-me'],
      }),
    });
    const r = await run(prober, up.target);
    expect(r).toEqual({ kind: 'http', status: 200, degraded: true, immediateFail: false, healthcheckedCluster: 'prod-a' });
    const req = up.requests[0];
    expect([req?.method, req?.url, req?.headers.host, req?.headers['user-agent'], req?.headers['x-probe']]).toEqual([
      'HEAD',
      '/healthz',
      'svc.example',
      'custom/1',
      'a, b',
    ]);
    prober.release(up.target);
  });

  it('reports 503 with x-envoy-immediate-health-check-fail', async () => {
    up = await upstream((_req, res) => {
      res.writeHead(503, { 'x-envoy-immediate-health-check-fail': 'true' });
      res.end();
    });
    const prober = new HttpProber({ clock, reuseConnection: true, probe: probe() });
    expect(await run(prober, up.target)).toMatchObject({ kind: 'http', status: 503, immediateFail: true, degraded: false });
    prober.release(up.target);
  });

  it('reuses one connection between probes, and opens one per probe with reuse_connection false', async () => {
    up = await upstream((_req, res) => res.end('ok'));
    const reuse = new HttpProber({ clock, reuseConnection: true, probe: probe() });
    await run(reuse, up.target);
    await run(reuse, up.target);
    expect(up.connections).toBe(1);
    reuse.release(up.target);
    const fresh = new HttpProber({ clock, reuseConnection: false, probe: probe() });
    await run(fresh, up.target);
    await run(fresh, up.target);
    expect(up.connections).toBe(3);
  });

  it('a connection the upstream closes between probes is not a failure: the next probe reconnects', async () => {
    up = await upstream((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('ok');
    });
    const prober = new HttpProber({ clock, reuseConnection: true, probe: probe() });
    expect(await run(prober, up.target)).toMatchObject({ kind: 'http', status: 200 });
    expect(await run(prober, up.target)).toMatchObject({ kind: 'http', status: 200 });
    expect(up.connections).toBe(2);
    prober.release(up.target);
  });

  it('a refused connection is a connect failure', async () => {
    const prober = new HttpProber({ clock, reuseConnection: true, probe: probe() });
    const r = await run(prober, { address: '127.0.0.1', port: await closedPort(), authority: 'x' });
    expect(r).toMatchObject({ kind: 'network', failure: 'connect' });
  });

  it('a connection closed during the probe is a reset', async () => {
    up = await upstream((req) => req.socket.destroy());
    const prober = new HttpProber({ clock, reuseConnection: true, probe: probe() });
    expect(await run(prober, up.target)).toMatchObject({ kind: 'network', failure: 'reset' });
  });

  it('times out on the injected clock and closes the connection', async () => {
    let arrived!: () => void;
    const requestSeen = new Promise<void>((r) => (arrived = r));
    up = await upstream(() => arrived());
    const prober = new HttpProber({ clock, reuseConnection: true, probe: probe() });
    const result = run(prober, up.target, 1000);
    await requestSeen;
    const socket = up.requests[0]?.socket;
    const closed = new Promise<void>((r) => socket?.on('close', () => r()));
    clock.advance(999);
    clock.advance(1);
    expect(await result).toEqual({ kind: 'network', failure: 'timeout', detail: 'no answer within 1000 ms' });
    await closed;
  });

  it('speaks HTTP/2 when the probe asks for it', async () => {
    const server = http2.createServer((req, res) => {
      res.writeHead(req.headers[':authority'] === 'svc.example' && req.headers[':path'] === '/healthz' ? 200 : 404, {
        'x-envoy-degraded': 'yes',
      });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = { address: '127.0.0.1', port: (server.address() as AddressInfo).port, authority: 'svc.example' };
    const prober = new HttpProber({ clock, reuseConnection: true, probe: probe({ http2: true }) });
    expect(await run(prober, target)).toMatchObject({ kind: 'http', status: 200, degraded: true });
    expect(await run(prober, target)).toMatchObject({ kind: 'http', status: 200 });
    prober.release(target);
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('probeHeaders', () => {
  it('removes the default user-agent when asked and always sets Host last', () => {
    expect(probeHeaders(probe({ requestHeadersToRemove: ['User-Agent'], requestHeadersToAdd: [{ name: 'host', value: 'evil', append: false }] }), 'h')).toEqual({
      host: 'h',
    });
  });
});
