import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '../../log';
import { FakeClock } from '../../../test/fakes/fake-clock';
import { aNack, aNode, aResponse, aStream, anAck } from '../../../test/fakes/hook-events';
import { Snapshot } from '../cache/snapshot';
import { SnapshotCache } from '../cache/snapshot-cache';
import type { ClientStatusDiscoveryServiceClient } from '../generated/envoy/service/status/v3/ClientStatusDiscoveryService';
import type { ClientStatusRequest } from '../generated/envoy/service/status/v3/ClientStatusRequest';
import type { ClientStatusResponse__Output } from '../generated/envoy/service/status/v3/ClientStatusResponse';
import { decodeMessage, encodeMessage, xdsPackageDefinition } from '../proto';
import { TypeUrl } from '../type-urls';
import { ClientRegistry } from './client-registry';
import { clientStatus, csdsService } from './csds-service';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;

function cluster(name: string, timeout: number) {
  return {
    name,
    bytes: encodeMessage('envoy.config.cluster.v3.Cluster', { name, type: 'EDS', connect_timeout: { seconds: timeout }, eds_cluster_config: { eds_config: { ads: {} } } }),
    references: [name],
  };
}
function cla(name: string) {
  return { name, bytes: encodeMessage('envoy.config.endpoint.v3.ClusterLoadAssignment', { cluster_name: name }) };
}

/** A cache holding clusters a, b (and their CLAs), and a registry with one Envoy that got a NACK on EDS. */
function fixture() {
  const clock = new FakeClock();
  const cache = new SnapshotCache({ clock, logger: silentLogger });
  const snapshot = new Snapshot({ [CDS]: [cluster('a', 1), cluster('b', 2)], [EDS]: [cla('a'), cla('b')] });
  expect(cache.setSnapshot('edge', snapshot).status).toBe('published');
  const va = snapshot.get(CDS, 'a')?.version as string;
  const vb = snapshot.get(CDS, 'b')?.version as string;
  const ea = snapshot.get(EDS, 'a')?.version as string;
  const registry = new ClientRegistry({ clock });
  registry.onStreamOpen(aStream({ id: 1 }));
  registry.onNode(1, aNode({ id: 'envoy-1', cluster: 'edge' }), 'edge');
  registry.onSubscription(1, CDS, ['*'], true);
  registry.onResponse(1, aResponse(CDS, '1', 'cds-v1', { a: va, b: 'old-b' }));
  registry.onAck(1, anAck(CDS, '1', 'cds-v1'));
  registry.onSubscription(1, EDS, ['a', 'b', 'c'], false);
  registry.onResponse(1, aResponse(EDS, '2', 'eds-v1', { a: ea }));
  registry.onNack(1, aNack(EDS, '2', 'eds-v1', 'endpoints[0].locality unset', { version: '' }));
  registry.onStreamOpen(aStream({ id: 2 }));
  registry.onNode(2, aNode({ id: 'grpc-client-7', cluster: 'edge', userAgentName: 'gRPC Node Pure JS' }), 'edge');
  return { cache, registry, snapshot, va, vb, ea };
}

