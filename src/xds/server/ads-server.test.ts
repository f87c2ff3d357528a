import * as grpc from '@grpc/grpc-js';
import { systemClock } from '../../clock';
import { silentLogger } from '../../log';
import { adsClient, endStatus, nextMessages } from '../../../test/fakes/xds-test-client';
import { aBundle } from '../../../test/fakes/xds-fixtures';
import type { AggregatedDiscoveryServiceClient } from '../generated/envoy/service/discovery/v3/AggregatedDiscoveryService';
import { byCluster, DEFAULT_GROUP } from '../cache/node-hash';
import { SnapshotCache } from '../cache/snapshot-cache';
import { decodeMessage } from '../proto';
import { buildSnapshot } from '../snapshot-builder';
import { TypeUrl } from '../type-urls';
import { AdsServer } from './ads-server';
import type { XdsLimits } from './requests';

const node = { id: 'n1', cluster: 'c1' };

async function start(limits: Partial<XdsLimits> = {}): Promise<{ server: AdsServer; cache: SnapshotCache; port: number; client: AggregatedDiscoveryServiceClient }> {
  const cache = new SnapshotCache({ clock: systemClock, logger: silentLogger });
  cache.setSnapshot(DEFAULT_GROUP, buildSnapshot(aBundle(['a', 'b'])));
  const server = new AdsServer({ cache, nodeHash: byCluster, hooks: {}, clock: systemClock, logger: silentLogger, epoch: 'e', limits, controlPlaneId: 'hp-test' });
  const port = await server.listen('127.0.0.1', 0);
  return { server, cache, port, client: adsClient(port) };
}

describe('AdsServer over real gRPC', () => {
  let ctx: Awaited<ReturnType<typeof start>>;
  afterEach(async () => {
    ctx.client.close();
    await ctx.server.stop(200);
  });

  test('SotW and delta ADS streams are served side by side; responses name the control plane', async () => {
    ctx = await start();
    const sotw = ctx.client.StreamAggregatedResources();
    const delta = ctx.client.DeltaAggregatedResources();
    const s = nextMessages(sotw, 1);
    const d = nextMessages(delta, 1);
    sotw.write({ node, type_url: TypeUrl.Cluster });
    delta.write({ node, type_url: TypeUrl.Cluster });
    const [[sr], [dr]] = await Promise.all([s, d]);
    expect(sr!.resources.map((a) => decodeMessage('envoy.config.cluster.v3.Cluster', a.value).name)).toEqual(['a', 'b']);
    expect(sr!.control_plane?.identifier).toBe('hp-test');
    expect(dr!.resources.map((r) => r.name)).toEqual(['a', 'b']);
    expect(ctx.server.streamCount()).toBe(2);
    sotw.end();
    delta.end();
    await Promise.all([endStatus(sotw), endStatus(delta)]);
  });

  test('a request without type_url ends that stream with INVALID_ARGUMENT; other streams keep being served', async () => {
    ctx = await start();
    const bad = ctx.client.StreamAggregatedResources();
    const good = ctx.client.StreamAggregatedResources();
    const status = endStatus(bad);
    bad.write({ node });
    expect(await status).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'type URL is required for ADS' });
    const got = nextMessages(good, 1);
    good.write({ node, type_url: TypeUrl.Endpoint, resource_names: ['a'] });
    expect((await got)[0]!.resources).toHaveLength(1);
    good.on('error', () => undefined);
    good.cancel();
  });

  test('bytes that are not a DiscoveryRequest end the stream with a status, not the process', async () => {
    ctx = await start();
    const raw = new grpc.Client(`127.0.0.1:${ctx.port}`, grpc.credentials.createInsecure());
    const call = raw.makeBidiStreamRequest(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const status = endStatus(call as unknown as grpc.ClientDuplexStream<unknown, unknown>);
    call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect((await status).code).not.toBe(grpc.status.OK);
    raw.close();
  });

  test('streams beyond the limit are refused with RESOURCE_EXHAUSTED', async () => {
    ctx = await start({ maxStreams: 1 });
    const first = ctx.client.StreamAggregatedResources();
    const got = nextMessages(first, 1);
    first.write({ node, type_url: TypeUrl.Cluster });
    await got;
    const second = ctx.client.StreamAggregatedResources();
    const status = endStatus(second);
    second.write({ node, type_url: TypeUrl.Cluster });
    expect(await status).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    first.on('error', () => undefined);
    first.cancel();
  });

  test('the per-type CDS service and its Fetch method answer with the implicit type', async () => {
    ctx = await start();
    const raw = new grpc.Client(`127.0.0.1:${ctx.port}`, grpc.credentials.createInsecure());
    const body = await new Promise<Buffer>((resolve, reject) => {
      raw.makeUnaryRequest(
        '/envoy.service.cluster.v3.ClusterDiscoveryService/FetchClusters',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (err, value) => (err || !value ? reject(err) : resolve(value)),
      );
    });
    const response = decodeMessage('envoy.service.discovery.v3.DiscoveryResponse', body);
    expect(response.type_url).toBe(TypeUrl.Cluster);
    expect(response.resources).toHaveLength(2);
    raw.close();
  });

  test('stop() ends open streams with UNAVAILABLE so clients reconnect elsewhere', async () => {
    ctx = await start();
    const call = ctx.client.StreamAggregatedResources();
    const got = nextMessages(call, 1);
    call.write({ node, type_url: TypeUrl.Cluster });
    await got;
    const status = endStatus(call);
    await ctx.server.stop(1000);
    expect(await status).toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'server shutting down' });
  });
});
