import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../../test/fakes/fake-clock';
import type { ProbeResult, ProbeTarget } from './prober';
import { containsInOrder, TcpProber } from './tcp-prober';

interface Upstream {
  target: ProbeTarget;
  connections: net.Socket[];
  received: Buffer[];
  close(): Promise<void>;
}

async function upstream(onData: (socket: net.Socket, data: Buffer) => void = () => undefined): Promise<Upstream> {
  const u = { connections: [] as net.Socket[], received: [] as Buffer[] };
  const server = net.createServer((socket) => {
    u.connections.push(socket);
    socket.on('data', (d: Buffer) => {
      u.received.push(d);
      onData(socket, d);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(u, {
    target: { address: '127.0.0.1', port: (server.address() as AddressInfo).port, authority: '' },
    close: () =>
      new Promise<void>((r) => {
        for (const s of u.connections) s.destroy();
        server.close(() => r());
      }),
  });
}

function run(prober: TcpProber, target: ProbeTarget, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => prober.probe(target, timeoutMs, resolve));
}

const hex = (s: string): string => Buffer.from(s).toString('hex');
const closedOn = (s: net.Socket | undefined): Promise<void> => new Promise((r) => (s?.closed ? r() : s?.on('close', () => r())));

describe('TcpProber over real sockets', () => {
  const clock = new FakeClock();
  let up: Upstream | undefined;
  afterEach(async () => {
    await up?.close();
    up = undefined;
  });

  it('connect-only: succeeds on connect, writes `send`, then closes', async () => {
    up = await upstream();
    const prober = new TcpProber({ clock, reuseConnection: true, probe: { type: 'tcp', send: hex('hi') } });
    expect(await run(prober, up.target)).toEqual({ kind: 'success' });
    await closedOn(up.connections[0]);
    expect(Buffer.concat(up.received).toString()).toBe('hi');
  });

  it('send/receive: succeeds once the reply contains every block in order, and reuses the connection', async () => {
    up = await upstream((socket, d) => {
      if (d.toString() === 'ping') {
        socket.write('xxPO');
        socket.write('NG and 42!');
      }
    });
    const prober = new TcpProber({ clock, reuseConnection: true, probe: { type: 'tcp', send: hex('ping'), receive: [hex('PONG'), hex('42')] } });
    expect(await run(prober, up.target)).toEqual({ kind: 'success' });
    expect(await run(prober, up.target)).toEqual({ kind: 'success' });
    expect(up.connections).toHaveLength(1);
    prober.release(up.target);
  });

  it('closes after each success with reuse_connection false', async () => {
    up = await upstream((socket) => socket.write('PONG'));
    const prober = new TcpProber({ clock, reuseConnection: false, probe: { type: 'tcp', send: hex('ping'), receive: [hex('PONG')] } });
    await run(prober, up.target);
    await run(prober, up.target);
    expect(up.connections).toHaveLength(2);
  });

  it('wrong data never matches: the probe ends by timeout', async () => {
    let replied!: () => void;
    const sent = new Promise<void>((r) => (replied = r));
    up = await upstream((socket) => socket.write('nope', () => replied()));
    const prober = new TcpProber({ clock, reuseConnection: true, probe: { type: 'tcp', send: hex('ping'), receive: [hex('PONG')] } });
    const result = run(prober, up.target, 2000);
    await sent;
    await new Promise<void>((r) => setImmediate(r));
    clock.advance(2000);
    expect(await result).toMatchObject({ kind: 'network', failure: 'timeout' });
    await closedOn(up.connections[0]);
  });

  it('a refused connection is a connect failure; a close mid-probe is a reset', async () => {
    up = await upstream((socket) => socket.destroy());
    const port = up.target.port;
    const prober = new TcpProber({ clock, reuseConnection: true, probe: { type: 'tcp', send: hex('ping'), receive: [hex('PONG')] } });
    expect(await run(prober, up.target)).toMatchObject({ kind: 'network', failure: 'reset' });
    await up.close();
    up = undefined;
    expect(await run(prober, { address: '127.0.0.1', port, authority: '' })).toMatchObject({ kind: 'network', failure: 'connect' });
  });
});

describe('containsInOrder', () => {
  const b = (s: string): Buffer => Buffer.from(s);
  it('finds blocks in order, each after the previous one', () => {
    expect(containsInOrder(b('abcdef'), [b('ab'), b('ef')])).toBe(true);
    expect(containsInOrder(b('abcdef'), [b('ef'), b('ab')])).toBe(false);
    expect(containsInOrder(b('abab'), [b('aba'), b('ab')])).toBe(false);
    expect(containsInOrder(b('anything'), [])).toBe(true);
  });
});
