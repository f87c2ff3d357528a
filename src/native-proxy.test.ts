/**
 * NativeProxy in worker mode, with in-process workers: the primary keeps the health engines and
 * answers /stats and /clusters with the workers' numbers added up (membership gauges once).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminServer } from './admin/admin-server';
import { silentLogger } from './log';
import { NativeProxy } from './native-proxy';
import { FakeClock, FakeRandom } from '../test/fakes/fake-clock';
import { send } from '../test/fakes/http-client';
import { inProcessSpawner } from '../test/fakes/in-process-workers';
import { aBackend, anIr, aRoute, forwardTo } from '../test/fakes/proxy-fixtures';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function upstream(): Promise<number> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('NativeProxy with --proxy-workers', () => {
  it('serves through the workers; /stats and /clusters add their numbers to the primary\'s', async () => {
    const clock = new FakeClock();
    const { spawn, workers } = inProcessSpawner(clock);
    const proxy = new NativeProxy({
      proxy: { port: 0, address: '127.0.0.1', lbPolicy: undefined, workers: 2 },
      clock,
      random: new FakeRandom([0]),
      logger: silentLogger,
      spawnWorker: spawn,
    });
    const admin = new AdminServer({ logger: silentLogger });
    proxy.registerAdmin(admin);
    const adminPort = await admin.listen('127.0.0.1', 0);
    cleanups.push(() => admin.stop());
    const u = await upstream();
    proxy.apply(anIr([aRoute('r', { action: forwardTo(['web']) })], [aBackend('web', [u])]));
    const [port = 0] = await proxy.listen();
    cleanups.push(() => proxy.stop());
    expect(workers).toHaveLength(2);
    expect(proxy.runtime.clusters().map((c) => c.name)).toEqual(['web']); // the engines stay here

    for (let i = 0; i < 3; i++) expect((await send(port, { path: '/get' })).status).toBe(200);
    const stats = await (await fetch(`http://127.0.0.1:${adminPort}/stats?filter=^cluster\\.web\\.(upstream_rq_total|membership_total)$`)).text();
    expect(stats).toBe('cluster.web.membership_total: 1\ncluster.web.upstream_rq_total: 3\n');
    const clusters = await (await fetch(`http://127.0.0.1:${adminPort}/clusters`)).text();
    expect(clusters).toContain(`web::127.0.0.1:${u}::rq_total::3\n`);
    expect(clusters).toContain(`web::127.0.0.1:${u}::health_flags::healthy\n`);
  });
});