describe('clientStatus', () => {
  it('reports one ClientConfig per connected node with per-resource status', () => {
    const { cache, registry, va, vb, snapshot } = fixture();
    const res = clientStatus(registry, cache, {});
    expect(res.config?.map((c) => c.node?.id)).toEqual(['envoy-1', 'grpc-client-7']);
    const envoy = res.config?.[0];
    expect(envoy?.node).toMatchObject({ id: 'envoy-1', cluster: 'edge', user_agent_name: 'envoy', user_agent_version: '1.30.0' });
    const rows = envoy?.generic_xds_configs?.map((g) => [g.type_url, g.name, g.config_status, g.client_status, g.version_info]);
    expect(rows).toEqual([
      [CDS, 'a', 'SYNCED', 'ACKED', 'cds-v1'],
      [CDS, 'b', 'NOT_SENT', 'ACKED', 'cds-v1'], // the client ACKed an older b; the current one was not sent
      [EDS, 'a', 'ERROR', 'NACKED', ''],
      [EDS, 'b', 'NOT_SENT', 'REQUESTED', ''],
      [EDS, 'c', 'NOT_SENT', 'DOES_NOT_EXIST', ''],
    ]);
    const a = envoy?.generic_xds_configs?.[0];
    const any = a?.xds_config as { type_url: string; value: Uint8Array } | undefined;
    expect(any?.type_url).toBe(CDS);
    expect(Buffer.from(any?.value as Uint8Array)).toEqual(Buffer.from(snapshot.get(CDS, 'a')?.bytes as Uint8Array));
    expect(va).not.toBe(vb);
    const nacked = envoy?.generic_xds_configs?.[2];
    expect(nacked?.error_state).toMatchObject({ details: 'endpoints[0].locality unset', version_info: 'eds-v1' });
    expect((nacked?.error_state?.failed_configuration as { type_url: string } | undefined)?.type_url).toBe(EDS);
  });

  it('marks resources sent but not yet acknowledged as STALE, and dropped ones as NOT_SENT', () => {
    const { cache, registry, vb } = fixture();
    registry.onResponse(1, aResponse(CDS, '3', 'cds-v2', { b: vb }));
    const rows = clientStatus(registry, cache, {}).config?.[0]?.generic_xds_configs?.filter((g) => g.type_url === CDS);
    // the full-state CDS response without a: the client drops it, though the cache still holds it
    expect(rows?.map((g) => [g.name, g.config_status, g.version_info])).toEqual([
      ['a', 'NOT_SENT', ''],
      ['b', 'STALE', 'cds-v1'],
    ]);
  });

  it('omits resource contents when asked', () => {
    const { cache, registry } = fixture();
    const res = clientStatus(registry, cache, { exclude_resource_contents: true });
    expect(res.config?.[0]?.generic_xds_configs?.every((g) => g.xds_config === null)).toBe(true);
  });

  it.each([
    [{ exact: 'envoy-1' }, ['envoy-1']],
    [{ prefix: 'grpc-' }, ['grpc-client-7']],
    [{ suffix: '-7' }, ['grpc-client-7']],
    [{ contains: 'NVOY', ignore_case: true }, ['envoy-1']],
    [{ safe_regex: { regex: 'envoy-[0-9]+' } }, ['envoy-1']],
  ])('selects nodes by node_id matcher %j', (nodeId, expected) => {
    const { cache, registry } = fixture();
    const req = { node_matchers: [{ node_id: { ignore_case: false, ...nodeId }, node_metadatas: [] }] } as unknown as ClientStatusRequest;
    const res = clientStatus(registry, cache, req as Parameters<typeof clientStatus>[2]);
    expect(res.config?.map((c) => c.node?.id)).toEqual(expected);
  });

  it('leaves out streams whose node is not known yet, and closed streams', () => {
    const { cache, registry } = fixture();
    registry.onStreamOpen(aStream({ id: 3 }));
    registry.onStreamClosed(2);
    expect(clientStatus(registry, cache, {}).config?.map((c) => c.node?.id)).toEqual(['envoy-1']);
  });
});

describe('csdsService over gRPC', () => {
  let server: grpc.Server;
  let client: ClientStatusDiscoveryServiceClient;
  let ctx: ReturnType<typeof fixture>;

  beforeEach(async () => {
    ctx = fixture();
    const reg = csdsService({ registry: ctx.registry, cache: ctx.cache, logger: silentLogger });
    server = new grpc.Server();
    server.addService(reg.definition, reg.implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const pkg = grpc.loadPackageDefinition(xdsPackageDefinition()) as unknown as {
      envoy: { service: { status: { v3: { ClientStatusDiscoveryService: new (addr: string, creds: grpc.ChannelCredentials) => ClientStatusDiscoveryServiceClient } } } };
    };
    client = new pkg.envoy.service.status.v3.ClientStatusDiscoveryService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  function fetch(req: ClientStatusRequest): Promise<ClientStatusResponse__Output> {
    return new Promise((resolve, reject) => client.FetchClientStatus(req, (err, res) => (err || !res ? reject(err) : resolve(res))));
  }

  it('FetchClientStatus returns decodable resources and enum names', async () => {
    const res = await fetch({});
    expect(res.config.map((c) => c.node?.id)).toEqual(['envoy-1', 'grpc-client-7']);
    const a = res.config[0]?.generic_xds_configs[0];
    expect(a).toMatchObject({ type_url: CDS, name: 'a', config_status: 'SYNCED', client_status: 'ACKED', version_info: 'cds-v1' });
    const decoded = decodeMessage('envoy.config.cluster.v3.Cluster', a?.xds_config?.value as Uint8Array);
    expect(decoded.name).toBe('a');
    expect(a?.last_updated).toEqual({ seconds: '1700000002', nanos: 0 });
    const nacked = res.config[0]?.generic_xds_configs.find((g) => g.config_status === 'ERROR');
    expect(nacked?.error_state?.details).toBe('endpoints[0].locality unset');
  });

  it('FetchClientStatus honours node matchers and rejects metadata matchers', async () => {
    const res = await fetch({ node_matchers: [{ node_id: { prefix: 'grpc-' } }] });
    expect(res.config.map((c) => c.node?.id)).toEqual(['grpc-client-7']);
    await expect(fetch({ node_matchers: [{ node_metadatas: [{ path: [{ key: 'role' }] }] }] })).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  it('StreamClientStatus answers every request on the stream', async () => {
    const call = client.StreamClientStatus();
    const got: ClientStatusResponse__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: ClientStatusResponse__Output) => {
        got.push(r);
        if (got.length === 2) call.end();
      });
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ node_matchers: [{ node_id: { exact: 'envoy-1' } }] });
    call.write({});
    await done;
    expect(got.map((r) => r.config.length)).toEqual([1, 2]);
  });
});
