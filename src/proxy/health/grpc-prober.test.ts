import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../../test/fakes/fake-clock';
import { decodeServingStatus, encodeHealthCheckRequest, GrpcProber } from './grpc-prober';
import type { ProbeResult, ProbeTarget } from './prober';

/** A grpc-js server implementing grpc.health.v1.Health/Check with hand-rolled (de)serialisers. */
function decodeService(buf: Buffer): string {
  // field 1, wire type 2, one-byte length (test names are short)
  return buf.length === 0 ? '' : buf.subarray(2, 2 + (buf[1] ?? 0)).toString('utf8');
}
const encodeStatus = (status: number): Buffer => (status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, status]));

const healthService: grpc.ServiceDefinition = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Buffer) => v,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (v: Buffer) => v,
    responseDeserialize: (b: Buffer) => b,
  },
};

interface Seen {
  service: string;
  authority: string;
  metadata: grpc.Metadata;
}

async function healthServer(seen: Seen[]): Promise<{ target: ProbeTarget; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(healthService, {
    Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const service = decodeService(call.request);
      seen.push({ service, authority: String(call.metadata.get(':authority')[0] ?? ''), metadata: call.metadata });
      if (service === 'broken') return cb({ code: grpc.status.INTERNAL, details: 'boom' });
      cb(null, encodeStatus(service === 'down' ? 2 : 1));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { target: { address: '127.0.0.1', port, authority: 'cluster-a' }, server };
}

function run(prober: GrpcProber, target: ProbeTarget, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => prober.probe(target, timeoutMs, resolve));
}

describe('GrpcProber against a grpc-js health server', () => {
  const clock = new FakeClock();
  const seen: Seen[] = [];
  let target: ProbeTarget;
  let server: grpc.Server;
  beforeAll(async () => {
    ({ target, server } = await healthServer(seen));
  });
  afterAll(() => server.forceShutdown());

  it('SERVING is a success; the service name and metadata are sent', async () => {
    const prober = new GrpcProber({ clock, reuseConnection: true, probe: { type: 'grpc', serviceName: 'svc', initialMetadata: [{ name: 'x-token', value: 't' }] } });
    expect(await run(prober, target)).toEqual({ kind: 'success' });
    expect(seen.at(-1)?.service).toBe('svc');
    expect(seen.at(-1)?.metadata.get('x-token')).toEqual(['t']);
    expect(seen.at(-1)?.metadata.get('user-agent')[0]).toContain('Envoy/HC');
    prober.release(target);
  });

  it('NOT_SERVING and a non-OK grpc-status are active failures', async () => {
    const down = new GrpcProber({ clock, reuseConnection: true, probe: { type: 'grpc', serviceName: 'down' } });
    expect(await run(down, target)).toEqual({ kind: 'active-failure', detail: 'serving status 2' });
    down.release(target);
    const broken = new GrpcProber({ clock, reuseConnection: true, probe: { type: 'grpc', serviceName: 'broken' } });
    expect(await run(broken, target)).toEqual({ kind: 'active-failure', detail: 'grpc-status 13' });
    broken.release(target);
  });

  it('an empty service name checks the whole server', async () => {
    const prober = new GrpcProber({ clock, reuseConnection: false, probe: { type: 'grpc' } });
    expect(await run(prober, target)).toEqual({ kind: 'success' });
    expect(seen.at(-1)?.service).toBe('');
  });

  it('a refused connection is a network failure', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const prober = new GrpcProber({ clock, reuseConnection: true, probe: { type: 'grpc' } });
    expect(await run(prober, { address: '127.0.0.1', port, authority: 'x' })).toMatchObject({ kind: 'network', failure: 'connect' });
  });
});

describe('GrpcProber timeout', () => {
  it('gives up after the timeout on the injected clock and drops the connection', async () => {
    const clock = new FakeClock();
    let arrived!: () => void;
    const seen = new Promise<void>((r) => (arrived = r));
    const server = http2.createServer();
    server.on('stream', () => arrived()); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = { address: '127.0.0.1', port: (server.address() as AddressInfo).port, authority: 'a' };
    const sessionClosed = new Promise<void>((r) => server.on('session', (sess) => sess.on('close', () => r())));
    const prober = new GrpcProber({ clock, reuseConnection: true, probe: { type: 'grpc' } });
    const result = run(prober, target, 3000);
    await seen;
    clock.advance(3000);
    expect(await result).toMatchObject({ kind: 'network', failure: 'timeout' });
    await sessionClosed;
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('health message codecs', () => {
  it('frames the request and reads the serving status', () => {
    expect(encodeHealthCheckRequest('ab')).toEqual(Buffer.from([0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]));
    expect(encodeHealthCheckRequest('')).toEqual(Buffer.from([0, 0, 0, 0, 0]));
    expect(decodeServingStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]))).toBe(1);
    expect(decodeServingStatus(Buffer.from([0, 0, 0, 0, 0]))).toBe(0);
    expect(decodeServingStatus(Buffer.from([0, 0, 0, 0, 3, 0x08]))).toBeUndefined();
  });
});
