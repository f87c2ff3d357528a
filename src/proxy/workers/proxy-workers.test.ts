import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../log';
import { FakeClock } from '../../../test/fakes/fake-clock';
import { FakeClusterHealth } from '../../../test/fakes/fake-cluster-health';
import { send, waitFor } from '../../../test/fakes/http-client';
import { aBackend, anIr, aRoute, forwardTo } from '../../../test/fakes/proxy-fixtures';
import type * as ir from '../../ir/types';
import { HostFlag } from '../health/cluster-health';
import { PROXY_PORT_KEY } from '../runtime';
import { inProcessSpawner } from '../../../test/fakes/in-process-workers';
import { ProxyWorkers } from './proxy-workers';

/** An upstream on 127.0.0.1 that counts requests and answers `status`. */
async function upstream(): Promise<{ port: number; hits: () => number; setStatus: (s: number) => void; close: () => Promise<void> }> {
  let hits = 0;
  let status = 200;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(status, { 'content-length': 2 });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    setStatus: (s) => (status = s),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function irFor(backend: ir.Backend): ir.Ir {
  return anIr([aRoute('r', { action: forwardTo([backend.name]) })], [backend]);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(count = 2, spawnerOptions: { hello?: boolean; answerStop?: boolean } = {}) {
  const clock = new FakeClock();
  const ups = [await upstream(), await upstream()];
  cleanups.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
  const backend = aBackend('b', ups.map((u) => u.port));
  const engines = new Map<string, FakeClusterHealth>([['b', new FakeClusterHealth(backend)]]);
  const { spawn, workers } = inProcessSpawner(clock, spawnerOptions);
  const pool = new ProxyWorkers({
    count,
    spawn,
    settings: { proxyPort: 0, address: '127.0.0.1', logLevel: 'error', traces: [] },
    clusters: () => [...engines].map(([name, health]) => ({ name, health })),
    clock,
    logger: silentLogger,
    defer: (fn) => setImmediate(fn),
    restartDelayMs: 1000,
    stopTimeoutMs: 5000,
  });
  cleanups.push(() => pool.stop());
  return { clock, ups, backend, engine: engines.get('b') as FakeClusterHealth, engines, pool, workers };
}

describe('ProxyWorkers with in-process workers', () => {
  it('holds messages until a worker says hello, then sends init, config with health, listen', async () => {
    const { pool, workers, backend } = await setup(1, { hello: true });
    pool.apply(irFor(backend));
    const ports = await pool.start();
    expect(workers[0]?.received.map((m) => m.type)).toEqual(['init', 'config', 'listen']);
    const config = workers[0]?.received[1];
    expect(config?.type === 'config' && Object.keys(config.health)).toEqual(['b']);
    expect(config?.type === 'config' && config.health.b?.map((h) => h.flags)).toEqual([0, 0]);
    expect(ports.get(PROXY_PORT_KEY)).toBeGreaterThan(0);
  });

  it('proxies through a worker and feeds every outcome into the primary engine, in order', async () => {
    const { pool, ups, backend, engine, clock } = await setup(1);
    pool.apply(irFor(backend));
    const port = (await pool.start()).get(PROXY_PORT_KEY) ?? 0;
    ups[0]?.setStatus(503);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(port)).status);
    expect(statuses.sort()).toEqual([200, 200, 503, 503]);
    await waitFor(() => false, 50).catch(() => undefined);
    expect(engine.reports).toEqual([]); // outcomes wait for the batch (2 ms)
    clock.advance(2);
    await waitFor(() => engine.reports.filter((r) => r.outcome.type === 'response').length === 4);
    const key0 = `127.0.0.1:${ups[0]?.port}`;
    expect(engine.outcomesOf(key0).map((o) => o.type === 'response' && o.status)).toEqual([503, 503]);
    expect(engine.outcomesOf(`127.0.0.1:${ups[1]?.port}`).map((o) => o.type === 'response' && o.status)).toEqual([200, 200]);
  });

  it('a status request sends the pending outcomes first, so admin reads engines that saw them', async () => {
    const { pool, ups, backend, engine } = await setup(1);
    pool.apply(irFor(backend));
    const port = (await pool.start()).get(PROXY_PORT_KEY) ?? 0;
    ups[0]?.setStatus(500);
    for (let i = 0; i < 2; i++) await send(port);
    expect(engine.reports).toEqual([]); // still in the worker's 2 ms batch
    await pool.status();
    expect(engine.reports.filter((r) => r.outcome.type === 'response')).toHaveLength(2);
  });

  it('broadcasts a flag change: workers stop sending to a host the primary marked failed', async () => {
    const { pool, ups, backend, engine } = await setup(2);
    pool.apply(irFor(backend));
    const port = (await pool.start()).get(PROXY_PORT_KEY) ?? 0;
    // In-process workers each bind their own port 0; the first one's is enough here.
    engine.setFlags(`127.0.0.1:${ups[0]?.port}`, HostFlag.FAILED_ACTIVE_HC);
    await waitFor(() => false, 50).catch(() => undefined);
    const before = ups[0]?.hits() ?? 0;
    for (let i = 0; i < 6; i++) expect((await send(port)).status).toBe(200);
    expect(ups[0]?.hits()).toBe(before);
    expect(ups[1]?.hits()).toBe(6);
  });

  it('sends every config with the health of its clusters; a later health message names only what changed', async () => {
    const { pool, workers, backend, engines, engine } = await setup(1);
    pool.apply(irFor(backend));
    await pool.start();
    const other = aBackend('c', [1]);
    engines.set('c', new FakeClusterHealth(other));
    pool.apply(anIr([], [backend, other]));
    engine.setFlags(`127.0.0.1:${backend.endpoints[0]?.port}`, HostFlag.FAILED_OUTLIER_CHECK);
    await waitFor(() => workers[0]?.received.some((m) => m.type === 'health') === true);
    const health = workers[0]?.received.find((m) => m.type === 'health');
    expect(health?.type === 'health' && Object.keys(health.health)).toEqual(['b']);
    expect(health?.type === 'health' && health.health.b?.[0]?.flags).toBe(HostFlag.FAILED_OUTLIER_CHECK);
    const configs = workers[0]?.received.filter((m) => m.type === 'config') ?? [];
    expect(configs.map((m) => m.type === 'config' && Object.keys(m.health).sort())).toEqual([['b'], ['b', 'c']]);
  });

  it('status() gathers every worker; stats add up, membership gauges stay the primary\'s', async () => {
    const { pool, backend } = await setup(2);
    pool.apply(irFor(backend));
    const ports = await pool.start();
    const port = ports.get(PROXY_PORT_KEY) ?? 0;
    for (let i = 0; i < 3; i++) await send(port);
    const statuses = await pool.status();
    expect(statuses).toHaveLength(2);
    const total = (name: string): number => statuses.flatMap((s) => s.stats).filter(([n]) => n === name).reduce((sum, [, , v]) => sum + v, 0);
    expect(total('cluster.b.upstream_rq_total')).toBe(3);
    expect(statuses.flatMap((s) => s.stats).some(([n]) => n.endsWith('.membership_total'))).toBe(false);
    const perHost = statuses.map((s) => Object.values(s.traffic.b ?? {}).reduce((sum, t) => sum + t.rq_total, 0));
    expect(perHost.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('status() counts a worker that does not answer in time with its last report', async () => {
    const { pool, backend, workers, clock } = await setup(2);
    pool.apply(irFor(backend));
    const port = (await pool.start()).get(PROXY_PORT_KEY) ?? 0;
    await send(port);
    clock.advance(1000); // every worker reports unasked once a second
    await waitFor(() => false, 50).catch(() => undefined);
    await send(port);
    if (workers[0]) workers[0].ignoring = 'status-request';
    const pending = pool.status();
    await waitFor(() => false, 50).catch(() => undefined);
    clock.advance(1000);
    const statuses = await pending;
    expect(statuses).toHaveLength(2);
    const rq = statuses.flatMap((s) => s.stats).filter(([n]) => n === 'cluster.b.upstream_rq_total');
    expect(rq.map(([, , v]) => v)).toEqual([1]); // the stale report of worker 0 (1 of its 2 requests); worker 1 served none
  });

  it('keeps the counters of a worker that died, and drops its gauges', async () => {
    const { pool, backend, workers, clock } = await setup(2);
    pool.apply(irFor(backend));
    const port = (await pool.start()).get(PROXY_PORT_KEY) ?? 0;
    for (let i = 0; i < 3; i++) await send(port);
    clock.advance(1000);
    await waitFor(() => false, 50).catch(() => undefined);
    await workers[0]?.crash();
    await waitFor(() => pool.pids()[0] === undefined);
    const statuses = await pool.status();
    const stat = (name: string): number => statuses.flatMap((s) => s.stats).filter(([n]) => n === name).reduce((sum, [, , v]) => sum + v, 0);
    expect(stat('cluster.b.upstream_rq_total')).toBe(3);
    expect(statuses.flatMap((s) => s.stats).some(([n, kind]) => n === 'cluster.b.upstream_cx_active' && kind === 'gauge')).toBe(false);
    const hosts = statuses.flatMap((s) => Object.values(s.traffic.b ?? {}));
    expect(hosts.reduce((sum, t) => sum + t.rq_total, 0)).toBe(3);
    expect(hosts.reduce((sum, t) => sum + t.cx_active, 0)).toBe(0);
  });

  it('restarts a worker that died after the restart delay; the new one gets init, config, listen', async () => {
    const { pool, backend, workers, clock } = await setup(2);
    pool.apply(irFor(backend));
    await pool.start();
    await workers[0]?.crash();
    await waitFor(() => pool.pids()[0] === undefined);
    expect(workers).toHaveLength(2);
    clock.advance(999);
    expect(workers).toHaveLength(2);
    clock.advance(1);
    expect(workers).toHaveLength(3);
    await waitFor(() => (workers[2]?.received.length ?? 0) === 3);
    expect(workers[2]?.received.map((m) => m.type)).toEqual(['init', 'config', 'listen']);
    expect(pool.pids()).toEqual([workers[2]?.pid, workers[1]?.pid]);
  });

  it('start() fails when a worker dies before it listens', async () => {
    const { pool, backend, workers } = await setup(1, { hello: false });
    pool.apply(irFor(backend));
    const started = pool.start();
    await workers[0]?.crash();
    await expect(started).rejects.toThrow(/exited/);
  });

  it('stop() asks every worker to stop and kills one that does not exit in time', async () => {
    const { pool, backend, workers, clock } = await setup(2, { answerStop: false });
    pool.apply(irFor(backend));
    await pool.start();
    const stopped = pool.stop();
    await waitFor(() => workers.every((w) => w.received.some((m) => m.type === 'stop')));
    expect(workers.every((w) => w.alive)).toBe(true);
    clock.advance(5000);
    await stopped;
    await waitFor(() => workers.every((w) => !w.alive));
  });
});
