/**
 * The Kong engine inside the real native proxy: ProxyRuntime with clusterHealthFactory, real
 * sockets on 127.0.0.1 to the demo upstream (httpbin's /status/<n>), real HTTP probes, and the Kong
 * Admin API dispatcher on a bare server. Time is fake: probe rounds run when the test advances it.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parse } from 'yaml';
import { FakeClock, FakeRandom } from '../../../test/fakes/fake-clock';
import { send, waitFor } from '../../../test/fakes/http-client';
import { kongAdminHandler, kongUpstreamsOf } from '../../admin/kong-admin';
import { startDemoUpstream, type DemoUpstream } from '../../demo/demo-upstream';
import type * as ir from '../../ir/types';
import { silentLogger } from '../../log';
import { PROXY_PORT_KEY, ProxyRuntime } from '../runtime';
import { Stats } from '../stats';
import { clusterHealthFactory } from './cluster-health-factory';
import { KongClusterHealth } from './kong-cluster-health';

const UPSTREAM = 'httproute.default.demo.0';

function goldenIr(file: string, upstreamPort: number): ir.Ir {
  const text = readFileSync(path.join(__dirname, '../../../test/translate/testdata', file), 'utf8');
  const golden = parse(text) as ir.Ir;
  const backends = golden.backends.map((b) =>
    b.name === UPSTREAM ? { ...b, endpoints: b.endpoints.map((e) => ({ ...e, address: '127.0.0.1', port: upstreamPort, healthCheckHostname: '127.0.0.1' })) } : b,
  );
  return { ...golden, backends };
}

describe('Kong mode in the native proxy (real sockets, fake time)', () => {
  let upstream: DemoUpstream;
  let runtime: ProxyRuntime;
  let admin: http.Server;
  let proxyPort = 0;
  let adminPort = 0;
  const clock = new FakeClock();

  beforeAll(async () => {
    upstream = await startDemoUpstream({ port: 0, name: 'httpbin', clock, random: new FakeRandom([0]) });
    runtime = new ProxyRuntime({
      clock,
      random: new FakeRandom([0]),
      stats: new Stats(),
      logger: silentLogger,
      healthFactory: clusterHealthFactory({ clock, random: new FakeRandom([0]), stats: new Stats() }),
      proxyPort: 0,
      address: '127.0.0.1',
    });
    await runtime.apply(goldenIr('seed-kong-passive-httproute.ir.yaml', upstream.port));
    proxyPort = (await runtime.listen()).get(PROXY_PORT_KEY) ?? 0;
    admin = http.createServer(kongAdminHandler({ registry: kongUpstreamsOf(() => runtime.clusters()), nodeId: 'node-1' }));
    await new Promise<void>((r) => admin.listen(0, '127.0.0.1', r));
    adminPort = (admin.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await runtime.stop();
    await upstream.close();
    await new Promise<void>((r) => admin.close(() => r()));
  });

  const curl = async (status: number): Promise<number> => (await send(proxyPort, { path: `/test/status/${status}` })).status;
  const kong = (): KongClusterHealth => runtime.clusters().find((c) => c.name === UPSTREAM)?.health as KongClusterHealth;
  const seconds = async (s: number): Promise<void> => {
    for (let i = 0; i < s; i++) {
      clock.advance(1000);
      await waitFor(() => kong().probing === 0);
    }
  };

  it('follows the how-to: passive breaker, Kong 503, Admin API, then active recovery', async () => {
    expect(kong()).toBeInstanceOf(KongClusterHealth);
    expect([await curl(500), await curl(500), await curl(200)]).toEqual([500, 500, 200]);
    expect([await curl(500), await curl(500), await curl(500)]).toEqual([500, 500, 500]);
    const refused = await send(proxyPort, { path: '/test/status/200' });
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({ message: 'failure to get a peer from the ring-balancer' });
    await seconds(30);
    expect(await curl(200)).toBe(503);

    // The Admin API sets the target healthy again.
    const put = await send(adminPort, { method: 'PUT', path: `/upstreams/${UPSTREAM}/targets/127.0.0.1:${upstream.port}/healthy` });
    expect(put.status).toBe(204);
    expect(await curl(200)).toBe(200);

    // Trip it again, then apply the active policy: probes of /status/200 bring it back in 15 s.
    for (let i = 0; i < 3; i++) await curl(500);
    expect(await curl(200)).toBe(503);
    await runtime.apply(goldenIr('seed-kong-active-httproute.ir.yaml', upstream.port));
    await seconds(14);
    expect(await curl(200)).toBe(503);
    await seconds(1);
    expect(await curl(200)).toBe(200);
    const health = JSON.parse((await send(adminPort, { path: `/upstreams/${UPSTREAM}/health` })).body) as { data: { health: string }[] };
    expect(health.data.map((t) => t.health)).toEqual(['HEALTHY']);
  });
});
