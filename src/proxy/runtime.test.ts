import net from 'node:net';
import type * as ir from '../ir/types';
import { silentLogger } from '../log';
import { FakeClock, FakeRandom } from '../../test/fakes/fake-clock';
import { FakeClusterHealth } from '../../test/fakes/fake-cluster-health';
import { closedPort, send } from '../../test/fakes/http-client';
import { aBackend, aListener, aMatch, anEndpoint, anIr, aRoute, aVirtualHost, forwardTo } from '../../test/fakes/proxy-fixtures';
import { HostFlag } from './health/cluster-health';
import { PROXY_PORT_KEY, ProxyRuntime, type ProxyRuntimeOptions } from './runtime';
import { Stats } from './stats';

function runtime(overrides: Partial<ProxyRuntimeOptions> = {}) {
  const created: FakeClusterHealth[] = [];
  const stats = new Stats();
  const rt = new ProxyRuntime({
    clock: new FakeClock(),
    random: new FakeRandom([0]),
    stats,
    logger: silentLogger,
    healthFactory: (backend) => {
      const h = new FakeClusterHealth(backend);
      created.push(h);
      return h;
    },
    ...overrides,
  });
  return { rt, created, stats };
}

const running: ProxyRuntime[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('ProxyRuntime.apply', () => {
  it('keeps the health engine of a backend that stays, creates new ones, stops removed ones', async () => {
    const { rt, created, stats } = runtime();
    await rt.apply(anIr([], [aBackend('a', [1001])]));
    expect(created.map((h) => h.name)).toEqual(['a']);
    const a = created[0];
    a?.setFlags('127.0.0.1:1001', HostFlag.FAILED_ACTIVE_HC);

    const changedA = aBackend('a', [1001, 1002]);
    await rt.apply(anIr([], [changedA, aBackend('b', [2001])]));
    expect(created.map((h) => h.name)).toEqual(['a', 'b']);
    expect(a?.updates).toEqual([changedA]);
    expect(rt.clusters().map((c) => c.name)).toEqual(['a', 'b']);
    expect(rt.clusters()[0]?.health.hosts().map((h) => h.flags)).toEqual([HostFlag.FAILED_ACTIVE_HC, 0]);
    expect(stats.get('cluster.a.membership_change')).toBe(1);
    expect(stats.get('cluster.a.membership_total')).toBe(2);

    await rt.apply(anIr([], [aBackend('b', [2001])]));
    expect(a?.stopped).toBe(true);
    expect(created[1]?.stopped).toBe(false);
    expect(rt.clusters().map((c) => c.name)).toEqual(['b']);
    expect(stats.get('cluster.a.membership_total')).toBe(0);
  });

  it('swaps the route table in one step', async () => {
    const { rt } = runtime({ proxyPort: 0 });
    await rt.apply(anIr([aRoute('old', { match: aMatch({ path: { type: 'Exact', value: '/old' } }) })], []));
    const before = rt.table(PROXY_PORT_KEY);
    await rt.apply(anIr([aRoute('new', { match: aMatch({ path: { type: 'Exact', value: '/new' } }) })], []));
    const after = rt.table(PROXY_PORT_KEY);
    const request = (url: string) => ({ method: 'GET', host: 'x', url, headers: {} });
    expect(before?.router.match(request('/old'))?.route.name).toBe('old');
    expect(after?.router.match(request('/old'))).toBeUndefined();
    expect(after?.router.match(request('/new'))?.route.name).toBe('new');
  });

  it('builds a new health engine when a backend keeps its name but changes engine', async () => {
    const { rt, created } = runtime();
    await rt.apply(anIr([], [aBackend('a', [1001])]));
    const kong = aBackend('a', [1001], { engine: 'kong' });
    await rt.apply(anIr([], [kong]));
    expect(created.map((h) => h.engine)).toEqual(['envoy', 'kong']);
    expect(created[0]?.stopped).toBe(true);
    expect(created[0]?.updates).toEqual([]);
    expect(rt.clusters()[0]?.health).toBe(created[1]);
    await rt.apply(anIr([], [{ ...kong, endpoints: [anEndpoint('127.0.0.1', 1002)] }]));
    expect(created).toHaveLength(2);
    expect(created[1]?.updates).toHaveLength(1);
  });

  it('stops every engine on stop()', async () => {
    const { rt, created } = runtime();
    await rt.apply(anIr([], [aBackend('a', [1]), aBackend('b', [2])]));
    await rt.stop();
    expect(created.every((h) => h.stopped)).toBe(true);
  });
});

describe('ProxyRuntime.listen', () => {
  it('without a proxy port serves each IR listener on its own port, and follows listener changes', async () => {
    const [p1, p2] = [await closedPort(), await closedPort()];
    const { rt } = runtime();
    running.push(rt);
    const direct = (name: string, body: string): ir.Route => aRoute(name, { action: { type: 'directResponse', status: 200, body } });
    const two: ir.Ir = {
      listeners: [aListener(p1, [aVirtualHost('*', [direct('one', 'first')])]), aListener(p2, [aVirtualHost('*', [direct('two', 'second')])])],
      backends: [],
    };
    await rt.apply(two);
    const ports = await rt.listen();
    expect([...ports.keys()].sort()).toEqual([p1, p2].sort());
    expect((await send(p1)).body).toBe('first');
    expect((await send(p2)).body).toBe('second');

    await rt.apply({ listeners: [two.listeners[0] as ir.Listener], backends: [] });
    expect([...rt.boundPorts().keys()]).toEqual([p1]);
    await expect(send(p2)).rejects.toThrow();
  });

  it('applies overlapping IRs in order: the servers end up matching the last one', async () => {
    const [p1, p2] = [await closedPort(), await closedPort()];
    const { rt } = runtime();
    running.push(rt);
    const direct = aRoute('d', { action: { type: 'directResponse', status: 200, body: 'x' } });
    const at = (port: number): ir.Ir => ({ listeners: [aListener(port, [aVirtualHost('*', [direct])])], backends: [] });
    await rt.apply(at(p1));
    await rt.listen();
    await Promise.all([rt.apply(at(p2)), rt.apply(at(p1)), rt.apply(at(p2))]);
    expect([...rt.boundPorts().keys()]).toEqual([p2]);
    expect((await send(p2)).body).toBe('x');
    await expect(send(p1)).rejects.toThrow();
  });

  it('answers 503 `connection termination` when the upstream closes before responding', async () => {
    const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const { rt, created, stats } = runtime({ proxyPort: 0, address: '127.0.0.1' });
    running.push(rt);
    const route = aRoute('r', { action: forwardTo(['web']), responseHeaders: { set: [{ name: 'x-route', value: 'yes' }], add: [], remove: [] } });
    await rt.apply(anIr([route], [aBackend('web', [port], { endpoints: [anEndpoint('127.0.0.1', port)] })]));
    const proxyPort = (await rt.listen()).get(PROXY_PORT_KEY) ?? 0;
    const r = await send(proxyPort, { path: '/' });
    expect(r.status).toBe(503);
    expect(r.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection termination');
    expect(r.headers['x-route']).toBe('yes');
    expect(created[0]?.outcomesOf(`127.0.0.1:${port}`)).toEqual([{ type: 'connect-failure' }]);
    expect(stats.get('cluster.web.upstream_rq_503')).toBe(1);
  });

  it('retries a bodyless request once when a kept-alive connection turns out closed', async () => {
    // Connection 1 answers one request, then drops the next one unanswered (a stale keep-alive).
    let connections = 0;
    const server = net.createServer((socket) => {
      const n = ++connections;
      let requests = 0;
      socket.on('data', () => {
        requests++;
        if (n === 1 && requests === 2) socket.destroy();
        else socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-conn: ${n}\r\n\r\nok`);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const { rt, created } = runtime({ proxyPort: 0, address: '127.0.0.1' });
    running.push(rt);
    await rt.apply(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [port])]));
    const proxyPort = (await rt.listen()).get(PROXY_PORT_KEY) ?? 0;
    expect((await send(proxyPort)).headers['x-conn']).toBe('1');
    const second = await send(proxyPort);
    expect(second).toMatchObject({ status: 200, body: 'ok' });
    expect(second.headers['x-conn']).toBe('2');
    expect(created[0]?.outcomesOf(`127.0.0.1:${port}`).map((o) => o.type)).toEqual(['response', 'response']);
    expect(rt.clusters()[0]?.traffic(`127.0.0.1:${port}`)).toMatchObject({ cx_total: 2, rq_total: 2 });
  });

  it('answers 500 when a rewrite produces a path node:http cannot send', async () => {
    const { rt } = runtime({ proxyPort: 0, address: '127.0.0.1' });
    running.push(rt);
    const route = aRoute('r', { action: forwardTo(['web'], { rewrite: { type: 'ReplaceFullPath', path: '/bad path' } }) });
    await rt.apply(anIr([route], [aBackend('web', [await closedPort()])]));
    const proxyPort = (await rt.listen()).get(PROXY_PORT_KEY) ?? 0;
    expect((await send(proxyPort)).status).toBe(500);
  });
});
