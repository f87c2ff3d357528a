import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../../test/fakes/fake-clock';
import type * as ir from '../../ir/types';
import type { ProbeResult, Prober } from '../health/prober';
import { createKongProber, kongHttpProbe, probeTimeoutMs } from './kong-probers';

const active = (extra: Partial<ir.KongActiveSettings> = {}): ir.KongActiveSettings => ({
  type: 'http',
  httpPath: '/status/200',
  httpsVerifyCertificate: true,
  timeoutMs: 1000,
  concurrency: 10,
  headers: [
    { name: 'x-probe', value: 'a' },
    { name: 'x-probe', value: 'b' },
  ],
  healthy: { intervalMs: 5000, successes: 1, httpStatuses: [200] },
  unhealthy: { intervalMs: 5000, httpFailures: 1, tcpFailures: 0, timeouts: 0, httpStatuses: [500] },
  ...extra,
});

function probeOnce(prober: Prober, port: number, authority = '10.1.2.3'): Promise<ProbeResult> {
  return new Promise((resolve) => prober.probe({ address: '127.0.0.1', port, authority }, 1000, resolve));
}

describe('Kong probers', () => {
  let server: http.Server;
  let port = 0;
  const seen: http.IncomingHttpHeaders[] = [];
  const paths: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/status/200' ? 200 : 500);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends GET httpPath with the policy headers, Host = the target hostname, no user-agent, Connection: close', async () => {
    const prober = createKongProber(active(), new FakeClock());
    expect(prober).toBeDefined();
    const result = await probeOnce(prober as Prober, port);
    expect(result).toMatchObject({ kind: 'http', status: 200 });
    expect(paths.at(-1)).toBe('/status/200');
    const h = seen.at(-1) ?? {};
    expect(h.host).toBe('10.1.2.3');
    expect(h['x-probe']).toBe('a, b');
    expect(h['user-agent']).toBeUndefined();
    expect(h.connection).toBe('close');
  });

  it('keeps a user-agent the policy sets itself', () => {
    expect(kongHttpProbe(active({ headers: [{ name: 'User-Agent', value: 'kong' }] })).requestHeadersToRemove).toEqual([]);
  });

  it('tcp probes connect only; a closed port is a connect failure', async () => {
    const prober = createKongProber(active({ type: 'tcp' }), new FakeClock()) as Prober;
    expect(await probeOnce(prober, port)).toEqual({ kind: 'success' });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await probeOnce(prober, closedPort)).toMatchObject({ kind: 'network', failure: 'connect' });
  });

  it('has no prober for grpc types and uses nginx’s 60 s when timeout is 0', () => {
    expect(createKongProber(active({ type: 'grpc' }), new FakeClock())).toBeUndefined();
    expect(createKongProber(active({ type: 'grpcs' }), new FakeClock())).toBeUndefined();
    expect(probeTimeoutMs(active({ timeoutMs: 0 }))).toBe(60_000);
    expect(probeTimeoutMs(active({ timeoutMs: 2500 }))).toBe(2500);
  });

  it('https probes report a TLS failure against a plaintext server as a network failure', async () => {
    const prober = createKongProber(active({ type: 'https', httpsSni: 'example.test' }), new FakeClock()) as Prober;
    const result = await probeOnce(prober, port);
    expect(result.kind).toBe('network');
  });
});
